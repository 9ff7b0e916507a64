"""init({optOutByDefault: true}) (issue 11 item 1): no choice counts as opted out, calls are held in memory until
an opt-in replays them, the opt-in cookie, getTrackingConsent() and clearTrackingConsent()."""
import time

from support import COUNT_SIDE_EFFECTS, cookie, page_html, serve, settle, wait_until

OUT = 'xng.tracking-opt-out'
IN = 'xng.tracking-opt-in'
DAY_MS = 86400000
INIT = "xng.init({endpoint: '/api/batch', optOutByDefault: true})"


def open_page(context, page, base_url, path='/t/consent.html', stub=True):
    serve(context, base_url + path, page_html(stub=stub, library='async' if stub else 'plain'))
    page.goto(base_url + path)
    page.wait_for_function('() => window.xng && window.xng.loaded === true')


def names(collector):
    return [e.get('event') or e['type'] for e in collector.events()]


def test_pending_sends_writes_and_starts_nothing(context, page, base_url, collector, log):
    context.add_init_script(COUNT_SIDE_EFFECTS)
    open_page(context, page, base_url)
    page.evaluate("window.__effects = {timers: 0, storage: 0, cookies: []}")
    page.evaluate(INIT + """; xng.page(); xng.track('Held 1', {n: 1}); xng.identify('user-1');
        xng.flush(); window.dispatchEvent(new Event('pagehide'))""")
    assert page.evaluate('[xng.isTrackingOptOut(), xng.getTrackingConsent()]') == [True, 'pending']
    assert page.evaluate('window.__effects') == {'timers': 0, 'storage': 0, 'cookies': []}
    assert context.cookies() == []
    assert page.evaluate('localStorage.length + sessionStorage.length') == 0
    settle(page)  # leaving the page drops the held calls
    assert log.to('/api/') == [] and collector.events() == []


def test_opt_in_replays_the_held_calls_in_order(context, page, base_url, collector, log):
    open_page(context, page, base_url)
    page.evaluate(INIT + "; xng.page(); xng.track('Held A'); xng.identify('user-1'); xng.track('Held B')")
    assert log.to('/api/') == [] and context.cookies() == []
    before_ms = int(time.time() * 1000)
    page.evaluate("xng.optInTracking(); xng.track('After'); xng.flush()")
    events = collector.wait_for(['After'])
    assert [(e['type'], e.get('event')) for e in events] == [
        ('page', None), ('track', 'Held A'), ('identify', None), ('track', 'Held B'), ('track', 'After')]
    assert events[1].get('userId') is None and events[3]['userId'] == 'user-1'  # identify applies where it stands
    assert len({e['anonymousId'] for e in events}) == 1 and cookie(context, 'xng.anonymous-id') is not None
    assert page.evaluate('xng.getTrackingConsent()') == 'granted'
    opt_in = cookie(context, IN)
    assert cookie(context, OUT) is None and opt_in['path'] == '/' and opt_in['sameSite'] == 'Lax'
    assert int(opt_in['value']) == before_ms // DAY_MS * DAY_MS and opt_in['secure'] is False


def test_held_calls_never_reach_storage_before_the_opt_in(context, page, base_url, collector, log):
    open_page(context, page, base_url)
    page.evaluate(INIT + "; for (let i = 0; i < 20; i++) xng.track('Secret ' + i, {card: '4111'})")
    stored = page.evaluate("JSON.stringify([document.cookie, {...localStorage}, {...sessionStorage}])")
    assert 'Secret' not in stored and '4111' not in stored
    assert [r for r in log.requests if '/api/' in r.url] == []
    page.evaluate('xng.optInTracking(); xng.flush()')
    assert len(collector.wait_for(['Secret 19'])) == 20


def test_only_the_newest_100_calls_are_held(context, page, base_url, collector):
    open_page(context, page, base_url)
    page.evaluate(INIT + "; for (let i = 0; i < 150; i++) xng.track('Held ' + i)")
    page.evaluate('xng.optInTracking(); xng.flush()')
    events = collector.wait_for(['Held 149'])
    assert [e['event'] for e in events] == ['Held %d' % i for i in range(50, 150)]


def test_opt_out_drops_the_held_calls_and_deletes_the_opt_in(context, page, base_url, collector, log):
    open_page(context, page, base_url)
    page.evaluate(INIT + "; xng.optInTracking(); xng.optOutTracking(); xng.track('Dropped')")
    assert cookie(context, OUT) is not None and cookie(context, IN) is None
    assert page.evaluate('[xng.isTrackingOptOut(), xng.getTrackingConsent()]') == [True, 'denied']
    page.evaluate("xng.optInTracking(); xng.track('Marker'); xng.flush()")
    collector.wait_for(['Marker'])
    assert names(collector) == ['Marker'] and log.sent_names() == ['Marker']


def test_the_opt_out_wins_when_both_cookies_are_present(context, page, base_url, collector, log):
    context.add_cookies([{'name': IN, 'value': 'site', 'url': base_url}, {'name': OUT, 'value': 'site', 'url': base_url}])
    open_page(context, page, base_url)
    page.evaluate(INIT + "; xng.track('Not Sent')")
    assert page.evaluate('[xng.isTrackingOptOut(), xng.getTrackingConsent()]') == [True, 'denied']
    settle(page)
    assert log.to('/api/batch') == [] and collector.events() == []


def test_an_opt_in_cookie_from_an_earlier_visit_grants(context, page, base_url, collector):
    context.add_cookies([{'name': IN, 'value': 'anything', 'url': base_url}])
    open_page(context, page, base_url)
    page.evaluate(INIT + "; xng.track('Granted'); xng.flush()")
    collector.wait_for(['Granted'])
    assert page.evaluate('xng.getTrackingConsent()') == 'granted'


