"""Delivery (issue 4): exactly once through faults, reloads and tabs; nothing after an opt-out, on any
subdomain, over https, in a sandboxed frame, under privacy signals; and no page error from bad input.

Events are counted by what the collector stored (messageId is its primary key, so a stored duplicate
would need two messageIds for one call: each scenario numbers its calls with a `seq` property) and by
what went over the wire (/api/stats `duplicates` counts events received again after being stored).
"""
import time
from urllib.parse import urlsplit

import pytest

from support import cookie, page_html, serve, settle, wait_until

NAME = 'xng.tracking-opt-out'
INIT = "xng.init({endpoint: '/api/batch', pollInterval: 0})"
PAGE = '/t/delivery.html'
# In every frame of every page: uncaught errors, unhandled rejections and CSP violations, as the page sees them.
WATCH = """
    window.__problems = [];
    addEventListener('error', e => __problems.push('error: ' + e.message));
    addEventListener('unhandledrejection', e => __problems.push('unhandled rejection: ' + e.reason));
    addEventListener('securitypolicyviolation',
                     e => __problems.push('csp: ' + e.violatedDirective + ' ' + e.blockedURI));
"""


# ---------------------------------------------------------------------------------------------- helpers

def watch(page):
    """Collect page errors of a page the `page` fixture did not create."""
    page.errors = []
    page.on('pageerror', lambda error: page.errors.append(error))
    return page


def watch_frames(context):
    """Install WATCH in every frame of the context, once."""
    if not getattr(context, 'xng_watched', False):
        context.add_init_script(WATCH)
        context.xng_watched = True


def open_page(context, page, url, init=INIT):
    """Serve the standard test page at `url` (stub + async library, strict CSP), load it, init."""
    watch_frames(context)
    serve(context, url, page_html())
    page.goto(url)
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    if init:
        page.evaluate(init)
    return page


def load_library(page, url='/xng.min.js'):
    """Add the library's script tag now (the page had the loader stub only) and wait for it."""
    page.evaluate("url => { const s = document.createElement('script'); s.src = url; document.head.append(s) }", url)
    page.wait_for_function('() => window.xng.loaded === true')


def no_problems(page):
    assert page.errors == []
    assert page.evaluate('window.__problems') == []


def track(page, name, first, count):
    """`count` track calls in one task, numbered by `seq`; returns the seqs."""
    page.evaluate("([name, first, count]) => { for (let i = first; i < first + count; i++) xng.track(name, {seq: i}) }",
                  [name, first, count])
    return list(range(first, first + count))


def seqs(collector, name):
    """The seq of each stored event called `name`, in the order the collector stored them."""
    return [event['properties']['seq'] for event in collector.events() if event.get('event') == name]


def wait_stored(collector, name, expected, timeout=15):
    """Wait until every seq in `expected` is stored; assert each is stored exactly once."""
    wait_until(lambda: set(expected) <= set(seqs(collector, name)),
               '%d %r events at the collector' % (len(expected), name), timeout)
    stored = seqs(collector, name)
    assert sorted(stored) == sorted(expected), 'each event exactly once'
    return stored


def requests_at_least(collector, count):
    wait_until(lambda: collector.stats()['requests'] >= count, '%d batch requests at the collector' % count)


def persisted(page):
    """The events in this origin's persisted queues (every tab's), as {key: [seq...]}."""
    return page.evaluate("""() => {
        const queues = {};
        for (const key of Object.keys(localStorage).filter(k => k.startsWith('xng.queue.'))) {
            queues[key] = JSON.parse(localStorage.getItem(key)).events.map(e => e.properties && e.properties.seq);
        }
        return queues;
    }""")


def persisted_seqs(page):
    return sorted(seq for queue in persisted(page).values() for seq in queue)


def record_batch_times(context):
    """window.__batches: [started, answered] (performance.now(), ms) of every fetch to /api/batch the page makes."""
    context.add_init_script("""
        window.__batches = [];
        const realFetch = window.fetch;
        window.fetch = function (url) {
            if (!String(url).includes('/api/batch')) return realFetch.apply(this, arguments);
            const times = [performance.now(), null];
            __batches.push(times);
            const answered = () => { times[1] = performance.now() };
            const request = realFetch.apply(this, arguments);
            request.then(answered, answered);
            return request;
        };
    """)


def waits_between_attempts(page):
    """How long the page waited after each answer before the next batch request, in ms."""
    batches = page.evaluate('window.__batches')
    return [later[0] - earlier[1] for earlier, later in zip(batches, batches[1:])]


def host_url(base_url, host):
    return 'http://%s:%d' % (host, urlsplit(base_url).port)


# ---------------------------------------------------------------------------------------------- faults

def stop_the_clock(page):
    """The page's timers run only when the test advances its clock: when a retry leaves is checked exactly,
    in order, and a loaded machine cannot make it late."""
    page.clock.install(time=1767225600 - 60)  # epoch seconds
    page.clock.pause_at(1767225600)


def attempts(page):
    """How many batch requests the page has started (counted by record_batch_times's fetch wrapper, at the call)."""
    return page.evaluate('window.__batches.length')


