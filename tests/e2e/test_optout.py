"""The opt-out rules of issue 2, each against the browser's request log and the collector's store."""
import time

from support import COUNT_SIDE_EFFECTS, cookie, page_html, serve, settle, wait_until

NAME = 'xng.tracking-opt-out'
INIT = "xng.init({endpoint: '/api/batch', apiKey: 'test-key'})"
DAY_MS = 86400000


def day(ms):
    """The cookie value for a time: ms floored to 00:00 UTC (issue 12: an exact time would identify the browser)."""
    return str(int(ms) // DAY_MS * DAY_MS)


def open_test_page(context, page, base_url, html=None, path='/t/page.html'):
    serve(context, base_url + path, html or page_html())
    page.goto(base_url + path)
    page.wait_for_function('() => window.xng && window.xng.loaded === true')


def test_default_is_opted_in_and_events_arrive(context, page, base_url, collector, log):
    open_test_page(context, page, base_url)
    assert page.evaluate('xng.isTrackingOptOut()') is False
    page.evaluate(INIT + "; xng.page(); xng.track('Clicked Button', {color: 'blue'}); xng.identify('user-1', {plan: 'pro'})")
    page.evaluate('xng.flush()')
    events = collector.wait_for(['Clicked Button'])
    assert [e['type'] for e in events] == ['page', 'track', 'identify']
    assert log.sent_names() == [None, 'Clicked Button', None]


def day_of(ms):
    return ms - ms % 86400000


def test_opt_out_cookie_name_value_and_attributes(context, page, base_url):
    open_test_page(context, page, base_url)
    before_ms = int(time.time() * 1000)
    page.evaluate('xng.optOutTracking()')
    stored = cookie(context, NAME)
    assert stored is not None and page.evaluate('xng.isTrackingOptOut()') is True
    assert stored['path'] == '/' and stored['sameSite'] == 'Lax' and stored['secure'] is False
    assert int(stored['value']) == before_ms // DAY_MS * DAY_MS  # the creation day: no identifier
    # Chromium caps the lifetime at 400 days; the asked 730 days are checked in test_asked_expiry_is_730_days.
    days_left = (stored['expires'] - time.time()) / 86400
    assert 399 <= days_left <= 400.1


def test_asked_expiry_is_730_days(context, page, base_url):
    """Record what the SDK asks of document.cookie, before the browser caps it."""
    context.add_init_script("""
        window.__cookieWrites = [];
        const descriptor = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
        Object.defineProperty(Document.prototype, 'cookie', {
            get() { return descriptor.get.call(this); },
            set(value) { window.__cookieWrites.push(value); descriptor.set.call(this, value); },
        });
    """)
    open_test_page(context, page, base_url)
    page.evaluate('xng.setTrackingOptOut(true)')
    writes = [w for w in page.evaluate('window.__cookieWrites') if w.startswith(NAME + '=')]
    assert len(writes) == 1
    attributes = dict(part.strip().split('=', 1) if '=' in part else (part.strip(), True) for part in writes[0].split(';')[1:])
    assert attributes['Max-Age'] == str(730 * 86400)
    expires = time.mktime(time.strptime(attributes['Expires'], '%a, %d %b %Y %H:%M:%S GMT')) - time.timezone
    assert abs(expires - time.time() - 730 * 86400) < 120
    assert attributes['Path'] == '/' and attributes['SameSite'] == 'Lax'


def test_presence_counts_whatever_the_value_and_writer(context, page, base_url, collector, log):
    open_test_page(context, page, base_url)
    page.evaluate("document.cookie = 'xng.tracking-opt-out=; Path=/'")  # empty value, written by page code
    assert page.evaluate('xng.isTrackingOptOut()') is True
    page.evaluate(INIT + "; xng.track('Should Not Leave'); xng.flush()")
    settle(page)
    assert log.to('/api/batch') == []
    assert collector.events() == []


def test_cookie_from_a_server_response_suppresses_tracking(context, page, base_url, collector, log):
    serve(context, base_url + '/t/server-cookie.html', page_html(),
          headers={'Set-Cookie': 'xng.tracking-opt-out=from-server; Path=/; Max-Age=600'})
    page.goto(base_url + '/t/server-cookie.html')
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    assert page.evaluate('xng.isTrackingOptOut()') is True
    page.evaluate(INIT + "; xng.page(); xng.track('Should Not Leave')")
    settle(page)
    assert log.to('/api/batch') == [] and collector.events() == []
    assert cookie(context, NAME)['value'] == 'from-server'  # not the SDK's: left untouched


def test_opt_in_deletes_the_cookie_and_tracks_only_later_calls(context, page, base_url, collector, log):
    open_test_page(context, page, base_url)
    page.evaluate(INIT + "; xng.optOutTracking(); xng.track('While Out'); xng.optInTracking()")
    assert cookie(context, NAME) is None and page.evaluate('xng.isTrackingOptOut()') is False
    page.evaluate("xng.track('After Opt In'); xng.flush()")
    collector.wait_for(['After Opt In'])
    assert log.sent_names() == ['After Opt In']
    assert [e['event'] for e in collector.events()] == ['After Opt In']


def test_event_queued_just_before_opt_out_never_arrives(context, page, base_url, collector, log):
    open_test_page(context, page, base_url)
    page.evaluate(INIT + "; xng.track('Queued'); xng.optOutTracking()")
    page.evaluate("xng.optInTracking(); xng.track('Marker'); xng.flush()")
    collector.wait_for(['Marker'])
    assert 'Queued' not in log.sent_names()
    assert [e['event'] for e in collector.events()] == ['Marker']


def test_opt_out_deletes_identifiers_and_writes_nothing_else(context, page, base_url, collector):
    open_test_page(context, page, base_url)
    page.evaluate(INIT + "; xng.identify('user-7'); xng.track('Before'); xng.flush()")
    assert cookie(context, 'xng.anonymous-id') is not None
    assert page.evaluate("localStorage.getItem('xng.user-id')") == 'user-7'
    page.evaluate('xng.optOutTracking()')
    assert cookie(context, 'xng.anonymous-id') is None
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('xng.'))") == []
    page.evaluate("xng.track('Later'); xng.identify('user-8'); xng.page()")
    assert [c['name'] for c in context.cookies()] == [NAME]
    assert page.evaluate('Object.keys(localStorage).length') == 0


