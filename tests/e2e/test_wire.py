"""What goes over the wire: the event format, batching, exit beacons, CORS, CSP, and the bundle itself."""
import json
import re
import uuid
from datetime import datetime
from pathlib import Path

from support import STRICT_CSP, page_html, serve

BUILD = Path(__file__).resolve().parents[2] / 'build'
CSP_WATCH = """
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def load(context, page, base_url, path='/t/wire.html', html=None, csp=STRICT_CSP):
    serve(context, base_url + path, html or page_html(title='Wire Test'), csp=csp)
    page.goto(base_url + path + '?q=1', referer=base_url + '/from.html')
    page.wait_for_function('() => window.xng && window.xng.loaded === true')


def test_event_fields_and_batch_envelope(context, page, base_url, collector, log):
    load(context, page, base_url)
    page.evaluate("""() => {
        xng.init({endpoint: '/api/batch', writeKey: 'key-1'});
        xng.page({section: 'news'}); xng.track('Viewed Product', {sku: 'A1', price: 9.5}); xng.identify('u-9', {plan: 'pro'});
        xng.track('After Identify');
        return xng.flush();
    }""")
    body = log.batches()[0]
    assert set(body) == {'writeKey', 'batch', 'sentAt'} and body['writeKey'] == 'key-1'
    datetime.fromisoformat(body['sentAt'].replace('Z', '+00:00'))
    page_event, track, identify, after = body['batch']
    for event in body['batch']:
        uuid.UUID(event['messageId'])
        uuid.UUID(event['anonymousId'])
        datetime.fromisoformat(event['timestamp'].replace('Z', '+00:00'))
        assert event['writeKey'] == 'key-1'
        assert event['context']['library'] == {'name': 'xng', 'version': '0.1.0'}
        assert event['context']['page'] == {'url': base_url + '/t/wire.html?q=1', 'path': '/t/wire.html', 'search': '?q=1',
                                            'title': 'Wire Test', 'referrer': base_url + '/from.html'}
        assert set(event['context']) == {'page', 'library', 'userAgent', 'locale', 'timezone'}  # no utm_*: no campaign
    assert len({e['anonymousId'] for e in body['batch']}) == 1
    assert len({e['messageId'] for e in body['batch']}) == 4
    assert page_event['type'] == 'page' and page_event['properties']['section'] == 'news'
    assert page_event['properties']['path'] == '/t/wire.html'
    assert track['type'] == 'track' and track['event'] == 'Viewed Product' and track['properties'] == {'sku': 'A1', 'price': 9.5}
    assert 'userId' not in track and 'traits' not in track
    assert identify['type'] == 'identify' and identify['userId'] == 'u-9' and identify['traits'] == {'plan': 'pro'}
    assert after['userId'] == 'u-9'
    assert len(collector.events()) == 4


def test_anonymous_id_persists_across_pages(context, page, base_url, collector):
    load(context, page, base_url)
    page.evaluate("xng.init({endpoint: '/api/batch'}); xng.track('One'); xng.flush()")
    page.reload()
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    page.evaluate("xng.init({endpoint: '/api/batch'}); xng.track('Two'); xng.flush()")
    events = collector.wait_for(['One', 'Two'])
    assert events[0]['anonymousId'] == events[1]['anonymousId']


def test_twenty_events_leave_at_once_in_one_batch(context, page, base_url, log):
    load(context, page, base_url)
    page.evaluate("xng.init({endpoint: '/api/batch'})")
    # No flush() and no timer: the 20th event sends the batch by itself, inside this very call
    # (the 1 s timer cannot run in the middle of one synchronous loop).
    with page.expect_request(lambda request: '/api/batch' in request.url) as sent:
        page.evaluate("for (let i = 0; i < 20; i++) xng.track('E' + i)")
    assert len(json.loads(sent.value.post_data)['batch']) == 20


def stop_the_clock(page):
    """The page's timers run only when the test advances its clock: what a timer does is checked in order, not raced."""
    page.clock.install(time=1767225600 - 60)  # epoch seconds
    page.clock.pause_at(1767225600)


def test_a_lone_event_leaves_within_one_second(context, page, base_url, collector, log):
    stop_the_clock(page)
    load(context, page, base_url)
    page.evaluate("xng.init({endpoint: '/api/batch'}); xng.track('Lone')")
    page.clock.run_for(999)
    page.evaluate('0')  # request events reach the log during a Playwright call
    assert log.to('/api/batch') == []  # batched: it waits for company up to 1 s ...
    page.clock.run_for(1)
    collector.wait_for(['Lone'])  # ... and leaves at 1 s without any other call
    page.evaluate('0')  # the request event reaches the log during a Playwright call
    assert len(log.to('/api/batch')) == 1