def test_without_the_option_nothing_changes(context, page, base_url, collector):
    open_page(context, page, base_url)
    page.evaluate("xng.init({endpoint: '/api/batch'})")
    assert page.evaluate('[xng.isTrackingOptOut(), xng.getTrackingConsent()]') == [False, 'granted']
    page.evaluate("xng.optOutTracking(); xng.optInTracking(); xng.track('In'); xng.flush()")
    collector.wait_for(['In'])
    assert cookie(context, IN) is None and cookie(context, OUT) is None  # no opt-in cookie without the mode


def test_privacy_signals_count_as_denied(context, page, base_url, log):
    context.add_init_script("Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})")
    open_page(context, page, base_url)
    page.evaluate("xng.init({endpoint: '/api/batch', optOutByDefault: true, respectGlobalPrivacyControl: true})")
    assert page.evaluate('xng.getTrackingConsent()') == 'denied'


def test_clear_tracking_consent_brings_back_pending(context, page, base_url, collector, log):
    open_page(context, page, base_url)
    page.evaluate(INIT + "; xng.optInTracking(); xng.track('Granted'); xng.flush()")
    collector.wait_for(['Granted'])
    page.evaluate('xng.clearTrackingConsent()')
    assert cookie(context, IN) is None and cookie(context, OUT) is None
    assert cookie(context, 'xng.anonymous-id') is None  # pending counts as opted out: no identifier kept
    assert page.evaluate('[xng.isTrackingOptOut(), xng.getTrackingConsent()]') == [True, 'pending']
    page.evaluate("xng.optOutTracking(); xng.clearTrackingConsent()")
    assert cookie(context, OUT) is None and page.evaluate('xng.getTrackingConsent()') == 'pending'
    page.evaluate("xng.track('Held'); xng.flush()")
    settle(page)
    assert log.sent_names() == ['Granted']


def test_clear_tracking_consent_without_the_mode_opts_in_again(context, page, base_url, collector):
    open_page(context, page, base_url)
    page.evaluate("xng.init({endpoint: '/api/batch', cookieDomain: 'xng.test'}); xng.optOutTracking()")
    page.evaluate('xng.clearTrackingConsent()')
    assert cookie(context, OUT) is None and page.evaluate('xng.getTrackingConsent()') == 'granted'


def test_clear_deletes_every_domain_variant(context, page, base_url):
    url = base_url.replace('127.0.0.1', 'shop.xng.test')
    for domain in ('shop.xng.test', '.xng.test'):
        context.add_cookies([{'name': OUT, 'value': '1', 'domain': domain, 'path': '/'},
                             {'name': IN, 'value': '1', 'domain': domain, 'path': '/'}])
    open_page(context, page, url)
    page.evaluate("xng.init({endpoint: '/api/batch', optOutByDefault: true, cookieDomain: 'auto'}); xng.clearTrackingConsent()")
    assert [c for c in context.cookies() if c['name'] in (IN, OUT)] == []
    assert page.evaluate('xng.getTrackingConsent()') == 'pending'


def test_opt_in_before_init_writes_the_opt_in_once_the_mode_is_known(context, page, base_url, collector):
    open_page(context, page, base_url, stub=False)
    page.evaluate("xng.track('Early'); xng.optInTracking()")
    assert cookie(context, IN) is None  # the mode is not known yet
    page.evaluate(INIT + "; xng.flush()")
    assert cookie(context, IN) is not None and page.evaluate('xng.getTrackingConsent()') == 'granted'
    collector.wait_for(['Early'])


def test_another_tabs_decision_applies_from_the_next_call(context, base_url, collector, log):
    tab_a, tab_b = context.new_page(), context.new_page()
    for tab in (tab_a, tab_b):
        open_page(context, tab, base_url)
        tab.evaluate(INIT)
    tab_b.evaluate("xng.track('B Held')")
    tab_a.evaluate('xng.optInTracking()')
    tab_b.evaluate("xng.track('B Next'); xng.flush()")
    collector.wait_for(['B Next'])
    assert names(collector) == ['B Held', 'B Next']
    tab_a.evaluate('xng.optOutTracking()')
    tab_b.evaluate("xng.track('B After Opt Out')")
    settle(tab_b)
    assert log.sent_names() == ['B Held', 'B Next']


def test_the_opt_in_cookie_is_renewed_on_each_visit(context, page, base_url):
    created_ms = (int(time.time() * 1000) - 500 * DAY_MS) // DAY_MS * DAY_MS
    context.add_cookies([{'name': IN, 'value': str(created_ms), 'url': base_url, 'expires': time.time() + 3600}])
    open_page(context, page, base_url)
    page.evaluate(INIT)
    renewed = cookie(context, IN)
    assert renewed['value'] == str(created_ms)
    left_days = (created_ms / 1000 + 730 * 86400 - time.time()) / 86400
    assert abs((renewed['expires'] - time.time()) / 86400 - left_days) < 0.1


def test_server_opt_out_asks_the_server_for_the_opt_in_cookie(context, page, base_url):
    open_page(context, page, base_url)
    page.evaluate("xng.init({endpoint: '/api/batch', serverOptOut: true, optOutByDefault: true})")
    with page.expect_request(lambda request: request.url.endswith('/api/opt-in')) as asked:
        page.evaluate('xng.optInTracking()')
    assert asked.value.post_data_json['optOutByDefault'] is True
    wait_until(lambda: page.evaluate('1') and cookie(context, IN), 'the opt-in cookie')
