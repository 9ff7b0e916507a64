"""xng/core/queue.py: batching, body limits, retry with backoff, the opt-out gate, bounds and exit flushes.

Services are the fakes in conftest.py (`net`): requests wait until the test answers them, and
timers fire only when the test advances the manual clock.
"""
import json

import pytest

from xng.core import queue
from xng.core.queue import (BATCH_DELAY_MS, BATCH_SIZE, MAX_BODY_BYTES, MAX_EVENTS, MAX_QUEUED_BYTES,
                            MAX_QUEUED_EVENTS, MAX_STORED_BYTES)
from xng.core.retry import BACKOFF_CAP_MS, RETRY_AFTER_CAP_MS, is_retryable, retry_delay

STORE_FULL = 'store full, oldest events not kept:'
QUEUE_FULL = 'queue full, oldest events dropped:'


def json_bytes(value):
    return len(json.dumps(value, separators=(',', ':'), ensure_ascii=False).encode('utf-8'))


def body_bytes(events):
    """The bytes a batch takes in a request body: its events and the commas between them."""
    return sum(json_bytes(event) for event in events) + len(events) - 1


def ids(events):
    return [event['messageId'] for event in events]


def seq(numbers):
    return ['msg-%04d' % i for i in numbers]


def deliver_everything(net):
    """Answer 200 to every request, including those each answer starts."""
    while net.pending():
        net.answer(200)
    net.end_task()


def enqueue_all(state, events):
    for event in events:
        queue.enqueue(state, event)


def test_the_contracts_numbers():
    assert BATCH_SIZE == 20 and BATCH_DELAY_MS == 1000
    assert MAX_EVENTS == 1000 and MAX_STORED_BYTES == 1000000
    assert MAX_QUEUED_EVENTS >= 3 * MAX_EVENTS and MAX_QUEUED_BYTES >= 3 * MAX_STORED_BYTES
    assert BACKOFF_CAP_MS == 60000 and MAX_BODY_BYTES < 64 * 1024


# --- batching --------------------------------------------------------------------------------

def test_a_batch_leaves_at_the_twentieth_event_without_waiting(net, new_event):
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(i) for i in range(BATCH_SIZE - 1)])
    assert net.requests == []
    queue.enqueue(state, new_event(BATCH_SIZE - 1))
    assert len(net.requests) == 1
    assert net.sent_ids() == [['msg-%04d' % i for i in range(BATCH_SIZE)]]
    assert net.requests[0]['keepalive'] is False and net.requests[0]['at'] == 0


def test_a_batch_leaves_one_second_after_its_first_event(net, new_event):
    state = queue.create(net.deps, [])
    queue.enqueue(state, new_event(0))
    net.advance(600)
    queue.enqueue(state, new_event(1))  # a later event does not push the deadline back
    net.advance(BATCH_DELAY_MS - 600 - 1)
    assert net.requests == []
    net.advance(1)
    assert net.sent_ids() == [['msg-0000', 'msg-0001']]
    assert net.requests[0]['at'] == BATCH_DELAY_MS


def test_events_are_persisted_when_the_task_that_queued_them_ends(net, new_event):
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(0), new_event(1)])
    net.end_task()
    assert ids(net.stored()) == ['msg-0000', 'msg-0001']


def test_a_burst_of_calls_writes_the_store_once(net, new_event):
    """Writing the whole queue per event made 3,000 calls in one task take seconds in a browser."""
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(i) for i in range(3000)])  # no answer can come during the burst
    assert net.saves == []
    net.end_task()
    assert len(net.saves) == 1
    assert ids(net.stored()) == seq(range(2000, 3000))  # the store's bound: the newest 1,000


def test_a_burst_bigger_than_the_store_arrives_whole_once_and_in_order(net, new_event):
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(i) for i in range(3000)])
    net.end_task()
    assert net.warnings == [(STORE_FULL, 2000)]  # said once, with the count
    deliver_everything(net)
    assert sum(net.sent_ids(), []) == seq(range(3000))
    assert net.stored() == []
    assert net.warnings == [(STORE_FULL, 2000)]  # nothing was dropped


def test_a_pending_save_writes_nothing_once_opted_out(net, new_event):
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(0), new_event(1)])
    net.is_allowed = False  # the cookie appeared (another tab) before the task ended
    net.end_task()
    assert net.saves == [[]]
    assert net.timers == {}