def test_pagehide_sends_pending_events_with_keepalive_under_64kb(context, page, base_url, collector, log):
    load(context, page, base_url)
    page.evaluate("""() => {
        xng.init({endpoint: '/api/batch'});
        for (let i = 0; i < 6; i++) xng.track('Exit ' + i, {text: 'y'.repeat(7000)});
    }""")
    page.goto('about:blank')  # pagehide: the 1 s timer never gets to run
    collector.wait_for(['Exit %d' % i for i in range(6)])
    assert all(r.method == 'POST' and len(r.post_data.encode()) < 64 * 1024 for r in log.to('/api/batch'))


def test_more_than_a_beacon_holds_at_pagehide_arrives_with_the_next_page(context, page, base_url, collector, log):
    """Browsers give an unloading page 64 KB of keepalive/beacon budget; the rest waits in localStorage."""
    load(context, page, base_url)
    page.evaluate("""() => {
        xng.init({endpoint: '/api/batch'});
        for (let i = 0; i < 15; i++) xng.track('Exit ' + i, {text: 'y'.repeat(7000)});
    }""")
    page.goto('about:blank')
    load(context, page, base_url)
    page.evaluate("xng.init({endpoint: '/api/batch'}); xng.flush()")
    events = collector.wait_for(['Exit %d' % i for i in range(15)])
    assert sorted(e['event'] for e in events) == sorted('Exit %d' % i for i in range(15))  # once each
    assert all(len(r.post_data.encode()) < 64 * 1024 for r in log.to('/api/batch'))


def test_hidden_page_flushes(context, page, base_url, collector):
    stop_the_clock(page)
    load(context, page, base_url)
    page.evaluate("""() => {
        xng.init({endpoint: '/api/batch'}); xng.track('Before Hidden');
        Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
        document.dispatchEvent(new Event('visibilitychange'));
    }""")
    collector.wait_for(['Before Hidden'])  # the clock stands still: the 1 s batching timer never ran


def test_cross_origin_collector_needs_no_preflight(context, page, base_url, collector, log):
    # The page stays on 127.0.0.1 and the collector is www.xng.test (also this machine): Chromium's
    # private-network rules would block the other direction, not CORS.
    collector_origin = 'http://www.xng.test:' + base_url.rsplit(':', 1)[1]
    csp = STRICT_CSP.replace("connect-src 'self'", "connect-src 'self' " + collector_origin)
    load(context, page, base_url, html=page_html(), path='/t/cors.html', csp=csp)
    page.evaluate("xng.init({endpoint: '%s/api/batch'}); xng.track('Cross Origin'); xng.flush()" % collector_origin)
    collector.wait_for(['Cross Origin'])
    requests = log.to('/api/batch')
    assert [r.method for r in requests] == ['POST']  # no OPTIONS preflight
    assert requests[0].url.startswith(collector_origin)
    assert requests[0].headers['content-type'].startswith('text/plain')


def test_strict_csp_page_runs_without_violation(context, page, base_url, collector):
    context.add_init_script(CSP_WATCH)
    load(context, page, base_url, html=page_html(head='<script src="/demo.js"></script>'))
    page.evaluate("() => { xng.track('Under CSP'); return xng.flush(); }")
    page.evaluate("xng.optOutTracking(); xng.optInTracking(); xng.track('Still Fine'); xng.flush()")
    collector.wait_for(['Under CSP', 'Still Fine'])
    assert page.evaluate('window.__violations') == []
    assert page.errors == []


def test_demo_pages_run_under_the_servers_csp(context, page, base_url, collector):
    context.add_init_script(CSP_WATCH)
    page.goto(base_url + '/privacy.html')
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    assert page.evaluate('window.__violations') == []
    response = page.request.get(base_url + '/privacy.html')
    assert "script-src 'self'" in response.headers['content-security-policy']


def test_bundle_has_no_eval_and_maps_back_to_python():
    for name in ('xng.js', 'xng.min.js', 'snippet.js'):
        source = (BUILD / name).read_text()
        assert not re.search(r'\beval\s*\(|new\s+Function\s*\(', source), name
    for name in ('xng.js', 'xng.min.js'):
        sources = json.loads((BUILD / (name + '.map')).read_text())['sources']
        assert any(s.endswith('xng/tracker.py') for s in sources), sources
        assert any(s.endswith('xng/core/consent.py') for s in sources), sources
    assert (BUILD / 'xng.min.js').read_text().startswith('(()=>{')  # one classic script (IIFE), no ES module syntax


def test_host_for_in_loops_meet_no_helper_of_ours(context, page, base_url):
    """The runtime's helpers live on Array/String prototypes: they must be non-enumerable."""
    load(context, page, base_url)
    keys = page.evaluate("() => { const keys = []; for (const k in [7]) keys.push(k); for (const k in new String('a')) keys.push(k); return keys; }")
    assert keys == ['0', '0']