def test_opt_out_in_tab_a_stops_tab_b_next_send(context, base_url, collector, log):
    """Tab B holds a batch (its first attempt met a 503, the retry is pending); tab A opts out; the retry never leaves."""
    tab_a, tab_b = context.new_page(), context.new_page()
    tab_b.clock.install(time=time.time() - 60)  # B's timers run only when the test advances its clock
    tab_b.clock.pause_at(time.time())
    serve(context, base_url + '/t/tabs.html', page_html())
    for tab in (tab_a, tab_b):
        tab.goto(base_url + '/t/tabs.html')
        tab.wait_for_function('() => window.xng && window.xng.loaded === true')
        tab.evaluate(INIT)
    tab_b.evaluate("xng.track('B Before'); xng.flush()")
    collector.wait_for(['B Before'])
    collector.faults(fail=1, status=503, retryAfter=1)
    tab_b.evaluate("xng.track('B Held'); xng.flush()")  # resolves once the 503 is in and the retry is set
    assert log.sent_names() == ['B Before', 'B Held'] and collector.stats()['faulted'] == 1  # B holds a queued send
    tab_a.evaluate('xng.optOutTracking()')
    tab_b.clock.run_for(60000)  # the retry's time has come (and any batch timer's)
    tab_b.evaluate("xng.track('B After')")
    assert tab_b.evaluate('xng.isTrackingOptOut()') is True
    settle(tab_b)
    assert log.sent_names() == ['B Before', 'B Held']
    assert [e['event'] for e in collector.events()] == ['B Before']


def test_second_browser_context_stays_opted_in(browser, context, page, base_url, collector):
    open_test_page(context, page, base_url)
    page.evaluate('xng.optOutTracking()')
    other = browser.new_context()
    try:
        other_page = other.new_page()
        serve(other, base_url + '/t/page.html', page_html())
        other_page.goto(base_url + '/t/page.html')
        other_page.wait_for_function('() => window.xng && window.xng.loaded === true')
        assert other_page.evaluate('xng.isTrackingOptOut()') is False
        other_page.evaluate(INIT + "; xng.track('Other Browser'); xng.flush()")
        collector.wait_for(['Other Browser'])
    finally:
        other.close()


def test_cleared_cookies_opt_in_again(context, page, base_url, collector):
    open_test_page(context, page, base_url)
    page.evaluate('xng.optOutTracking()')
    context.clear_cookies()
    page.reload()
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    assert page.evaluate('xng.isTrackingOptOut()') is False
    page.evaluate(INIT + "; xng.track('After Clearing'); xng.flush()")
    collector.wait_for(['After Clearing'])


def test_sdk_written_cookie_is_renewed_with_remaining_lifetime(context, page, base_url):
    """Created 500 days ago: 230 days are left of the 2 years, and a page load rewrites it with those."""
    created_ms = int((time.time() - 500 * 86400) * 1000)
    context.add_cookies([{'name': NAME, 'value': str(created_ms), 'url': base_url, 'expires': time.time() + 3600}])
    open_test_page(context, page, base_url)
    page.evaluate(INIT)
    renewed = cookie(context, NAME)
    assert renewed['value'] == day(created_ms)  # an old exact value, floored
    assert 229 <= (renewed['expires'] - time.time()) / 86400 <= 230.01


def test_cookie_older_than_two_years_expires(context, page, base_url):
    created_ms = int((time.time() - 731 * 86400) * 1000)
    context.add_cookies([{'name': NAME, 'value': str(created_ms), 'url': base_url, 'expires': time.time() + 3600}])
    open_test_page(context, page, base_url)
    page.evaluate(INIT)
    assert cookie(context, NAME) is None and page.evaluate('xng.isTrackingOptOut()') is False


