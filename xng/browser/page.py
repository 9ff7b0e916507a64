"""What the page tells about itself (the page, the browser, the campaign), and fresh ids and times."""
from xng.core.values import slice_of
# The referrer of a single-page app's later views is its previous URL (history.py sets it), not document.referrer.
referrer = None
timezone = None  # asked once, at the first event


def set_referrer(url):
    global referrer
    referrer = url


def context():
    """The page at the time of a call."""
    return {'url': location.href, 'path': location.pathname, 'search': location.search, 'title': document.title,
            'referrer': referrer or document.referrer}


def environment(at):
    """The context of an event made on page `at`, as analytics-next's enrichment has it (library aside)."""
    global timezone
    if timezone == None:  # noqa: E711 -- asked once; null without Temporal or Intl
        try:  # the same IANA name either way; a page's first DateTimeFormat costs it 30 to 90 ms, Temporal's 0.03
            clock = window.Temporal
            timezone = clock.Now.timeZoneId() if clock else Intl.DateTimeFormat().resolvedOptions().timeZone
        except:  # noqa: E722
            pass
    found = {'page': at, 'userAgent': navigator.userAgent, 'locale': navigator.language, 'timezone': timezone}
    campaign = {}
    for pair in __new__(URLSearchParams(at['search'])):  # every utm_* parameter, utm_campaign as name, as analytics-next
        if pair[0].startsWith('utm_'):
            key = slice_of(pair[0], 4)
            campaign['name' if key == 'campaign' else key] = pair[1]
            found['campaign'] = campaign
    return found


def now_iso():
    return __new__(Date()).toISOString()


def uuid():
    """A random (v4) UUID: crypto.randomUUID exists only in secure contexts, getRandomValues everywhere (every
    browser with fetch has it)."""
    data = crypto.getRandomValues(__new__(Uint8Array(16)))
    data[6] = (data[6] & 15) | 64
    data[8] = (data[8] & 63) | 128
    digits = ''
    for index in range(16):
        digits += (data[index] + 256).toString(16).slice(1)
        if 680 >> index & 1:  # after bytes 3, 5, 7 and 9 (bits of 680)
            digits += '-'
    return digits