def test_opting_out_clears_the_store_even_when_a_save_is_still_pending(net, new_event):
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(i) for i in range(BATCH_SIZE)])
    net.end_task()
    assert len(net.stored()) == BATCH_SIZE
    net.answer(200)  # acknowledged: the store still holds them until the deferred save
    net.is_allowed = False
    queue.enqueue(state, new_event(99))
    assert net.stored() == []
    net.end_task()
    assert net.stored() == []


def test_one_request_at_a_time_in_order(net, new_event):
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(i) for i in range(50)])
    assert len(net.pending()) == 1
    net.answer(200)
    net.answer(200)
    net.answer(200)
    net.end_task()
    assert net.pending() == []
    assert sum(net.sent_ids(), []) == ['msg-%04d' % i for i in range(50)]
    assert [len(r['events']) for r in net.requests] == [20, 20, 10]
    assert net.stored() == []


def test_a_body_is_split_so_each_batch_fits_max_body_bytes(net, new_event):
    # 'é' is 2 bytes in UTF-8: 20 events of ~8 KB each (~4 K characters) cannot share one body.
    events = [new_event(i, size=4000, filler='é') for i in range(BATCH_SIZE)]
    assert body_bytes(events) > MAX_BODY_BYTES
    state = queue.create(net.deps, [])
    enqueue_all(state, events)
    while net.pending():
        net.answer(200)
    batches = [r['events'] for r in net.requests]
    assert len(batches) >= 3
    for batch in batches:
        assert body_bytes(batch) <= MAX_BODY_BYTES
        envelope = {'batch': batch, 'sentAt': '2026-01-01T00:00:00.000Z', 'apiKey': 'k' * 64}
        assert json_bytes(envelope) < 64 * 1024
    assert sum((ids(batch) for batch in batches), []) == ids(events)  # nothing lost, order kept


def test_one_event_larger_than_a_body_is_still_sent_alone(net, new_event):
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(0, size=MAX_BODY_BYTES + 10), new_event(1)])
    queue.flush(state, None)
    assert net.sent_ids() == [['msg-0000']]
    net.answer(200)
    assert net.sent_ids() == [['msg-0000'], ['msg-0001']]


# --- answers -----------------------------------------------------------------------------------

@pytest.mark.parametrize('status', [200, 202, 204, 299])
def test_a_2xx_acknowledges_the_batch_and_the_store_is_cleared_once_the_queue_is_empty(net, new_event, status):
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(i) for i in range(25)])
    net.end_task()
    assert len(net.stored()) == 25
    saves = len(net.saves)
    net.answer(status)
    net.end_task()
    assert net.sent_ids()[-1] == ['msg-%04d' % i for i in range(20, 25)]  # the rest follows at once
    # Not rewritten after every answer (a burst of answers made that quadratic): the store still holds
    # the delivered events, which a next page would only send again for the collector to de-duplicate.
    assert len(net.saves) == saves and len(net.stored()) == 25
    net.answer(status)
    net.end_task()
    assert net.stored() == []
    net.advance(10 * BACKOFF_CAP_MS)
    assert len(net.requests) == 2  # nothing is sent twice


def test_leaving_the_page_rewrites_the_store_without_the_delivered_events(net, new_event):
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(i) for i in range(25)])
    net.end_task()
    net.answer(200)
    net.end_task()
    queue.flush_on_exit(state)
    assert ids(net.stored()) == ['msg-%04d' % i for i in range(20, 25)]


@pytest.mark.parametrize('status', [0, 408, 429, 500, 502, 503, 504])
def test_a_failed_send_is_retried_with_the_same_events(net, new_event, status):
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(i) for i in range(BATCH_SIZE)])
    net.answer(status)
    net.end_task()
    assert len(net.stored()) == BATCH_SIZE  # still persisted
    assert len(net.requests) == 1  # not at once
    net.advance(BACKOFF_CAP_MS)
    assert len(net.requests) == 2
    assert net.sent_ids()[1] == net.sent_ids()[0]
    assert net.requests[1]['events'] == net.requests[0]['events']
    net.answer(200)
    net.end_task()
    assert net.stored() == []
    assert net.warnings == []