def test_503_burst_every_event_arrives_once_and_retry_after_is_honoured(context, page, base_url, collector):
    record_batch_times(context)
    stop_the_clock(page)
    open_page(context, page, base_url + PAGE)
    collector.faults(fail=3, status=503, retryAfter=1)
    expected = track(page, '503', 0, 40)  # two full batches: the first leaves at once, without a flush() call
    # Each 503 said Retry-After: 1: no retry before 1 s (the first failure's backoff alone could retry at
    # 0.5 s). The backoff may make the wait longer, never shorter: each retry leaves by its ceiling.
    for attempt, ceiling in enumerate([1000, 2000, 4000], 1):
        page.evaluate('xng.flush()')  # resolves once this attempt's 503 is in and its retry is set
        page.clock.run_for(999)
        assert attempts(page) == attempt
        page.clock.run_for(ceiling - 999)
        # The retry has left (exactly one: the next round, or the total below, counts them). After the 4th,
        # a success, the second batch may already have followed while the clock ran.
        assert attempts(page) >= attempt + 1
    page.evaluate('xng.flush()')  # the clock stands still: the second batch follows the success at once
    wait_stored(collector, '503', expected)
    assert attempts(page) == 5
    stats = collector.stats()
    assert stats['faulted'] == 3 and stats['duplicates'] == 0 and stats['stored'] == 40
    page.clock.run_for(1)  # the store is rewritten when the task that emptied the queue ends
    assert persisted(page) == {}
    no_problems(page)


def test_flush_during_retry_after_does_not_send_early(context, page, base_url, collector):
    record_batch_times(context)
    open_page(context, page, base_url + PAGE)
    collector.faults(fail=1, status=503, retryAfter=2)
    expected = track(page, 'Patient', 0, 3)
    page.evaluate('xng.flush()')  # resolves once the 503 is in and the retry is scheduled
    page.evaluate('xng.flush()')  # e.g. a page flushing on each route change
    wait_stored(collector, 'Patient', expected)
    waits = waits_between_attempts(page)
    assert len(waits) == 1 and waits[0] >= 1950, waits


def test_retry_uses_backoff_and_keeps_message_ids(context, page, base_url, collector, log):
    """Without Retry-After: exponential backoff with jitter (0.5-1 s, then 1-2 s); same messageIds on the wire."""
    record_batch_times(context)
    stop_the_clock(page)
    open_page(context, page, base_url + PAGE)
    collector.faults(fail=2, status=503)
    expected = track(page, 'Backoff', 0, 20)  # a full batch: it leaves at once
    for attempt, (low, high) in enumerate([(500, 1000), (1000, 2000)], 1):
        page.evaluate('xng.flush()')  # resolves once this attempt's 503 is in and its retry is set
        page.clock.run_for(low - 1)
        assert attempts(page) == attempt  # not before the backoff's lower bound ...
        page.clock.run_for(high - low + 1)
        assert attempts(page) == attempt + 1  # ... and by its upper bound
    page.evaluate('xng.flush()')
    wait_stored(collector, 'Backoff', expected)
    sent = [[event['messageId'] for event in body['batch']] for body in log.batches()]
    assert len(sent) == 3 and sent[0] == sent[1] == sent[2]
    assert sorted(sent[0]) == sorted(event['messageId'] for event in collector.events())


@pytest.mark.parametrize('status, retried', [(400, False), (413, False), (408, True), (429, True)])
def test_other_4xx_drop_the_batch_with_a_warning(context, page, base_url, collector, status, retried):
    open_page(context, page, base_url + PAGE)
    collector.faults(fail=1, status=status, retryAfter=0)
    track(page, 'First', 0, 3)
    page.evaluate('xng.flush()')
    track(page, 'Second', 0, 2)
    page.evaluate('xng.flush()')
    wait_stored(collector, 'Second', [0, 1])
    if retried:
        wait_stored(collector, 'First', [0, 1, 2])
    else:
        assert seqs(collector, 'First') == []
        assert any('[xng]' in warning and str(status) in warning for warning in page.warnings), page.warnings
    wait_until(lambda: persisted(page) == {}, 'the store emptied once the queue is')  # saved when the task ends


def test_collector_down_then_up_everything_arrives(context, page, base_url, collector):
    open_page(context, page, base_url + PAGE)
    collector.faults(down=True)
    expected = track(page, 'Down', 0, 25)
    page.evaluate('xng.flush()')
    requests_at_least(collector, 2)  # the first attempt and at least one retry met a dead collector
    assert persisted_seqs(page) == expected
    collector.faults(down=False)
    wait_stored(collector, 'Down', expected)
    assert collector.stats()['duplicates'] == 0
    wait_until(lambda: persisted(page) == {}, 'the persisted queue to empty')
    no_problems(page)


