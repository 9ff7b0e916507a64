"""What the page tells about itself (the page, the browser, the campaign), and fresh ids and times."""
from xng.core.values import slice_of
# The referrer of a single-page app's later views is its previous URL (history.py sets it), not document.referrer.
state = {'_referrer': None}


def context():
    """The page at the time of a call."""
    return {'url': location.href, 'path': location.pathname, 'search': location.search, 'title': document.title,
            'referrer': state['_referrer'] or document.referrer}


def environment(at):
    """The context of an event made on page `at`, as analytics-next's enrichment has it (library aside)."""
    if state['_timezone'] == None:  # noqa: E711 -- asked once (Intl is slow to ask); undefined, and left out, without Intl
        try:
            state['_timezone'] = Intl.DateTimeFormat().resolvedOptions().timeZone
        except:  # noqa: E722
            pass
    found = {'page': at, 'userAgent': navigator.userAgent, 'locale': navigator.language, 'timezone': state['_timezone']}
    campaign = {}
    for pair in __new__(URLSearchParams(at['search'])):  # every utm_* parameter, utm_campaign as name, as analytics-next
        if pair[0].startsWith('utm_'):
            key = slice_of(pair[0], 4, None)
            campaign['name' if key == 'campaign' else key] = pair[1]
            found['campaign'] = campaign
    return found


def now_iso():
    return __new__(Date()).toISOString()


def uuid():
    """A random (v4) UUID; crypto.randomUUID exists only in secure contexts, getRandomValues everywhere."""
    data = __new__(Uint8Array(16))
    try:
        crypto.getRandomValues(data)
    except:  # noqa: E722
        for index in range(16):
            data[index] = Math.floor(Math.random() * 256)
    data[6] = (data[6] & 15) | 64
    data[8] = (data[8] & 63) | 128
    digits = ''
    for index in range(16):
        digits += (data[index] + 256).toString(16).slice(1)
        if index == 3 or index == 5 or index == 7 or index == 9:
            digits += '-'
    return digits
