"""localStorage for the SDK's own keys (all start with 'xng.'), and the per-tab persisted queues.

Each tab persists its unsent events under its own key and holds a Web Lock named after it for its
life. Another tab takes that queue over only once it is granted that lock (the tab is gone), and
deletes it, so two tabs never send the same persisted event. Every access is guarded: in a
sandboxed iframe even reading window.localStorage throws.
"""
from xng.core.values import from_json, guard, is_array, push, to_json

PREFIX = 'xng.'
QUEUE_PREFIX = 'xng.queue.'
USER_ID_KEY = 'xng.user-id'
STALE_MS = 600000  # without Web Locks, a queue untouched for 10 minutes belongs to a closed tab
TAB_KEY = QUEUE_PREFIX + Date.now() + '.' + Math.random().toString(36).slice(2)


def area():
    try:
        return window.localStorage
    except:  # noqa: E722
        return None


def read(key):
    try:
        return area().getItem(key)
    except:  # noqa: E722
        return None


def write(key, value):
    try:
        area().setItem(key, value)
    except:  # noqa: E722 -- full, disabled or sandboxed: the in-memory queue still works
        pass


def erase(key):
    try:
        area().removeItem(key)
    except:  # noqa: E722
        pass


def own_keys():
    """Every key xng wrote in this origin's storage."""
    found = []
    try:
        store = area()
        for index in range(store.length):
            key = store.key(index)
            if key.startsWith(PREFIX):
                push(found, key)
    except:  # noqa: E722
        pass
    return found


def forget_all():
    """Delete everything xng stored (the visitor opted out)."""
    for key in own_keys():
        erase(key)


def save_queue(events):
    if len(events) == 0:
        erase(TAB_KEY)
    else:
        write(TAB_KEY, to_json({'savedAt': Date.now(), 'events': events}))


def release_queue():
    """pagehide: without Web Locks (plain http sites), mark this tab's queue free for the next page now."""
    saved = from_json(read(TAB_KEY))
    if not navigator.locks and saved:
        saved['savedAt'] = 0
        write(TAB_KEY, to_json(saved))


def claim_orphans(adopt):
    """Hand each other tab's queue to adopt(events) once that tab is gone, exactly once, then delete it.

    A tab holds the Web Lock named after its queue key for its whole life, so asking for that lock
    waits until the tab is gone (a closed tab's lock is free at once; a tab being unloaded by a reload
    frees it a moment later). The first tab granted it takes the queue and deletes it; any other tab
    waiting for it then finds nothing. A tab that stays open so also takes over the queue of a tab
    closed after it started. Where the Locks API is denied (a sandboxed frame) its promise rejects:
    ignored, and storage is unreachable there anyway. This tab's own lock is taken at once; the scan of
    the other queues waits for idle time (reading storage is slow, issue 13), within 2 s.
    """
    locks = navigator.locks
    try:  # a denied Locks API rejects (sandboxed frames); some browsers may throw instead
        if locks:
            locks.request(TAB_KEY, lambda: __new__(Promise(lambda resolve: None))).then(None, ignore)  # held for life
        # Where there is no requestIdleCallback (Safari), setTimeout reads the options as a delay of 0. (A name
        # for it: Transcrypt compiles `(a or b)(x)` as `a || b(x)`.)
        when_idle = window.requestIdleCallback or setTimeout
        when_idle(guard('claim', lambda: scan(locks, adopt)), {'timeout': 2000})
    except:  # noqa: E722
        pass


def scan(locks, adopt):
    for key in queue_keys():
        if locks:
            wait_for(locks, key, adopt)
        else:
            saved = from_json(read(key))
            if not saved or Date.now() - saved['savedAt'] > STALE_MS:
                take(key, adopt)


def wait_for(locks, key, adopt):
    locks.request(key, lambda: take(key, adopt)).then(None, ignore)


def take(key, adopt):
    saved = from_json(read(key))
    erase(key)
    if saved and is_array(saved['events']):
        adopt(saved['events'])


def queue_keys():
    """The persisted queues of other tabs (open or closed)."""
    found = []
    for key in own_keys():
        if key.startsWith(QUEUE_PREFIX) and key != TAB_KEY:
            push(found, key)
    return found


def ignore(error):
    pass
