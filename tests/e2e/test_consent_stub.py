"""The loader stub compiled from xng/stub.py (issue 11 item 4): consent decisions it applies itself, before
(or without) the library, learning optOutByDefault and the privacy signals from the queued init."""
from support import cookie, page_html, serve

OUT = 'xng.tracking-opt-out'
IN = 'xng.tracking-opt-in'
METHODS = ['init', 'page', 'track', 'identify', 'group', 'alias', 'reset', 'flush', 'setTrackingOptOut',
           'optOutTracking', 'optInTracking', 'isTrackingOptOut', 'getTrackingConsent', 'clearTrackingConsent',
           'getAnonymousId', 'getUserId', 'requestNotificationPermission']
INIT = "xng.init({endpoint: '/api/batch', optOutByDefault: true})"


def hold_library(context):
    """Delay /xng.min.js until the test releases it; returns release()."""
    held = []
    context.route('**/xng.min.js', lambda route: held.append(route))

    def release(page):
        assert held, 'the page never asked for the library'
        held[0].continue_()
        page.wait_for_function('() => window.xng.loaded === true')
    return release


def block_library(context):
    context.route('**/xng.min.js', lambda route: route.abort())


def open_stub(context, page, url):
    serve(context, url + '/t/stub.html', page_html())
    page.goto(url + '/t/stub.html', wait_until='domcontentloaded')
    page.wait_for_function('() => window.xng && Array.isArray(window.xng.q)')


def test_every_method_is_defined_at_once(context, page, base_url):
    block_library(context)
    open_stub(context, page, base_url)
    assert page.evaluate('(methods) => methods.filter(m => typeof xng[m] !== "function")', METHODS) == []
    assert page.evaluate('[xng.getTrackingConsent(), xng.isTrackingOptOut()]') == ['granted', False]


def test_a_queued_init_tells_the_mode_and_an_opt_in_writes_its_cookie(context, page, base_url):
    block_library(context)
    open_stub(context, page, base_url)
    page.evaluate(INIT)
    assert page.evaluate('[xng.getTrackingConsent(), xng.isTrackingOptOut()]') == ['pending', True]
    page.evaluate('xng.optInTracking()')
    assert cookie(context, IN) is not None and cookie(context, OUT) is None
    assert page.evaluate('[xng.getTrackingConsent(), xng.isTrackingOptOut()]') == ['granted', False]
    page.evaluate('xng.optOutTracking()')  # the opt-out writes its cookie and deletes the opt-in
    assert cookie(context, OUT) is not None and cookie(context, IN) is None
    assert page.evaluate('xng.getTrackingConsent()') == 'denied'


def test_an_opt_in_before_the_init_writes_its_cookie_once_the_init_is_queued(context, page, base_url):
    block_library(context)
    open_stub(context, page, base_url)
    page.evaluate('xng.optOutTracking()')
    assert cookie(context, OUT) is not None  # at once, whatever the mode
    page.evaluate('xng.optInTracking()')
    assert cookie(context, OUT) is None and cookie(context, IN) is None  # the mode is not known yet
    page.evaluate(INIT)
    assert cookie(context, IN) is not None and page.evaluate('xng.getTrackingConsent()') == 'granted'


def test_without_the_mode_the_stub_writes_no_opt_in(context, page, base_url):
    block_library(context)
    open_stub(context, page, base_url)
    page.evaluate("xng.init({endpoint: '/api/batch'}); xng.optInTracking()")
    assert cookie(context, IN) is None and page.evaluate('xng.getTrackingConsent()') == 'granted'


def test_clear_tracking_consent_in_the_stub(context, page, base_url):
    block_library(context)
    open_stub(context, page, base_url)
    page.evaluate(INIT + '; xng.optInTracking(); xng.clearTrackingConsent()')
    assert cookie(context, IN) is None and page.evaluate('xng.getTrackingConsent()') == 'pending'
    page.evaluate('xng.optOutTracking(); xng.clearTrackingConsent()')
    assert cookie(context, OUT) is None and page.evaluate('xng.getTrackingConsent()') == 'pending'


