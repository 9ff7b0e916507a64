"""The tracking client: init, page/track/identify, flush and the opt-out, wired to the browser adapters.

Every call checks the opt-out first. While opted out a call is a no-op that only makes sure
nothing of the visitor's is left: no request, no timer, no cookie or storage write.

A call only keeps what it was given, with its time and page, in `pending`; the events are built,
queued and given ids when the task's calls are drained, in a microtask (or at once by flush() and
on page exit). The opt-out cookie is read at the first call of a task and read again at the drain,
before any id is written or anything queued: an opt-out made meanwhile (any tab, page code, a
server response) drops the task's calls. One read then serves a burst of calls.
"""
from xng.browser import cookies, optout, page, storage, transport
from xng.browser.channels import urls
from xng.core import consent, events, queue
from xng.core.site import within
from xng.core.values import push, guard, slice_of, is_object, to_json, type_of, warn

ANONYMOUS_ID_COOKIE = 'xng.anonymous-id'
ANONYMOUS_ID_MS = 365 * 86400000
MAX_USER_ID = 1024  # characters; a longer "id" is a bug in the page, not an id
OPTION_NAMES = ['endpoint', 'apiKey', 'cookieDomain', 'messagesEndpoint', 'pollInterval', 'serverOptOut',
                'respectGlobalPrivacyControl', 'respectDoNotTrack', 'consentEndpoint', 'optOutByDefault']
state = {'options': None, 'queue': None, 'pending': [], 'user_id': None, 'clean': False, 'checked': False,
         'dropped': 0}
hooks = {'init': [], 'sent': [], 'forget': []}  # the channels' hooks: options known, batch delivered, opted out


def init(options):
    """Configure the collector; calls made before this are sent after it."""
    if not is_object(options):
        warn('xng.init: not an object:', options)
        return False
    options = snapshot(options)
    if not urls.safe_url(options['endpoint']):  # a non-empty string naming an http(s) URL
        warn('xng.init: bad endpoint:', options['endpoint'])
        return False
    domain = options['cookieDomain']
    if domain != None and not cookies.valid_domain(domain):  # noqa: E711 -- a cookie it would write would vanish
        warn('xng.init: bad cookieDomain:', domain)
        return False
    if options['consentEndpoint'] != None and not urls.safe_url(options['consentEndpoint']):  # noqa: E711
        warn('xng.init: bad consentEndpoint:', options['consentEndpoint'])
        return False
    if state['options'] != None:  # noqa: E711
        warn('xng.init: already done; ignored:', options)
        return False
    state['options'] = options
    cookies.configure(domain)
    optout.configure(options)
    renew()
    if optout.is_opted_out():
        forget()
    else:
        start()
        drain()  # the calls made before init
    for hook in hooks['init']:
        hook(options)
    return True


def snapshot(options):
    """Read each option once, here: a getter that throws fails this init, not a later send."""
    copy = {}
    for key in OPTION_NAMES:
        copy[key] = options[key]
    return copy


def start():
    """Opted in with options known: create the queue and adopt orphaned events."""
    state['queue'] = queue.create(queue_deps(), [])
    window.addEventListener('storage', on_storage)
    storage.claim_orphans(adopt)


def queue_deps():
    return {
        'send': send_events, 'save': storage.save_queue, 'warn': warn, 'random': Math.random,
        'set_timer': setTimeout.bind(window), 'clear_timer': clearTimeout.bind(window),
        'allowed': lambda: not optout.is_opted_out(),
    }


def adopt(persisted):
    """Events a closed tab (or this tab's previous page) left unsent: send them now."""
    for event in persisted:
        queue.enqueue(state['queue'], event)


def send_events(batch, keepalive, done):
    body = {'batch': batch, 'sentAt': page.now_iso()}
    if type_of(state['options']['apiKey']) == 'string':
        body['apiKey'] = state['options']['apiKey']

    def answered(status, retry_after):
        done(status, retry_after)
        if status != None and status >= 200 and status < 300:  # noqa: E711
            for hook in hooks['sent']:
                hook()

    transport.post_batch(state['options']['endpoint'], to_json(body), keepalive, answered)


