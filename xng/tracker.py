"""The tracking client: init, page/track/identify/group/alias/reset, flush and the opt-out, wired to the browser adapters.

Every call checks the opt-out first. While opted out a call is a no-op that only makes sure
nothing of the visitor's is left: no request, no timer, no cookie or storage write.

A call only keeps what it was given, with its time and page, in `pending`; the events are built,
queued and given ids when the task's calls are drained, in a microtask (or at once by flush() and
on page exit). The opt-out cookie is read at the first call of a task and read again at the drain,
before any id is written or anything queued: an opt-out made meanwhile (any tab, page code, a
server response) drops the task's calls. One read then serves a burst of calls.

With optOutByDefault a visitor who has not chosen yet is 'pending': opted out, except that the calls
are held in page memory only (`held`, the newest MAX_HELD), never written anywhere, until an opt-in
on this page replays them in order; an opt-out, or leaving the page, drops them.
"""
from xng.browser import cookies, history, optout, page, storage, transport
from xng.browser.channels import urls
from xng.core import consent, events, queue
from xng.core.site import within
from xng.core.values import push, guard, slice_of, is_finite_number, is_object, to_json, type_of, warn

ANONYMOUS_ID_COOKIE = 'xng.anonymous-id'
ANONYMOUS_ID_MS = 365 * 86400000
MAX_USER_ID = 1024  # characters; a longer "id" is a bug in the page, not an id
MAX_HELD = 100  # calls held while consent is pending (in memory only): the newest are kept
# The channels (xng/messaging.py) add theirs, CHANNEL_OPTION_NAMES: the core build has no use for them.
OPTION_NAMES = ['endpoint', 'writeKey', 'apiKey', 'authorization', 'cookieDomain', 'serverOptOut',
                'respectGlobalPrivacyControl', 'respectDoNotTrack', 'consentEndpoint', 'optOutByDefault', 'trackPageViews']
# The tracker's state: module variables (the functions that assign one say `global`), which minify shortest.
settings = None        # the init options (snapshot), once init has accepted them
outbox = None          # the event queue (xng/core/queue.py), from init or the first drain while granted
pending = []           # this task's calls, until the drain
held = []              # calls held while consent is pending (page memory only)
user_in_memory = None  # the user id where storage throws
clean = False          # nothing of the visitor's is left (forget() has run since the last event)
checked = False        # this task's first call has read the cookie and scheduled the drain
dropped = 0            # calls dropped beyond MAX_QUEUED_EVENTS before the drain (one warning counts them)
opted_in = False       # optInTracking() on this page (before init, the mode was not known yet)
# The channels' hooks: options known, batch delivered, opted out.
init_hooks = []
sent_hooks = []
forget_hooks = []


def init(options):
    """Configure the collector; calls made before this are sent after it."""
    global settings
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
    views = options['trackPageViews']
    if not keyed(options) or views != None and type_of(views) != 'boolean' and views != 'history':  # noqa: E711
        warn('xng.init: bad writeKey/authorization/trackPageViews:', options)
        return False
    if settings != None:  # noqa: E711
        warn('xng.init: twice, ignored:', options)
        return False
    settings = options
    cookies.configure(domain)
    optout.configure(options)
    renew()
    if opted_in and optout.status() == consent.PENDING:  # optInTracking() before init: the mode is known now
        optout.write(False)
        tell_server(False)
    now = optout.status()
    if now != consent.GRANTED:
        withhold(now, [])  # the calls made before init wait for consent (or go, if denied)
    else:
        start()
        drain()  # the calls made before init
    for hook in init_hooks:
        hook(options)
    if views == 'history':  # a same-document navigation to another path or query: a page view
        history.watch(page_view)
    if views:
        page_view(None, None, None)
    return True


def snapshot(options):
    """Read each option once, here: a getter that throws fails this init, not a later send."""
    copy = {}
    for key in OPTION_NAMES:
        copy[key] = options[key]
    return copy


