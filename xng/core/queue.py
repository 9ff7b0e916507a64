"""Batching, retry and persistence of events over injected services (pure: no browser globals).

`deps` is a plain object of functions:
  send(events, keepalive, done)  hands a batch to the network; done(status, retry_after_s) where
                                 status is the HTTP status, 0 for a network error or timeout, and
                                 None when the opt-out gate refused to send
  save(events)                   persists the unsent events ([] clears them)
  set_timer(callback, ms) -> id, clear_timer(id), random() -> [0, 1)
  allowed()                      the opt-out gate, read again before every attempt
  warn(message, value)
Every event keeps its messageId across retries; the collector de-duplicates on it.
"""
from xng.core.values import contains_same, text, to_json, utf8_length

BATCH_SIZE = 20              # a batch leaves at 20 events ...
BATCH_DELAY_MS = 1000        # ... or within 1 s of its first event
MAX_BODY_BYTES = 60000       # under the 64 KB that sendBeacon and keepalive fetch accept, with room for the envelope
MAX_EVENTS = 1000            # the persisted store's bounds; the oldest events go first
MAX_STORED_BYTES = 1000000
BACKOFF_BASE_MS = 1000
BACKOFF_CAP_MS = 60000
RETRY_AFTER_CAP_MS = 600000  # honour Retry-After, but never park events for more than 10 minutes


def create(deps, restored):
    """A queue holding `restored` (events persisted by an earlier page), bounded."""
    state = {'deps': deps, 'entries': [], 'timer': None, 'busy': False, 'waiters': [], 'failures': 0, 'backoff': False}
    for event in restored:
        state['entries'].append(entry(event))
    bound(state)
    return state


def entry(event):
    return {'event': event, 'bytes': utf8_length(to_json(event))}


def enqueue(state, event):
    """Queue one event; it leaves at BATCH_SIZE events or after BATCH_DELAY_MS."""
    if not state['deps']['allowed']():
        drop_all(state)
        return
    state['entries'].append(entry(event))
    bound(state)
    save(state)
    if len(state['entries']) >= BATCH_SIZE and not state['backoff']:
        flush(state, None)
    else:
        schedule(state, BATCH_DELAY_MS)


def schedule(state, delay_ms):
    if state['timer'] == None:  # noqa: E711
        state['timer'] = state['deps']['set_timer'](lambda: flush(state, None), delay_ms)


def cancel_timer(state):
    if state['timer'] != None:  # noqa: E711
        state['deps']['clear_timer'](state['timer'])
        state['timer'] = None


def bound(state):
    """Drop the oldest events beyond MAX_EVENTS or MAX_STORED_BYTES, and say how many."""
    entries = state['entries']
    total = 0
    for item in entries:
        total += item['bytes']
    dropped = 0
    while len(entries) - dropped > MAX_EVENTS or total > MAX_STORED_BYTES:
        total -= entries[dropped]['bytes']
        dropped += 1
    if dropped > 0:
        state['entries'] = entries[dropped:]
        state['deps']['warn']('event queue full: dropped the oldest events, count:', dropped)


def save(state):
    events = []
    for item in state['entries']:
        events.append(item['event'])
    state['deps']['save'](events)


def take_batch(entries):
    """The oldest events that fit one request: at most BATCH_SIZE and MAX_BODY_BYTES (at least one)."""
    batch = []
    size = 0
    for item in entries:
        if len(batch) == BATCH_SIZE or len(batch) > 0 and size + item['bytes'] > MAX_BODY_BYTES:
            break
        batch.append(item)
        size += item['bytes'] + 1
    return batch


def events_of(batch):
    events = []
    for item in batch:
        events.append(item['event'])
    return events


def flush(state, done):
    """Send what is queued, a batch at a time; done() once every batch got its answer (or a retry is set)."""
    if done != None:  # noqa: E711
        state['waiters'].append(done)
    if not state['deps']['allowed']():
        drop_all(state)
        return
    if state['busy']:
        return
    cancel_timer(state)
    state['backoff'] = False
    if len(state['entries']) == 0:
        settle(state)
        return
    send(state, take_batch(state['entries']), False)


def send(state, batch, keepalive):
    if not keepalive:
        state['busy'] = True
    state['deps']['send'](events_of(batch), keepalive, lambda status, retry_after: answered(state, batch, keepalive, status, retry_after))


def answered(state, batch, keepalive, status, retry_after):
    if not keepalive:
        state['busy'] = False
    if status == None:  # noqa: E711 -- the gate refused: the visitor opted out meanwhile
        drop_all(state)
    elif status >= 200 and status < 300:
        state['failures'] = 0
        acknowledge(state, batch)
        if not keepalive:
            flush(state, None)
    elif is_retryable(status):
        state['failures'] += 1
        if not keepalive:
            cancel_timer(state)
            state['backoff'] = True
            schedule(state, retry_delay(state['failures'], retry_after, state['deps']['random']))
            settle(state)
    else:
        state['deps']['warn']('the collector refused a batch with HTTP ' + text(status) + '; events dropped:', len(batch))
        acknowledge(state, batch)
        if not keepalive:
            flush(state, None)


def is_retryable(status):
    return status == 0 or status == 408 or status == 429 or status >= 500


def retry_delay(failures, retry_after_s, random):
    """Exponential backoff with equal jitter, capped; a Retry-After from the collector wins."""
    if retry_after_s != None and retry_after_s >= 0:  # noqa: E711
        return min(retry_after_s * 1000, RETRY_AFTER_CAP_MS)
    ceiling = BACKOFF_BASE_MS
    for step in range(1, failures):
        ceiling = min(ceiling * 2, BACKOFF_CAP_MS)
    return ceiling / 2 + random() * ceiling / 2


def acknowledge(state, batch):
    kept = []
    for item in state['entries']:
        if not contains_same(batch, item):
            kept.append(item)
    state['entries'] = kept
    save(state)


def settle(state):
    waiters = state['waiters']
    state['waiters'] = []
    for waiter in waiters:
        waiter()


def drop_all(state):
    """Forget every unsent event, here and in the persisted store (the visitor opted out)."""
    cancel_timer(state)
    if len(state['entries']) > 0:
        state['entries'] = []
        state['deps']['save']([])
    state['failures'] = 0
    state['backoff'] = False
    settle(state)


def flush_on_exit(state):
    """The page is being hidden or unloaded: hand everything to keepalive requests now.

    The events stay persisted until a 2xx answer removes them: if the page dies first, the next
    page sends them again and the collector keeps the first copy (same messageId).
    """
    if not state['deps']['allowed']():
        drop_all(state)
        return
    cancel_timer(state)
    rest = state['entries']
    while len(rest) > 0:
        batch = take_batch(rest)
        rest = rest[len(batch):]
        send(state, batch, True)
    if len(state['entries']) > 0:
        schedule(state, BATCH_DELAY_MS)
