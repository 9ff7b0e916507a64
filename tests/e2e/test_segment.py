"""The Segment spec as the backends read it: writeKey, Basic auth, page/group/alias/reset, ids, context, bad input.

Requests are captured in the browser (context.route and the request log), headers included.
"""
import base64
import json

import pytest

from support import cookie, page_html, serve, settle, wait_until

PAGE = '/t/segment.html'
ANON = 'xng.anonymous-id'
UTM = '?utm_source=news&utm_medium=email&utm_campaign=spring%20sale&utm_term=tea&utm_content=top&q=1'


def open_page(context, page, base_url, init=None, query='', html=None):
    serve(context, base_url + PAGE, html or page_html(title='Segment Test'))
    page.goto(base_url + PAGE + query)
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    if init:
        page.evaluate('xng.init(%s)' % init)


def batch_requests(log):
    return [request for request in log.to('/api/batch') if request.method == 'POST']


def events_sent(page, log):
    page.evaluate('xng.flush()')
    return [event for body in log.batches() for event in body['batch']]


def basic(key):
    return 'Basic ' + base64.b64encode((key + ':').encode()).decode()


# --- the write key and Basic auth ----------------------------------------------------------------

@pytest.mark.parametrize('option', ['writeKey', 'apiKey'])
def test_write_key_in_the_body_and_on_each_event_without_authorization(context, page, base_url, log, option):
    open_page(context, page, base_url, "{endpoint: '/api/batch', pollInterval: 0, %s: 'wk-1'}" % option)
    page.evaluate("xng.page(); xng.track('Signed Up'); xng.identify('u-1')")
    events = events_sent(page, log)
    (request,) = batch_requests(log)
    body = json.loads(request.post_data)
    assert set(body) == {'writeKey', 'batch', 'sentAt'} and body['writeKey'] == 'wk-1'
    assert len(events) == 3 and all(event['writeKey'] == 'wk-1' for event in events)
    headers = request.all_headers()
    assert 'authorization' not in headers
    assert headers['content-type'].startswith('text/plain')  # CORS-simple: no preflight


def test_basic_authorization_header_as_rudderstack_reads_it(context, page, base_url, log):
    open_page(context, page, base_url, "{endpoint: '/api/batch', pollInterval: 0, writeKey: 'rs-key', authorization: 'basic'}")
    page.evaluate("xng.track('Paid'); xng.track('Shipped')")
    events = events_sent(page, log)
    assert [event['event'] for event in events] == ['Paid', 'Shipped']
    (request,) = batch_requests(log)
    assert request.all_headers()['authorization'] == basic('rs-key')
    assert json.loads(request.post_data)['writeKey'] == 'rs-key'


def test_basic_authorization_holds_the_opt_out_gate(context, page, base_url, log):
    open_page(context, page, base_url, "{endpoint: '/api/batch', pollInterval: 0, writeKey: 'rs-key', authorization: 'basic'}")
    page.evaluate("xng.optOutTracking(); xng.track('Hidden'); xng.group('acme'); xng.alias('a-1'); xng.reset()")
    settle(page)
    assert batch_requests(log) == [] and cookie(context, ANON) is None


FETCH_THAT_THROWS = "window.fetch = () => { throw new TypeError('no fetch here'); };"
# Counts sendBeacon calls across pages (in localStorage: an unloading page's beacons escape the request log).
COUNT_BEACONS = """
    const sendBeacon = navigator.sendBeacon.bind(navigator);
    navigator.sendBeacon = (url, body) => {
        localStorage.setItem('beacons', String(Number(localStorage.getItem('beacons') || 0) + 1));
        return sendBeacon(url, body);
    };
"""


