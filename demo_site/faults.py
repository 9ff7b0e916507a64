"""Failures injected into POST /api/batch so tests can exercise the SDK's retry and persistence."""
import math
import threading

DOWN = 'down'


def _whole_number(spec, key, default):
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError('%s must be a non-negative integer' % key)
    return value


class Faults:
    """The next N batch requests fail with a status, or every one is dropped while `down`."""

    def __init__(self):
        self._lock = threading.Lock()
        self.clear()

    def clear(self):
        with self._lock:
            self._fail, self._status, self._retry_after, self._down = 0, 503, None, False

    def configure(self, spec):
        """Apply a POST /api/faults body; raises ValueError (and changes nothing) when it is invalid."""
        if not isinstance(spec, dict):
            raise ValueError('expected a JSON object')
        fail = _whole_number(spec, 'fail', None) if 'fail' in spec else None
        status = _whole_number(spec, 'status', 503)
        if not 400 <= status <= 599:
            raise ValueError('status must be 400-599')
        retry_after = spec.get('retryAfter')
        if retry_after is not None:
            if isinstance(retry_after, bool) or not isinstance(retry_after, (int, float)) or retry_after < 0:
                raise ValueError('retryAfter must be a non-negative number of seconds')
            retry_after = math.ceil(retry_after)  # Retry-After only carries whole seconds
        down = spec.get('down')
        if down is not None and not isinstance(down, bool):
            raise ValueError('down must be true or false')
        with self._lock:
            if fail is not None:
                self._fail, self._status, self._retry_after = fail, status, retry_after
            if down is not None:
                self._down = down
        return self.snapshot()

    def take(self):
        """Consume one fault for the current request: None, DOWN, or (status, retry_after)."""
        with self._lock:
            if self._down:
                return DOWN
            if self._fail > 0:
                self._fail -= 1
                return self._status, self._retry_after
            return None

    def snapshot(self):
        with self._lock:
            return {'fail': self._fail, 'status': self._status, 'retryAfter': self._retry_after,
                    'down': self._down}