def test_reload_with_events_pending_sends_them_once_after_the_reload(context, page, base_url, collector, log):
    open_page(context, page, base_url + PAGE)
    collector.faults(down=True)
    expected = track(page, 'Pending', 0, 15)
    page.evaluate('xng.flush()')
    requests_at_least(collector, 1)
    assert persisted_seqs(page) == expected
    page.reload()
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    collector.faults(down=False)
    page.evaluate(INIT)
    wait_stored(collector, 'Pending', expected)
    assert collector.stats()['duplicates'] == 0
    wait_until(lambda: persisted(page) == {}, 'the persisted queue to empty')
    no_problems(page)


def test_two_tabs_share_the_persisted_queue_each_event_once(context, base_url, collector):
    url = base_url + PAGE
    tab_a = open_page(context, watch(context.new_page()), url)
    collector.faults(down=True)
    track(tab_a, 'Tabs', 0, 10)
    tab_a.evaluate('xng.flush()')
    wait_until(lambda: persisted_seqs(tab_a) == list(range(10)), "tab A's queue persisted")
    tab_b = open_page(context, watch(context.new_page()), url)
    track(tab_b, 'Tabs', 10, 10)
    tab_b.evaluate('xng.flush()')
    wait_until(lambda: len(persisted(tab_b)) == 2, "tab B's queue persisted beside A's")
    assert persisted_seqs(tab_b) == list(range(20))  # B left A's queue alone: A is open
    # A closes with its events unsent: B, still open, takes its queue over (once A's Web Lock is free).
    tab_a.close()
    wait_until(lambda: len(persisted(tab_b)) == 1 and persisted_seqs(tab_b) == list(range(20)), 'B to adopt A\'s queue')
    # Two more tabs start at once; both see B's queue, neither may take it while B is open.
    tab_c, tab_d = watch(context.new_page()), watch(context.new_page())
    for tab in (tab_c, tab_d):
        open_page(context, tab, url, init=None)
    tab_c.evaluate(INIT)
    tab_d.evaluate(INIT)
    track(tab_c, 'Tabs', 20, 5)
    track(tab_d, 'Tabs', 25, 5)
    collector.faults(down=False)
    for tab in (tab_b, tab_c, tab_d):
        tab.evaluate('xng.flush()')
    wait_stored(collector, 'Tabs', list(range(30)))
    assert collector.stats()['duplicates'] == 0
    wait_until(lambda: persisted(tab_b) == {}, 'every persisted queue to empty')
    for tab in (tab_b, tab_c, tab_d):
        no_problems(tab)


def test_pagehide_batches_stay_under_64_kb_and_the_rest_follows_on_the_next_page(context, page, base_url, collector,
                                                                                 log):
    open_page(context, page, base_url + PAGE)
    page.evaluate("() => { for (let i = 0; i < 60; i++) xng.track('Big', {seq: i, blob: String(i).repeat(5000)}) }")
    page.goto(base_url + PAGE)  # pagehide with ~300 KB queued: keepalive requests now, the rest from storage
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    page.evaluate(INIT)
    wait_stored(collector, 'Big', list(range(60)))
    sizes = [len(request.post_data_buffer) for request in log.to('/api/batch')]
    assert sizes and max(sizes) < 65536, sizes
    no_problems(page)


def opt_out_by_sdk(page, base_url):
    page.evaluate('xng.optOutTracking()')


def opt_out_by_page_code(page, base_url):
    page.evaluate("document.cookie = 'xng.tracking-opt-out=1; Path=/; Max-Age=600'")


def opt_out_by_server(page, base_url):
    page.evaluate("""fetch('/api/opt-out', {method: 'POST',
                   body: JSON.stringify({domain: null, created: null, optOutByDefault: false})})""")
    wait_until(lambda: cookie(page.context, NAME), 'the Set-Cookie of /api/opt-out')


@pytest.mark.parametrize('opt_out', [opt_out_by_sdk, opt_out_by_page_code, opt_out_by_server],
                         ids=['sdk', 'page-cookie', 'server-cookie'])
def test_opt_out_with_events_persisted_then_reload_and_opt_in_sends_none_of_them(context, page, base_url, collector,
                                                                                 log, opt_out):
    open_page(context, page, base_url + PAGE)
    collector.faults(down=True)
    track(page, 'Persisted', 0, 12)
    page.evaluate('xng.flush()')
    requests_at_least(collector, 1)
    assert persisted_seqs(page) == list(range(12))
    opt_out(page, base_url)
    assert page.evaluate('xng.isTrackingOptOut()') is True
    if opt_out is opt_out_by_sdk:
        assert persisted(page) == {}  # deleted at once
    attempts_before = log.sent_names().count('Persisted')
    page.reload()
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    collector.faults(down=False)
    page.evaluate(INIT)
    assert persisted(page) == {}
    page.evaluate('xng.optInTracking()')  # deletes the cookie, whoever wrote it
    assert page.evaluate('xng.isTrackingOptOut()') is False and cookie(context, NAME) is None
    page.evaluate("xng.track('Marker'); xng.flush()")
    collector.wait_for(['Marker'])
    settle(page)  # and a pagehide for good measure
    assert collector.named('Persisted') == []
    assert log.sent_names().count('Persisted') == attempts_before  # not even tried after the opt-out
    assert collector.stats()['stored'] == 1


