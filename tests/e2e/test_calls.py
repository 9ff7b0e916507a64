"""How a call becomes an event: kept with its time and page, drained at the end of the task.

track(), page() and identify() only keep what they were given; the events are built, given ids
and queued in a microtask, after the opt-out cookie is read once more. These tests hold that to
the promise: one cookie read serves a burst of calls, yet an opt-out made between two calls of the
same task (by page code, not through the API) still stops everything, and calls made while opted
out are never sent, whatever happens later in their task.
"""
from support import cookie, page_html, serve, settle, wait_until

NAME = 'xng.tracking-opt-out'
INIT = "xng.init({endpoint: '/api/batch', pollInterval: 0})"
PAGE = '/t/calls.html'
# Counts the page's document.cookie reads (the SDK's only way to see the opt-out synchronously).
COUNT_READS = """
    window.__cookieReads = 0;
    const descriptor = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
    Object.defineProperty(Document.prototype, 'cookie', {
        get() { window.__cookieReads++; return descriptor.get.call(this); },
        set(value) { descriptor.set.call(this, value); },
    });
"""


def open_page(context, page, base_url, init=INIT):
    serve(context, base_url + PAGE, page_html())
    page.goto(base_url + PAGE)
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    if init:
        page.evaluate(init)


def stored_keys(page):
    return page.evaluate("Object.keys(localStorage).filter(key => key.startsWith('xng.'))")


def test_a_burst_of_calls_reads_the_cookie_a_few_times_not_once_per_call(context, page, base_url, collector):
    context.add_init_script(COUNT_READS)
    open_page(context, page, base_url)
    reads = page.evaluate("""async () => {
        const before = window.__cookieReads;
        for (let i = 0; i < 500; i++) xng.track('Burst', {seq: i});
        await null;  // the drain was queued by the first call, so it has run by now
        return window.__cookieReads - before;
    }""")
    # The first call, the drain, the queue's gate before the first batch and the transport's gate.
    assert 1 <= reads <= 5, reads
    page.evaluate('xng.flush()')  # resolves once every queued event was answered
    events = collector.named('Burst')
    assert sorted(e['properties']['seq'] for e in events) == list(range(500))
    assert len({e['anonymousId'] for e in events}) == 1


def test_calls_keep_their_order_time_and_page(context, page, base_url, collector):
    open_page(context, page, base_url)
    page.evaluate("""async () => {
        xng.track('First');
        history.pushState({}, '', '/t/second-view');  // a single-page app changes view in the same task
        document.title = 'Second view';
        xng.page();
        xng.track('Third');
        await xng.flush();
    }""")
    events = collector.wait_for(['First', 'Third'])
    assert [e.get('event') or e['type'] for e in events] == ['First', 'page', 'Third']
    assert events[0]['context']['page']['path'] == PAGE
    assert events[1]['context']['page']['path'] == '/t/second-view'
    assert events[1]['properties']['title'] == 'Second view'
    assert events[0]['timestamp'] <= events[1]['timestamp'] <= events[2]['timestamp']


def test_identify_applies_from_its_own_call_on(context, page, base_url, collector):
    open_page(context, page, base_url)
    page.evaluate("xng.track('Anonymous'); xng.identify('user-7', {plan: 'pro'}); xng.track('Known'); xng.flush()")
    events = collector.wait_for(['Anonymous', 'Known'])
    by_type = {(e['type'], e.get('event')): e for e in events}
    assert 'userId' not in by_type[('track', 'Anonymous')]
    assert by_type[('identify', None)]['userId'] == 'user-7'
    assert by_type[('track', 'Known')]['userId'] == 'user-7'
    assert page.evaluate("localStorage.getItem('xng.user-id')") == 'user-7'


def test_opt_out_by_page_code_between_two_calls_of_a_task_stops_both(context, page, base_url, collector, log):
    """The reference lets sites write the cookie themselves: the drain reads it again before any event exists."""
    open_page(context, page, base_url)
    page.evaluate("""async () => {
        xng.track('Before');
        document.cookie = 'xng.tracking-opt-out=1; path=/';
        xng.track('After');
        xng.identify('user-9');
        await null;
    }""")
    assert page.evaluate('xng.isTrackingOptOut()') is True
    assert cookie(context, 'xng.anonymous-id') is None  # no identifier was written
    assert stored_keys(page) == []
    settle(page)
    assert log.to('/api/batch') == []
    assert collector.events() == []


