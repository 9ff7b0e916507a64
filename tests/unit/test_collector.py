"""The demo collector over real HTTP: storage, dedupe, opt-out, limits, CORS, faults, messages, headers."""
import http.client
import json
import time
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from demo_site.server import start

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / 'demo_site' / 'pages'
OPT_OUT = 'xng.tracking-opt-out'
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
       "img-src 'self' data:; object-src 'none'; base-uri 'none'")


@pytest.fixture(scope='module')
def build_dir(tmp_path_factory):
    build = tmp_path_factory.mktemp('build')
    (build / 'xng.min.js').write_text('window.built = true;\n')
    (build / 'xng.min.js.map').write_text('{"version": 3}\n')
    return build


@pytest.fixture(scope='module')
def server(build_dir):
    with start('127.0.0.1', 0, build_dir=build_dir) as handle:
        yield handle


@pytest.fixture(autouse=True)
def clean(server):
    server.collector.reset()


def request(url, body=None, headers=None, method=None, context=None):
    """(status, headers, body bytes) without raising on HTTP errors."""
    data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode('utf-8')
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10, context=context) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def post_json(server, path, payload, **kwargs):
    status, headers, body = request(server.url + path, payload, **kwargs)
    return status, json.loads(body) if body else None


def get_json(server, path, **kwargs):
    status, _, body = request(server.url + path, **kwargs)
    assert status == 200
    return json.loads(body)


def event(message_id, name='Viewed Product', anonymous_id='anon-1', **extra):
    payload = {'type': 'track', 'event': name, 'messageId': message_id, 'anonymousId': anonymous_id,
               'timestamp': '2026-01-01T00:00:00.000Z', 'properties': {}}
    payload.update(extra)
    return payload


def stats(server):
    return get_json(server, '/api/stats')


def raw_post(server, path, body, headers):
    """POST with exactly these headers (urllib would add a Content-Length)."""
    host, port = server.url.rsplit('/', 1)[-1].split(':')
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.putrequest('POST', path)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# -- storage -----------------------------------------------------------------------------------------

def test_stores_events_and_serves_them_newest_first(server):
    status, answer = post_json(server, '/api/batch', {'batch': [event('m1'), event('m2')], 'apiKey': 'k'})
    assert (status, answer) == (200, {'stored': 2, 'duplicates': 0, 'skipped': 0})
    events = get_json(server, '/api/events')['events']
    assert [e['messageId'] for e in events] == ['m2', 'm1']
    assert events[0]['event'] == 'Viewed Product' and events[0]['receivedAt'].endswith('Z')
    assert [e['messageId'] for e in get_json(server, '/api/events?limit=1')['events']] == ['m2']


def test_a_repeated_message_id_is_stored_once_and_counted_as_duplicate(server):
    post_json(server, '/api/batch', {'batch': [event('m1')]})
    status, answer = post_json(server, '/api/batch', {'batch': [event('m1'), event('m2')]})
    assert (status, answer) == (200, {'stored': 1, 'duplicates': 1, 'skipped': 0})
    assert len(get_json(server, '/api/events')['events']) == 2
    assert stats(server) == {'requests': 2, 'stored': 2, 'duplicates': 1, 'rejected': 0,
                            'dropped_opted_out': 0, 'skipped': 0, 'faulted': 0}


def test_events_without_a_string_message_id_are_skipped_and_the_rest_kept(server):
    batch = [event('good-1'), {'type': 'track'}, event(42), 'not an event', event(''), event('good-2')]
    status, answer = post_json(server, '/api/batch', {'batch': batch})
    assert (status, answer) == (200, {'stored': 2, 'duplicates': 0, 'skipped': 4})
    assert {e['messageId'] for e in get_json(server, '/api/events')['events']} == {'good-1', 'good-2'}