def test_calls_queued_while_pending_are_held_by_the_library_until_the_opt_in(context, page, base_url, collector, log):
    release = hold_library(context)
    open_stub(context, page, base_url)
    page.evaluate(INIT + "; xng.page(); xng.track('Held In Stub')")
    release(page)
    page.evaluate("xng.track('Held In Library'); xng.flush()")
    assert log.to('/api/batch') == [] and [c['name'] for c in context.cookies()] == []
    page.evaluate('xng.optInTracking(); xng.flush()')
    events = collector.wait_for(['Held In Library'])
    assert [e.get('event') or e['type'] for e in events] == ['page', 'Held In Stub', 'Held In Library']


def test_an_opt_in_in_the_stub_lets_the_queued_calls_go_when_the_library_loads(context, page, base_url, collector):
    release = hold_library(context)
    open_stub(context, page, base_url)
    page.evaluate(INIT + "; xng.track('Queued'); xng.optInTracking(); xng.track('After')")
    release(page)
    page.evaluate('xng.flush()')
    assert [e['event'] for e in collector.wait_for(['After'])] == ['Queued', 'After']


def test_an_opt_out_in_the_stub_drops_the_pending_calls(context, page, base_url, collector, log):
    release = hold_library(context)
    open_stub(context, page, base_url)
    page.evaluate(INIT + "; xng.page(); xng.track('Dropped'); xng.optOutTracking(); xng.track('Dropped Too')")
    assert page.evaluate("xng.q.map(call => call[0])") == ['init', 'serverOptOut']
    release(page)
    page.evaluate("xng.optInTracking(); xng.track('Marker'); xng.flush()")
    collector.wait_for(['Marker'])
    assert log.sent_names() == ['Marker']


def test_privacy_signals_count_only_when_the_queued_init_asks(context, page, base_url):
    context.add_init_script("Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})")
    block_library(context)
    open_stub(context, page, base_url)
    assert page.evaluate('xng.getTrackingConsent()') == 'granted'
    page.evaluate("xng.init({endpoint: '/api/batch', respectGlobalPrivacyControl: true}); xng.track('Dropped')")
    assert page.evaluate('[xng.getTrackingConsent(), xng.q.length]') == ['denied', 1]


def test_cookie_domain_auto_in_the_stub(context, page, base_url):
    block_library(context)
    open_stub(context, page, base_url.replace('127.0.0.1', 'shop.xng.test'))
    page.evaluate(INIT.replace('true', "true, cookieDomain: 'auto'") + '; xng.optInTracking()')
    assert cookie(context, IN)['domain'] == '.xng.test'
    page.evaluate('xng.optOutTracking()')
    assert cookie(context, OUT)['domain'] == '.xng.test' and cookie(context, IN) is None


def test_methods_taken_from_the_stub_forward_to_the_library(context, page, base_url, collector):
    release = hold_library(context)
    open_stub(context, page, base_url)
    page.evaluate("window.early = {track: xng.track, consent: xng.getTrackingConsent}; xng.init({endpoint: '/api/batch'})")
    release(page)
    page.evaluate("early.track('Through The Stub Method'); xng.flush()")
    collector.wait_for(['Through The Stub Method'])
    assert page.evaluate('xng.q') is None and page.evaluate('early.consent()') == 'granted'


def test_the_stub_holds_no_call_after_an_opt_out_and_sends_nothing_without_the_library(context, page, base_url, log):
    block_library(context)
    open_stub(context, page, base_url)
    page.evaluate(INIT + "; xng.optOutTracking(); xng.page(); xng.track('Nope'); xng.group('g'); xng.alias('a')")
    assert page.evaluate("xng.q.map(call => call[0])") == ['init', 'serverOptOut']
    page.goto('about:blank')  # no library: nothing else could send them
    assert log.to('/api/') == []
