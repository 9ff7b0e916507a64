"""Issue 12, items 2, 3, 5 and 6: the consent request, the cookie's attributes, cookieDomain, once-a-day renewal.

Named hosts (*.xng.test, mapped to 127.0.0.1 by conftest) stand for a real site: Chromium treats
http://127.0.0.1 itself as a secure context, so http against https is only meaningful on names.
"""
import json
import time
from urllib.parse import urlsplit

import pytest

from support import STRICT_CSP, cookie, page_html, serve, settle, wait_until

NAME = 'xng.tracking-opt-out'
DAY_MS = 86400000
PAGE = '/t/consent.html'
BAD_DOMAINS = ['example.com', 'xng.test\n', 'xng.test; Max-Age=0', 'xng.test;Path=/nowhere']


def at(base_url, host, scheme='http', port=None):
    return '%s://%s:%d' % (scheme, host, port or urlsplit(base_url).port)


def day(ms):
    return int(ms) // DAY_MS * DAY_MS


def today():
    return day(time.time() * 1000)


def load(context, page, url, init=None, stub=True, csp=STRICT_CSP):
    serve(context, url, page_html(stub=stub), csp=csp)
    page.goto(url)
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    return page.evaluate(init) if init else None


def xng_warnings(page):
    return [text for text in page.warnings if text.startswith('[xng]')]


def opt_out_cookie_days(context):
    found = cookie(context, NAME)
    return found and (found['expires'] - time.time()) / 86400


def consent_requests(log):
    return [r for r in log.requests if r.method == 'POST' and ('/opt-out' in r.url or '/opt-in' in r.url)]


# -------------------------------------------------------------------------------- 2: the consent request

@pytest.mark.parametrize('cookie_domain', [None, 'xng.test'])
def test_server_opt_out_with_the_collector_on_another_host_renews_the_pages_cookie(context, page, base_url, log,
                                                                                  cookie_domain):
    """Page shop.xng.test, endpoint collect.xng.test: the page's cookie is renewed in both cases.

    Without cookieDomain the collector's Set-Cookie could only reach collect.xng.test: the script renews.
    With cookieDomain xng.test the collector's cookie is the page's: the server is asked (day-precision body).
    """
    shop, collect = at(base_url, 'shop.xng.test'), at(base_url, 'collect.xng.test')
    created = today()
    where = {'domain': '.xng.test', 'path': '/'} if cookie_domain else {'url': shop}
    context.add_cookies([dict(where, name=NAME, value=str(created), expires=time.time() + 3600)])
    options = {'endpoint': collect + '/api/batch', 'serverOptOut': True, 'pollInterval': 0}
    if cookie_domain:
        options['cookieDomain'] = cookie_domain
    load(context, page, shop + PAGE, csp=STRICT_CSP.replace("connect-src 'self'", "connect-src 'self' " + collect))
    assert page.evaluate('o => xng.init(o)', options) is True
    wait_until(lambda: page.evaluate('1') and opt_out_cookie_days(context) > 300, 'the page cookie renewed')
    assert [c['domain'] for c in context.cookies() if c['name'] == NAME] == (
        ['.xng.test'] if cookie_domain else ['shop.xng.test'])
    sent = consent_requests(log)
    if cookie_domain:
        assert [r.url for r in sent] == [collect + '/api/opt-out']
        assert json.loads(sent[0].post_data) == {'domain': 'xng.test', 'created': created, 'optOutByDefault': False}
    else:
        assert sent == []  # its Set-Cookie could not reach shop.xng.test
    assert page.evaluate('xng.isTrackingOptOut()') is True


def test_consent_endpoint_names_the_sites_own_routes_and_the_body_is_day_precise(context, page, base_url, log):
    answered = []

    def consent_route(route):
        answered.append(route.request)
        route.fulfill(status=200, content_type='application/json', body='{}')
    context.route('**/site/consent/**', consent_route)
    load(context, page, base_url + PAGE, "xng.init({endpoint: '/api/batch', serverOptOut: true, pollInterval: 0,"
                                         " consentEndpoint: '/site/consent/', optOutByDefault: false})")
    page.evaluate('xng.optOutTracking()')
    wait_until(lambda: page.evaluate('1') and answered, 'the opt-out request')
    page.evaluate('xng.optInTracking()')
    wait_until(lambda: page.evaluate('1') and len(answered) == 2, 'the opt-in request')
    assert [r.url for r in answered] == [base_url + '/site/consent/opt-out', base_url + '/site/consent/opt-in']
    for request in answered:
        assert json.loads(request.post_data) == {'domain': None, 'created': None, 'optOutByDefault': False}
        assert 'referer' not in request.all_headers()  # it must not tell the site which page the visitor is on
    assert [r for r in log.requests if '/api/opt-' in r.url] == []  # not the default routes


