"""xng.server under CPython: the opt-out as a server reads it, the Set-Cookie values, the consent request, WSGI/ASGI."""
import ast
import asyncio
import io
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from xng import server
from xng.core import consent

ROOT = Path(__file__).resolve().parents[2]
OUT, IN = consent.OPT_OUT_COOKIE, consent.OPT_IN_COOKIE
DAY = consent.DAY_MS
NOW = 1764512345678  # 2025-11-30T14:19:05.678Z
TODAY = NOW // DAY * DAY
BODY = {'domain': None, 'created': None, 'optOutByDefault': False}
SAME_ORIGIN = {'Host': 'shop.xng.test:8000', 'Sec-Fetch-Site': 'same-origin', 'Origin': 'null'}


def parts(cookie):
    """(name, value, {attribute: value}) of a Set-Cookie value."""
    pair, *attributes = cookie.split('; ')
    name, _, value = pair.partition('=')
    return name, value, dict(attribute.partition('=')[::2] for attribute in attributes)


# -- plain CPython, standard library only ------------------------------------------------------------

def test_imports_in_a_plain_cpython_with_nothing_else():
    code = ('import sys; import xng.server; '
            'extra = sorted(m.split(".")[0] for m in sys.modules if m.split(".")[0] not in sys.stdlib_module_names and m != "__main__"); '
            'print(sorted(set(extra)))')
    out = subprocess.run([sys.executable, '-I', '-S', '-c', 'import sys; sys.path.insert(0, %r); %s' % (str(ROOT), code)],
                         capture_output=True, text=True, timeout=30, cwd='/')
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['xng']"  # no Transcrypt shim, no framework


