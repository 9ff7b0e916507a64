"""The collector against another site in the visitor's own browser (issue 12, items 1 and 12).

The attacking pages live on 127.0.0.2, a different site from the collector's 127.0.0.1, and are
answered by Playwright's router; everything they send goes to the real demo collector.
"""
import json

import pytest

from support import cookie, page_html, serve, settle, wait_until

NAME = 'xng.tracking-opt-out'
PAGE = '/t/security.html'
INIT = "xng.init({endpoint: '/api/batch', pollInterval: 0})"
BODY = json.dumps({'domain': None, 'created': None, 'optOutByDefault': False})

# Auto-submitting forms, as an attacking page would post them: a top-level navigation, so SameSite=Lax
# lets the answer's Set-Cookie through. text/plain carries the JSON trick (its `=` lands in a string).
FORMS = {
    'empty': '<form method="POST" action="%s"></form>',
    'urlencoded': ('<form method="POST" action="%s"><input name="domain" value="">'
                   '<input name="optOutByDefault" value="false"></form>'),
    'text-plain-json': ('<form method="POST" enctype="text/plain" action="%s">'
                        '<input name=\'{"domain":null,"created":null,"optOutByDefault":false,"x":"\' value=\'"}\'>'
                        '</form>'),
}
SUBMIT = '<script>document.forms[0].submit()</script>'


def attacker_origin(base_url):
    return 'http://127.0.0.2:' + base_url.rsplit(':', 1)[1]


def open_page(context, page, base_url, init=INIT):
    serve(context, base_url + PAGE, page_html())
    page.goto(base_url + PAGE)
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    page.evaluate(init)


def page_view_is_not_stored(context, page, base_url, collector, log):
    open_page(context, page, base_url)
    assert page.evaluate('xng.isTrackingOptOut()') is True
    page.evaluate("xng.page(); xng.track('After The Attack')")
    settle(page)
    assert log.to('/api/batch') == [] and collector.events() == []


@pytest.mark.parametrize('form', sorted(FORMS))
def test_a_cross_site_form_cannot_clear_the_opt_out(context, page, base_url, collector, log, form):
    open_page(context, page, base_url)
    page.evaluate('xng.optOutTracking()')
    before = cookie(context, NAME)
    assert before is not None
    attack = attacker_origin(base_url) + '/attack.html'
    serve(context, attack, '<!doctype html><body>%s%s</body>' % (FORMS[form] % (base_url + '/api/opt-in'), SUBMIT),
          csp=None)
    with page.expect_response(lambda response: response.url == base_url + '/api/opt-in') as answer:
        page.goto(attack)
    response = answer.value
    assert response.request.headers.get('origin') == attacker_origin(base_url)
    assert response.status in (400, 403) and response.header_value('set-cookie') is None
    assert cookie(context, NAME) == before  # the opt-out survived
    page_view_is_not_stored(context, page, base_url, collector, log)


def test_a_cross_site_page_cannot_read_the_events(context, page, base_url, collector):
    open_page(context, page, base_url)
    page.evaluate("xng.identify('user-secret'); xng.track('Private'); xng.flush()")
    collector.wait_for(['Private'])
    attack = attacker_origin(base_url) + '/read.html'
    serve(context, attack, '<!doctype html><body>reader</body>', csp=None)
    page.goto(attack)
    outcome = page.evaluate("""url => fetch(url, {credentials: 'include'}).then(r => r.text()).then(
        text => 'read: ' + text, error => 'blocked: ' + error.name)""", base_url + '/api/events')
    assert outcome == 'blocked: TypeError'  # no CORS answer for another site, with or without credentials
    outcome = page.evaluate("""url => fetch(url).then(r => r.text()).then(
        text => 'read: ' + text, error => 'blocked: ' + error.name)""", base_url + '/api/events')
    assert outcome == 'blocked: TypeError'


def test_the_sites_own_consent_request_still_works(context, page, base_url):
    """As the SDK sends it: without a referrer (Chromium may then say `Origin: null`; Sec-Fetch-Site: same-origin)."""
    open_page(context, page, base_url)
    with page.expect_response(lambda response: response.url.endswith('/api/opt-out')) as answer:
        page.evaluate("""body => fetch('/api/opt-out', {method: 'POST', credentials: 'include', keepalive: true,
                                                       referrerPolicy: 'no-referrer', body})""", BODY)
    assert answer.value.status == 200
    stored = wait_until(lambda: cookie(context, NAME), 'the opt-out cookie from Set-Cookie')
    assert stored['secure'] is False and stored['sameSite'] == 'Lax'
    assert page.evaluate('xng.isTrackingOptOut()') is True


def test_the_sdks_server_opt_out_and_opt_in_go_through(context, page, base_url, collector):
    """xng.optOutTracking() with serverOptOut: the consent request of the brief, accepted by the collector.

    Needs the SDK's consent request ({"domain", "created", "optOutByDefault"}, from the hardening branch).
    """
    open_page(context, page, base_url, "xng.init({endpoint: '/api/batch', pollInterval: 0, serverOptOut: true})")
    with page.expect_response(lambda response: response.url.endswith('/api/opt-out')) as answer:
        page.evaluate('xng.optOutTracking()')
    assert answer.value.status == 200 and NAME + '=' in answer.value.header_value('set-cookie')
    with page.expect_response(lambda response: response.url.endswith('/api/opt-in')) as answer:
        page.evaluate('xng.optInTracking()')
    assert answer.value.status == 200
    wait_until(lambda: cookie(context, NAME) is None, 'the opt-in Set-Cookie to delete the cookie')
    page.evaluate("xng.track('After Opt In'); xng.flush()")
    collector.wait_for(['After Opt In'])


def test_only_the_demos_own_events_page_clears_the_events(context, page, base_url, collector):
    open_page(context, page, base_url)
    page.evaluate("xng.track('Kept'); xng.flush()")
    collector.wait_for(['Kept'])
    serve(context, attacker_origin(base_url) + '/clear.html', '<!doctype html><body>x</body>', csp=None)
    page.goto(attacker_origin(base_url) + '/clear.html')
    outcome = page.evaluate("""url => fetch(url, {method: 'DELETE'}).then(r => 'status ' + r.status,
        error => 'blocked: ' + error.name)""", base_url + '/api/events')
    assert outcome == 'blocked: TypeError'  # the preflight gets no CORS answer
    # (/api/reset is on here, for the fixtures; without --test-routes it does not exist: test_collector.py)
    assert [e['event'] for e in collector.events()] == ['Kept']
    page.goto(base_url + '/events.html')
    with page.expect_response(lambda response: response.url == base_url + '/api/events'
                              and response.request.method == 'DELETE') as answer:
        page.click('#clear-events')
    assert answer.value.status == 200
    assert collector.events() == []