def record(fields):
    """Keep one call (its fields, time and page) for the drain."""
    if not state['checked']:  # the task's first call: read the cookie, and drain when the task ends
        if optout.is_opted_out():
            forget()
            return
        queueMicrotask(safe_drain)
        state['checked'] = True
    pending = state['pending']
    if len(pending) >= queue.MAX_QUEUED_EVENTS:  # a runaway loop, or no init: the oldest go, as in the queue
        pending.shift()
        state['dropped'] += 1
    push(pending, {'fields': fields, 'time': page.now_iso(), 'page': page.context()})


def drain():
    """Turn the kept calls into queued events, after reading the opt-out again (once for all of them)."""
    state['checked'] = False
    calls = state['pending']
    if len(calls) == 0 or state['options'] == None:  # noqa: E711 -- before init: kept until then
        return
    raw = cookies.raw_cookies()
    if optout.opted_out_in(raw):
        forget()
        return
    if state['queue'] == None:  # noqa: E711 -- opted in again since init
        start()
    state['pending'] = []
    state['clean'] = False
    state['queue']['dropped'] += state['dropped']  # the queue's one warning counts them with its own
    state['dropped'] = 0
    ids = {'anonymousId': anonymous_id(raw), 'userId': user_id()}
    for call in calls:
        user = call['fields']['userId']
        if user != None:  # noqa: E711 -- identify(): it and later events carry the new id
            state['user_id'] = user
            storage.write(storage.USER_ID_KEY, user)
            ids['userId'] = user
        event = events.build(call['fields'], ids, call['page'], call['time'], page.uuid())
        queue.enqueue_checked(state['queue'], event)


safe_drain = guard('drain', drain)  # from a microtask, flush() or page exit: a failure stays a warning


def page_view(properties):
    if properties != None and not is_object(properties):  # noqa: E711
        warn('xng.page: bad properties, dropped:', properties)
    record(events.page_fields(properties, page.context()))


def track(event_name, properties):
    if type_of(event_name) != 'string' or event_name == '':
        warn('xng.track: bad event name, not sent:', event_name)
        return
    if properties != None and not is_object(properties):  # noqa: E711
        warn('xng.track: bad properties, dropped:', properties)
    record(events.track_fields(event_name, properties))


def identify(user_id, traits):
    if type_of(user_id) == 'number' and isFinite(user_id):
        user_id = String(user_id)
    if type_of(user_id) != 'string' or user_id == '' or len(user_id) > MAX_USER_ID:
        warn('xng.identify: bad userId, not sent:', user_id)
        return
    record(events.identify_fields(traits, user_id))


def anonymous_id(raw):
    """The id in the cookie, read at each use: an opt-out in another tab deletes it, and a new one starts."""
    known = cookies.read_in(raw, ANONYMOUS_ID_COOKIE)
    if known:
        return known
    fresh = page.uuid()
    cookies.write(ANONYMOUS_ID_COOKIE, fresh, ANONYMOUS_ID_MS)
    return fresh


def user_id():
    """The id identify() stored, read at each use for the same reason (in memory where storage throws)."""
    return storage.read(storage.USER_ID_KEY) if storage.area() else state['user_id']


def on_storage(event):
    """Another tab removed an xng key: if it opted out, forget here too (panel, timers, queue) at once.

    Only an opt-out deletes this tab's queue, so then the queue goes even if the visitor opted in again.
    """
    key = event.key
    if event.newValue != None or not key or not key.startsWith('xng.'):  # noqa: E711
        return
    if key == storage.tab['key'] and state['queue'] != None:  # noqa: E711
        queue.drop_all(state['queue'])
    if optout.is_opted_out():
        state['clean'] = False
        forget()


def flush():
    """A Promise resolved once every queued event has been handed to the network and answered."""
    def run(resolve):
        safe_drain()  # calls made in this task go too
        if state['queue'] == None:  # noqa: E711 -- before init
            resolve()
            return
        try:
            queue.flush(state['queue'], resolve)
        except:  # noqa: E722 -- never a rejection in the page
            resolve()
    return __new__(Promise(run))