def test_server_uses_core_and_nothing_of_the_browser():
    tree = ast.parse((ROOT / 'xng' / 'server.py').read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    ours = {name for name in imported if name.startswith('xng')}
    assert ours == {'xng.core'} and all(name.split('.')[0] in sys.stdlib_module_names for name in imported - ours)


# -- is_opted_out and consent_status ----------------------------------------------------------------

@pytest.mark.parametrize('cookies, expected', [
    ('%s=%d' % (OUT, TODAY), True),
    ('a=1; %s=; b=2' % OUT, True),  # presence is what counts
    ('%s=from-someone-else' % OUT, True),
    (('a=1;%s=1' % OUT).encode(), True),
    ({OUT: '1'}, True),
    ({OUT: None}, True),
    ('%s-old=1; my%s=1' % (OUT, OUT), False),
    ('', False), (None, False), ({}, False),
    ('%s=%d; %s=%d' % (IN, TODAY, OUT, TODAY), True),  # the opt-out wins
])
def test_is_opted_out_reads_the_cookie_header_or_a_mapping(cookies, expected):
    assert server.is_opted_out(cookies) is expected


def test_privacy_signals_count_only_when_asked():
    assert server.is_opted_out('', {'Sec-GPC': '1'}) is False
    assert server.is_opted_out('', {'sec-gpc': '1'}, respect_gpc=True) is True
    assert server.is_opted_out('', [(b'sec-gpc', b'1')], respect_gpc=True) is True  # ASGI's raw headers
    assert server.is_opted_out('', {'Sec-GPC': '0'}, respect_gpc=True) is False
    assert server.is_opted_out('', {'DNT': '1'}) is False
    assert server.is_opted_out('', {'DNT': '1'}, respect_dnt=True) is True
    assert server.is_opted_out('', {'DNT': '1'}, respect_gpc=True) is False


def test_opted_out_by_default_a_visitor_with_no_choice_is_pending():
    assert server.consent_status('', opt_out_by_default=True) == 'pending'
    assert server.is_opted_out('', opt_out_by_default=True) is True
    assert server.consent_status('%s=%d' % (IN, TODAY), opt_out_by_default=True) == 'granted'
    assert server.is_opted_out({IN: str(TODAY)}, opt_out_by_default=True) is False
    assert server.consent_status({IN: '1', OUT: '1'}, opt_out_by_default=True) == 'denied'
    assert server.consent_status({IN: '1'}, {'Sec-GPC': '1'}, respect_gpc=True, opt_out_by_default=True) == 'denied'
    assert server.consent_status('') == 'granted'  # without the mode, nothing changes


# -- Set-Cookie values ------------------------------------------------------------------------------

def test_an_opt_out_writes_the_day_with_the_lifetime_left_and_deletes_the_opt_in():
    cookies = server.opt_out_cookies(now_ms=NOW)
    name, value, attributes = parts(cookies[0])
    assert (name, value) == (OUT, str(TODAY))
    assert consent.parse_value(value) == {'created': TODAY, 'renewed': None}  # the browser reads it as SDK-written
    assert int(attributes['Max-Age']) == (TODAY + consent.LIFETIME_MS - NOW) // 1000
    assert attributes['Path'] == '/' and attributes['SameSite'] == 'Lax' and 'Expires' in attributes
    assert 'Secure' not in attributes and 'Domain' not in attributes
    assert [parts(c)[:2] for c in cookies[1:]] == [(IN, '')] and parts(cookies[1])[2]['Max-Age'] == '0'


def test_a_domain_is_written_only_when_given_and_deletions_cover_both_variants():
    assert parts(server.opt_out_cookies('xng.test', now_ms=NOW)[0])[2]['Domain'] == 'xng.test'
    deletions = server.opt_in_cookies('xng.test', now_ms=NOW)
    assert [(parts(c)[0], parts(c)[2].get('Domain'), parts(c)[2]['Max-Age']) for c in deletions] == [
        (OUT, None, '0'), (OUT, 'xng.test', '0')]
    assert [parts(c)[2].get('Domain') for c in server.opt_in_cookies(now_ms=NOW)] == [None]


def test_an_opt_in_writes_the_opt_in_cookie_only_when_opted_out_by_default():
    assert [parts(c)[0] for c in server.opt_in_cookies(now_ms=NOW)] == [OUT]
    cookies = server.opt_in_cookies(now_ms=NOW, opt_out_by_default=True)
    assert [parts(c)[:2] for c in cookies] == [(OUT, ''), (IN, str(TODAY))]
    assert int(parts(cookies[1])[2]['Max-Age']) > 700 * 86400


def test_a_renewal_keeps_the_creation_day_and_records_today():
    created = NOW - 500 * DAY
    name, value, attributes = parts(server.renewal_cookies(created, now_ms=NOW)[0])
    assert value == '%d.%d' % (created // DAY * DAY, TODAY)
    assert consent.needs_renewal_today(value, NOW) is False  # so the SDK asks again tomorrow at the earliest
    assert int(attributes['Max-Age']) == (created // DAY * DAY + consent.LIFETIME_MS - NOW) // 1000
    expired = server.renewal_cookies(NOW - 731 * DAY, now_ms=NOW)
    assert [parts(c)[2]['Max-Age'] for c in expired] == ['0']  # past 2 years: gone, as the browser does


def test_clear_deletes_both_cookies_every_variant():
    cookies = server.clear_cookies('xng.test')
    assert sorted((parts(c)[0], parts(c)[2].get('Domain', '')) for c in cookies) == [
        (IN, ''), (IN, 'xng.test'), (OUT, ''), (OUT, 'xng.test')]
    assert {parts(c)[2]['Max-Age'] for c in cookies} == {'0'}


# -- the consent request ----------------------------------------------------------------------------

def check(body, host='shop.xng.test'):
    return server.parse_consent_request(json.dumps(body).encode(), host, NOW)


@pytest.mark.parametrize('domain', ['xng.test', '.xng.test', 'shop.xng.test', None])
def test_a_domain_the_host_is_within_is_accepted(domain):
    assert check(dict(BODY, domain=domain))['domain'] == (domain.lstrip('.') if domain else None)


@pytest.mark.parametrize('domain', ['example.com', 'hop.xng.test', 'test', 'xng.test\n', 'xng.test; Max-Age=0',
                                    'xng.test;Path=/nowhere', 'XNG.test', 'xng..test', '', ' xng.test', 'xng.test.',
                                    'a' * 300, 5, ['xng.test']])
def test_other_domains_are_refused(domain):
    with pytest.raises(server.BadConsentRequest):
        check(dict(BODY, domain=domain))


@pytest.mark.parametrize('created', [True, 1.5e12, '1764460800000', 1499999999999, NOW + 2 * DAY, -1, 10 ** 30])
def test_a_created_outside_the_sane_range_or_type_is_refused(created):
    with pytest.raises(server.BadConsentRequest):
        check(dict(BODY, created=created))


@pytest.mark.parametrize('raw', [b'', b'{}', b'null', b'[]', b'{"domain": null}', b'{nope', b'\xff',
                                 json.dumps(dict(BODY, more=1)).encode(), json.dumps(dict(BODY, optOutByDefault=0)).encode(),
                                 json.dumps(dict(BODY, optOutByDefault=None)).encode(), b'{"domain":NaN}',
                                 b' ' * 2000, b'domain=&created=&optOutByDefault=false'])
def test_anything_but_the_exact_body_is_refused(raw):
    with pytest.raises(server.BadConsentRequest):
        server.parse_consent_request(raw, 'shop.xng.test', NOW)


@pytest.mark.parametrize('headers, refused', [
    ({'Sec-Fetch-Site': 'same-origin', 'Origin': 'null'}, False),  # the SDK's own, sent without a referrer
    ({'Sec-Fetch-Site': 'same-site', 'Origin': 'http://www.xng.test'}, False),
    ({'Sec-Fetch-Site': 'cross-site', 'Origin': 'http://shop.xng.test'}, True),  # Sec-Fetch-Site decides
    ({'Sec-Fetch-Site': 'none'}, True),
    ({'Sec-Fetch-Site': 'something-new'}, True),
    ({'Origin': 'http://shop.xng.test:8000'}, False),
    ({'Origin': 'https://xng.test'}, False),  # the host is within it
    ({'Origin': 'http://cdn.shop.xng.test'}, False),  # it is within the host
    ({'Origin': 'http://evil.test'}, True),
    ({'Origin': 'http://xng.test.evil.test'}, True),
    ({'Origin': 'null'}, True),
    ({'Origin': 'javascript:x'}, True),
    ({}, False),  # no browser POSTs without both; the strict body is the guard then
])
def test_cross_site_requests_are_told_apart(headers, refused):
    assert (server.cross_site_reason(headers, 'shop.xng.test') is not None) is refused


def test_an_allow_list_admits_another_origin():
    headers = {'Origin': 'https://checkout.partner.test'}
    assert server.cross_site_reason(headers, 'shop.xng.test') is not None
    assert server.cross_site_reason(headers, 'shop.xng.test', ('https://checkout.partner.test',)) is None


def answer(method='POST', path='/api/opt-out', headers=SAME_ORIGIN, body=BODY, **options):
    raw = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    status, response_headers, payload = server.handle_consent(method, path, headers, raw, now_ms=NOW, **options)
    return status, [value for name, value in response_headers if name == 'Set-Cookie'], dict(response_headers), payload


def test_handle_consent_answers_each_case():
    status, cookies, headers, payload = answer()
    assert status == 200 and parts(cookies[0])[:2] == (OUT, str(TODAY)) and json.loads(payload) == {'optedOut': True}
    assert headers['Cache-Control'] == 'no-store'
    assert answer(path='/api/opt-in/')[0] == 200
    assert answer(path='/api/other')[0] == 404
    assert answer(method='GET')[:2] == (405, [])
    assert answer(headers=dict(SAME_ORIGIN, **{'Sec-Fetch-Site': 'cross-site'}))[:2] == (403, [])
    assert answer(body=b'')[:2] == (400, [])
    assert answer(body=None)[:2] == (400, [])  # too large to read
    status, cookies, _, _ = answer(body=dict(BODY, created=NOW - 10 * DAY))
    assert status == 200 and parts(cookies[0])[1] == '%d.%d' % ((NOW - 10 * DAY) // DAY * DAY, TODAY)
    status, cookies, _, _ = answer(path='/api/opt-in', body=dict(BODY, created=NOW - 10 * DAY, optOutByDefault=True))
    assert [parts(c)[:2] for c in cookies] == [(OUT, ''), (IN, '%d.%d' % ((NOW - 10 * DAY) // DAY * DAY, TODAY))]


def test_cors_only_for_same_site_origins_with_credentials():
    headers = {'Host': 'shop.xng.test', 'Origin': 'http://www.xng.test', 'Sec-Fetch-Site': 'same-site'}
    status, _, response_headers, _ = answer(headers=headers)
    assert status == 200 and response_headers['Access-Control-Allow-Origin'] == 'http://www.xng.test'
    assert response_headers['Access-Control-Allow-Credentials'] == 'true'
    status, _, response_headers, _ = answer('OPTIONS', headers=headers, body=b'')
    assert status == 204 and 'POST' in response_headers['Access-Control-Allow-Methods']
    evil = {'Host': 'shop.xng.test', 'Origin': 'http://evil.test', 'Sec-Fetch-Site': 'cross-site'}
    status, _, response_headers, _ = answer('OPTIONS', headers=evil, body=b'')
    assert 'Access-Control-Allow-Origin' not in response_headers and 'Access-Control-Allow-Methods' not in response_headers


# -- WSGI and ASGI without a framework --------------------------------------------------------------

def wsgi_call(app, method='GET', path='/', headers=None, body=b''):
    environ = {'REQUEST_METHOD': method, 'PATH_INFO': path, 'CONTENT_LENGTH': str(len(body)),
               'wsgi.input': io.BytesIO(body), 'HTTP_HOST': 'shop.xng.test'}
    for name, value in (headers or {}).items():
        key = name.upper().replace('-', '_')
        environ[key if key in ('CONTENT_TYPE', 'CONTENT_LENGTH') else 'HTTP_' + key] = value
    started = {}
    payload = b''.join(app(environ, lambda status, response_headers: started.update(
        status=status, headers=response_headers)))
    return started['status'], started['headers'], payload, environ


def test_wsgi_middleware_sets_the_environ_keys():
    def app(environ, start_response):
        start_response('200 OK', [])
        return [json.dumps([environ['xng.opted_out'], environ['xng.consent']]).encode()]

    wrapped = server.OptOutMiddleware(app, respect_gpc=True)
    assert json.loads(wsgi_call(wrapped)[2]) == [False, 'granted']
    assert json.loads(wsgi_call(wrapped, headers={'Cookie': OUT + '=1'})[2]) == [True, 'denied']
    assert json.loads(wsgi_call(wrapped, headers={'Sec-GPC': '1'})[2]) == [True, 'denied']
    pending = server.OptOutMiddleware(app, opt_out_by_default=True)
    assert json.loads(wsgi_call(pending)[2]) == [True, 'pending']


def test_wsgi_consent_app():
    app = server.ConsentApp()
    status, headers, payload, _ = wsgi_call(app, 'POST', '/opt-out', {'Sec-Fetch-Site': 'same-origin'},
                                            json.dumps(BODY).encode())
    assert status == '200 OK' and any(name == 'Set-Cookie' and value.startswith(OUT + '=') for name, value in headers)
    assert wsgi_call(app, 'POST', '/opt-in', {'Sec-Fetch-Site': 'cross-site'}, json.dumps(BODY).encode())[0] == \
        '403 Forbidden'
    assert wsgi_call(app, 'POST', '/opt-in', {'Sec-Fetch-Site': 'same-origin'}, b'x' * 5000)[0] == '400 Bad Request'


def asgi_call(app, method='GET', path='/', headers=(), body=b''):
    scope = {'type': 'http', 'method': method, 'path': path, 'root_path': '',
             'headers': [(b'host', b'shop.xng.test')] + [(k.lower().encode(), v.encode()) for k, v in headers]}
    sent, chunks = [], [{'type': 'http.request', 'body': body[:3], 'more_body': True},
                        {'type': 'http.request', 'body': body[3:], 'more_body': False}]

    async def receive():
        return chunks.pop(0)

    async def send(message):
        sent.append(message)

    # In a thread of its own: in the full suite, Playwright's sync API keeps an event loop running in this one.
    runner = threading.Thread(target=asyncio.run, args=(app(scope, receive, send),))
    runner.start()
    runner.join(10)
    return scope, sent


def test_asgi_middleware_sets_the_state():
    async def app(scope, receive, send):
        await send({'type': 'http.response.start', 'status': 200, 'headers': []})

    scope, _ = asgi_call(server.ASGIOptOutMiddleware(app), headers=[('Cookie', 'a=1; %s=1' % OUT)])
    assert scope['state'] == {'xng_opted_out': True, 'xng_consent': 'denied'}
    scope, _ = asgi_call(server.ASGIOptOutMiddleware(app, respect_dnt=True), headers=[('DNT', '1')])
    assert scope['state']['xng_opted_out'] is True
    scope, _ = asgi_call(server.ASGIOptOutMiddleware(app, opt_out_by_default=True),
                         headers=[('Cookie', '%s=%d' % (IN, TODAY))])
    assert scope['state']['xng_opted_out'] is False


def test_asgi_consent_app_reads_a_chunked_body():
    _, sent = asgi_call(server.ASGIConsentApp(), 'POST', '/api/opt-out', [('Sec-Fetch-Site', 'same-origin')],
                        json.dumps(BODY).encode())
    assert sent[0]['status'] == 200
    assert any(name == b'set-cookie' and value.startswith(OUT.encode() + b'=') for name, value in sent[0]['headers'])
    _, sent = asgi_call(server.ASGIConsentApp(), 'POST', '/api/opt-out', [('Origin', 'http://evil.test')],
                        json.dumps(BODY).encode())
    assert sent[0]['status'] == 403


# -- the built assets -------------------------------------------------------------------------------

def test_static_dir_finds_the_built_scripts(tmp_path, monkeypatch):
    if (ROOT / 'build' / 'xng.min.js').is_file():
        assert server.static_dir() == ROOT / 'build'
    fake = tmp_path / 'xng'
    (fake / 'static').mkdir(parents=True)
    (fake / 'static' / 'xng.min.js').write_text('')
    monkeypatch.setattr(server, '__file__', str(fake / 'server.py'))
    assert server.static_dir() == fake / 'static'
    (fake / 'static' / 'xng.min.js').unlink()
    with pytest.raises(FileNotFoundError, match='make build'):
        server.static_dir()