def test_events_queued_in_one_tab_are_never_sent_after_an_opt_out_and_opt_in_in_another(context, base_url, collector):
    url = base_url + PAGE
    tab_a = open_page(context, watch(context.new_page()), url)
    tab_b = open_page(context, watch(context.new_page()), url)
    collector.faults(down=True)
    track(tab_a, 'Persisted', 0, 5)
    tab_a.evaluate('xng.flush()')
    wait_until(lambda: persisted_seqs(tab_b) == list(range(5)), "tab A's queue persisted")
    tab_b.evaluate('xng.optOutTracking()')
    assert persisted(tab_b) == {}  # the opt-out deleted every tab's persisted queue
    tab_b.evaluate('xng.optInTracking()')
    collector.faults(down=False)
    tab_a.evaluate('xng.flush()')  # A's next attempt (as its retry timer would)
    tab_b.evaluate("xng.track('Marker'); xng.flush()")
    collector.wait_for(['Marker'])
    assert collector.named('Persisted') == []


def test_burst_of_3000_arrives_once_in_order_page_responsive_queue_bounded(context, page, base_url, collector):
    open_page(context, page, base_url + PAGE)
    # Linear, not quadratic: the calls and their drain write the store no time at all (it is written once
    # the task ends). Counted, not timed: a loaded machine makes any time bound flaky.
    burst_writes = page.evaluate("""async () => {
        let writes = 0;
        const setItem = Storage.prototype.setItem;
        Storage.prototype.setItem = function () { writes++; return setItem.apply(this, arguments); };
        try {
            for (let i = 0; i < 3000; i++) xng.track('Burst', {seq: i, note: 'some payload to make events realistic'});
            await Promise.resolve();  // after the drain the first call queued (a microtask): events built and queued
        } finally {
            Storage.prototype.setItem = setItem;
        }
        return writes;
    }""")
    round_trips = []
    biggest_store = most_persisted = 0

    def progress():
        nonlocal biggest_store, most_persisted
        started = time.monotonic()
        size, count = page.evaluate("""() => {
            const keys = Object.keys(localStorage).filter(k => k.startsWith('xng.'));
            const queues = keys.filter(k => k.startsWith('xng.queue.')).map(k => JSON.parse(localStorage.getItem(k)));
            return [keys.reduce((n, k) => n + k.length + localStorage.getItem(k).length, 0),
                    queues.reduce((n, q) => n + q.events.length, 0)];
        }""")
        round_trips.append(time.monotonic() - started)
        biggest_store, most_persisted = max(biggest_store, size), max(most_persisted, count)
        return collector.stats()['stored'] >= 3000

    wait_until(progress, '3000 burst events at the collector', timeout=40, interval=0.1)
    stored = seqs(collector, 'Burst')
    assert stored == list(range(3000)), 'all 3000 once, in the order they were tracked'
    assert collector.stats()['duplicates'] == 0
    assert burst_writes == 0, burst_writes  # persisting the queue per call made a burst quadratic
    assert max(round_trips) < 1, max(round_trips)  # the page answers while it sends
    assert 0 < most_persisted <= 1000 and biggest_store <= 1100000  # the persisted queue stays bounded
    no_problems(page)


# ---------------------------------------------------------------------------------------------- cookies

@pytest.mark.parametrize('cookie_domain', ['auto', 'xng.test'])
def test_opt_out_on_one_subdomain_holds_on_another(context, page, base_url, collector, log, cookie_domain):
    init = "xng.init({endpoint: '/api/batch', pollInterval: 0, cookieDomain: '%s'})" % cookie_domain
    www, shop = host_url(base_url, 'www.xng.test') + PAGE, host_url(base_url, 'shop.xng.test') + PAGE
    open_page(context, page, www, init)
    page.evaluate('xng.optOutTracking()')
    stored = cookie(context, NAME)
    assert stored['domain'] == '.xng.test'
    assert [c['name'] for c in context.cookies() if c['name'].startswith('xng.domain-probe')] == []
    open_page(context, page, shop, init)
    assert page.evaluate('xng.isTrackingOptOut()') is True
    page.evaluate("xng.page(); xng.track('On Shop')")
    settle(page)
    assert log.to('/api/batch') == [] and collector.events() == []
    # Opting in on shop opts in on www too.
    open_page(context, page, shop, init)
    page.evaluate('xng.optInTracking()')
    open_page(context, page, www, init)
    assert page.evaluate('xng.isTrackingOptOut()') is False and cookie(context, NAME) is None
    page.evaluate("xng.track('On Www'); xng.flush()")
    collector.wait_for(['On Www'])
    no_problems(page)


def test_on_https_the_opt_out_cookie_is_not_secure(context, page, server, collector):
    https = server.https_url.rstrip('/')
    open_page(context, page, https + PAGE, "xng.init({endpoint: '/api/batch', pollInterval: 0})")
    assert page.evaluate('location.protocol') == 'https:'
    page.evaluate("xng.track('Over Https'); xng.flush()")
    collector.wait_for(['Over Https'])
    page.evaluate('xng.optOutTracking()')
    stored = cookie(context, NAME)
    assert stored['secure'] is False and stored['sameSite'] == 'Lax'  # never Secure: http pages see it too
    assert cookie(context, 'xng.anonymous-id') is None
    no_problems(page)


