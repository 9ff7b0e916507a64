"""What the page tells about itself (the page, the browser, the campaign), and fresh ids and times."""
CAMPAIGN_KEYS = ['source', 'medium', 'campaign', 'term', 'content']  # utm_*; Segment names utm_campaign 'name'
# The referrer of a single-page app's later views is its previous URL (history.py sets it), not document.referrer.
state = {'referrer': None, 'timezone': None}


def context():
    """The page at the time of a call."""
    referrer = state['referrer']
    return {'url': location.href, 'path': location.pathname, 'search': location.search, 'title': document.title,
            'referrer': document.referrer if referrer == None else referrer}  # noqa: E711


def environment(at):
    """The context of an event made on page `at`, as analytics-next's enrichment has it (library aside)."""
    found = {'page': at, 'userAgent': navigator.userAgent, 'locale': navigator.language}
    if timezone():
        found['timezone'] = state['timezone']
    campaign = {}
    params = __new__(URLSearchParams(at['search']))
    for key in CAMPAIGN_KEYS:
        value = params.js_get('utm_' + key)
        if value != None:  # noqa: E711
            campaign['name' if key == 'campaign' else key] = value
            found['campaign'] = campaign
    return found


def timezone():
    """The IANA time zone, asked once: Intl is slow to ask, and the zone does not change under a page."""
    if state['timezone'] == None:  # noqa: E711
        try:
            state['timezone'] = Intl.DateTimeFormat().resolvedOptions().timeZone
        except:  # noqa: E722 -- no Intl: no timezone, as analytics-next
            state['timezone'] = ''
    return state['timezone']


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
