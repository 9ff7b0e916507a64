"""xng's batch next to the real @segment/analytics-next's, made by the same calls on the same page.

analytics-next (pinned in bench/package.json, installed by `npm ci --prefix bench`) runs from its CDN
build (dist/umd/standalone.js) in batching mode, which posts {writeKey, batch, sentAt} to
<apiHost>/b. Its CDN is pointed at this test's routes (window.analytics._cdn): the settings it
fetches and the chunks it loads are answered here, and any request off this machine is aborted.
Both bodies are captured live and compared key by key; only the differences listed below may remain.
"""
import json
import mimetypes
import re
from pathlib import Path

import pytest

from support import page_html, serve, wait_until

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / 'bench' / 'node_modules' / '@segment' / 'analytics-next'
UMD = PACKAGE / 'dist' / 'umd'
PAGE = '/t/side-by-side.html'
QUERY = '?utm_source=news&utm_medium=email&utm_campaign=spring&utm_term=tea&utm_content=top'
WRITE_KEY = 'side-by-side-key'

# What analytics-next sends and xng does not (xng has no destinations to filter, no client hints, no
# per-event delivery metadata), by place. Nothing else may differ.
ONLY_ANALYTICS_NEXT = {
    'event': {'integrations', '_metadata'},  # destination filters; its bundling and retry bookkeeping
    'context': {'userAgentData'},            # client hints: a high-entropy fingerprinting surface
}
# analytics-next writes "userId": null on events before identify(); xng leaves the key out (the spec
# makes userId optional when anonymousId is there). Checked below as exactly that.
NULL_USER_ID = 'userId'
# alias('u-2', 'u-1') after identify('u-1'): analytics-next 1.84.3 stamps every event with the current
# user id (EventFactory.addIdentity), the alias too, so its alias reads userId 'u-1'. The spec, and
# xng, send the new id: userId 'u-2', previousId 'u-1'. Checked below as exactly that.

CALLS = """
    page('Docs', 'Install', {step: 1});
    track('Signed Up', {plan: 'pro'});
    identify('u-1', {email: 'a@example.com'});
    group('acme', {plan: 'team'});
    alias('u-2', 'u-1');
    track('After Identify', {n: 2});
"""
CALL_COUNT = 6


def settings(base_url):
    """What Segment's CDN would answer for the write key: its own destination only, batching to this machine."""
    return json.dumps({
        'integrations': {'Segment.io': {
            'apiKey': WRITE_KEY, 'apiHost': base_url.split('://')[1] + '/ajs/v1', 'protocol': 'http',
            'deliveryStrategy': {'strategy': 'batching', 'config': {'size': CALL_COUNT, 'timeout': 500}},
        }},
        'plan': {'track': {'__default': {'enabled': True}}},
        'enabledMiddleware': {}, 'metrics': {'sampleRate': 0},
    })


@pytest.fixture
def captured(context, base_url):
    if not (UMD / 'standalone.js').exists():
        pytest.fail('@segment/analytics-next is not installed: run `npm ci --prefix bench` (make test does it)')
    bodies = {'ajs': [], 'xng': []}

    def local_cdn(route):
        path = route.request.url.split('/ajs-cdn/', 1)[1].split('?')[0]
        if path.startswith('v1/projects/') and path.endswith('/settings'):
            route.fulfill(status=200, content_type='application/json', body=settings(base_url))
            return
        name = path.rsplit('/', 1)[-1]
        file = UMD / name
        if path.startswith('analytics-next/bundles/') and file.is_file():
            route.fulfill(status=200, content_type=mimetypes.guess_type(name)[0] or 'text/javascript', body=file.read_bytes())
        else:
            route.fulfill(status=404, body='')

    def capture(which):
        def handler(route):
            request = route.request
            if request.method == 'POST':
                bodies[which].append({'body': json.loads(request.post_data), 'headers': request.all_headers()})
            route.fulfill(status=200, content_type='application/json', body='{}',
                          headers={'Access-Control-Allow-Origin': '*'})
        return handler

    context.route(re.compile(r'^https?://(?!127\.0\.0\.1[:/]).*'), lambda route: route.abort())  # nothing leaves
    context.route('**/ajs-cdn/**', local_cdn)
    context.route('**/t/standalone.js', lambda route: route.fulfill(
        status=200, content_type='text/javascript', body=(UMD / 'standalone.js').read_bytes()))
    context.route('**/ajs/v1/b', capture('ajs'))
    context.route('**/xng/v1/batch', capture('xng'))
    return bodies


