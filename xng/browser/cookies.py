"""The document.cookie jar, with an in-memory fallback for pages where cookies throw or are blocked.

In a sandboxed iframe without allow-same-origin, reading document.cookie throws a SecurityError;
with cookies blocked by settings, writes vanish. Either way an opt-out still holds for the life of
the page, in memory.
"""
from org.transcrypt.stubs.browser import __pragma__
from xng.core.consent import cookie_value
from xng.core.site import within

PROBE_COOKIE = 'xng.domain-probe'
configured_domain = None  # the cookieDomain to write with ...
auto_domain = False  # ... or 'auto': found at the first write
memory = {}  # name -> value, for cookies the browser would not keep


def valid_domain(cookie_domain):
    """'auto', or a domain this host is within (see xng/core/site.py)."""
    return cookie_domain == 'auto' or within(location.hostname, cookie_domain)


def configure(cookie_domain):
    """'auto' finds the registrable domain on first write; a valid domain is used as given."""
    global configured_domain, auto_domain
    auto_domain = cookie_domain == 'auto'
    configured_domain = cookie_domain if not auto_domain and cookie_domain else None


def raw_cookies():
    try:
        return document.cookie
    except:  # noqa: E722 -- SecurityError in sandboxed frames
        return None


def read(name):
    """The cookie's value ('' when present without one), else None."""
    return read_in(raw_cookies(), name)


def read_in(raw, name):
    """Like read(), from a document.cookie string already read in this same call."""
    value = cookie_value(raw, name)
    if value == None:  # noqa: E711
        return memory[name]  # undefined (== None) when not there: no `in`, which needs a runtime helper
    return value


def assign(cookie):
    try:
        document.cookie = cookie
    except:  # noqa: E722
        pass


def attributes(max_age_ms, domain):
    seconds = Math.floor(max_age_ms / 1000)
    expires = __new__(Date(Date.now() + seconds * 1000)).toUTCString()
    # Never Secure: the decision is no secret, and the http pages of the site must see it too.
    parts = '; Max-Age=' + seconds + '; Expires=' + expires + '; Path=/; SameSite=Lax'
    if domain:
        parts += '; Domain=' + domain
    return parts


def write(name, value, max_age_ms):
    """Set a cookie for the configured domain; keep it in memory if the browser does not."""
    assign(name + '=' + value + attributes(max_age_ms, cookie_domain()))
    if cookie_value(raw_cookies(), name) == value:
        del memory[name]
    else:
        memory[name] = value


def erase(name):
    """Delete the cookie for the configured domain and the host-only variant."""
    assign(name + '=' + attributes(0, None))
    domain = cookie_domain()
    if domain:
        assign(name + '=' + attributes(0, domain))
    del memory[name]


def cookie_domain():
    global configured_domain, auto_domain
    if auto_domain:
        configured_domain = find_root_domain()
        auto_domain = False
    return configured_domain


def find_root_domain():
    """The widest domain the browser accepts a cookie for, found by trial writes (as mature SDKs do).

    A public suffix (com, co.uk, github.io) refuses the cookie, so the first domain that keeps
    it, trying from the shortest, is the registrable one.
    """
    labels = location.hostname.js_split('.')  # native split: no runtime helper for it in the bundle
    candidate = labels[len(labels) - 1]
    if len(labels) < 2 or isFinite(candidate):  # localhost or an IP: host-only
        return None
    # Grown a label at a time from the top-level one. Not labels.slice(start).join('.'): the runtime
    # shaker cannot tell Array.join from Transcrypt's str.join, and would keep the latter for it.
    for start in range(len(labels) - 2, -1, -1):
        candidate = labels[start] + '.' + candidate
        assign(PROBE_COOKIE + '=1' + attributes(60000, candidate))
        if cookie_value(raw_cookies(), PROBE_COOKIE) != None:  # noqa: E711
            assign(PROBE_COOKIE + '=' + attributes(0, candidate))
            return candidate
    return None


jar = {'read': read, 'write': write, 'remove': erase}
