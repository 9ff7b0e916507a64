"""Batching, retry and persistence of events over injected services (pure: no browser globals).

`deps` is a plain object of functions:
  send(events, keepalive, done)  hands a batch to the network; done(status, retry_after_s) where
                                 status is the HTTP status, 0 for a network error or timeout, and
                                 None when the opt-out gate refused to send
  save(events)                   persists the unsent events ([] clears them); called at most once a task
  set_timer(callback, ms) -> id, clear_timer(id), random() -> [0, 1)
  allowed()                      the opt-out gate, read again before every attempt
  warn(message, value)
Every event keeps its messageId across retries; the collector de-duplicates on it.

Two bounds: the persisted store keeps the newest MAX_EVENTS / MAX_STORED_BYTES, so a reload finds a
bounded queue; memory holds more, so that a burst bigger than the store (3,000 calls in one task,
before any answer can come back) still arrives, yet a runaway loop cannot eat the page's memory.
"""
from xng.core.retry import is_retryable, retry_delay
from xng.core.values import contains_same, push, slice_of, text, to_json, utf8_length

BATCH_SIZE = 20              # a batch leaves at 20 events ...
BATCH_DELAY_MS = 1000        # ... or within 1 s of its first event
MAX_BODY_BYTES = 60000       # under the 64 KB that sendBeacon and keepalive fetch accept, with room for the envelope
MAX_EVENTS = 1000            # the persisted store's bounds; the oldest events are left out first
MAX_STORED_BYTES = 1000000
MAX_QUEUED_EVENTS = 10000    # the in-memory bounds; beyond them the oldest events are dropped
MAX_QUEUED_BYTES = 10000000  # 10,000 small events with their context (user agent, page) are about 6 MB
SEND_TIMER = 0  # the queue's two timers, in state['_timers']: the next batch (or retry) ...
SAVE_TIMER = 1  # ... and the save at the end of this task


def create(deps, restored):
    """A queue holding `restored` (events persisted by an earlier page), bounded."""
    state = {'_deps': deps, '_entries': [], '_bytes': 0, '_timers': [None, None], '_busy': False, '_waiters': [],
             '_failures': 0, '_backoff': False, '_dropped': 0, '_unstored': 0}
    for event in restored:
        add(state, event, None)
    bound(state)
    report_dropped(state)
    return state


def add(state, event, size):
    """Queue `event`, of `size` bytes of JSON (None: measure it here)."""
    item = {'_event': event, '_bytes': utf8_length(to_json(event)) if size == None else size}  # noqa: E711
    push(state['_entries'], item)
    state['_bytes'] += item['_bytes']


def enqueue(state, event):
    """Queue one event; it leaves at BATCH_SIZE events or after BATCH_DELAY_MS."""
    if not state['_deps']['_allowed']():
        drop_all(state)
        return
    enqueue_checked(state, event, None)


def enqueue_checked(state, event, size):
    """enqueue() for a caller that read the gate just now (the tracker's drain): one cookie read serves both;
    `size`: the event's bytes of JSON if the caller measured them (events.measured), else None."""
    add(state, event, size)
    bound(state)
    save_soon(state)
    if len(state['_entries']) >= BATCH_SIZE and not state['_backoff'] and not state['_busy']:
        flush(state, None)
    else:
        schedule(state, BATCH_DELAY_MS)


def schedule(state, delay_ms):
    set_once(state, SEND_TIMER, lambda: flush(state, None), delay_ms)


def set_once(state, which, callback, delay_ms):
    """Start the timer `which` (SEND_TIMER or SAVE_TIMER) unless it runs already."""
    timers = state['_timers']
    if timers[which] == None:  # noqa: E711
        timers[which] = state['_deps']['_set_timer'](callback, delay_ms)


def cancel(state, which):
    """Stop the timer `which` if it runs."""
    timers = state['_timers']
    if timers[which] != None:  # noqa: E711
        state['_deps']['_clear_timer'](timers[which])
        timers[which] = None


def bound(state):
    """Drop the oldest events beyond MAX_QUEUED_EVENTS or MAX_QUEUED_BYTES, counting them for the next warning."""
    entries = state['_entries']
    dropped = 0
    while len(entries) - dropped > MAX_QUEUED_EVENTS or state['_bytes'] > MAX_QUEUED_BYTES:
        state['_bytes'] -= entries[dropped]['_bytes']
        dropped += 1
    if dropped > 0:
        state['_entries'] = slice_of(entries, dropped)
        state['_dropped'] += dropped


def report_dropped(state):
    """One warning with the count of events dropped since the last one (not one per event in a burst)."""
    if state['_dropped'] > 0:
        state['_deps']['_warn']('queue full, oldest events dropped:', state['_dropped'])
        state['_dropped'] = 0


def save_soon(state):
    """Persist when this task ends: writing the whole queue per event made a burst of calls quadratic."""
    set_once(state, SAVE_TIMER, lambda: save(state), 0)


def save(state):
    """Persist the unsent events now; while opted out, clear the store instead."""
    if not state['_deps']['_allowed']():
        drop_all(state)
        return
    cancel(state, SAVE_TIMER)
    report_dropped(state)
    first = first_stored(state['_entries'])
    if first > 0 and state['_unstored'] == 0:  # once as the store fills up, not at every save
        state['_deps']['_warn']('store full, oldest events not kept:', first)
    state['_unstored'] = first
    state['_deps']['_save'](events_of(slice_of(state['_entries'], first)))