def keyed(options):
    """Resolve the write key (apiKey is its old name) and the Basic header; False if either is bad."""
    key = options['apiKey'] if options['writeKey'] == None else options['writeKey']  # noqa: E711
    basic = options['authorization']
    options['writeKey'] = key
    # As RudderStack reads it: the write key as user name, no password (btoa throws beyond Latin-1).
    options['authorization'] = 'Basic ' + btoa(key + ':') if basic == 'basic' and type_of(key) == 'string' else None
    return is_text(key) and (basic == None or options['authorization'] != None)  # noqa: E711


def start():
    """Opted in with options known: create the queue and adopt orphaned events."""
    global outbox
    outbox = queue.create(queue_deps(), [])
    window.addEventListener('storage', on_storage)
    storage.claim_orphans(adopt)


def queue_deps():
    return {
        '_send': send_events, '_save': storage.save_queue, '_warn': warn, '_random': Math.random,
        '_set_timer': setTimeout.bind(window), '_clear_timer': clearTimeout.bind(window),
        '_allowed': lambda: not optout.is_opted_out(),
    }


def adopt(persisted):
    """Events a closed tab (or this tab's previous page) left unsent: send them now."""
    for event in persisted:
        queue.enqueue(outbox, event)


def send_events(batch, keepalive, done):
    """One batch, in analytics-next's envelope: {batch, sentAt, writeKey}."""
    body = {'batch': batch, 'sentAt': page.now_iso()}
    if settings['writeKey'] != None:  # noqa: E711
        body['writeKey'] = settings['writeKey']

    def answered(status, retry_after):
        done(status, retry_after)
        if status != None and status >= 200 and status < 300:  # noqa: E711
            for hook in sent_hooks:
                hook()

    transport.post_batch(settings['endpoint'], to_json(body), keepalive, answered, settings['authorization'])


def record(fields):
    """Keep one call (its fields, time and page) for the drain."""
    global checked, dropped
    call = {'_fields': fields, '_time': page.now_iso(), '_page': page.context()}
    if not checked:  # the task's first call: read the cookie, and drain when the task ends
        now = optout.status()
        if now != consent.GRANTED:
            withhold(now, [call])
            return
        queueMicrotask(safe_drain)
        checked = True
    if len(pending) >= queue.MAX_QUEUED_EVENTS:  # a runaway loop, or no init: the oldest go, as in the queue
        pending.shift()
        dropped += 1
    push(pending, call)


def withhold(now, calls):
    """Not granted: nothing of the visitor's is kept, but while pending the calls wait in memory for an opt-in."""
    global held
    kept = held.concat(pending, calls) if now == consent.PENDING else []
    forget()
    while len(kept) > MAX_HELD:
        kept.shift()
    held = kept


def drain():
    """Turn the kept calls into queued events, after reading the opt-out again (once for all of them)."""
    global checked, clean, dropped, held, pending
    checked = False
    calls = held.concat(pending)  # held while pending: they were made first
    if len(calls) == 0 or settings == None:  # noqa: E711 -- before init: kept until then
        return
    raw = cookies.raw_cookies()
    now = optout.status_in(raw)
    if now != consent.GRANTED:
        withhold(now, [])
        return
    if outbox == None:  # noqa: E711 -- opted in again since init
        start()
    pending = []
    held = []
    clean = False
    outbox['_dropped'] += dropped  # the queue's one warning counts them with its own
    dropped = 0
    ids = {'anonymousId': anonymous_id(raw), 'userId': user_id()}
    for call in calls:  # each call carries the identity current where it stands among them
        fields = call['_fields']
        if fields['type'] == 'reset':  # logout: no user, a new anonymous id, for the calls after it
            set_user_id(None)
            ids = {'anonymousId': new_anonymous_id(), 'userId': None}
            continue
        if fields['type'] == 'identify':  # it and later events carry the new id
            set_user_id(fields['userId'])
            ids['userId'] = fields['userId']
        event = events.build(fields, ids, page.environment(call['_page']), call['_time'], page.uuid(),
                             settings['writeKey'])
        queue.enqueue_checked(outbox, event, events.measured)  # measured once, by build()


safe_drain = guard('drain', drain)  # from a microtask, flush() or page exit: a failure stays a warning


