"""Issue 12, item 7: a Retry-After may lengthen a wait, never shorten it below the backoff schedule."""
import pytest

from xng.core import queue
from xng.core.queue import BATCH_SIZE
from xng.core.retry import BACKOFF_CAP_MS, RETRY_AFTER_CAP_MS, retry_delay


def storm(net, new_event, retry_after, duration_ms):
    """Answer every attempt with 503 (and `retry_after`) for `duration_ms` of the manual clock; count attempts."""
    state = queue.create(net.deps, [])
    for i in range(BATCH_SIZE):
        queue.enqueue(state, new_event(i))
    while net.now < duration_ms and len(net.requests) < 1000:  # a hot loop ends the test, not the machine
        while net.pending():
            net.answer(503, retry_after=retry_after)
        net.advance(10)
    return len(net.requests)


@pytest.mark.parametrize('retry_after', [0, 0.001, -5])
def test_a_short_retry_after_waits_for_the_backoff_instead(net, new_event, retry_after):
    net.random_value = 0.0  # the bottom of the jitter range: the shortest schedule there is
    without = storm(net, new_event, None, 300000)
    assert without == 15  # the first attempt, then waits of 0.5, 1, 2, 4, 8, 16, then 30 s (the jitter's floor)
    again = type(net)()
    again.random_value = 0.0
    assert storm(again, new_event, retry_after, 300000) == without


@pytest.mark.parametrize('failures', range(1, 10))
@pytest.mark.parametrize('retry_after_s', [0, 0.2, 1, 3, 45, 90, 86400])
def test_the_wait_is_the_larger_of_the_backoff_and_the_retry_after(failures, retry_after_s):
    backoff = retry_delay(failures, None, lambda: 0.5)
    wait = retry_delay(failures, retry_after_s, lambda: 0.5)
    assert wait == max(backoff, min(retry_after_s * 1000, RETRY_AFTER_CAP_MS))
    assert wait >= backoff and wait <= max(BACKOFF_CAP_MS, RETRY_AFTER_CAP_MS)