BLOCK_SCRIPT_OPT_OUT_COOKIE = """
    const descriptor = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
    Object.defineProperty(Document.prototype, 'cookie', {
        get() { return descriptor.get.call(this); },
        set(value) { if (!value.startsWith('xng.tracking-opt-out=')) descriptor.set.call(this, value); },
    });
"""


@pytest.mark.parametrize('origin', ['http', 'https'])
def test_server_opt_out_sets_the_cookie_by_set_cookie_and_opt_in_deletes_it(context, page, server, collector, log,
                                                                             origin):
    """Script writes of the opt-out cookie are blocked here, so only the collector's Set-Cookie can set it."""
    context.add_init_script(BLOCK_SCRIPT_OPT_OUT_COOKIE)
    base = (server.url if origin == 'http' else server.https_url).rstrip('/')
    open_page(context, page, base + PAGE, "xng.init({endpoint: '/api/batch', pollInterval: 0, serverOptOut: true})")
    with page.expect_response(lambda response: response.url.endswith('/api/opt-out')) as opt_out:
        page.evaluate('xng.optOutTracking()')
    response = opt_out.value
    assert response.request.method == 'POST' and response.status == 200
    assert NAME + '=' in response.header_value('set-cookie')
    stored = wait_until(lambda: cookie(context, NAME), 'the opt-out cookie from Set-Cookie')
    assert stored['secure'] is False  # never Secure (issue 12): http pages of the host must see it too
    assert (stored['expires'] - time.time()) / 86400 > 399  # Max-Age 2 years, capped by Chromium at 400 days
    page.reload()
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    page.evaluate("xng.init({endpoint: '/api/batch', pollInterval: 0, serverOptOut: true})")
    assert page.evaluate('xng.isTrackingOptOut()') is True  # the server's cookie, in a new page
    with page.expect_response(lambda response: response.url.endswith('/api/opt-in')):
        page.evaluate('xng.optInTracking()')
    wait_until(lambda: cookie(context, NAME) is None, 'the opt-in Set-Cookie to delete the cookie')
    assert page.evaluate('xng.isTrackingOptOut()') is False
    page.evaluate("xng.track('After Server Opt In'); xng.flush()")
    collector.wait_for(['After Server Opt In'])
    no_problems(page)


def test_server_opt_out_with_cookie_domain_is_undone_from_another_subdomain(context, page, base_url):
    """The collector's cookie carries the cookieDomain too (a host-only one would outlive an opt-in elsewhere)."""
    init = "xng.init({endpoint: '/api/batch', pollInterval: 0, cookieDomain: 'auto', serverOptOut: true})"
    www, shop = host_url(base_url, 'www.xng.test') + PAGE, host_url(base_url, 'shop.xng.test') + PAGE
    open_page(context, page, www, init)
    with page.expect_response(lambda response: response.url.endswith('/api/opt-out')) as opt_out:
        page.evaluate('xng.optOutTracking()')
    assert 'Domain=xng.test' in opt_out.value.header_value('set-cookie')
    assert [c['domain'] for c in context.cookies() if c['name'] == NAME] == ['.xng.test']
    open_page(context, page, shop, init)
    with page.expect_response(lambda response: response.url.endswith('/api/opt-in')):
        page.evaluate('xng.optInTracking()')
    open_page(context, page, www, init)
    assert page.evaluate('xng.isTrackingOptOut()') is False, [c for c in context.cookies() if c['name'] == NAME]


def test_sandboxed_iframe_where_cookies_and_storage_throw(context, page, base_url, collector, log):
    frame_csp = ("default-src 'none'; script-src %s; connect-src %s" % (base_url, base_url))
    frame_html = ('<!doctype html><html><head><meta charset="utf-8"><title>sandboxed</title>'
                  '<script src="%s/snippet.js"></script><script async src="%s/xng.min.js"></script></head>'
                  '<body>sandboxed</body></html>' % (base_url, base_url))
    serve(context, base_url + '/t/frame.html', frame_html, csp=frame_csp)
    host = page_html(stub=False, library=None, body='<iframe sandbox="allow-scripts" src="/t/frame.html"></iframe>')
    watch_frames(context)
    serve(context, base_url + '/t/host.html', host)
    page.goto(base_url + '/t/host.html')
    frame = wait_until(lambda: next((f for f in page.frames if f.url.endswith('/t/frame.html')), None), 'the frame')
    frame.wait_for_function('() => window.xng && window.xng.loaded === true')
    assert frame.evaluate("""() => {
        const throws = f => { try { f(); return false } catch (e) { return true } };
        return throws(() => document.cookie) && throws(() => window.localStorage);
    }""") is True
    frame.evaluate("xng.init({endpoint: '%s/api/batch', pollInterval: 0})" % base_url)
    assert frame.evaluate('xng.isTrackingOptOut()') is False
    frame.evaluate("xng.track('Framed Before'); xng.identify('framed-user'); xng.flush()")
    collector.wait_for(['Framed Before'])  # opaque origin: a CORS request, answered by the collector
    assert frame.evaluate('xng.optOutTracking()') is None
    assert frame.evaluate('xng.isTrackingOptOut()') is True
    frame.evaluate("xng.track('Framed After'); xng.page(); xng.identify('x'); xng.flush()")
    assert frame.evaluate('xng.isTrackingOptOut()') is True
    frame.evaluate("xng.setTrackingOptOut('false'); xng.setTrackingOptOut(false); xng.setTrackingOptOut(true)")
    assert frame.evaluate('xng.isTrackingOptOut()') is True
    frame.evaluate("xng.track('Framed Again'); xng.flush()")
    problems = frame.evaluate('window.__problems')
    settle(page)
    assert [e.get('event') for e in collector.events()] == ['Framed Before', None]
    assert 'Framed After' not in log.sent_names() and 'Framed Again' not in log.sent_names()
    assert page.errors == [] and problems == []