@pytest.mark.parametrize('authorization', [True, False])
def test_with_basic_auth_no_beacon_is_used_and_the_events_wait_for_the_next_page(context, page, base_url, collector, log,
                                                                                 authorization):
    """Where fetch cannot send (it throws), xng falls back to sendBeacon, which cannot carry the header:
    with Basic auth there is no beacon, and the events stay stored for the next page."""
    context.add_init_script(COUNT_BEACONS)
    init = "{endpoint: '/api/batch', pollInterval: 0, writeKey: 'rs-key'%s}" % (", authorization: 'basic'" if authorization else '')
    open_page(context, page, base_url, init)
    page.evaluate(FETCH_THAT_THROWS + "xng.track('At Exit')")
    page.goto('about:blank')  # pagehide: the exit flush
    if not authorization:  # the control: without the header to carry, the beacon delivers it
        collector.wait_for(['At Exit'])
        open_page(context, page, base_url)
        assert page.evaluate("localStorage.getItem('beacons')") == '1'
        return
    assert collector.named('At Exit') == []
    open_page(context, page, base_url, init)  # the next page sends it, with the header
    collector.wait_for(['At Exit'])
    page.evaluate('xng.flush()')
    sent = [r for r in batch_requests(log) if 'At Exit' in (r.post_data or '')]
    assert sent and all(r.all_headers().get('authorization') == basic('rs-key') for r in sent)
    assert page.evaluate("localStorage.getItem('beacons')") is None


def test_at_page_exit_with_basic_auth_every_request_carries_the_header_and_the_rest_waits(context, page, base_url,
                                                                                          collector, log):
    context.add_init_script(COUNT_BEACONS)
    init = "{endpoint: '/api/batch', pollInterval: 0, writeKey: 'rs-key', authorization: 'basic'}"
    open_page(context, page, base_url, init)
    page.evaluate("""() => {
        for (let i = 0; i < 60; i++) xng.track('Exit ' + i, {pad: 'x'.repeat(2000)});  // ~130 KB: over the 64 KB of keepalive
    }""")
    page.goto('about:blank')  # pagehide: keepalive fetches only, within the budget
    for request in batch_requests(log):
        assert request.all_headers().get('authorization') == basic('rs-key')
    open_page(context, page, base_url, init)  # the rest arrives with the next page
    events = collector.wait_for(['Exit 0', 'Exit 59'], timeout=20)
    assert {event['event'] for event in events} >= {'Exit %d' % i for i in range(60)}
    assert page.evaluate("localStorage.getItem('beacons')") is None  # no sendBeacon, ever
    for request in batch_requests(log):
        assert request.all_headers().get('authorization') == basic('rs-key')


# --- page(), group(), alias(), reset() and the ids -----------------------------------------------

def test_page_argument_forms(context, page, base_url, log):
    open_page(context, page, base_url, "{endpoint: '/api/batch', pollInterval: 0}")
    page.evaluate("""() => {
        xng.page(); xng.page('Home'); xng.page('Home', {a: 1}); xng.page('Docs', 'Install', {b: 2});
        xng.page({c: 3}); xng.page(null, 'Named'); xng.page('Docs', 'Index');
    }""")
    views = events_sent(page, log)
    shapes = [(view.get('category'), view.get('name'), {k: v for k, v in view['properties'].items() if k in 'abc'})
              for view in views]
    assert shapes == [(None, None, {}), (None, 'Home', {}), (None, 'Home', {'a': 1}), ('Docs', 'Install', {'b': 2}),
                      (None, None, {'c': 3}), (None, 'Named', {}), ('Docs', 'Index', {})]
    assert all('event' not in view for view in views)  # no more "Viewed Page"
    assert views[3]['properties']['name'] == 'Install' and views[3]['properties']['category'] == 'Docs'
    for view in views:
        assert {'url', 'path', 'search', 'title', 'referrer'} <= set(view['properties'])
        assert view['properties']['path'] == PAGE


def test_context_has_page_search_user_agent_locale_timezone_and_campaign(context, page, base_url, log):
    open_page(context, page, base_url, "{endpoint: '/api/batch', pollInterval: 0}", query=UTM)
    page.evaluate("xng.track('From Mail')")
    (event,) = events_sent(page, log)
    browser = page.evaluate("({ua: navigator.userAgent, locale: navigator.language, tz: Intl.DateTimeFormat().resolvedOptions().timeZone})")
    ctx = event['context']
    assert set(ctx) == {'page', 'library', 'userAgent', 'locale', 'timezone', 'campaign'}
    assert ctx['userAgent'] == browser['ua'] and ctx['locale'] == browser['locale'] and ctx['timezone'] == browser['tz']
    assert ctx['page']['search'] == UTM
    assert ctx['campaign'] == {'source': 'news', 'medium': 'email', 'name': 'spring sale', 'term': 'tea', 'content': 'top'}
    assert ctx['library'] == {'name': 'xng', 'version': page.evaluate('xng.version')}