def test_message_ids_survive_many_retries_and_arrive_once(net, new_event):
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(i) for i in range(7)])
    net.advance(BATCH_DELAY_MS)
    for _ in range(6):
        net.answer(503)
        net.advance(BACKOFF_CAP_MS)
    net.answer(200)
    sent = net.sent_ids()
    assert len(sent) == 7
    assert all(batch == ['msg-%04d' % i for i in range(7)] for batch in sent)
    net.advance(10 * BACKOFF_CAP_MS)
    assert len(net.requests) == 7


def retry_gaps(net, state, failures):
    """Fail the pending request `failures` times; return the waits before each retry."""
    gaps = []
    for _ in range(failures):
        failed_at = net.now
        net.answer(503)
        count = len(net.requests)
        while len(net.requests) == count:
            net.advance(100)
        gaps.append(round(net.requests[-1]['at'] - failed_at))
    return gaps


def test_backoff_grows_and_is_capped_at_sixty_seconds(net, new_event):
    net.random_value = 0.999999  # the top of the jitter range
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(i) for i in range(BATCH_SIZE)])
    gaps = retry_gaps(net, state, 10)
    assert gaps == [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000, 60000]


def test_backoff_starts_again_after_a_success(net, new_event):
    net.random_value = 0.999999
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(i) for i in range(BATCH_SIZE)])
    assert retry_gaps(net, state, 3) == [1000, 2000, 4000]
    net.answer(200)
    enqueue_all(state, [new_event(100 + i) for i in range(BATCH_SIZE)])
    assert retry_gaps(net, state, 1) == [1000]


@pytest.mark.parametrize('failures', range(1, 12))
@pytest.mark.parametrize('random_value', [0.0, 0.25, 0.5, 0.999999])
def test_jitter_stays_within_half_the_ceiling_and_the_ceiling(failures, random_value):
    ceiling = min(1000 * 2 ** (failures - 1), BACKOFF_CAP_MS)
    delay = retry_delay(failures, None, lambda: random_value)
    assert ceiling / 2 <= delay <= ceiling
    assert delay == pytest.approx(ceiling / 2 + random_value * ceiling / 2)


def test_jitter_spreads_retries(net, new_event):
    net.random_value = 0.0
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(i) for i in range(BATCH_SIZE)])
    assert retry_gaps(net, state, 3) == [500, 1000, 2000]


def test_retry_after_is_honoured(net, new_event):
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(i) for i in range(BATCH_SIZE)])
    net.answer(429, retry_after=7)
    net.advance(6999)
    assert len(net.requests) == 1
    net.advance(1)
    assert len(net.requests) == 2


def test_retry_after_longer_than_the_backoff_cap_is_still_honoured(net, new_event):
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(i) for i in range(BATCH_SIZE)])
    net.answer(503, retry_after=120)
    net.advance(119999)
    assert len(net.requests) == 1
    net.advance(1)
    assert len(net.requests) == 2


def test_retry_after_is_bounded_so_events_are_not_parked_for_hours(net, new_event):
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(i) for i in range(BATCH_SIZE)])
    net.answer(503, retry_after=86400)
    net.advance(RETRY_AFTER_CAP_MS)
    assert len(net.requests) == 2


def test_new_events_wait_for_the_backoff(net, new_event):
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(i) for i in range(BATCH_SIZE)])
    net.answer(503, retry_after=30)
    enqueue_all(state, [new_event(100 + i) for i in range(BATCH_SIZE * 2)])  # would be two full batches
    net.advance(29999)
    assert len(net.requests) == 1
    net.advance(1)
    assert len(net.requests) == 2


@pytest.mark.parametrize('status', [400, 401, 403, 404, 413, 422])
def test_other_4xx_drop_the_batch_with_a_warning(net, new_event, status):
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(i) for i in range(BATCH_SIZE + 3)])
    net.answer(status)
    assert len(net.warnings) == 1
    message, count = net.warnings[0]
    assert str(status) in message and count == BATCH_SIZE
    net.end_task()
    assert ids(net.stored()) == ['msg-%04d' % i for i in range(20, 23)]
    net.answer(200)  # the next batch goes on
    net.advance(10 * BACKOFF_CAP_MS)
    assert len(net.requests) == 2  # the refused batch is never sent again
    assert net.stored() == []