def test_sandboxed_iframe_opt_out_through_the_stub_before_the_library_loads(context, page, base_url, collector, log):
    frame_csp = ("default-src 'none'; script-src %s; connect-src %s" % (base_url, base_url))
    frame_html = ('<!doctype html><html><head><meta charset="utf-8"><title>sandboxed</title>'
                  '<script src="%s/snippet.js"></script></head><body>stub only</body></html>' % base_url)
    serve(context, base_url + '/t/frame.html', frame_html, csp=frame_csp)
    watch_frames(context)
    serve(context, base_url + '/t/host.html',
          page_html(stub=False, library=None, body='<iframe sandbox="allow-scripts" src="/t/frame.html"></iframe>'))
    page.goto(base_url + '/t/host.html')
    frame = wait_until(lambda: next((f for f in page.frames if f.url.endswith('/t/frame.html')), None), 'the frame')
    frame.wait_for_function('() => window.xng && window.xng.q')
    frame.evaluate("xng.init({endpoint: '%s/api/batch', pollInterval: 0}); xng.track('Before Opt Out'); "
                   "xng.optOutTracking(); xng.track('After Opt Out')" % base_url)
    assert frame.evaluate('xng.isTrackingOptOut()') is True
    load_library(frame, base_url + '/xng.min.js')
    assert frame.evaluate('xng.isTrackingOptOut()') is True
    frame.evaluate("xng.track('Loaded And Out'); xng.flush()")
    problems = frame.evaluate('window.__problems')
    settle(page)
    assert log.to('/api/batch') == [] and collector.events() == []
    assert page.errors == [] and problems == []


# ---------------------------------------------------------------------------------------------- privacy signals

SIGNALS = {
    'gpc': ("Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true, configurable: true})",
            'respectGlobalPrivacyControl'),
    'dnt': ("Object.defineProperty(Navigator.prototype, 'doNotTrack', {get: () => '1', configurable: true})",
            'respectDoNotTrack'),
}


@pytest.mark.parametrize('signal', ['gpc', 'dnt'])
def test_privacy_signal_with_the_option_on_opts_out_and_with_it_off_tracks(context, page, base_url, collector, log,
                                                                            signal):
    define, option = SIGNALS[signal]
    context.add_init_script(define)
    open_page(context, page, base_url + PAGE, "xng.init({endpoint: '/api/batch', pollInterval: 0, %s: true})" % option)
    assert page.evaluate('xng.isTrackingOptOut()') is True
    page.evaluate("xng.page(); xng.track('Signalled'); xng.identify('u-1'); xng.flush()")
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('xng.'))") == []
    settle(page)
    assert log.to('/api/') == [] and context.cookies() == [] and collector.events() == []
    # The same browser with the option off (the default): tracked.
    open_page(context, page, base_url + PAGE, "xng.init({endpoint: '/api/batch', pollInterval: 0})")
    assert page.evaluate('navigator.%s' % ('globalPrivacyControl' if signal == 'gpc' else 'doNotTrack')) in (True, '1')
    assert page.evaluate('xng.isTrackingOptOut()') is False
    page.evaluate("xng.track('Not Respected'); xng.flush()")
    collector.wait_for(['Not Respected'])
    no_problems(page)


def test_privacy_signal_holds_in_the_stub_before_the_library_loads(context, page, base_url, collector, log):
    context.add_init_script(SIGNALS['gpc'][0])
    watch_frames(context)
    serve(context, base_url + PAGE, page_html(library=None))
    page.goto(base_url + PAGE)
    page.evaluate("xng.init({endpoint: '/api/batch', pollInterval: 0, respectGlobalPrivacyControl: true}); "
                  "xng.track('Queued In Stub')")
    assert page.evaluate('xng.isTrackingOptOut()') is True
    load_library(page)
    settle(page)
    assert log.to('/api/') == [] and context.cookies() == [] and collector.events() == []


# ---------------------------------------------------------------------------------------------- bad input