def test_group_and_alias_events(context, page, base_url, log):
    open_page(context, page, base_url, "{endpoint: '/api/batch', pollInterval: 0}")
    page.evaluate("""() => {
        xng.group('acme', {plan: 'team'}); xng.alias('new-id');
        xng.identify('u-1'); xng.group(42); xng.alias('u-2'); xng.alias('u-3', 'u-0');
    }""")
    group1, alias1, identify, group2, alias2, alias3 = events_sent(page, log)
    anonymous = page.evaluate('xng.getAnonymousId()')
    assert group1['type'] == 'group' and group1['groupId'] == 'acme' and group1['traits'] == {'plan': 'team'}
    assert 'userId' not in group1 and group1['anonymousId'] == anonymous
    assert alias1['type'] == 'alias' and alias1['userId'] == 'new-id' and alias1['previousId'] == anonymous
    assert group2['groupId'] == '42' and group2['userId'] == 'u-1' and group2['traits'] == {}
    assert alias2['userId'] == 'u-2' and alias2['previousId'] == 'u-1'
    assert alias3['userId'] == 'u-3' and alias3['previousId'] == 'u-0'
    assert page.evaluate('xng.getUserId()') == 'u-1'  # alias sends; identify sets the id


def test_reset_forgets_the_user_and_starts_a_new_anonymous_id_for_later_calls_only(context, page, base_url, log):
    open_page(context, page, base_url, "{endpoint: '/api/batch', pollInterval: 0}")
    page.evaluate("xng.identify('u-1'); xng.flush()")
    before = page.evaluate('xng.getAnonymousId()')
    ids = page.evaluate("""() => {
        xng.track('Logged Out'); xng.reset(); xng.track('After Reset');
        return {anonymous: xng.getAnonymousId(), user: xng.getUserId(), stored: localStorage.getItem('xng.user-id')};
    }""")
    events = events_sent(page, log)
    logged_out, after = events[1], events[2]
    assert logged_out['event'] == 'Logged Out' and logged_out['userId'] == 'u-1' and logged_out['anonymousId'] == before
    assert after['event'] == 'After Reset' and 'userId' not in after and after['anonymousId'] == ids['anonymous']
    assert ids['anonymous'] not in (None, before) and ids['user'] is None and ids['stored'] is None
    assert cookie(context, ANON)['value'] == ids['anonymous']


def test_ids_are_null_before_they_exist_and_reading_creates_none(context, page, base_url, log):
    open_page(context, page, base_url, "{endpoint: '/api/batch', pollInterval: 0}")
    assert page.evaluate('[xng.getAnonymousId(), xng.getUserId()]') == [None, None]
    assert cookie(context, ANON) is None and page.evaluate('Object.keys(localStorage)') == []
    page.evaluate("xng.identify('u-7')")
    assert page.evaluate('xng.getUserId()') == 'u-7'  # this task's call counts at once
    assert page.evaluate('xng.getAnonymousId()') == cookie(context, ANON)['value']


def test_ids_are_null_while_opted_out_and_reset_writes_nothing(context, page, base_url, log):
    open_page(context, page, base_url, "{endpoint: '/api/batch', pollInterval: 0}")
    page.evaluate("xng.identify('u-1'); xng.flush()")
    page.evaluate('xng.optOutTracking()')
    assert page.evaluate('[xng.getAnonymousId(), xng.getUserId()]') == [None, None]
    page.evaluate('xng.reset(); xng.flush()')
    assert cookie(context, ANON) is None and page.evaluate('Object.keys(localStorage)') == []
    settle(page)
    assert [r for r in batch_requests(log) if 'u-1' not in (r.post_data or '')] == []