def load_both(context, page, base_url):
    head = """<script>
        window.analytics = []; analytics._writeKey = '%s'; analytics._cdn = '%s/ajs-cdn'; analytics._loadOptions = {};
        ['page', 'track', 'identify', 'group', 'alias'].forEach(m => analytics[m] = (...a) => analytics.push([m, ...a]));
    </script><script async src="/t/standalone.js"></script>""" % (WRITE_KEY, base_url)
    serve(context, base_url + PAGE, page_html(title='Side by side', head=head), csp=None)
    page.goto(base_url + PAGE + QUERY, referer=base_url + '/landing.html')
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    page.evaluate("xng.init({endpoint: '/xng/v1/batch', writeKey: '%s', pollInterval: 0})" % WRITE_KEY)


def calls(target):
    """CALLS made on `target` (analytics or xng), each awaited: analytics-next stamps an event with the
    user id current when it is delivered to its plugin, so calls not awaited would all carry identify's id."""
    return ''.join('await ' + target + '.' + line.strip() for line in CALLS.strip().splitlines())


def test_xng_batch_matches_analytics_next_batch_but_for_the_listed_differences(context, page, base_url, captured):
    load_both(context, page, base_url)
    page.wait_for_function('() => window.analytics.initialized === true', timeout=15000)
    page.evaluate('async () => { %s }' % calls('analytics'))
    page.evaluate('async () => { %s }' % calls('xng'))
    page.evaluate('xng.flush()')
    wait_until(lambda: page.evaluate('1') and captured['ajs'], 'the batch of analytics-next', timeout=20)
    (ajs,), (ours,) = captured['ajs'], captured['xng']
    assert 'authorization' in ajs['headers'] and 'authorization' not in ours['headers']  # see README: xng only with 'basic'
    compare(ajs['body'], ours['body'])


def keys_of(value):
    return set(value) if isinstance(value, dict) else set()


def compare(ajs, ours):
    assert set(ajs) == set(ours) == {'writeKey', 'batch', 'sentAt'}
    assert ajs['writeKey'] == ours['writeKey'] == WRITE_KEY
    theirs, mine = ajs['batch'], ours['batch']
    assert [e['type'] for e in theirs] == [e['type'] for e in mine] == ['page', 'track', 'identify', 'group', 'alias', 'track']
    for their, our in zip(theirs, mine):
        nulls = {key for key, value in their.items() if value is None}
        assert nulls <= {NULL_USER_ID}, (their['type'], nulls)
        assert keys_of(their) - nulls - ONLY_ANALYTICS_NEXT['event'] == keys_of(our), their['type']
        assert keys_of(their['context']) - ONLY_ANALYTICS_NEXT['context'] == keys_of(our['context']), their['type']
        assert keys_of(their['context']['page']) == keys_of(our['context']['page'])
        assert their['context']['campaign'] == our['context']['campaign']
        assert their['context']['userAgent'] == our['context']['userAgent']
        assert their['context']['locale'] == our['context']['locale']
        assert their['context']['timezone'] == our['context']['timezone']
        assert their['context']['page'] == our['context']['page']
        assert their.get('writeKey') == our.get('writeKey') == WRITE_KEY
        for key in ('event', 'name', 'category', 'properties', 'traits', 'groupId', 'previousId'):
            assert their.get(key) == our.get(key), (their['type'], key)
        if their['type'] == 'alias':  # analytics-next stamps the current user id on it (see above)
            assert (their['userId'], our['userId']) == ('u-1', 'u-2')
        elif their.get('userId') or our.get('userId'):
            assert their['userId'] == our['userId']