def test_reset_clears_events_stats_and_faults(server):
    post_json(server, '/api/batch', {'batch': [event('m1')]})
    post_json(server, '/api/faults', {'fail': 3})
    assert post_json(server, '/api/reset', None, method='POST') == (200, {'reset': True})
    assert get_json(server, '/api/events') == {'events': []}
    assert set(stats(server).values()) == {0}
    assert post_json(server, '/api/batch', {'batch': [event('m2')]})[0] == 200


def test_concurrent_batches_are_all_stored(server):
    statuses = []

    def send(worker):
        batch = [event('w%d-%d' % (worker, n)) for n in range(5)]
        statuses.append(post_json(server, '/api/batch', {'batch': batch + [event('shared')]})[0])

    threads = [threading.Thread(target=send, args=(worker,)) for worker in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 32
    counts = stats(server)
    assert (counts['requests'], counts['stored'], counts['duplicates']) == (32, 161, 31)


# -- opt-out -----------------------------------------------------------------------------------------

@pytest.mark.parametrize('cookie', ['%s=1700000000000' % OPT_OUT, 'a=b; %s=' % OPT_OUT, 'x=1;%s=1; y=2' % OPT_OUT])
def test_a_batch_with_the_opt_out_cookie_is_dropped(server, cookie):
    status, answer = post_json(server, '/api/batch', {'batch': [event('m1')]}, headers={'Cookie': cookie})
    assert (status, answer) == (200, {'dropped': True})
    assert get_json(server, '/api/events') == {'events': []}
    assert stats(server)['dropped_opted_out'] == 1 and stats(server)['stored'] == 0


def test_a_cookie_merely_resembling_the_opt_out_cookie_does_not_drop(server):
    cookie = '%s-old=1; my%s=1' % (OPT_OUT, OPT_OUT)
    assert post_json(server, '/api/batch', {'batch': [event('m1')]}, headers={'Cookie': cookie})[1]['stored'] == 1


def test_opt_out_and_opt_in_set_and_delete_the_cookie_over_http(server):
    status, headers, _ = request(server.url + '/api/opt-out', b'', method='POST')
    assert status == 200
    cookie = headers['Set-Cookie']
    name_value, *attributes = cookie.split('; ')
    assert name_value.startswith(OPT_OUT + '=') and name_value.split('=')[1].isdigit()
    assert attributes == ['Max-Age=63072000', 'Path=/', 'SameSite=Lax']
    status, headers, _ = request(server.url + '/api/opt-in', b'', method='POST')
    assert status == 200 and headers['Set-Cookie'] == OPT_OUT + '=; Max-Age=0; Path=/; SameSite=Lax'


def test_opt_out_renewal_keeps_the_creation_time_and_the_remaining_lifetime(server):
    created = int(time.time() * 1000) - 500 * 86400 * 1000
    status, headers, _ = request(server.url + '/api/opt-out', {'created': created}, method='POST')
    name_value, max_age = headers['Set-Cookie'].split('; ')[:2]
    assert status == 200 and name_value == '%s=%d' % (OPT_OUT, created)
    assert abs(int(max_age.split('=')[1]) - 230 * 86400) < 60
    for stale in (created - 300 * 86400 * 1000, int(time.time() * 1000) + 86400 * 1000, 'soon'):
        _, headers, _ = request(server.url + '/api/opt-out', {'created': stale}, method='POST')
        assert 'Max-Age=63072000' in headers['Set-Cookie']  # past 2 years, future or junk: a fresh opt-out


def test_opt_out_takes_a_domain_and_answers_cors(server):
    status, headers, _ = request(server.url + '/api/opt-out', {'domain': 'xng.test'},
                                 headers={'Origin': 'http://shop.xng.test:8000'})
    assert status == 200 and headers['Set-Cookie'].endswith('; SameSite=Lax; Domain=xng.test')
    assert headers['Access-Control-Allow-Origin'] == 'http://shop.xng.test:8000'
    assert headers['Access-Control-Allow-Credentials'] == 'true'
    status, headers, _ = request(server.url + '/api/opt-in', {'domain': 'xng.test'})
    assert headers['Set-Cookie'] == OPT_OUT + '=; Max-Age=0; Path=/; SameSite=Lax; Domain=xng.test'


@pytest.mark.parametrize('body', [{'domain': 'evil.test; Secure=no'}, {'domain': 5}, [1], b'{nope'])
def test_opt_out_refuses_a_bad_domain(server, body):
    status, headers, _ = request(server.url + '/api/opt-out', body)
    assert status == 400 and 'Set-Cookie' not in headers


def test_opt_out_cookie_is_secure_over_https(build_dir):
    unverified = ssl.create_default_context()
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    with start('127.0.0.1', 0, https_port=0, build_dir=build_dir) as handle:
        assert handle.https_url.startswith('https://127.0.0.1:')
        status, headers, _ = request(handle.https_url + '/api/opt-out', b'', context=unverified)
        assert status == 200 and headers['Set-Cookie'].endswith('; SameSite=Lax; Secure')
        status, headers, _ = request(handle.https_url + '/api/opt-in', b'', context=unverified)
        assert headers['Set-Cookie'] == OPT_OUT + '=; Max-Age=0; Path=/; SameSite=Lax; Secure'
        # Both ports share one collector.
        request(handle.https_url + '/api/batch', {'batch': [event('tls-1')]}, context=unverified)
        assert get_json(handle, '/api/events')['events'][0]['messageId'] == 'tls-1'
        status, headers, _ = request(handle.url + '/api/opt-out', b'')
        assert 'Secure' not in headers['Set-Cookie']


# -- bad requests --------------------------------------------------------------------------------------

@pytest.mark.parametrize('body', [b'{"batch": [', b'\xff\xfe', b'[]', b'{"batch": {}}', b'{"events": []}',
                                  b'"batch"', b'{"batch": [NaN]}', b'[' * 100000, b''])
def test_malformed_or_misshapen_batches_get_400_and_the_server_keeps_serving(server, body):
    status, _, answer = request(server.url + '/api/batch', body, method='POST')
    assert status == 400 and 'error' in json.loads(answer)
    assert stats(server)['rejected'] == 1
    assert post_json(server, '/api/batch', {'batch': [event('after')]})[1]['stored'] == 1


def test_a_body_over_512_kb_gets_400(server):
    big = {'batch': [event('big', properties={'blob': 'x' * (512 * 1024)})]}
    status, answer = post_json(server, '/api/batch', big)
    assert status == 400 and '512' in answer['error']
    just_fits = {'batch': [event('fits', properties={'blob': 'x' * (500 * 1024)})]}
    assert post_json(server, '/api/batch', just_fits)[1]['stored'] == 1


@pytest.mark.parametrize('headers', [{}, {'Content-Length': 'abc'}, {'Content-Length': '-1'},
                                     {'Content-Length': str(10 ** 9)}])
def test_a_missing_or_invalid_content_length_gets_400_without_waiting_for_the_body(server, headers):
    status, body = raw_post(server, '/api/batch', b'', headers)
    assert status == 400 and 'error' in json.loads(body)
    assert post_json(server, '/api/batch', {'batch': [event('after')]})[1]['stored'] == 1


def test_a_garbage_request_gets_a_plain_400_and_the_server_keeps_serving(server):
    host, port = server.url.rsplit('/', 1)[-1].split(':')
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(b'NOT HTTP AT ALL\r\n\r\n')
        answer = connection.makefile('rb').read()
    # Without a valid version the stdlib answers the HTTP/0.9 way: a body with no status line.
    assert answer.startswith(b'400 ') and b'<html' not in answer.lower()
    assert request(server.url + '/api/stats')[0] == 200


def test_wrong_methods_and_unknown_api_paths(server):
    assert request(server.url + '/api/batch')[0] == 405
    assert request(server.url + '/api/nothing')[0] == 404
    assert request(server.url + '/api/nothing', b'{}')[0] == 404


# -- CORS ----------------------------------------------------------------------------------------------

def test_batch_answers_echo_the_origin_with_credentials(server):
    status, headers, _ = request(server.url + '/api/batch', {'batch': []}, headers={'Origin': 'https://a.xng.test'})
    assert status == 200
    assert headers['Access-Control-Allow-Origin'] == 'https://a.xng.test'
    assert headers['Access-Control-Allow-Credentials'] == 'true'
    assert 'Origin' in headers['Vary']


def test_preflight_is_answered(server):
    status, headers, _ = request(server.url + '/api/batch', method='OPTIONS', headers={
        'Origin': 'https://a.xng.test', 'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type'})
    assert status == 204
    assert headers['Access-Control-Allow-Origin'] == 'https://a.xng.test'
    assert headers['Access-Control-Allow-Credentials'] == 'true'
    assert 'POST' in headers['Access-Control-Allow-Methods']
    assert headers['Access-Control-Allow-Headers'] == 'content-type'


# -- faults --------------------------------------------------------------------------------------------

def test_injected_failures_then_success(server):
    assert post_json(server, '/api/faults', {'fail': 2, 'status': 503, 'retryAfter': 1})[0] == 200
    for _ in range(2):
        status, headers, _ = request(server.url + '/api/batch', {'batch': [event('m1')]})
        assert status == 503 and headers['Retry-After'] == '1'
    assert post_json(server, '/api/batch', {'batch': [event('m1')]}) == (200, {'stored': 1, 'duplicates': 0,
                                                                               'skipped': 0})
    assert stats(server)['faulted'] == 2 and stats(server)['requests'] == 3


def test_down_mode_drops_the_connection_until_lifted(server):
    post_json(server, '/api/faults', {'down': True})
    with pytest.raises((http.client.HTTPException, ConnectionError, urllib.error.URLError)):
        request(server.url + '/api/batch', {'batch': [event('m1')]})
    assert get_json(server, '/api/events') == {'events': []}  # the rest of the server still answers
    post_json(server, '/api/faults', {'down': False})
    assert post_json(server, '/api/batch', {'batch': [event('m1')]})[1]['stored'] == 1


@pytest.mark.parametrize('spec', [{'fail': -1}, {'fail': 1, 'status': 200}, {'down': 'yes'}, [1]])
def test_invalid_fault_specs_are_refused(server, spec):
    assert post_json(server, '/api/faults', spec)[0] == 400
    assert get_json(server, '/api/faults') == {'fail': 0, 'status': 503, 'retryAfter': None, 'down': False}


# -- messages ------------------------------------------------------------------------------------------

def message_ids(server, query, **kwargs):
    return [m['id'] for m in get_json(server, '/api/messages?' + query, **kwargs)['messages']]


def test_messages_follow_the_campaign_rules(server):
    assert message_ids(server, 'anonymousId=anon-1') == []
    post_json(server, '/api/batch', {'batch': [event('v1', 'Viewed Product')]})
    assert message_ids(server, 'anonymousId=anon-1') == ['offer-after-product']
    assert message_ids(server, 'anonymousId=someone-else') == []
    post_json(server, '/api/batch', {'batch': [event('a1', 'Added Product', properties={'quantity': 2})]})
    assert message_ids(server, 'anonymousId=anon-1') == ['offer-after-product', 'cart-exit-reminder']
    post_json(server, '/api/batch', {'batch': [event('o1', 'Completed Order')]})
    assert message_ids(server, 'anonymousId=anon-1') == ['offer-after-product', 'order-thanks']


def test_message_shape_and_stable_ids(server):
    post_json(server, '/api/batch', {'batch': [event('o1', 'Completed Order')]})
    first = get_json(server, '/api/messages?anonymousId=anon-1')['messages']
    assert first == get_json(server, '/api/messages?anonymousId=anon-1')['messages']
    assert first[0]['channel'] == 'notification' and first[0]['title'] and first[0]['body']


def test_removing_everything_empties_the_cart(server):
    post_json(server, '/api/batch', {'batch': [event('a1', 'Added Product', properties={'quantity': 2}),
                                               event('r1', 'Removed Product', properties={'quantity': 2})]})
    assert 'cart-exit-reminder' not in message_ids(server, 'anonymousId=anon-1')


def test_messages_match_by_user_id(server):
    post_json(server, '/api/batch', {'batch': [event('v1', 'Viewed Product', anonymous_id='a2', userId='u-9')]})
    assert message_ids(server, 'anonymousId=new-browser&userId=u-9') == ['offer-after-product']


def test_no_messages_for_an_opted_out_browser(server):
    post_json(server, '/api/batch', {'batch': [event('v1', 'Viewed Product')]})
    assert message_ids(server, 'anonymousId=anon-1', headers={'Cookie': OPT_OUT + '=1'}) == []


# -- static files and headers -------------------------------------------------------------------------

@pytest.mark.parametrize('path', ['/', '/privacy.html', '/product.html?sku=TEE-01', '/events.html'])
def test_html_pages_carry_the_strict_csp(server, path):
    status, headers, body = request(server.url + path)
    assert status == 200 and headers['Content-Type'].startswith('text/html')
    assert headers['Content-Security-Policy'] == CSP
    assert b'<script src="/snippet.js"></script>' in body


def test_pages_have_no_inline_scripts_or_styles():
    # The CSP would block them in the browser; catching them here gives a clearer failure.
    for page in PAGES.glob('*.html'):
        html = page.read_text()
        assert not re.search(r'<script(?![^>]*\ssrc=)', html), page.name
        assert not re.search(r'<style|\sstyle=|\son[a-z]+=|javascript:', html), page.name


def test_every_page_loads_the_sdk_in_the_documented_order():
    for page in PAGES.glob('*.html'):
        scripts = re.findall(r'<script[^>]*src="([^"]+)"', page.read_text())
        assert scripts[:2] == ['/snippet.js', '/demo.js'] and scripts[-1] == '/xng.min.js', page.name
        assert '<script async src="/xng.min.js"></script>' in page.read_text(), page.name


def test_sdk_files_come_from_build_without_caching(server):
    status, headers, body = request(server.url + '/xng.min.js')
    assert (status, body) == (200, b'window.built = true;\n')
    assert headers['Cache-Control'] == 'no-store' and 'javascript' in headers['Content-Type']
    status, headers, _ = request(server.url + '/xng.min.js.map')
    assert status == 200 and headers['Cache-Control'] == 'no-store'
    assert request(server.url + '/snippet.js')[0] == 503  # not in this fake build
    assert request(server.url + '/nothing.map')[0] == 404


def test_a_missing_build_answers_503_with_the_fix(tmp_path):
    with start('127.0.0.1', 0, build_dir=tmp_path / 'no-build') as handle:
        status, _, body = request(handle.url + '/xng.min.js')
        assert status == 503 and b'make build' in body


@pytest.mark.parametrize('path', ['/../server.py', '/%2e%2e/server.py', '/..%2fserver.py', '/missing.html'])
def test_nothing_outside_pages_is_served(server, path):
    assert request(server.url + path)[0] == 404


# -- process -------------------------------------------------------------------------------------------

def test_the_cli_serves_and_stops_cleanly_on_sigint(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    process = subprocess.Popen([sys.executable, '-m', 'demo_site.server', '--port', '0', '--quiet',
                                '--db', str(tmp_path / 'events.sqlite3')],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first_line = process.stdout.readline()
        url = first_line.split(' on ')[1].strip().rstrip('/')
        assert request(url + '/api/stats')[0] == 200
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert 'Traceback' not in err and 'stopped' in out