def test_foreign_cookie_is_not_rewritten(context, page, base_url):
    expires = time.time() + 3600
    context.add_cookies([{'name': NAME, 'value': 'yes', 'url': base_url, 'expires': expires}])
    open_test_page(context, page, base_url)
    page.evaluate(INIT)
    assert abs(cookie(context, NAME)['expires'] - expires) < 2


def wait_for_batch_or_fail(collector, name):
    return wait_until(lambda: collector.named(name), name + ' at the collector')




def test_opted_out_calls_start_no_timer_and_write_nothing(context, page, base_url, collector, log):
    context.add_init_script(COUNT_SIDE_EFFECTS)
    open_test_page(context, page, base_url)
    # pollInterval 0: polls only follow deliveries, so the count below cannot race a timer
    # (the poll timer's own stop on opt-out is tested in test_channels.py).
    page.evaluate("xng.init({endpoint: '/api/batch', messagesEndpoint: '/api/messages', pollInterval: 0}); xng.track('Before'); xng.flush()")
    collector.wait_for(['Before'])
    page.wait_for_function("() => performance.getEntriesByType('resource').some(e => e.name.includes('/api/messages'))")
    page.evaluate('xng.optOutTracking()')
    polls_before = len(log.to('/api/messages'))
    page.evaluate("window.__effects = {timers: 0, storage: 0, cookies: []}")
    page.evaluate("""() => {
        for (let i = 0; i < 50; i++) { xng.page(); xng.track('Out ' + i, {i}); xng.identify('u' + i, {i}); }
        xng.isTrackingOptOut(); xng.flush();
        Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
        document.dispatchEvent(new Event('visibilitychange'));
        window.dispatchEvent(new Event('pagehide'));
    }""")
    assert page.evaluate('window.__effects') == {'timers': 0, 'storage': 0, 'cookies': []}
    settle(page)
    assert log.sent_names() == ['Before']
    assert len(log.to('/api/messages')) == polls_before


def test_server_opt_out_renews_through_the_collector_keeping_the_creation_time(context, page, base_url):
    """With serverOptOut the renewal goes through Set-Cookie, which Safari does not cut to 7 days."""
    created_ms = int((time.time() - 500 * 86400) * 1000)
    context.add_cookies([{'name': NAME, 'value': str(created_ms), 'url': base_url, 'expires': time.time() + 3600}])
    serve(context, base_url + '/t/page.html', page_html())
    page.goto(base_url + '/t/page.html')
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    with page.expect_response(lambda response: response.url.endswith('/api/opt-out')) as answer:
        page.evaluate("xng.init({endpoint: '/api/batch', serverOptOut: true})")
    assert answer.value.request.post_data_json['created'] == int(day(created_ms))
    assert answer.value.header_value('set-cookie').startswith('%s=%s' % (NAME, day(created_ms)))
    renewed = cookie(context, NAME)
    assert renewed['value'] == day(created_ms) + '.' + day(time.time() * 1000)  # floored, renewed today by the server
    assert 229 <= (renewed['expires'] - time.time()) / 86400 <= 230.01


def test_server_renewal_falls_back_to_script_when_the_collector_is_unreachable(context, page, base_url):
    created_ms = int((time.time() - 500 * 86400) * 1000)
    context.add_cookies([{'name': NAME, 'value': str(created_ms), 'url': base_url, 'expires': time.time() + 3600}])
    context.route('**/api/opt-out', lambda route: route.abort())
    open_test_page(context, page, base_url)
    page.evaluate("xng.init({endpoint: '/api/batch', serverOptOut: true})")
    renewed = wait_until(lambda: page.evaluate('1') and [c for c in context.cookies()
                                                         if c['name'] == NAME and c['expires'] > time.time() + 86400],
                         'the script renewal')[0]
    assert renewed['value'] == day(created_ms) + '.' + day(time.time() * 1000)  # renewed today: no new request today
    assert 229 <= (renewed['expires'] - time.time()) / 86400 <= 230.01  # what is left of its 2 years


def test_opt_in_while_a_server_renewal_is_pending_stays_opted_in(context, page, base_url, log):
    """The renewal's script fallback reads the cookie again: it must not bring back an opt-out undone meanwhile."""
    created_ms = int((time.time() - 500 * 86400) * 1000)
    context.add_cookies([{'name': NAME, 'value': str(created_ms), 'url': base_url, 'expires': time.time() + 3600}])
    held = []
    context.route('**/api/opt-out', lambda route: held.append(route))  # the collector does not answer the renewal yet
    context.route('**/api/opt-in', lambda route: route.abort())  # and then it is down: no Set-Cookie undoes a rewrite
    open_test_page(context, page, base_url)
    page.evaluate("xng.init({endpoint: '/api/batch', serverOptOut: true})")
    wait_until(lambda: page.evaluate('1') and held, 'the renewal request')
    page.evaluate('xng.optInTracking()')
    assert cookie(context, NAME) is None
    with page.expect_event('requestfailed', lambda request: request.url.endswith('/api/opt-in')):
        held[0].abort()  # the renewal fails; the opt-in queued behind it goes next (and fails too)
    assert cookie(context, NAME) is None
    assert page.evaluate('xng.isTrackingOptOut()') is False
