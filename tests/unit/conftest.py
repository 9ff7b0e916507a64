"""In-memory stand-ins for what xng/core/ is given by the browser adapters: a cookie jar and the queue's services.

Both are plain dicts of functions, the shape the core receives in the browser, plus a few extra keys
(or a harness object) through which the tests look inside. Time is a manual clock: timers fire only
when a test advances it, so no test sleeps.
"""
import pytest

from xng.core import values


@pytest.fixture(autouse=True)
def reset_warnings():
    """values.warn() appends to values.WARNINGS under CPython; each test starts with none."""
    del values.WARNINGS[:]
    yield
    del values.WARNINGS[:]


def make_jar(initial=None):
    """A memory cookie jar {'read', 'write', 'remove'}; 'cookies' holds the state, 'log' every write and removal."""
    cookies = dict(initial or {})
    log = []

    def read(name):
        return cookies[name] if name in cookies else None

    def write(name, value, max_age_ms):
        cookies[name] = value
        log.append(('write', name, value, max_age_ms))

    def remove(name):
        cookies.pop(name, None)
        log.append(('remove', name))

    return {'read': read, 'write': write, 'remove': remove, 'cookies': cookies, 'log': log}


@pytest.fixture
def jar():
    return make_jar()


class QueueHarness:
    """Fake services for xng.core.queue: a network whose answers the test gives, a store, timers on a manual clock."""

    def __init__(self):
        self.now = 0
        self.timers = {}          # id -> [due_ms, callback]
        self.next_timer = 1
        self.requests = []        # every send, in order: {'events', 'keepalive', 'at', 'done', 'answered'}
        self.saves = []           # every save(events) call, in order
        self.warnings = []        # every warn(message, value) call
        self.is_allowed = True
        self.random_value = 0.5
        self.deps = {
            '_send': self._send, '_save': self._save, '_set_timer': self._set_timer,
            '_clear_timer': self._clear_timer, '_random': lambda: self.random_value,
            '_allowed': lambda: self.is_allowed, '_warn': self._warn,
        }

    # --- the injected services -------------------------------------------------------------------
    def _send(self, events, keepalive, done):
        self.requests.append({'events': list(events), 'keepalive': keepalive, 'at': self.now,
                              'done': done, 'answered': False})

    def _save(self, events):
        self.saves.append(list(events))

    def _set_timer(self, callback, ms):
        timer = self.next_timer
        self.next_timer += 1
        self.timers[timer] = [self.now + ms, callback]
        return timer

    def _clear_timer(self, timer):
        self.timers.pop(timer, None)

    def _warn(self, message, value):
        self.warnings.append((message, value))

    # --- what the tests drive ------------------------------------------------------------------
    def advance(self, ms):
        """Move the clock forward by `ms`, firing due timers in order (a timer set meanwhile fires too if due)."""
        end = self.now + ms
        while True:
            due = [(at, timer) for timer, (at, _) in self.timers.items() if at <= end]
            if not due:
                break
            at, timer = min(due)
            self.now = max(self.now, at)
            callback = self.timers.pop(timer)[1]
            callback()
        self.now = end

    def end_task(self):
        """The page's current task ends: 0 ms timers (the queue's deferred save) run."""
        self.advance(0)

    def pending(self, keepalive=None):
        """Requests sent and not answered yet (optionally only keepalive ones, or only ordinary ones)."""
        return [r for r in self.requests
                if not r['answered'] and (keepalive is None or r['keepalive'] == keepalive)]

    def answer(self, status, retry_after=None, request=None):
        """Answer the given request, or else the oldest unanswered one."""
        if request is None:
            waiting = self.pending()
            assert waiting, 'no request is waiting for an answer'
            request = waiting[0]
        assert not request['answered'], 'a request was answered twice'
        request['answered'] = True
        request['done'](status, retry_after)
        return request

    def stored(self):
        """What the persisted store holds now (the last save)."""
        return self.saves[-1] if self.saves else []

    def sent_ids(self, keepalive=None):
        return [[e['messageId'] for e in r['events']] for r in self.requests
                if keepalive is None or r['keepalive'] == keepalive]


@pytest.fixture
def net():
    return QueueHarness()


def make_event(index, size=0, filler='x'):
    """A small wire-shaped event with a stable messageId; `size` adds a string property of that many characters."""
    return {'type': 'track', 'event': 'Event %d' % index, 'messageId': 'msg-%04d' % index,
            'anonymousId': 'anon', 'timestamp': '2024-01-01T00:00:00.000Z',
            'properties': {'n': index, 'pad': filler * size}}


@pytest.fixture
def new_jar():
    """make_jar, for tests that need a jar with cookies already set."""
    return make_jar


@pytest.fixture
def new_event():
    """make_event, for tests that build queue input."""
    return make_event
