"""The loader stub (build/snippet.js): calls before the library loads, and opt-outs that hold without it."""
from support import cookie, page_html, serve, settle

NAME = 'xng.tracking-opt-out'
METHODS = ['init', 'page', 'track', 'identify', 'flush', 'setTrackingOptOut', 'optOutTracking', 'optInTracking',
           'isTrackingOptOut', 'requestNotificationPermission']


def hold_library(context):
    """Delay /xng.min.js until the test releases it; returns release()."""
    held = []
    context.route('**/xng.min.js', lambda route: held.append(route))

    def release():
        assert held, 'the page never asked for the library'
        held[0].continue_()
    return release


def open_with_stub(context, page, base_url, path='/t/stub.html'):
    serve(context, base_url + path, page_html())
    page.goto(base_url + path, wait_until='domcontentloaded')
    page.wait_for_function('() => window.xng && Array.isArray(window.xng.q)')


def test_stub_has_every_method_and_replays_in_order(context, page, base_url, collector, log):
    release = hold_library(context)
    open_with_stub(context, page, base_url)
    assert page.evaluate('(methods) => methods.filter(m => typeof xng[m] !== "function")', METHODS) == []
    # Calls before init are kept; init is replayed first, then the rest in call order.
    page.evaluate("xng.track('First'); xng.identify('user-1'); xng.init({endpoint: '/api/batch'}); xng.track('Second')")
    release()
    page.wait_for_function('() => window.xng.loaded === true')
    page.evaluate('xng.flush()')
    events = collector.wait_for(['First', 'Second'])
    assert [(e['type'], e.get('event')) for e in events] == [('track', 'First'), ('identify', None), ('track', 'Second')]
    assert events[2]['userId'] == 'user-1'


def test_stub_flush_promise_resolves_after_load(context, page, base_url, collector):
    release = hold_library(context)
    open_with_stub(context, page, base_url)
    page.evaluate("xng.init({endpoint: '/api/batch'}); xng.track('Via Stub'); window.__flushed = xng.flush().then(() => 'done'); undefined")
    release()
    assert page.evaluate('window.__flushed') == 'done'
    assert [e['event'] for e in collector.events()] == ['Via Stub']  # resolved only once it was answered


def test_opt_out_through_stub_before_delayed_load_holds(context, page, base_url, collector, log):
    release = hold_library(context)
    open_with_stub(context, page, base_url)
    page.evaluate("xng.init({endpoint: '/api/batch'}); xng.page(); xng.track('Before Opt Out'); xng.optOutTracking(); xng.track('After Opt Out')")
    assert cookie(context, NAME) is not None  # written by the stub itself
    assert page.evaluate('xng.isTrackingOptOut()') is True
    release()
    page.wait_for_function('() => window.xng.loaded === true')
    assert page.evaluate('xng.isTrackingOptOut()') is True
    settle(page)
    assert log.to('/api/batch') == [] and collector.events() == []


def test_opt_out_through_stub_holds_when_library_is_blocked(context, page, base_url):
    context.route('**/xng.min.js', lambda route: route.abort())
    open_with_stub(context, page, base_url)
    page.evaluate("xng.init({endpoint: '/api/batch'}); xng.optOutTracking()")
    assert cookie(context, NAME) is not None and page.evaluate('xng.isTrackingOptOut()') is True
    # The next visit, with the library, sees the same opt-out.
    context.unroute('**/xng.min.js')
    page.goto(base_url + '/t/stub.html')
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    assert page.evaluate('xng.isTrackingOptOut()') is True


def test_nothing_queued_before_an_opt_out_is_sent_even_after_opt_in(context, page, base_url, collector, log):
    release = hold_library(context)
    open_with_stub(context, page, base_url)
    page.evaluate("xng.init({endpoint: '/api/batch'}); xng.track('Queued Early'); xng.optOutTracking(); xng.optInTracking(); xng.track('Marker')")
    assert page.evaluate('xng.isTrackingOptOut()') is False
    release()
    page.wait_for_function('() => window.xng.loaded === true')
    page.evaluate('xng.flush()')
    collector.wait_for(['Marker'])
    assert log.sent_names() == ['Marker']


def test_stub_opt_in_deletes_the_cookie(context, page, base_url):
    context.route('**/xng.min.js', lambda route: route.abort())
    open_with_stub(context, page, base_url)
    page.evaluate('xng.setTrackingOptOut(true)')
    assert cookie(context, NAME) is not None
    page.evaluate('xng.setTrackingOptOut(false)')
    assert cookie(context, NAME) is None and page.evaluate('xng.isTrackingOptOut()') is False


def test_stub_rejects_non_boolean_with_a_warning(context, page, base_url):
    context.route('**/xng.min.js', lambda route: route.abort())
    open_with_stub(context, page, base_url)
    page.evaluate("xng.setTrackingOptOut('true')")
    assert cookie(context, NAME) is None
    assert any('setTrackingOptOut' in text for text in page.warnings)


def test_library_alone_with_a_plain_script_tag(context, page, base_url, collector):
    serve(context, base_url + '/t/plain.html', page_html(stub=False, library='plain'))
    page.goto(base_url + '/t/plain.html')
    assert page.evaluate('window.xng.loaded') is True
    page.evaluate("xng.init({endpoint: '/api/batch'}); xng.track('Plain Tag'); xng.flush()")
    collector.wait_for(['Plain Tag'])


def test_loading_twice_keeps_one_instance(context, page, base_url, collector, log):
    serve(context, base_url + '/t/twice.html', page_html(library='plain') + '<script src="/xng.min.js"></script>')
    page.goto(base_url + '/t/twice.html')
    page.evaluate("xng.init({endpoint: '/api/batch'}); xng.track('Once'); xng.flush()")
    collector.wait_for(['Once'])
    assert log.sent_names() == ['Once'] and page.errors == []