def page_view(category, name, properties):
    """Segment's forms: page(), page(name), page(name, properties), page(category, name, properties?), page(properties)."""
    if properties == None and (name == None or is_object(name)):  # noqa: E711 -- one or two arguments: no category
        properties = name
        name = category
        category = None
    if properties == None and is_object(name):  # noqa: E711 -- page(properties)
        properties = name
        name = None
    if not (is_text(category) and is_text(name)) or properties != None and not is_object(properties):  # noqa: E711
        warn('xng.page: bad arguments:', [category, name, properties])
        return
    record(events.page_fields(category, name, properties, page.context()))


def is_text(value):
    return value == None or type_of(value) == 'string'  # noqa: E711


def track(event_name, properties):
    if type_of(event_name) != 'string' or event_name == '':
        warn('xng.track: bad event name:', event_name)
        return
    if properties != None and not is_object(properties):  # noqa: E711
        warn('xng.track: bad properties, dropped:', properties)
    record(events.track_fields(event_name, properties))


def identify(user_id, traits):
    user_id = id_of('identify', user_id)
    if user_id != None:  # noqa: E711
        record(events.identify_fields(traits, user_id))


def group(group_id, traits):
    group_id = id_of('group', group_id)
    if group_id != None:  # noqa: E711
        record(events.group_fields(group_id, traits))


def alias(user_id, previous_id):
    """The visitor's new id `user_id` is the same person as `previous_id` (default: the current id)."""
    user_id = id_of('alias', user_id)
    if user_id == None:  # noqa: E711
        return
    previous = None if previous_id == None else id_of('alias', previous_id)  # noqa: E711
    if previous != None or previous_id == None:  # noqa: E711
        record(events.alias_fields(user_id, previous))


def reset():
    """Logout: later calls have no user id and a new anonymous id; calls made before keep theirs."""
    record({'type': 'reset'})


def id_of(method, value):
    """A user or group id as a string (a finite number is turned into one), or None after one warning."""
    if is_finite_number(value):
        value = String(value)
    if type_of(value) != 'string' or value == '' or len(value) > MAX_USER_ID:
        warn('xng.' + method + ': bad id:', value)
        return None
    return value


def anonymous_id(raw):
    """The id in the cookie, read at each use: an opt-out in another tab deletes it, and a new one starts."""
    return cookies.read_in(raw, ANONYMOUS_ID_COOKIE) or new_anonymous_id()


def new_anonymous_id():
    fresh = page.uuid()
    cookies.write(ANONYMOUS_ID_COOKIE, fresh, ANONYMOUS_ID_MS)
    return fresh


def user_id():
    """The id identify() stored, read at each use for the same reason (in memory where storage throws)."""
    return storage.read(storage.USER_ID_KEY) if storage.area() else user_in_memory


def set_user_id(user):
    global user_in_memory
    user_in_memory = user
    if user == None:  # noqa: E711
        storage.erase(storage.USER_ID_KEY)
    else:
        storage.write(storage.USER_ID_KEY, user)


def current(read):
    """An id as read(): None while opted out or before it exists; reading never creates one."""
    safe_drain()  # this task's calls first: an identify() or reset() among them has already changed it
    return None if optout.is_opted_out() else read() or None


def get_anonymous_id():
    return current(lambda: cookies.read(ANONYMOUS_ID_COOKIE))


def get_user_id():
    return current(user_id)


def on_storage(event):
    """Another tab removed an xng key: if it opted out, forget here too (panel, timers, queue) at once.

    Only an opt-out deletes this tab's queue, so then the queue goes even if the visitor opted in again.
    """
    global clean
    key = event.key
    if event.newValue != None or not key or not key.startsWith('xng.'):  # noqa: E711
        return
    if key == storage.TAB_KEY and outbox != None:  # noqa: E711
        queue.drop_all(outbox)
    now = optout.status()
    if now != consent.GRANTED:
        clean = False
        withhold(now, [])


def flush():
    """A Promise resolved once every queued event has been handed to the network and answered."""
    def run(resolve):
        safe_drain()  # calls made in this task go too
        if outbox == None:  # noqa: E711 -- before init
            resolve()
            return
        try:
            queue.flush(outbox, resolve)
        except:  # noqa: E722 -- never a rejection in the page
            resolve()
    return __new__(Promise(run))


