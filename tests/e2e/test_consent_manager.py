"""The consent-manager demo page (issue 11 item 2): the real vanilla-cookieconsent from npm, served by the demo
server, its "analytics" category driving xng in optOutByDefault mode."""
from support import cookie, settle, wait_until

OUT = 'xng.tracking-opt-out'
IN = 'xng.tracking-opt-in'
# Chromium under Playwright says navigator.webdriver; the manager hides its banner from such bots by default.
NOT_A_BOT = "Object.defineProperty(Navigator.prototype, 'webdriver', {get: () => false})"
BANNER_UP = "document.documentElement.classList.contains('show--consent')"


def open_consent_page(context, page, base_url):
    context.add_init_script(NOT_A_BOT)
    page.goto(base_url + '/consent.html')
    page.wait_for_function('() => window.xng && xng.loaded === true && window.CookieConsent')


def reload(page):
    page.reload()
    page.wait_for_function('() => window.xng && xng.loaded === true && window.CookieConsent')


def sent(log):
    return [r for r in log.requests if '/api/batch' in r.url or '/api/opt-' in r.url]


def xng_cookies(context):
    return sorted(c['name'] for c in context.cookies() if c['name'].startswith('xng.'))


def landing_views(collector):
    return [e for e in collector.events() if e['type'] == 'page' and e['context']['page']['path'] == '/consent.html']


def test_the_banner_is_up_and_nothing_is_sent_or_written(context, page, base_url, collector, log):
    open_consent_page(context, page, base_url)
    page.wait_for_function(BANNER_UP)
    page.click('#consent-track')
    assert page.evaluate('xng.getTrackingConsent()') == 'pending'
    assert xng_cookies(context) == []
    assert page.evaluate("Object.keys(localStorage).concat(Object.keys(sessionStorage)).filter(k => k.startsWith('xng.'))") == []
    settle(page)
    assert sent(log) == [] and collector.events() == []


def test_accept_sends_the_held_landing_page_view_and_later_events(context, page, base_url, collector, log):
    open_consent_page(context, page, base_url)
    page.click('#cc-main [data-role="all"]')
    views = wait_until(lambda: landing_views(collector), 'the held landing page view')
    assert len(views) == 1 and xng_cookies(context) == ['xng.anonymous-id', IN]
    page.click('#consent-track')
    page.evaluate('xng.flush()')
    events = collector.wait_for(['Clicked Demo Button'])
    assert [e.get('event') or e['type'] for e in events] == ['page', 'Clicked Demo Button']
    assert page.evaluate('xng.getTrackingConsent()') == 'granted'
    # A reload keeps the decision: no banner, and this page view goes at once.
    reload(page)
    page.evaluate('xng.flush()')
    wait_until(lambda: len(landing_views(collector)) == 2, 'the second page view')
    assert page.evaluate(BANNER_UP) is False and page.evaluate('xng.getTrackingConsent()') == 'granted'


def test_reject_writes_the_opt_out_and_sends_nothing(context, page, base_url, collector, log):
    open_consent_page(context, page, base_url)
    page.click('#cc-main [data-role="necessary"]')
    wait_until(lambda: page.evaluate('1') and cookie(context, OUT), 'the opt-out cookie')
    page.click('#consent-track')
    assert page.evaluate('xng.getTrackingConsent()') == 'denied' and xng_cookies(context) == [OUT]
    reload(page)
    page.click('#consent-track')
    assert page.evaluate(BANNER_UP) is False and page.evaluate('xng.getTrackingConsent()') == 'denied'
    settle(page)
    assert [r.url for r in log.requests if '/api/batch' in r.url] == [] and collector.events() == []


def test_the_managers_reset_brings_back_pending(context, page, base_url, collector, log):
    open_consent_page(context, page, base_url)
    page.click('#cc-main [data-role="all"]')
    wait_until(lambda: landing_views(collector), 'the held landing page view')
    page.click('#consent-reset')  # CookieConsent.reset(true), then run() again
    page.wait_for_function(BANNER_UP)
    assert page.evaluate('xng.getTrackingConsent()') == 'pending'
    assert IN not in xng_cookies(context) and OUT not in xng_cookies(context)
    before = len(log.to('/api/batch'))
    page.click('#consent-track')
    page.evaluate('xng.flush()')
    # Pending again: the click is held, not sent; a reload shows the banner again.
    reload(page)
    page.wait_for_function(BANNER_UP)
    assert page.evaluate('xng.getTrackingConsent()') == 'pending'
    settle(page)
    assert len(log.to('/api/batch')) == before
    assert [e.get('event') or e['type'] for e in collector.events()] == ['page']