# Values no caller should pass, built in the page: every JS type, and the nasty ones.
BAD_VALUES = """() => {
    const cyclic = {a: 1}; cyclic.self = cyclic; cyclic.list = [cyclic, {back: cyclic}];
    let deep = {leaf: true}; for (let i = 0; i < 1000; i++) deep = {child: deep};
    let deeper = []; for (let i = 0; i < 100000; i++) deeper = [deeper];
    const thrower = () => { throw new Error('trap') };
    const getters = {ok: 1}; Object.defineProperty(getters, 'bad', {get: thrower, enumerable: true});
    const badJson = {toJSON: thrower};
    const badJsonGetter = {}; Object.defineProperty(badJsonGetter, 'toJSON', {get: thrower});
    const trap = new Proxy({}, {get: thrower, has: thrower, ownKeys: thrower, getOwnPropertyDescriptor: thrower,
                                getPrototypeOf: thrower, set: thrower, defineProperty: thrower});
    const revocable = Proxy.revocable({}, {}); revocable.revoke();
    const huge = 'x'.repeat(1 << 20);
    const wide = {}; for (let i = 0; i < 5000; i++) wide['k' + i] = 'v'.repeat(100);
    const values = [undefined, null, true, false, 0, -0, 1.5, NaN, Infinity, -Infinity, 2 ** 70, '', 'text', huge,
        10n, 2n ** 200n, Symbol('s'), Symbol.iterator, () => 1, async function () {}, class K {},
        [], [1, [2, [3]]], new Array(1e6), {}, Object.create(null), cyclic, deep, deeper, getters, badJson,
        badJsonGetter,
        trap, revocable.proxy, wide, new Date(NaN), new Date(), /re/g, new Map([[1, 2]]), new Set([1]),
        new Uint8Array(1024), new ArrayBuffer(8), new Error('boom'), Promise.resolve(1), new WeakMap(),
        document, window, document.body, location, {properties: cyclic, traits: trap},
        {seq: 10n, f: () => 1, s: Symbol()},
        {name: huge, [Symbol('k')]: 1}, new Proxy([], {get: thrower}), Object.freeze({a: {b: 1}}),
        {endpoint: trap}, {endpoint: 5}, {endpoint: ''}, {get endpoint() { throw new Error('getter') }}];
    return values;
}"""

FUZZ = """async ([rounds, flush]) => {
    const bad = (%s)();
    let seed = 7;
    const random = n => { seed = (seed * 1103515245 + 12345) %% 2147483648; return seed %% n };
    const pick = () => bad[random(bad.length)];
    const methods = %s;
    let valid = 0;
    for (let round = 0; round < rounds; round++) {
        for (const method of methods) {
            for (const value of bad) {
                if (method === 'setTrackingOptOut' && typeof value === 'boolean') continue;  // valid input
                xng[method](value, pick());
            }
            xng[method](pick(), pick());
        }
        xng.track('Valid', {seq: valid++});
        if (flush) await xng.flush();  // keeps the queue under its 1 MB bound: some events here are 32 KB
    }
    return valid;
}"""
CALLS = "['init', 'page', 'track', 'identify', 'flush', 'setTrackingOptOut', 'isTrackingOptOut']"
OPT_CALLS = "['optOutTracking', 'optInTracking']"


def test_fuzz_of_bad_inputs_to_every_public_function(context, page, base_url, collector):
    open_page(context, page, base_url + PAGE)
    page.evaluate("xng.track('Valid', {seq: -1}); xng.flush()")
    collector.wait_for(['Valid'])
    valid = page.evaluate(FUZZ % (BAD_VALUES, CALLS), [3, True])
    assert page.evaluate('xng.isTrackingOptOut()') is False  # setTrackingOptOut(non-boolean) changed nothing
    page.evaluate('xng.flush()')
    wait_stored(collector, 'Valid', list(range(-1, valid)))
    # Extra arguments to the opt-out calls are ignored; they end opted in, and later events arrive.
    page.evaluate(FUZZ % (BAD_VALUES, OPT_CALLS), [1, True])
    assert page.evaluate('xng.isTrackingOptOut()') is False
    page.evaluate("xng.track('After Fuzz', {seq: 0}); xng.flush()")
    collector.wait_for(['After Fuzz'])
    assert page.evaluate('typeof xng.requestNotificationPermission(window, 10n).then') == 'function'
    no_problems(page)
    assert collector.stats()['rejected'] == 0


def test_fuzz_through_the_loader_stub_before_the_library_loads(context, page, base_url, collector):
    watch_frames(context)
    serve(context, base_url + PAGE, page_html(library=None))
    page.goto(base_url + PAGE)
    page.evaluate(INIT)
    valid = page.evaluate(FUZZ % (BAD_VALUES, CALLS), [2, False])
    page.evaluate(FUZZ % (BAD_VALUES, OPT_CALLS), [1, False])
    assert page.evaluate('xng.isTrackingOptOut()') is False
    page.evaluate("xng.track('After Fuzz', {seq: 0})")
    load_library(page)
    page.evaluate('xng.flush()')
    collector.wait_for(['After Fuzz'])
    # The opt-out calls of the second fuzz dropped what was queued before them; what came after arrives.
    assert seqs(collector, 'After Fuzz') == [0]
    no_problems(page)