def test_a_bad_consent_endpoint_fails_init_with_one_warning(context, page, base_url):
    assert load(context, page, base_url + PAGE,
                "xng.init({endpoint: '/api/batch', consentEndpoint: 'javascript:alert(1)'})") is False
    assert len(xng_warnings(page)) == 1 and 'consentEndpoint' in xng_warnings(page)[0]


# -------------------------------------------------------------------------------- 3: never Secure

def test_an_https_visit_keeps_the_opt_out_visible_to_http_pages(context, page, server, base_url, collector, log):
    """http -> https -> http on one named host: the https renewal must not hide the decision from http."""
    http = at(base_url, 'shop.xng.test')
    https = at(base_url, 'shop.xng.test', 'https', urlsplit(server.https_url).port)
    init = "xng.init({endpoint: '/api/batch', pollInterval: 0})"
    load(context, page, http + PAGE, init)
    page.evaluate('xng.optOutTracking()')
    load(context, page, https + PAGE, init)  # its init renews the cookie, by script, on https
    assert page.evaluate('location.protocol') == 'https:' and page.evaluate('xng.isTrackingOptOut()') is True
    assert cookie(context, NAME)['secure'] is False
    load(context, page, http + PAGE, init)
    assert page.evaluate('xng.isTrackingOptOut()') is True
    page.evaluate("xng.track('Over Http After Https')")
    settle(page)
    assert log.to('/api/batch') == [] and collector.events() == []
    # An opt-in on http deletes it (a Secure cookie could not be touched from http), and an opt-out rewrites it.
    load(context, page, http + PAGE, init)
    page.evaluate('xng.optInTracking()')
    assert cookie(context, NAME) is None and page.evaluate('xng.isTrackingOptOut()') is False
    page.evaluate('xng.optOutTracking()')
    assert cookie(context, NAME)['value'] == str(today())


def test_the_stub_on_https_writes_no_secure_cookie(context, page, server):
    https = at(server.url, 'shop.xng.test', 'https', urlsplit(server.https_url).port)
    context.route('**/xng.min.js', lambda route: route.abort())  # the stub alone
    serve(context, https + PAGE, page_html())
    page.goto(https + PAGE)
    page.evaluate("xng.init({endpoint: '/api/batch'}); xng.optOutTracking()")
    stored = cookie(context, NAME)
    assert stored['secure'] is False and stored['sameSite'] == 'Lax' and stored['path'] == '/'
    assert stored['domain'] == 'shop.xng.test' and stored['value'] == str(today())


# -------------------------------------------------------------------------------- 5: cookieDomain

@pytest.mark.parametrize('bad', BAD_DOMAINS)
def test_a_bad_cookie_domain_fails_init_with_one_warning_and_the_opt_out_holds(context, page, base_url, bad):
    shop = at(base_url, 'shop.xng.test')
    ok = load(context, page, shop + PAGE, None)
    ok = page.evaluate("d => xng.init({endpoint: '/api/batch', pollInterval: 0, cookieDomain: d})", bad)
    assert ok is False
    assert len(xng_warnings(page)) == 1 and 'cookieDomain' in xng_warnings(page)[0]
    page.evaluate('xng.optOutTracking()')
    assert [(c['domain'], c['path']) for c in context.cookies() if c['name'] == NAME] == [('shop.xng.test', '/')]
    load(context, page, shop + PAGE, "xng.init({endpoint: '/api/batch', pollInterval: 0})")
    assert page.evaluate('xng.isTrackingOptOut()') is True  # it did not vanish at reload


