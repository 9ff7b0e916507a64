"""Rules of the opt-out promise that only the shipped bundle can prove, each killing a mutant of
tests/mutants/ (`make mutate`): the transport's own gate, the stub's cookie and signal rules, the
host-only variant, the poll timer, another tab's opt-out (and its deleted queue), the display's own
gate, a consent manager's cookie, Retry-After as a date. Timers run on the page's fake clock where a test needs them to have (or not have) fired.
"""
import time
from email.utils import formatdate
from urllib.parse import urlsplit

from support import cookie, page_html, serve, settle, wait_until
from test_channels import EXIT_LISTENER_COUNTER, RENDER_RECORDER

NAME = 'xng.tracking-opt-out'
PAGE = '/t/promise.html'
INIT = "xng.init({endpoint: '/api/batch', pollInterval: 0})"
START_MS = 1767225600000  # the fake clock's time: 2026-01-01 00:00 UTC
GPC_ON = "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true, configurable: true})"
# Page code that writes the opt-out cookie right after the next read of document.cookie, in the same task:
# window.__afterNextRead = () => {...}. The read itself still sees the cookie as it was.
AFTER_NEXT_READ = """
window.__afterNextRead = null;
(() => {
    const descriptor = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
    Object.defineProperty(Document.prototype, 'cookie', {
        configurable: true,
        get() {
            const value = descriptor.get.call(this), then = window.__afterNextRead;
            if (then) { window.__afterNextRead = null; then(); }
            return value;
        },
        set(value) { descriptor.set.call(this, value); },
    });
})();
"""
# Every delay given to setTimeout or setInterval, in order.
TIMER_DELAYS = """
window.__delays = [];
for (const name of ['setTimeout', 'setInterval']) {
    const original = window[name];
    window[name] = function (callback, delay) { window.__delays.push(delay); return original.apply(this, arguments); };
}
"""


def host_url(base_url, host):
    return 'http://%s:%d' % (host, urlsplit(base_url).port)


def open_page(context, page, url, init=INIT, html=None):
    serve(context, url, html or page_html())
    page.goto(url)
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    if init:
        page.evaluate(init)


def open_stub_only(context, page, url):
    """The loader stub without the library (it never loads, or loads when the test adds it)."""
    serve(context, url, page_html(library=None))
    page.goto(url)
    page.wait_for_function('() => window.xng && Array.isArray(window.xng.q)')


def stop_the_clock(page):
    """Timers run only when the test advances the page's clock (page.clock.run_for)."""
    page.clock.install(time=START_MS / 1000 - 60)  # Playwright for Python takes epoch seconds
    page.clock.pause_at(START_MS / 1000)  # ahead of the installed time, however slowly this machine gets there


def batch_requests(page, log):
    page.evaluate('0')  # the sync API delivers request events during a call
    return log.to('/api/batch')


# --- the one gate ------------------------------------------------------------------------------

def test_a_cookie_set_between_the_queue_check_and_the_send_stops_it(context, page, base_url, collector, log):
    """The queue checks the cookie before it hands a batch over; the transport checks it again as the
    request would leave. A cookie written in between (page code, another tab) must stop that request."""
    context.add_init_script(AFTER_NEXT_READ)
    stop_the_clock(page)  # the batch waits for flush(), not for the 1 s timer
    open_page(context, page, base_url + PAGE)
    page.evaluate("xng.track('Held')")
    assert page.evaluate("document.cookie.includes('xng.anonymous-id')")  # the event was built and queued
    page.evaluate("""() => {
        window.__afterNextRead = () => { document.cookie = 'xng.tracking-opt-out=page-code; Path=/'; };
        return xng.flush();  // its first cookie read is the queue's check; the page writes the cookie after it
    }""")
    assert page.evaluate('window.__afterNextRead') is None and cookie(context, NAME)['value'] == 'page-code'
    assert batch_requests(page, log) == []
    # The refused batch is dropped, not kept for later: opting in again sends only what comes after.
    page.evaluate("xng.optInTracking(); xng.track('After'); xng.flush()")
    collector.wait_for(['After'])
    assert log.sent_names() == ['After']


# --- the cookie ----------------------------------------------------------------------------------

def test_values_the_sdk_did_not_write_are_left_alone(context, page, base_url, collector, log):
    """Page code's '1', and values that only start like a creation time (a consent manager's): no renewal,
    no deletion as too old."""
    for value in ['1', '1500000000000-cmp', '1500000000000-c', '1764460800000x']:
        expires = time.time() + 3600
        context.add_cookies([{'name': NAME, 'value': value, 'url': base_url, 'expires': expires}])
        open_page(context, page, base_url + PAGE)
        kept = cookie(context, NAME)
        assert kept is not None and kept['value'] == value and abs(kept['expires'] - expires) < 2, value
        assert page.evaluate('xng.isTrackingOptOut()') is True
        page.evaluate("xng.track('Should Not Leave')")
        settle(page)
    assert log.to('/api/batch') == [] and collector.events() == []


