"""localStorage for the SDK's own keys (all start with 'xng.'), and the per-tab persisted queues.

Each tab persists its unsent events under its own key and holds a Web Lock named after it for its
life. A tab adopts another tab's queue only when that lock is free (the tab is gone), inside a
second lock, so two tabs never send the same persisted event. Every access is guarded: in a
sandboxed iframe even reading window.localStorage throws.
"""
from xng.core.values import from_json, text, to_json

PREFIX = 'xng.'
QUEUE_PREFIX = 'xng.queue.'
USER_ID_KEY = 'xng.user-id'
STALE_MS = 600000  # without Web Locks, a queue untouched for 10 minutes belongs to a closed tab
tab = {'key': QUEUE_PREFIX + text(Date.now()) + '.' + Math.random().toString(36).slice(2)}


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
            if key.startswith(PREFIX):
                found.append(key)
    except:  # noqa: E722
        pass
    return found


def forget_all():
    """Delete everything xng stored (the visitor opted out)."""
    for key in own_keys():
        erase(key)


def save_queue(events):
    if len(events) == 0:
        erase(tab['key'])
    else:
        write(tab['key'], to_json({'savedAt': Date.now(), 'events': events}))


def claim_orphans(adopt):
    """Hand the events of closed tabs' queues to adopt(events), each queue once, then delete it."""
    locks = navigator.locks if navigator.locks else None
    if locks == None:  # noqa: E711
        take_queues(adopt, None)
        return
    locks.request(tab['key'], lambda: __new__(Promise(lambda resolve: None)))  # held until this page goes
    locks.request('xng.adopt', lambda: locks.query().then(lambda held: take_queues(adopt, held)))


def take_queues(adopt, held):
    taken = []
    for key in own_keys():
        if key.startswith(QUEUE_PREFIX) and key != tab['key'] and is_orphan(key, held):
            saved = from_json(read(key))
            erase(key)
            if saved and saved['events']:
                taken = taken.concat(saved['events'])
    if len(taken) > 0:
        adopt(taken)


def is_orphan(key, held):
    if held == None:  # noqa: E711
        saved = from_json(read(key))
        return not saved or Date.now() - saved['savedAt'] > STALE_MS
    for lock in held.held:
        if lock.js_name == key:  # js_name: Transcrypt would turn .name into .py_name
            return False
    return True
