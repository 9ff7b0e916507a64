"""Bad input: a clear console warning, never an exception into the page, and nothing valid lost."""
import pytest

from support import cookie, page_html, serve

NAME = 'xng.tracking-opt-out'


@pytest.fixture
def sdk_page(context, page, base_url):
    serve(context, base_url + '/t/bad.html', page_html())
    page.goto(base_url + '/t/bad.html')
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    return page


@pytest.mark.parametrize('value, shown', [("'false'", '"false"'), ('null', 'null'), ('undefined', 'undefined'),
                                          ('0', '0'), ('{}', '{}'), ("'true'", '"true"'), ('1', '1')])
def test_set_tracking_opt_out_rejects_non_booleans(context, sdk_page, value, shown):
    for state in ('false', 'true'):  # neither opted in nor opted out changes
        sdk_page.warnings.clear()
        sdk_page.evaluate('xng.setTrackingOptOut(%s)' % state)
        before = cookie(context, NAME)
        assert sdk_page.evaluate('xng.setTrackingOptOut(%s)' % value) is None
        after = cookie(context, NAME)
        assert (before is None) == (after is None) and (before is None or before['value'] == after['value'])
        warnings = [text for text in sdk_page.warnings if 'setTrackingOptOut' in text]
        assert len(warnings) == 1 and shown in warnings[0], sdk_page.warnings
    assert sdk_page.errors == []


@pytest.mark.parametrize('name', ['undefined', 'null', "''", '42', '{}', "['Clicked']", 'Symbol("x")'])
def test_track_without_a_string_name_sends_nothing_and_warns(sdk_page, collector, log, name):
    sdk_page.evaluate("xng.init({endpoint: '/api/batch'}); xng.track(%s, {a: 1}); xng.track('Valid')" % name)
    sdk_page.evaluate('xng.flush()')
    collector.wait_for(['Valid'])
    assert log.sent_names() == ['Valid']
    assert any('xng.track' in text for text in sdk_page.warnings)
    assert sdk_page.errors == []


def test_unencodable_values_are_dropped_field_by_field(sdk_page, collector):
    sdk_page.evaluate("""() => {
        const cyclic = {name: 'loop'}; cyclic.self = cyclic;
        const hostile = {}; Object.defineProperty(hostile, 'boom', {enumerable: true, get() { throw new Error('no'); }});
        xng.init({endpoint: '/api/batch'});
        xng.track('Mixed', {ok: 'yes', count: 3, fn() {}, big: 10n, sym: Symbol('s'), cyclic, hostile,
                            nan: NaN, when: new Date(0), list: [1, () => 1, 'two'], nested: {deep: {ok: true, f() {}}}});
        return xng.flush();
    }""")
    properties = collector.wait_for(['Mixed'])[0]['properties']
    assert properties == {'ok': 'yes', 'count': 3, 'cyclic': {'name': 'loop'}, 'hostile': {}, 'nan': None,
                          'when': '1970-01-01T00:00:00.000Z', 'list': [1, None, 'two'], 'nested': {'deep': {'ok': True}}}
    assert sdk_page.errors == []


def test_huge_values_are_cut_so_the_event_still_fits(sdk_page, collector, log):
    sdk_page.evaluate("""() => {
        xng.init({endpoint: '/api/batch'});
        xng.track('Huge', {text: 'x'.repeat(5000000), many: Array.from({length: 100000}, (_, i) => i), keep: 'me'});
        return xng.flush();
    }""")
    event = collector.wait_for(['Huge'])[0]
    assert event['properties']['keep'] == 'me'
    assert 0 < len(event['properties']['text']) < 10000
    assert len(log.to('/api/batch')[0].post_data.encode()) < 64 * 1024


def test_invalid_init_warns_and_events_stay_queued(sdk_page, collector, log):
    sdk_page.evaluate("xng.track('Kept'); xng.init('not an object'); xng.init({apiKey: 'no endpoint'}); xng.init(null)")
    assert sum('xng.init' in text for text in sdk_page.warnings) == 3
    sdk_page.evaluate("xng.flush()")
    assert log.to('/api/batch') == []
    sdk_page.evaluate("xng.init({endpoint: '/api/batch'}); xng.flush()")
    collector.wait_for(['Kept'])
    assert sdk_page.errors == []


def test_bad_properties_and_identify_warn_without_throwing(sdk_page, collector, log):
    sdk_page.evaluate("""() => {
        xng.init({endpoint: '/api/batch'});
        xng.page('Name', {}, 'not properties'); xng.track('Props As String', 'oops'); xng.identify(null); xng.identify({}, {});
        xng.identify(42, {plan: 'pro'});
        return xng.flush();
    }""")
    events = collector.wait_for(['Props As String'])
    assert [e for e in events if e['type'] == 'page'] == [] and sum('xng.page' in text for text in sdk_page.warnings) == 1
    identify = [e for e in events if e['type'] == 'identify']
    assert len(identify) == 1 and identify[0]['userId'] == '42' and identify[0]['traits'] == {'plan': 'pro'}
    assert [e for e in events if e.get('event') == 'Props As String'][0]['properties'] == {}
    assert sum('xng.identify' in text for text in sdk_page.warnings) == 2
    assert sdk_page.errors == []


def test_a_page_that_broke_console_and_json_still_gets_no_exception(sdk_page):
    sdk_page.evaluate("""() => {
        window.console.warn = () => { throw new Error('console broken'); };
        xng.setTrackingOptOut('maybe'); xng.track(); xng.init(7);
    }""")
    assert sdk_page.errors == []


@pytest.mark.parametrize('endpoint', ["'javascript:alert(1)'", "'ftp://example.com/batch'", "'data:,x'", "'http://['",
                                      "''", '5', 'null'])
def test_init_refuses_an_endpoint_that_is_not_an_http_url(sdk_page, collector, log, endpoint):
    assert sdk_page.evaluate("xng.init({endpoint: %s})" % endpoint) is False
    assert any('xng.init: bad endpoint' in text for text in sdk_page.warnings), sdk_page.warnings
    sdk_page.evaluate("xng.track('Kept'); xng.flush()")
    assert log.to('/api/batch') == []
    assert sdk_page.evaluate("xng.init({endpoint: '/api/batch'}); xng.flush()") is None
    collector.wait_for(['Kept'])
    assert sdk_page.errors == []
