"""Only http(s) URLs from a message reach the page: no javascript:, data: or other schemes."""
from xng.core.values import type_of


def safe_url(value):
    """The absolute http(s) URL `value` resolves to, or None."""
    if type_of(value) != 'string' or value == '':
        return None
    try:
        url = __new__(URL(value, location.href))
    except:  # noqa: E722
        return None
    return url.href if url.protocol == 'http:' or url.protocol == 'https:' else None