def first_stored(entries):
    """Where the newest entries within MAX_EVENTS and MAX_STORED_BYTES begin."""
    first = len(entries)
    total = 0
    while first > 0 and len(entries) - first < MAX_EVENTS and total + entries[first - 1]['_bytes'] <= MAX_STORED_BYTES:
        first -= 1
        total += entries[first]['_bytes']
    return first


def take_batch(entries):
    """The oldest events that fit one request: at most BATCH_SIZE and MAX_BODY_BYTES (at least one)."""
    batch = []
    size = 0
    for item in entries:
        if len(batch) == BATCH_SIZE or len(batch) > 0 and size + item['_bytes'] > MAX_BODY_BYTES:
            break
        push(batch, item)
        size += item['_bytes'] + 1
    return batch


def events_of(batch):
    events = []
    for item in batch:
        push(events, item['_event'])
    return events


def flush(state, done):
    """Send what is queued, a batch at a time; done() once every batch got its answer (or a retry is set)."""
    if done != None:  # noqa: E711
        push(state['_waiters'], done)
    if not state['_deps']['_allowed']():
        drop_all(state)
        return
    if state['_busy']:
        return
    if state['_backoff']:  # the collector asked us to wait (Retry-After, backoff): the retry timer sends
        settle(state)
        return
    cancel(state, SEND_TIMER)
    if len(state['_entries']) == 0:
        settle(state)
        return
    send(state, take_batch(state['_entries']), False)


def retry(state):
    """The backoff is over: try again (and save, so the store shows this tab still owns its events)."""
    state['_timers'][SEND_TIMER] = None
    state['_backoff'] = False
    save_soon(state)
    flush(state, None)


def send(state, batch, keepalive):
    if not keepalive:
        state['_busy'] = True
    state['_deps']['_send'](events_of(batch), keepalive, lambda status, retry_after: answered(state, batch, keepalive, status, retry_after))


def answered(state, batch, keepalive, status, retry_after):
    if not keepalive:
        state['_busy'] = False
    if status == None:  # noqa: E711 -- the gate refused: the visitor opted out meanwhile
        drop_all(state)
    elif status >= 200 and status < 300:
        state['_failures'] = 0
        acknowledge(state, batch)
        if not keepalive:
            flush(state, None)
    elif is_retryable(status):
        if not keepalive:  # an exit request failing says little about the collector: no longer backoff
            state['_failures'] += 1
            cancel(state, SEND_TIMER)
            state['_backoff'] = True
            set_once(state, SEND_TIMER, lambda: retry(state), retry_delay(state['_failures'], retry_after, state['_deps']['_random']))
            settle(state)
    else:
        state['_deps']['_warn']('HTTP ' + text(status) + ', batch dropped:', len(batch))
        acknowledge(state, batch)
        if not keepalive:
            flush(state, None)


def acknowledge(state, batch):
    kept = []
    left = len(batch)  # once all are found, the rest is kept without looking: a long queue stays linear
    for item in state['_entries']:
        if left > 0 and contains_same(batch, item):
            left -= 1
            state['_bytes'] -= item['_bytes']
        else:
            push(kept, item)
    state['_entries'] = kept
    # The store is rewritten when the queue empties or the page goes, not after every answer: that made
    # a burst quadratic. Until then it may still hold delivered events; should the page die first, the
    # next page sends them again and the collector keeps the first copy (same messageId).
    if len(kept) == 0:
        save_soon(state)


def settle(state):
    waiters = state['_waiters']
    state['_waiters'] = []
    for waiter in waiters:
        waiter()


def drop_all(state):
    """Forget every unsent event, here and in the persisted store (the visitor opted out)."""
    cancel(state, SEND_TIMER)
    pending = state['_timers'][SAVE_TIMER] != None  # noqa: E711 -- the store may still hold what a pending save would change
    cancel(state, SAVE_TIMER)
    if len(state['_entries']) > 0 or pending:
        state['_entries'] = []
        state['_bytes'] = 0
        state['_unstored'] = 0
        state['_deps']['_save']([])
    state['_failures'] = 0
    state['_backoff'] = False
    settle(state)


def flush_on_exit(state):
    """The page is being hidden or unloaded: hand everything to keepalive requests now.

    The events stay persisted until a 2xx answer removes them: if the page dies first, the next
    page sends them again and the collector keeps the first copy (same messageId).
    """
    if not state['_deps']['_allowed']():
        drop_all(state)
        return
    if not state['_backoff']:  # a pending retry keeps its timer: it is the one that resumes sending
        cancel(state, SEND_TIMER)
    save(state)  # the page may be going: a save timer may never fire, and the store may hold delivered events
    rest = state['_entries']
    budget = MAX_BODY_BYTES  # browsers allow 64 KB of keepalive bodies in flight per page: the rest waits in storage
    while len(rest) > 0:
        batch = take_batch(rest)
        size = 0
        for item in batch:
            size += item['_bytes']
        if size > budget:
            break
        budget -= size
        rest = slice_of(rest, len(batch))
        send(state, batch, True)
    if len(state['_entries']) > 0:
        schedule(state, BATCH_DELAY_MS)