def test_the_stub_knows_the_new_methods_and_answers_the_ids_before_load(context, page, base_url, log):
    html = page_html(title='Stub Test', library=None)
    serve(context, base_url + PAGE, html)
    context.add_cookies([{'name': ANON, 'value': 'anon-before', 'url': base_url}])
    page.goto(base_url + PAGE)
    early = page.evaluate("""() => {
        localStorage.setItem('xng.user-id', 'user-before');
        const ids = [xng.getAnonymousId(), xng.getUserId()];
        xng.init({endpoint: '/api/batch', pollInterval: 0});
        xng.page('Docs', 'Install', {step: 1}); xng.group('acme', {plan: 'team'}); xng.alias('u-2', 'u-1');
        xng.track('Before Reset'); xng.reset(); xng.track('After Reset');
        return ids;
    }""")
    assert early == ['anon-before', 'user-before']
    assert page.evaluate("xng.optOutTracking(); [xng.getAnonymousId(), xng.getUserId()]") == [None, None]
    page.evaluate('xng.optInTracking()')
    page.add_script_tag(url='/xng.min.js')
    page.wait_for_function('() => window.xng.loaded === true')
    assert batch_requests(log) == []  # the opt-out dropped what was queued before it
    page.evaluate("""() => {
        localStorage.setItem('xng.user-id', 'user-before');
        xng.page('Docs', 'Install', {step: 1}); xng.group('acme'); xng.reset(); xng.track('After Reset');
    }""")
    view, group, after = events_sent(page, log)
    assert (view['category'], view['name'], view['properties']['step']) == ('Docs', 'Install', 1)
    assert group['groupId'] == 'acme' and group['userId'] == 'user-before'
    assert 'userId' not in after


def test_the_stub_queues_page_with_three_arguments_and_group_alias_reset(context, page, base_url, log):
    serve(context, base_url + PAGE, page_html(title='Stub Test', library=None))
    page.goto(base_url + PAGE)
    page.evaluate("""() => {
        xng.init({endpoint: '/api/batch', pollInterval: 0});
        xng.identify('u-1'); xng.page('Docs', 'Install', {step: 1}); xng.group('acme', {plan: 'team'});
        xng.alias('u-2'); xng.track('Before Reset'); xng.reset(); xng.track('After Reset');
    }""")
    page.add_script_tag(url='/xng.min.js')
    page.wait_for_function('() => window.xng.loaded === true')
    identify, view, group, alias, before, after = events_sent(page, log)
    assert (view['category'], view['name'], view['properties']['step']) == ('Docs', 'Install', 1)
    assert group['groupId'] == 'acme' and group['traits'] == {'plan': 'team'} and group['userId'] == 'u-1'
    assert alias['userId'] == 'u-2' and alias['previousId'] == 'u-1'
    assert before['userId'] == 'u-1' and 'userId' not in after and after['anonymousId'] != before['anonymousId']


# --- bad input: one warning, nothing sent, nothing thrown ----------------------------------------

@pytest.mark.parametrize('options', [
    "{endpoint: '/api/batch', writeKey: 42}", "{endpoint: '/api/batch', apiKey: {}}",
    "{endpoint: '/api/batch', authorization: 'basic'}", "{endpoint: '/api/batch', writeKey: 'k', authorization: 'bearer'}",
    "{endpoint: '/api/batch', writeKey: 'ключ', authorization: 'basic'}",
])
def test_a_bad_write_key_or_authorization_fails_init_with_one_warning(context, page, base_url, log, options):
    open_page(context, page, base_url)
    assert page.evaluate('xng.init(%s)' % options) in (False, None)  # None: btoa threw, caught by the method's guard
    page.evaluate("xng.track('Never'); xng.flush()")
    assert len([text for text in page.warnings if text.startswith('[xng]')]) == 1, page.warnings
    settle(page)
    assert batch_requests(log) == [] and page.errors == []


@pytest.mark.parametrize('call', [
    'xng.group()', 'xng.group(null)', "xng.group({id: 'acme'})", "xng.group('')", 'xng.group(NaN)',
    'xng.alias()', 'xng.alias(null)', "xng.alias({}, 'old')", "xng.alias('new', {})", "xng.alias('new', 7.5e400)",
    'xng.identify([])', 'xng.identify(true)',
    'xng.page(5)', "xng.page('a', 5)", "xng.page({}, 'x')", "xng.page('a', 'b', 'c')", "xng.page('a', {}, {})",
    "xng.page({}, {})", "xng.page('Cat', 'Name', [1])", "xng.page(null, 7)",
])
def test_bad_ids_and_odd_page_arguments_warn_once_and_send_nothing(context, page, base_url, log, call):
    open_page(context, page, base_url, "{endpoint: '/api/batch', pollInterval: 0}")
    assert page.evaluate('%s; undefined' % call) is None
    page.evaluate("xng.track('Marker')")
    events = events_sent(page, log)
    assert [event.get('event') for event in events] == ['Marker']  # nothing of the bad call, the rest still works
    assert len([text for text in page.warnings if text.startswith('[xng]')]) == 1, page.warnings
    assert page.errors == []