def flush_on_exit():
    """pagehide or hidden: hand what is queued to keepalive requests."""
    safe_drain()
    if outbox != None:  # noqa: E711
        queue.flush_on_exit(outbox)


def leave():
    """pagehide: flush, and free this tab's queue for the next page."""
    flush_on_exit()
    if outbox != None and not optout.is_opted_out():  # noqa: E711
        storage.release_queue()


def set_tracking_opt_out(opted_out):
    """true writes the opt-out cookie and forgets everything; false deletes it."""
    global clean, opted_in
    if type_of(opted_out) != 'boolean':
        warn('xng.setTrackingOptOut: not a boolean:', opted_out)
        return
    if not opted_out:  # this task's calls first, under the cookie as it is (page code may have set it)
        safe_drain()
    optout.write(opted_out)
    opted_in = not opted_out
    if opted_out:
        clean = False
        forget()
    tell_server(opted_out)
    if not opted_out:
        safe_drain()  # the calls held while consent was pending, in the order they were made


def clear_tracking_consent():
    """Forget the decision (a consent manager's reset): both cookies go, back to the site's default."""
    global clean, opted_in
    optout.forget_choice()
    opted_in = False
    now = optout.status()
    if now != consent.GRANTED:
        clean = False
        withhold(now, [])


def tell_server(opted_out):
    """With serverOptOut, the site's consent route also sets (or clears) the cookie by Set-Cookie."""
    if settings != None and uses_server():  # noqa: E711
        post_consent(opted_out, None)


def consent_url(opted_out):
    """POST {consentEndpoint}/opt-out or /opt-in; by default consentEndpoint is /api on the endpoint's origin."""
    base = urls.safe_url(settings['consentEndpoint']) or __new__(URL(settings['endpoint'], location.href)).origin + '/api'
    if slice_of(base, -1) == '/':
        base = slice_of(base, 0, -1)
    return base + ('/opt-out' if opted_out else '/opt-in')


def uses_server():
    """serverOptOut, where the server's Set-Cookie reaches this page's cookie: its host is this host, or lies
    within the cookieDomain. Elsewhere (another host, no cookieDomain) the script writes the cookie itself."""
    if settings['serverOptOut'] != True or optout.cross_site():  # noqa: E712 -- no 'auto' probe there either
        return False
    host = __new__(URL(consent_url(True))).hostname
    return host == location.hostname or within(host, cookies.cookie_domain())


def post_consent(opted_out, created):
    return transport.post_consent(consent_url(opted_out), created, settings['optOutByDefault'] == True)  # noqa: E712


def renew():
    """Renew the SDK-written decision (the opt-out, or with optOutByDefault the opt-in) for the lifetime it has
    left, through the server at most once a day.

    A script rewrite would let Safari cut the cookie to 7 days, so with serverOptOut the server renews it,
    and its Set-Cookie puts today's day in the value: later loads today send nothing. If the server cannot
    be reached, the script renews it (a shorter cookie beats a lapsed one) with today's day all the same,
    reading the cookie again: an opt-in made meanwhile has deleted it, and it must stay deleted.
    """
    if not uses_server():
        optout.refresh(False)
        return
    opted_out = cookies.read(consent.OPT_OUT_COOKIE) != None  # noqa: E711 -- it wins: the opt-in is not renewed then
    if not opted_out and not optout.by_default:
        return
    value = cookies.read(consent.OPT_OUT_COOKIE if opted_out else consent.OPT_IN_COOKIE)
    if consent.needs_renewal_today(value, Date.now()):
        post_consent(opted_out, consent.created_at(value)).then(lambda renewed: None if renewed else optout.refresh(True))


def forget():
    """Opted out: drop unsent events, timers and the SDK's identifiers (once, then nothing is touched)."""
    global checked, clean, dropped, held, pending, user_in_memory
    pending = []
    held = []
    checked = False
    dropped = 0
    if outbox != None:  # noqa: E711
        queue.drop_all(outbox)
    if clean:
        return
    user_in_memory = None
    if cookies.read(ANONYMOUS_ID_COOKIE) != None:  # noqa: E711
        cookies.erase(ANONYMOUS_ID_COOKIE)
    storage.forget_all()
    for hook in forget_hooks:
        hook()
    clean = True