# --- the opt-out gate ------------------------------------------------------------------------

def test_opted_out_at_enqueue_nothing_is_kept_or_sent(net, new_event):
    net.is_allowed = False
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(i) for i in range(BATCH_SIZE * 2)])
    net.advance(10 * BATCH_DELAY_MS)
    assert net.requests == [] and net.timers == {}
    assert all(saved == [] for saved in net.saves)  # no storage write but a clear


def test_opting_out_drops_queued_events_and_clears_the_store(net, new_event):
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(i) for i in range(5)])
    net.end_task()
    assert len(net.stored()) == 5
    net.is_allowed = False  # another tab, page code or a server wrote the cookie
    net.advance(BATCH_DELAY_MS)
    assert net.requests == []
    assert net.stored() == []
    net.is_allowed = True
    queue.flush(state, None)
    net.advance(10 * BATCH_DELAY_MS)
    assert net.requests == []  # opting in again does not bring them back


def test_opting_out_during_backoff_stops_the_retry(net, new_event):
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(i) for i in range(BATCH_SIZE)])
    net.answer(503)
    net.is_allowed = False
    net.advance(10 * BACKOFF_CAP_MS)
    assert len(net.requests) == 1
    assert net.stored() == []


def test_the_gate_refusing_a_send_drops_everything(net, new_event):
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(i) for i in range(BATCH_SIZE + 5)])
    net.answer(None)  # the transport found the cookie at send time
    assert net.stored() == [] and len(net.requests) == 1
    net.advance(10 * BACKOFF_CAP_MS)
    assert len(net.requests) == 1


def test_opted_out_exit_flush_sends_nothing(net, new_event):
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(i) for i in range(5)])
    net.end_task()
    net.is_allowed = False
    queue.flush_on_exit(state)
    assert net.requests == [] and net.stored() == []


def test_after_opting_in_again_only_new_events_are_sent(net, new_event):
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(i) for i in range(3)])
    net.is_allowed = False
    queue.enqueue(state, new_event(3))
    net.is_allowed = True
    queue.enqueue(state, new_event(4))
    net.advance(BATCH_DELAY_MS)
    assert net.sent_ids() == [['msg-0004']]


# --- bounds ----------------------------------------------------------------------------------

def test_the_store_keeps_at_most_1000_events_leaving_out_the_oldest(net, new_event):
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(i) for i in range(MAX_EVENTS + 30)])  # the collector does not answer yet
    net.end_task()
    assert ids(net.stored()) == seq(range(30, MAX_EVENTS + 30))
    assert net.warnings == [(STORE_FULL, 30)]
    queue.enqueue(state, new_event(MAX_EVENTS + 30))
    net.end_task()
    assert ids(net.stored()) == seq(range(31, MAX_EVENTS + 31))
    assert net.warnings == [(STORE_FULL, 30)]  # not again while it stays full
    deliver_everything(net)
    enqueue_all(state, [new_event(5000 + i) for i in range(MAX_EVENTS + 7)])
    net.end_task()
    assert net.warnings[1:] == [(STORE_FULL, 7)]  # full again: said again, with the new count


def test_the_store_keeps_at_most_1_mb_leaving_out_the_oldest(net, new_event):
    state = queue.create(net.deps, [new_event(i, size=10000) for i in range(150)])  # ~1.5 MB
    queue.enqueue(state, new_event(150))
    net.end_task()
    kept = net.stored()
    assert sum(json_bytes(event) for event in kept) <= MAX_STORED_BYTES
    first = int(ids(kept)[0][4:])
    assert 40 <= first <= 60 and ids(kept) == seq(range(first, 151))  # the newest, in order
    assert net.warnings == [(STORE_FULL, first)]
    queue.flush(state, None)
    deliver_everything(net)
    assert sum(net.sent_ids(), []) == seq(range(151))  # memory held them all


def test_memory_keeps_at_most_max_queued_events_dropping_the_oldest(net, new_event):
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(i) for i in range(MAX_QUEUED_EVENTS + 30)])
    net.end_task()
    assert (QUEUE_FULL, 30) in net.warnings
    deliver_everything(net)
    sent = sum(net.sent_ids(), [])
    # the first batch was in flight when the oldest 30 were dropped from memory: it is still delivered
    assert sent == seq(range(BATCH_SIZE)) + seq(range(30, MAX_QUEUED_EVENTS + 30))


