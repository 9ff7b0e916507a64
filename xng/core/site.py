"""Which hosts share the visitor's decision: the one rule for a cookieDomain, in the library and the stub.

A cookie with Domain=D reaches every host within D, so D must be a plain name (no separator or control
character that could end the attribute or add one) that the host is within: itself or a parent, two
labels at least (not a bare top-level name like 'com').
"""
from xng.core.values import is_domain_name, slice_of


def within(host, domain):
    """Whether `host` is `domain` or a host under it, `domain` being a valid cookie domain."""
    return is_domain_name(domain) and (host == domain or slice_of(host, -len(domain) - 1) == '.' + domain)