def test_opt_in_deletes_the_host_only_and_the_domain_cookie(context, page, base_url, collector):
    """A host-only opt-out (page code, an older setup, a server) and the SDK's Domain one: opting in removes both."""
    www = host_url(base_url, 'www.xng.test')
    open_page(context, page, www + PAGE, "xng.init({endpoint: '/api/batch', pollInterval: 0, cookieDomain: 'xng.test'})")
    page.evaluate('xng.optOutTracking()')
    context.add_cookies([{'name': NAME, 'value': 'host-only', 'url': www, 'expires': time.time() + 3600}])
    assert sorted(c['domain'] for c in context.cookies() if c['name'] == NAME) == ['.xng.test', 'www.xng.test']
    page.evaluate('xng.optInTracking()')
    assert [c for c in context.cookies() if c['name'] == NAME] == []
    assert page.evaluate('xng.isTrackingOptOut()') is False
    page.evaluate("xng.track('Opted In'); xng.flush()")
    collector.wait_for(['Opted In'])


# --- the loader stub -------------------------------------------------------------------------------

def test_the_stub_ignores_gpc_unless_asked(context, page, base_url, collector, log):
    """Global Privacy Control is on in this browser; the site did not ask to respect it: calls are kept."""
    context.add_init_script(GPC_ON)
    open_stub_only(context, page, base_url + PAGE)
    assert page.evaluate('navigator.globalPrivacyControl') is True
    page.evaluate("xng.init({endpoint: '/api/batch', pollInterval: 0}); xng.track('Queued In Stub')")
    assert page.evaluate('xng.isTrackingOptOut()') is False
    assert page.evaluate('xng.q.map(call => call[0])') == ['init', 'track']
    page.evaluate("url => { const s = document.createElement('script'); s.src = url; document.head.append(s) }",
                  '/xng.min.js')
    page.wait_for_function('() => window.xng.loaded === true')
    page.evaluate('xng.flush()')
    collector.wait_for(['Queued In Stub'])
    # Asked to, the stub respects it (a fresh page: the first init's options are the ones the stub reads).
    open_stub_only(context, page, base_url + PAGE)
    page.evaluate("xng.init({endpoint: '/api/batch', pollInterval: 0, respectGlobalPrivacyControl: true})")
    assert page.evaluate('xng.isTrackingOptOut()') is True


def test_the_stubs_opt_in_deletes_the_domain_cookie(context, page, base_url):
    context.route('**/xng.min.js', lambda route: route.abort())  # only the stub acts
    www = host_url(base_url, 'www.xng.test')
    open_stub_only(context, page, www + PAGE)
    page.evaluate("xng.init({endpoint: '/api/batch', cookieDomain: 'xng.test'}); xng.optOutTracking()")
    assert [c['domain'] for c in context.cookies() if c['name'] == NAME] == ['.xng.test']
    page.evaluate('xng.optInTracking()')
    assert [c for c in context.cookies() if c['name'] == NAME] == []
    assert page.evaluate('xng.isTrackingOptOut()') is False


# --- another tab ---------------------------------------------------------------------------------

def test_a_queue_another_tab_deleted_stays_dropped_after_an_opt_out_and_in_within_one_task(context, page, base_url,
                                                                                          collector):
    """Tab B opts out and in again in one task: by the time tab A hears that its persisted queue was deleted,
    the visitor is opted in. Only an opt-out deletes another tab's queue, so A must drop what it holds."""
    open_page(context, page, base_url + PAGE)
    page.evaluate("""() => {
        window.__removed = [];  // after the SDK's own listener (added by init): it has run when this one does
        addEventListener('storage', event => { if (event.newValue === null) __removed.push(event.key); });
    }""")
    collector.faults(down=True)
    page.evaluate("() => { for (let seq = 0; seq < 3; seq++) xng.track('Held In A', {seq}); return xng.flush(); }")
    keys = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('xng.queue.'))")
    assert len(keys) == 1  # A's queue, persisted while the collector is down
    other = context.new_page()
    open_page(context, other, base_url + PAGE)
    other.evaluate('xng.optOutTracking(); xng.optInTracking()')
    page.wait_for_function('key => window.__removed.includes(key)', arg=keys[0])
    assert page.evaluate('xng.getTrackingConsent()') == 'granted'
    collector.faults(down=False)
    page.evaluate("xng.flush()")  # A's next attempt, as its retry timer would make it
    page.evaluate("() => { xng.track('Marker'); return xng.flush(); }")
    collector.wait_for(['Marker'])
    assert collector.named('Held In A') == []


# --- the channels ----------------------------------------------------------------------------------