def flush_on_exit():
    """pagehide or hidden: hand what is queued to keepalive requests."""
    safe_drain()
    if state['queue'] != None:  # noqa: E711
        queue.flush_on_exit(state['queue'])


def leave():
    """pagehide: flush, and free this tab's queue for the next page."""
    flush_on_exit()
    if state['queue'] != None and not optout.is_opted_out():  # noqa: E711
        storage.release_queue()


def set_tracking_opt_out(opted_out):
    """true writes the opt-out cookie and forgets everything; false deletes it."""
    if type_of(opted_out) != 'boolean':
        warn('xng.setTrackingOptOut: not a boolean, unchanged:', opted_out)
        return
    if not opted_out:  # this task's calls first, under the cookie as it is (page code may have set it)
        safe_drain()
    optout.write(opted_out)
    if opted_out:
        state['clean'] = False
        forget()
    tell_server(opted_out)


def tell_server(opted_out):
    """With serverOptOut, the site's consent route also sets (or clears) the cookie by Set-Cookie."""
    if state['options'] != None and uses_server():  # noqa: E711
        post_consent(opted_out, None)


def consent_url(opted_out):
    """POST {consentEndpoint}/opt-out or /opt-in; by default consentEndpoint is /api on the endpoint's origin."""
    options = state['options']
    base = urls.safe_url(options['consentEndpoint']) or __new__(URL(options['endpoint'], location.href)).origin + '/api'
    if slice_of(base, -1, None) == '/':
        base = slice_of(base, 0, -1)
    return base + ('/opt-out' if opted_out else '/opt-in')


def uses_server():
    """serverOptOut, where the server's Set-Cookie reaches this page's cookie: its host is this host, or lies
    within the cookieDomain. Elsewhere (another host, no cookieDomain) the script writes the cookie itself."""
    if state['options']['serverOptOut'] != True or optout.cross_site():  # noqa: E712 -- no 'auto' probe there either
        return False
    host = __new__(URL(consent_url(True))).hostname
    return host == location.hostname or within(host, cookies.cookie_domain())


def post_consent(opted_out, created):
    return transport.post_consent(consent_url(opted_out), created, state['options']['optOutByDefault'] == True)  # noqa: E712


def renew():
    """Renew an SDK-written opt-out for the lifetime it has left, through the server at most once a day.

    A script rewrite would let Safari cut the cookie to 7 days, so with serverOptOut the server renews it,
    and its Set-Cookie puts today's day in the value: later loads today send nothing. If the server cannot
    be reached, the script renews it (a shorter cookie beats a lapsed one) with today's day all the same,
    reading the cookie again: an opt-in made meanwhile has deleted it, and it must stay deleted.
    """
    if not uses_server():
        optout.refresh(cookies.jar)
        return
    value = cookies.read(consent.OPT_OUT_COOKIE)
    if consent.needs_renewal_today(value, Date.now()):
        post_consent(True, consent.created_at(value)).then(lambda renewed: None if renewed else optout.refresh(today_jar))


def renew_today(name, value, max_age_ms):
    cookies.write(name, consent.renewed_value(consent.created_at(value), Date.now()), max_age_ms)


today_jar = {'read': cookies.read, 'write': renew_today, 'remove': cookies.erase}


def forget():
    """Opted out: drop unsent events, timers and the SDK's identifiers (once, then nothing is touched)."""
    state['pending'] = []
    state['checked'] = False
    state['dropped'] = 0
    if state['queue'] != None:  # noqa: E711
        queue.drop_all(state['queue'])
    if state['clean']:
        return
    state['user_id'] = None
    if cookies.read(ANONYMOUS_ID_COOKIE) != None:  # noqa: E711
        cookies.erase(ANONYMOUS_ID_COOKIE)
    storage.forget_all()
    for hook in hooks['forget']:
        hook()
    state['clean'] = True