@pytest.mark.parametrize('bad', BAD_DOMAINS)
def test_the_stub_ignores_a_bad_cookie_domain(context, page, base_url, bad):
    shop = at(base_url, 'shop.xng.test')
    context.route('**/xng.min.js', lambda route: route.abort())
    serve(context, shop + PAGE, page_html())
    page.goto(shop + PAGE)
    page.evaluate("d => { xng.init({endpoint: '/api/batch', cookieDomain: d}); xng.optOutTracking() }", bad)
    assert [(c['domain'], c['path']) for c in context.cookies() if c['name'] == NAME] == [('shop.xng.test', '/')]
    context.unroute('**/xng.min.js')
    load(context, page, shop + PAGE, "xng.init({endpoint: '/api/batch', pollInterval: 0})")
    assert page.evaluate('xng.isTrackingOptOut()') is True


@pytest.mark.parametrize('stub', [True, False])
def test_a_good_cookie_domain_is_used(context, page, base_url, stub):
    shop = at(base_url, 'shop.xng.test')
    if stub:
        context.route('**/xng.min.js', lambda route: route.abort())
        serve(context, shop + PAGE, page_html())
        page.goto(shop + PAGE)
        page.evaluate("xng.init({endpoint: '/api/batch', cookieDomain: 'xng.test'}); xng.optOutTracking()")
    else:
        assert load(context, page, shop + PAGE, "xng.init({endpoint: '/api/batch', cookieDomain: 'xng.test'})") is True
        page.evaluate('xng.optOutTracking()')
        assert xng_warnings(page) == []
    assert [c['domain'] for c in context.cookies() if c['name'] == NAME] == ['.xng.test']


# -------------------------------------------------------------------------------- 6: once a day

def renewal_route(context, answered):
    """The site's opt-out route as issue 12 has it: Set-Cookie renews the cookie with today's day in the value."""
    def handle(route):
        answered.append(route.request)
        created = json.loads(route.request.post_data)['created']
        value = '%d.%d' % (created, today())
        route.fulfill(status=200, content_type='application/json', body='{"optedOut": true}', headers={
            'Set-Cookie': '%s=%s; Max-Age=%d; Path=/; SameSite=Lax' % (NAME, value, 730 * 86400 - 3600)})
    context.route('**/api/opt-out', handle)


@pytest.mark.parametrize('server_up', [True, False])
def test_server_renewal_at_most_once_a_day(context, page, base_url, log, server_up):
    """Two page loads the same day send one renewal request: its day is kept in the cookie's own value.

    When the server cannot be reached, the script renews it and writes today's day all the same.
    """
    created = today() - 100 * DAY_MS
    context.add_cookies([{'name': NAME, 'value': str(created + 12345), 'url': base_url, 'expires': time.time() + 3600}])
    answered = []
    if server_up:
        renewal_route(context, answered)
    else:
        context.route('**/api/opt-out', lambda route: answered.append(route.request) or route.abort())
    init = "xng.init({endpoint: '/api/batch', serverOptOut: true, pollInterval: 0})"
    load(context, page, base_url + PAGE, init)
    wait_until(lambda: page.evaluate('1') and cookie(context, NAME)['value'] == '%d.%d' % (created, today()),
               'the renewal with today in the value')
    assert json.loads(answered[0].post_data) == {'domain': None, 'created': created, 'optOutByDefault': False}
    assert opt_out_cookie_days(context) > 300
    load(context, page, base_url + PAGE, init)
    load(context, page, base_url + PAGE, init)
    settle(page)
    assert len(answered) == 1 and len(consent_requests(log)) == 1
    assert page.evaluate('1') and cookie(context, NAME)['value'] == '%d.%d' % (created, today())


def test_without_server_opt_out_nothing_is_asked_and_the_value_stays_the_day(context, page, base_url, log):
    created = today() - 100 * DAY_MS
    context.add_cookies([{'name': NAME, 'value': str(created + 12345), 'url': base_url, 'expires': time.time() + 3600}])
    load(context, page, base_url + PAGE, "xng.init({endpoint: '/api/batch', pollInterval: 0})")
    assert cookie(context, NAME)['value'] == str(created) and opt_out_cookie_days(context) > 300
    settle(page)
    assert consent_requests(log) == []