def test_memory_keeps_at_most_max_queued_bytes_dropping_the_oldest(net, new_event):
    total = MAX_QUEUED_BYTES // 10000 + 100  # about 100 events of 10 KB over the bound
    restored = [new_event(i, size=10000) for i in range(total)]
    state = queue.create(net.deps, restored)
    (message, count), = net.warnings
    assert message == QUEUE_FULL and 80 <= count <= 120
    queue.flush(state, None)
    deliver_everything(net)
    assert sum(net.sent_ids(), []) == seq(range(count, total))


def test_the_memory_bound_counts_only_what_is_still_queued(net, new_event):
    """Bytes acknowledged or dropped are taken off the total: a second big load is not cut."""
    state = queue.create(net.deps, [new_event(i, size=10000) for i in range(400)])  # ~4 MB
    queue.flush(state, None)
    deliver_everything(net)
    assert len(sum(net.sent_ids(), [])) == 400
    enqueue_all(state, [new_event(1000 + i, size=10000) for i in range(400)])
    net.end_task()
    assert not [w for w in net.warnings if w[0] == QUEUE_FULL]
    deliver_everything(net)
    assert len(sum(net.sent_ids(), [])) == 800


def test_restored_events_over_the_memory_bound_give_one_warning_with_the_count(net, new_event):
    state = queue.create(net.deps, [new_event(i) for i in range(MAX_QUEUED_EVENTS + 500)])
    assert net.warnings == [(QUEUE_FULL, 500)]
    queue.flush(state, None)
    assert net.sent_ids()[0][0] == 'msg-0500'  # the oldest went first


def test_restored_events_are_sent_on_flush(net, new_event):
    state = queue.create(net.deps, [new_event(i) for i in range(3)])
    queue.flush(state, None)
    assert net.sent_ids() == [['msg-0000', 'msg-0001', 'msg-0002']]


# --- leaving the page ------------------------------------------------------------------------

def queued_without_sending(net, new_event, count, size=0):
    state = queue.create(net.deps, [new_event(i, size=size) for i in range(count)])
    return state


def test_flush_on_exit_sends_everything_as_keepalive_batches(net, new_event):
    state = queued_without_sending(net, new_event, 45)
    queue.flush_on_exit(state)
    assert [r['keepalive'] for r in net.requests] == [True, True, True]
    assert [len(r['events']) for r in net.requests] == [20, 20, 5]
    assert sum(net.sent_ids(), []) == ['msg-%04d' % i for i in range(45)]


def test_flush_on_exit_stays_within_the_keepalive_budget_and_keeps_the_rest(net, new_event):
    """Browsers refuse keepalive bodies past 64 KB in flight: send what fits, keep the rest stored."""
    state = queued_without_sending(net, new_event, 40, size=9000)
    queue.flush_on_exit(state)
    assert len(net.requests) >= 1
    assert all(request['keepalive'] is True for request in net.requests)
    assert sum(body_bytes(request['events']) for request in net.requests) <= MAX_BODY_BYTES
    sent = [event['messageId'] for request in net.requests for event in request['events']]
    pending = [item['_event']['messageId'] for item in state['_entries']]
    assert len(pending) == 40 and sent == pending[:len(sent)]  # nothing is acknowledged without a 2xx


def test_flush_on_exit_keeps_events_until_a_2xx(net, new_event):
    state = queued_without_sending(net, new_event, 45)
    queue.flush_on_exit(state)
    first, second, third = net.requests
    net.answer(200, request=second)
    net.end_task()
    unsent = ['msg-%04d' % i for i in list(range(20)) + list(range(40, 45))]
    assert set(unsent) <= set(ids(net.stored()))
    net.answer(0, request=first)   # lost: still stored, for the next page
    net.answer(503, request=third)
    net.end_task()
    assert set(unsent) <= set(ids(net.stored()))
    queue.flush_on_exit(state)  # hidden again: the store is rewritten with what is still unsent
    assert ids(net.stored()) == unsent


def test_flush_on_exit_persists_at_once_what_was_queued_in_this_task(net, new_event):
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(i) for i in range(3)])
    assert net.saves == []
    queue.flush_on_exit(state)  # pagehide: the deferred save might never run
    assert ids(net.stored()) == ['msg-0000', 'msg-0001', 'msg-0002']
    assert net.sent_ids(keepalive=True) == [['msg-0000', 'msg-0001', 'msg-0002']]