def test_no_poll_timer_while_opted_out(context, page, base_url):
    context.add_init_script(TIMER_DELAYS)
    context.route('**/api/messages*', lambda route: route.fulfill(json={'messages': []}))
    init = "xng.init({endpoint: '/api/batch', messagesEndpoint: '/api/messages', pollInterval: 4321})"
    open_page(context, page, base_url + PAGE, init)
    assert 4321 in page.evaluate('window.__delays')  # positive control: opted in, the poll timer starts
    context.add_cookies([{'name': NAME, 'value': 'page-code', 'url': base_url}])
    out = context.new_page()
    open_page(context, out, base_url + PAGE, init)
    out.evaluate("""() => {
        document.dispatchEvent(new Event('visibilitychange'));  // visible again: would restart the timer
        xng.track('Out'); return xng.flush();
    }""")
    assert 4321 not in out.evaluate('window.__delays')


def test_an_opt_out_in_another_tab_removes_this_tabs_panel_at_once(context, page, base_url):
    """Tab A shows a panel; tab B opts out; A forgets at once (its panel goes) without any call in A."""
    context.route('**/api/messages*', lambda route: route.fulfill(
        json={'messages': [{'id': 'offer-1', 'channel': 'onsite', 'title': 'Offer', 'body': 'Body'}]}))
    init = "xng.init({endpoint: '/api/batch', messagesEndpoint: '/api/messages', pollInterval: 0})"
    open_page(context, page, base_url + PAGE, init)
    page.evaluate("xng.track('Viewed Product'); xng.flush()")
    page.locator('xng-message .panel').wait_for(state='visible')
    other = context.new_page()
    open_page(context, other, base_url + PAGE, init)
    other.evaluate('xng.optOutTracking()')
    page.locator('xng-message').wait_for(state='detached')
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('xng.'))") == []


def test_a_cookie_set_as_the_exit_intent_fires_keeps_the_message_away(context, page, base_url):
    """The exit-intent listener reads the opt-out, and the display reads it again as the message would
    show: a cookie written in between (page code on that same mouseout) must keep it off the screen."""
    context.add_init_script(EXIT_LISTENER_COUNTER)
    context.add_init_script(RENDER_RECORDER)
    context.add_init_script(AFTER_NEXT_READ)
    context.route('**/api/messages*', lambda route: route.fulfill(
        json={'messages': [{'id': 'exit-1', 'channel': 'exit-intent', 'title': 'Leaving?', 'body': 'Body'}]}))
    init = "xng.init({endpoint: '/api/batch', messagesEndpoint: '/api/messages', pollInterval: 0})"
    open_page(context, page, base_url + PAGE, init)
    page.evaluate("xng.track('Viewed Product'); xng.flush()")
    page.wait_for_function('() => window.__mouseoutListeners === 1')  # the message arrived and is held back
    page.mouse.move(300, 200)
    page.evaluate('''() => {
        window.__afterNextRead = () => { document.cookie = 'xng.tracking-opt-out=page-code; Path=/'; };
    }''')
    page.mouse.move(300, -20)  # out through the top: the listener's read, then the page's cookie
    assert page.evaluate('window.__afterNextRead') is None and cookie(context, NAME)['value'] == 'page-code'
    assert page.evaluate('window.__rendered') == 0
    assert page.evaluate("localStorage.getItem('xng.shown-messages')") is None


# --- delivery --------------------------------------------------------------------------------------

def test_retry_after_as_an_http_date_is_honoured(context, page, base_url, collector, log):
    """A 503 with Retry-After two minutes ahead, as a date: no retry after 30 s (backoff alone would have
    retried within 1 s), the retry once the date has passed."""
    stop_the_clock(page)
    retry_at = formatdate(START_MS / 1000 + 120, usegmt=True)  # the clock stands at START_MS
    answers = []

    def batch(route):
        answers.append(route.request.url)
        if len(answers) == 1:
            route.fulfill(status=503, headers={'Retry-After': retry_at}, json={'error': 'later'})
        else:
            route.continue_()
    context.route('**/api/batch', batch)
    open_page(context, page, base_url + PAGE)
    page.evaluate("xng.track('Dated'); xng.flush()")  # resolves once the 503 is in and the retry is set
    assert len(batch_requests(page, log)) == 1
    page.clock.run_for(30000)
    assert len(batch_requests(page, log)) == 1
    page.clock.run_for(91000)  # past the date (the retry's own 10 s timeout stays ahead)
    # Route handlers run only during a Playwright call: poll through the page.
    wait_until(lambda: page.evaluate('1') and collector.named('Dated'), 'the retry at the collector')
    assert len(batch_requests(page, log)) == 2


# --- event size ---------------------------------------------------------------------------------

def test_a_long_string_arrives_cut_at_8192_characters(context, page, base_url, collector):
    """The documented cut, measured in the shipped bundle (the unit test reads the limit from the module)."""
    open_page(context, page, base_url + PAGE)
    page.evaluate("xng.track('Long', {text: 'x'.repeat(10000), short: 'kept'}); xng.flush()")
    properties = collector.wait_for(['Long'])[0]['properties']
    assert len(properties['text']) == 8192 and properties['short'] == 'kept'
