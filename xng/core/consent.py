"""The opt-out rules, over any cookie jar: {'read': f(name), 'write': f(name, value, max_age_ms), 'remove': f(name)}.

Presence of the cookie is the opt-out, whatever its value and whoever wrote it. It is never cached
across tasks: the tracker reads it at a task's first call and again before that task's events exist,
and the transport before every request, so an opt-out from another tab, page code or a server
response holds at once.
"""
from xng.core.values import split_text, text, to_int

OPT_OUT_COOKIE = 'xng.tracking-opt-out'
DAY_MS = 86400000
LIFETIME_MS = 730 * DAY_MS  # "2 years from the creation time", as the reference promises
# The SDK writes the creation time in ms; a value that is not such a time was written by someone else.
EARLIEST_CREATION_MS = 1500000000000


def cookie_value(raw, name):
    """The value of cookie `name` in a document.cookie string ('' if present without value), else None."""
    if raw == None or raw == '':  # noqa: E711 -- also JS undefined
        return None
    parts = split_text(raw, ';')
    for part in parts:
        pair = part.strip()
        at = pair.find('=')
        key = pair if at < 0 else pair[:at].strip()
        if key == name:
            return '' if at < 0 else pair[at + 1:].strip()
    return None


def created_at(value):
    """When the SDK wrote this opt-out value (ms), or None if the SDK did not write it."""
    created = to_int(value)
    if created == None or created < EARLIEST_CREATION_MS:  # noqa: E711
        return None
    return created


def is_opted_out(jar, signal_opt_out):
    """True when the opt-out cookie is present, or a privacy signal the site respects is on."""
    return jar['read'](OPT_OUT_COOKIE) != None or signal_opt_out == True  # noqa: E711,E712


def write_opt_out(jar, opted_out, now_ms):
    """Create the cookie (value: its creation time, lifetime 2 years) or delete it."""
    if opted_out:
        jar['write'](OPT_OUT_COOKIE, text(now_ms), LIFETIME_MS)
    else:
        jar['remove'](OPT_OUT_COOKIE)


def refresh_opt_out(jar, now_ms):
    """Rewrite an SDK-written cookie with the lifetime it has left.

    Chromium keeps a cookie at most 400 days and Safari keeps script-written cookies 7 days, so the
    2-year promise holds only if each visit renews the cookie up to its original end. A cookie the
    SDK did not write is left alone; one past its 2 years is deleted (the visitor is opted in again).
    """
    value = jar['read'](OPT_OUT_COOKIE)
    created = created_at(value) if value != None else None  # noqa: E711
    if created == None:  # noqa: E711
        return None
    left = min(created + LIFETIME_MS - now_ms, LIFETIME_MS)
    if left <= 0:
        jar['remove'](OPT_OUT_COOKIE)
        return 0
    jar['write'](OPT_OUT_COOKIE, value, left)
    return left
