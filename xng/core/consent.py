"""The consent rules over any cookie jar: the one source for the library, the loader stub and the server.

A jar is a plain object {'read': f(name), 'write': f(name, value, max_age_ms), 'remove': f(name)}.

Presence of the opt-out cookie is the opt-out, whatever its value and whoever wrote it; it wins over
the opt-in cookie. The opt-in cookie only matters with optOutByDefault, where a visitor with neither
is 'pending' (not asked yet) and counts as opted out. Neither is cached across tasks: the tracker
reads them at a task's first call and again before that task's events exist, and the transport
before every request, so a decision from another tab, page code or a server response holds at once.

Values: the creation time in ms floored to 00:00 UTC, a value that many visitors share (an exact
time would identify the browser on every request), then optionally '.' and the day of the last
server renewal, so that serverOptOut asks the server at most once a day. Old values (the exact
creation time) still count as written by the SDK.
"""
from xng.core.values import floor_to, index_of, slice_of, split_text, text, to_int, trim

OPT_OUT_COOKIE = 'xng.tracking-opt-out'
OPT_IN_COOKIE = 'xng.tracking-opt-in'
DAY_MS = 86400000
LIFETIME_MS = 730 * DAY_MS  # "2 years from the creation time", as the reference promises
# The SDK writes a time in ms; a value that is not such a time was written by someone else.
EARLIEST_CREATION_MS = 1500000000000
GRANTED = 'granted'
DENIED = 'denied'
PENDING = 'pending'


def cookie_value(raw, name):
    """The value of cookie `name` in a document.cookie string ('' if present without value), else None."""
    if raw == None or raw == '':  # noqa: E711 -- also JS undefined
        return None
    for part in split_text(raw, ';'):
        pair = trim(part)
        at = index_of(pair, '=')
        key = pair if at < 0 else trim(slice_of(pair, 0, at))
        if key == name:
            return '' if at < 0 else trim(slice_of(pair, at + 1))
    return None


def day_of(ms):
    """`ms` floored to 00:00 UTC of its day."""
    return floor_to(ms, DAY_MS)


def parse_value(value):
    """{'created': ms, 'renewed': ms or None} for a value the SDK wrote, else None."""
    if value == None:  # noqa: E711
        return None
    parts = split_text(value, '.')
    if len(parts) > 2:
        return None
    created = to_int(parts[0])
    renewed = to_int(parts[1]) if len(parts) == 2 else None
    if created == None or created < EARLIEST_CREATION_MS or len(parts) == 2 and renewed == None:  # noqa: E711
        return None
    return {'created': created, 'renewed': renewed}


def created_at(value):
    """When the SDK wrote this value (ms, as stored), or None if the SDK did not write it."""
    parsed = parse_value(value)
    return None if parsed == None else parsed['created']  # noqa: E711


def new_value(now_ms):
    """The value of a cookie created now: its day."""
    return text(day_of(now_ms))


def renewed_value(created, now_ms):
    """The value after a server renewal today: the creation day, then today."""
    return text(day_of(created)) + '.' + text(day_of(now_ms))


def needs_renewal_today(value, now_ms):
    """False when the server already renewed this SDK-written value today (one request a day at most)."""
    parsed = parse_value(value)
    return parsed != None and parsed['renewed'] != day_of(now_ms)  # noqa: E711


def lifetime_left(created, now_ms):
    return min(created + LIFETIME_MS - now_ms, LIFETIME_MS)


def status(jar, signal_opt_out, opt_out_by_default):
    """'denied' (opt-out cookie or a respected privacy signal), 'granted', or 'pending' (optOutByDefault, no choice)."""
    if signal_opt_out == True or jar['read'](OPT_OUT_COOKIE) != None:  # noqa: E711,E712
        return DENIED
    if opt_out_by_default == True and jar['read'](OPT_IN_COOKIE) == None:  # noqa: E711,E712
        return PENDING
    return GRANTED


def is_opted_out(jar, signal_opt_out, opt_out_by_default):
    """True unless tracking is granted: opted out, or pending consent."""
    return status(jar, signal_opt_out, opt_out_by_default) != GRANTED


def write_choice(jar, opted_out, now_ms, opt_out_by_default):
    """An opt-out writes its cookie and deletes the opt-in; an opt-in deletes the opt-out (and, by default opted out, writes its own)."""
    if opted_out:
        jar['write'](OPT_OUT_COOKIE, new_value(now_ms), LIFETIME_MS)
        if jar['read'](OPT_IN_COOKIE) != None:  # noqa: E711 -- the opt-out would win anyway; no needless write
            jar['remove'](OPT_IN_COOKIE)
    else:
        jar['remove'](OPT_OUT_COOKIE)
        if opt_out_by_default == True:  # noqa: E712
            jar['write'](OPT_IN_COOKIE, new_value(now_ms), LIFETIME_MS)


def clear_choice(jar):
    """Forget the decision: both cookies go (back to the default)."""
    jar['remove'](OPT_OUT_COOKIE)
    jar['remove'](OPT_IN_COOKIE)


def refresh(jar, name, now_ms, renewed_today):
    """Rewrite an SDK-written cookie (floored) with the lifetime it has left; None if absent or foreign.

    Chromium keeps a cookie at most 400 days and Safari keeps script-written cookies 7 days, so the
    2-year promise holds only if each visit renews the cookie up to its original end. A cookie the
    SDK did not write is left alone; one past its 2 years is deleted (back to the default).
    The value keeps its renewal day, or gets today's with `renewed_today` (serverOptOut's script fallback:
    no second request today).
    """
    value = jar['read'](name)
    parsed = parse_value(value)
    if parsed == None:  # noqa: E711
        return None
    left = lifetime_left(parsed['created'], now_ms)
    if left <= 0:
        jar['remove'](name)
        return 0
    renewed = day_of(now_ms) if renewed_today else parsed['renewed']
    jar['write'](name, text(day_of(parsed['created'])) + ('' if renewed == None else '.' + text(renewed)), left)  # noqa: E711
    return left