def test_init_with_an_option_whose_getter_throws_then_a_valid_init(context, page, base_url, collector, log):
    """A half-read options object must not leave the SDK set up with it (an apiKey getter read at each send
    once made every send throw, so the queue stayed busy forever), nor refuse the valid init after it."""
    for option in ('apiKey', 'cookieDomain', 'respectGlobalPrivacyControl', 'respectDoNotTrack', 'serverOptOut',
                   'messagesEndpoint', 'pollInterval'):
        open_page(context, page, base_url + PAGE, init=None)
        outcome = page.evaluate("""async option => {
            const options = {endpoint: '/api/batch'};
            Object.defineProperty(options, option, {get() { throw new Error('getter ' + option) }});
            xng.init(options);
            xng.init({endpoint: '/api/batch', apiKey: 'valid-init', pollInterval: 0});
            xng.track('After Bad Init', {option});
            try { await xng.flush(); return 'flushed' } catch (error) { return 'flush() rejected: ' + error.message }
        }""", option)
        assert outcome == 'flushed', option
        bodies = [body for body in log.batches() if body['batch'][0].get('properties', {}).get('option') == option]
        assert bodies and bodies[0].get('writeKey') == 'valid-init', option
        no_problems(page)


def test_user_id_with_a_lone_surrogate_does_not_block_delivery(context, page, base_url, collector):
    open_page(context, page, base_url + PAGE)
    with page.expect_response(lambda response: response.url.endswith('/api/batch')) as answer:
        page.evaluate("xng.identify('\\ud800 half a pair'); xng.track('After Surrogate'); xng.flush()")
    assert answer.value.status == 200
    collector.wait_for(['After Surrogate'])


def test_loader_stub_survives_a_first_init_whose_options_throw(context, page, base_url, collector):
    """The stub reads the first init's cookieDomain and privacy options itself (for opt-out calls before load)."""
    watch_frames(context)
    serve(context, base_url + PAGE, page_html(library=None))
    page.goto(base_url + PAGE)
    page.evaluate("""() => {
        const thrower = () => { throw new Error('trap') };
        xng.init(new Proxy({}, {get: thrower, has: thrower, ownKeys: thrower, getOwnPropertyDescriptor: thrower}));
        xng.init({endpoint: '/api/batch', pollInterval: 0});
        xng.track('Before Opt Out');
        xng.isTrackingOptOut();
        xng.optOutTracking();
        xng.optInTracking();
        xng.track('After Opt In');
    }""")
    load_library(page)
    page.evaluate('xng.flush()')
    collector.wait_for(['After Opt In'])
    assert [event['event'] for event in collector.events()] == ['After Opt In']
    no_problems(page)


def make_shared_dag(depth):
    """JS: an object graph without cycles whose every level is referenced twice: 2^depth paths."""
    return """(() => { const root = {}; let node = root;
        for (let i = 0; i < %d; i++) { const next = {}; node.a = next; node.b = next; node = next; }
        return root; })()""" % depth


def test_shared_subobjects_in_properties_are_cut_in_time(context, page, base_url, collector):
    open_page(context, page, base_url + PAGE)
    elapsed = page.evaluate("""() => {
        const dag = %s;
        const started = performance.now();
        xng.track('Shared', {dag}); xng.identify('dag-user', {dag}); xng.page({dag});
        return performance.now() - started;
    }""" % make_shared_dag(60))
    assert elapsed < 1000, elapsed
    page.evaluate('xng.flush()')
    collector.wait_for(['Shared'])
    no_problems(page)


def test_shared_subobjects_as_a_bad_argument_do_not_freeze_the_page(context, page, base_url):
    """Walking every path of the graph (2^21) would freeze the page: count the values read, not the time."""
    open_page(context, page, base_url + PAGE)
    reads = page.evaluate("""() => {
        let reads = 0;
        const root = {};
        let node = root;
        for (let i = 0; i < 21; i++) {
            const next = {};
            for (const key of ['a', 'b']) {
                Object.defineProperty(node, key, {enumerable: true, get: () => { reads++; return next; }});
            }
            node = next;
        }
        xng.track(root); xng.identify(root); xng.setTrackingOptOut(root); xng.init(root);
        return reads;
    }""")
    assert 0 < reads < 10000, reads  # the warnings looked at the graph, a bounded part of it
    no_problems(page)


def test_an_opt_out_in_another_tab_ends_this_tabs_anonymous_id(context, base_url, collector):
    url = base_url + PAGE
    tab_a = open_page(context, watch(context.new_page()), url)
    tab_b = open_page(context, watch(context.new_page()), url)
    tab_a.evaluate("xng.track('Before'); xng.flush()")
    before = collector.wait_for(['Before'])[0]['anonymousId']
    tab_b.evaluate('xng.optOutTracking(); xng.optInTracking()')
    tab_a.evaluate("xng.track('After'); xng.flush()")
    collector.wait_for(['After'])
    assert collector.named('After')[0]['anonymousId'] != before