def test_a_page_that_survives_its_exit_flush_sends_what_is_left(net, new_event):
    state = queued_without_sending(net, new_event, 5)
    queue.flush_on_exit(state)
    net.answer(0)  # the keepalive request failed; the page was only hidden
    net.advance(BATCH_DELAY_MS)
    assert net.sent_ids() == [ids([new_event(i) for i in range(5)])] * 2
    assert net.requests[1]['keepalive'] is False


# --- flush() callbacks ----------------------------------------------------------------------

def test_flush_done_waits_for_every_batch_to_be_answered(net, new_event):
    state = queued_without_sending(net, new_event, 45)
    calls = []
    queue.flush(state, lambda: calls.append('done'))
    assert calls == []
    net.answer(200)
    net.answer(200)
    assert calls == []
    net.answer(200)
    assert calls == ['done']
    net.advance(10 * BACKOFF_CAP_MS)
    assert calls == ['done']  # once


def test_flush_done_on_an_empty_queue_is_immediate(net):
    state = queue.create(net.deps, [])
    calls = []
    queue.flush(state, lambda: calls.append('done'))
    assert calls == ['done'] and net.requests == []


def test_flush_done_settles_when_a_retry_is_set(net, new_event):
    state = queued_without_sending(net, new_event, 3)
    calls = []
    queue.flush(state, lambda: calls.append('done'))
    net.answer(503)
    assert calls == ['done']
    net.advance(BACKOFF_CAP_MS)
    assert net.sent_ids() == [['msg-0000', 'msg-0001', 'msg-0002']] * 2  # kept for the retry


def test_flush_done_settles_when_opted_out(net, new_event):
    state = queued_without_sending(net, new_event, 3)
    net.is_allowed = False
    calls = []
    queue.flush(state, lambda: calls.append('done'))
    assert calls == ['done'] and net.requests == []


def test_flush_while_a_request_is_in_flight_settles_every_waiter(net, new_event):
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(i) for i in range(25)])  # the first 20 are in flight
    calls = []
    queue.flush(state, lambda: calls.append('first'))
    queue.flush(state, lambda: calls.append('second'))
    assert len(net.pending()) == 1
    net.answer(200)
    assert calls == []
    net.answer(200)
    assert calls == ['first', 'second']
    assert net.stored() == []


def test_flush_sends_at_once_without_waiting_for_the_timer(net, new_event):
    state = queue.create(net.deps, [])
    queue.enqueue(state, new_event(0))
    queue.flush(state, None)
    assert net.sent_ids() == [['msg-0000']] and net.requests[0]['at'] == 0
    net.answer(200)
    net.advance(10 * BATCH_DELAY_MS)
    assert len(net.requests) == 1  # the batch timer was cancelled


@pytest.mark.parametrize('status, retried', [
    (0, True), (408, True), (429, True), (500, True), (502, True), (503, True), (599, True),
    (400, False), (401, False), (403, False), (404, False), (409, False), (413, False), (422, False),
])
def test_which_answers_are_retried(status, retried):
    assert is_retryable(status) is retried


def test_flush_during_backoff_waits_for_the_retry(net, new_event):
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(i) for i in range(BATCH_SIZE)])
    net.answer(503, retry_after=30)
    flushed = []
    queue.flush(state, lambda: flushed.append(True))
    assert flushed == [True] and len(net.requests) == 1  # resolved, but nothing sent before Retry-After
    net.advance(29000)
    assert len(net.requests) == 1
    net.advance(1000)
    assert len(net.requests) == 2


def test_exit_flush_during_backoff_keeps_the_retry_going(net, new_event):
    state = queue.create(net.deps, [])
    enqueue_all(state, [new_event(i) for i in range(BATCH_SIZE)])
    net.answer(503, retry_after=5)
    queue.flush_on_exit(state)  # hidden, then visible again: the keepalive attempt fails
    net.answer(0, request=net.requests[-1])
    net.advance(5000)
    assert not net.requests[-1]['keepalive']  # the retry timer survived the exit flush
    net.answer(200)
    net.end_task()
    assert net.stored() == []