def test_calls_made_while_opted_out_stay_dropped_after_an_opt_in_in_their_task(context, page, base_url, collector):
    open_page(context, page, base_url)
    page.evaluate("""async () => {
        document.cookie = 'xng.tracking-opt-out=1; path=/';
        xng.track('Opted Out');
        xng.optInTracking();
        xng.track('Opted In', {seq: 1});
        // Opted in at the first call, then opted out by page code, then in again through the API: the
        // API drains first, under the cookie as it is then, so this task's calls (seq 1 too) are dropped.
        xng.track('Kept Until The Cookie');
        document.cookie = 'xng.tracking-opt-out=1; path=/';
        xng.track('Made While Opted Out');
        xng.optInTracking();
        xng.track('Opted In', {seq: 2});
        await xng.flush();
    }""")
    events = collector.wait_for(['Opted In', 'Opted In'])
    assert [(e['event'], e['properties'].get('seq')) for e in events] == [('Opted In', 2)]
    assert collector.named('Opted Out') == [] and collector.named('Made While Opted Out') == []
    assert collector.named('Kept Until The Cookie') == []


def test_opt_out_through_the_api_drops_the_calls_of_its_task(context, page, base_url, collector, log):
    open_page(context, page, base_url)
    # 25 calls: enough for a batch, had they been built before the opt-out
    page.evaluate("for (let i = 0; i < 25; i++) xng.track('Same Task', {i}); xng.page(); xng.optOutTracking()")
    assert cookie(context, 'xng.anonymous-id') is None and stored_keys(page) == []
    settle(page)
    assert log.to('/api/batch') == []


def test_a_failure_while_draining_is_a_warning_and_flush_still_resolves(context, page, base_url, collector):
    open_page(context, page, base_url)
    outcome = page.evaluate("""async () => {
        const problems = [];
        addEventListener('error', e => problems.push(String(e.message)));
        addEventListener('unhandledrejection', e => problems.push(String(e.reason)));
        const encode = TextEncoder.prototype.encode;
        TextEncoder.prototype.encode = () => { throw new TypeError('broken by the page'); };
        xng.track('Lost');
        await null;
        const flushed = await xng.flush().then(() => 'resolved', () => 'rejected');
        TextEncoder.prototype.encode = encode;
        xng.track('Afterwards');
        await xng.flush();
        await new Promise(resolve => setTimeout(resolve, 0));  // let an unhandled rejection be reported
        return {problems, flushed};
    }""")
    assert outcome == {'problems': [], 'flushed': 'resolved'}
    assert any('xng.drain' in text for text in page.warnings), page.warnings
    collector.wait_for(['Afterwards'])
    assert page.errors == []


def test_calls_before_init_are_kept_and_sent_at_init(context, page, base_url, collector, log):
    open_page(context, page, base_url, init=None)
    page.evaluate("async () => { xng.track('Early', {seq: 1}); xng.identify('early-user'); await null; }")
    assert cookie(context, 'xng.anonymous-id') is None and stored_keys(page) == []  # nothing written before init
    assert log.to('/api/batch') == []
    page.evaluate(INIT + '; xng.flush()')
    events = collector.wait_for(['Early'])
    assert events[0]['properties'] == {'seq': 1} and 'userId' not in events[0]
    assert [e['userId'] for e in collector.events() if e['type'] == 'identify'] == ['early-user']


def test_a_runaway_loop_in_one_task_is_bounded_with_one_warning(context, page, base_url, collector):
    open_page(context, page, base_url)
    page.evaluate("async () => { for (let i = 0; i < 10050; i++) xng.track('Runaway', {i}); await null; }")
    # (page.evaluate lets Playwright's sync API deliver the console events it holds)
    wait_until(lambda: page.evaluate('1') and [text for text in page.warnings if 'queue full' in text],
               'the queue-full warning')
    warnings = [text for text in page.warnings if 'queue full' in text]
    assert len(warnings) == 1 and warnings[0].endswith(' 50'), warnings  # memory holds 10,000 events
    assert page.errors == []
