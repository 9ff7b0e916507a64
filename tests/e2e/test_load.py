"""Load cost: loading a classic build does no work that can wait for init (issue 13).

An init script wraps, before any script runs, what xng could do at load: adding an event listener,
setTimeout/setInterval/requestIdleCallback, reading document.cookie and making a TextEncoder. The page
loads the loader stub, then the library and nothing else. What the library did while its script ran
(document.currentScript is the library's) must be nothing. After init, the same log
must show the deferred work (the page-exit listeners, the cookie read, the encoder of the first
event): otherwise the zeros would only say that the instruments missed xng.
"""
from pathlib import Path

import pytest

from support import serve

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / 'build'
PAGE = '/t/load.html'

INSTRUMENTS = """
(() => {
    // __atLoad: what a script of /t/ did while it ran (Playwright's own injected listeners are not in it)
    const log = window.__loadLog = [], atLoad = window.__atLoad = [];
    const note = (what, detail) => {
        const entry = what + (detail === undefined ? '' : ' ' + detail), script = document.currentScript;
        log.push(entry);
        if (script && script.src.includes('/t/')) atLoad.push(entry);
    };
    const add = EventTarget.prototype.addEventListener;
    EventTarget.prototype.addEventListener = function (type, ...rest) {
        note('listener', type);
        return add.call(this, type, ...rest);
    };
    for (const name of ['setTimeout', 'setInterval', 'requestIdleCallback']) {
        const original = window[name];
        if (original) window[name] = function (...args) { note(name); return original.apply(this, args); };
    }
    const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
    Object.defineProperty(Document.prototype, 'cookie', {
        configurable: true,
        get() { note('cookie read'); return cookie.get.call(this); },
        set(value) { note('cookie write'); cookie.set.call(this, value); },
    });
    const key = Storage.prototype.key;  // how the claim of closed tabs' queues lists the keys
    Storage.prototype.key = function (index) { note('storage scan'); return key.call(this, index); };
    const Encoder = window.TextEncoder, encode = Encoder.prototype.encode;
    window.TextEncoder = function () { note('TextEncoder'); return new Encoder(); };
    window.__encoded = 0;  // how many texts were measured in UTF-8
    Encoder.prototype.encode = function (text) { window.__encoded++; return encode.call(this, text); };
})();
"""


def open_loaded(context, page, base_url, build):
    context.add_init_script(INSTRUMENTS)
    context.route(base_url + '/t/' + build,
                  lambda route: route.fulfill(status=200, content_type='text/javascript', body=(BUILD / build).read_text()))
    serve(context, base_url + PAGE, '<!doctype html><title>load</title><script src="/snippet.js"></script>'
          '<script src="/t/%s"></script>' % build)
    page.goto(base_url + PAGE)
    page.wait_for_function('() => window.xng && window.xng.loaded === true')


def at_load(page):
    return page.evaluate('() => window.__atLoad')


def since_load(page):
    return page.evaluate('() => window.__loadLog')


@pytest.mark.parametrize('build', ['xng.min.js', 'xng.core.min.js'])
def test_loading_a_classic_build_adds_no_listener_timer_cookie_read_or_encoder(context, page, base_url, collector, build):
    open_loaded(context, page, base_url, build)
    assert at_load(page) == []
    # The control: the same instruments see the work once init asks for it.
    page.evaluate("xng.init({endpoint: '/api/batch', pollInterval: 0}); xng.track('Load Event')")
    collector.wait_for(['Load Event'])
    seen = since_load(page)
    assert 'listener pagehide' in seen and 'listener visibilitychange' in seen
    assert 'cookie read' in seen and 'TextEncoder' in seen and 'setTimeout' in seen


def test_an_opted_out_visitor_gets_no_timer_idle_callback_or_encoder_from_init_and_calls(context, page, base_url, collector):
    context.add_cookies([{'name': 'xng.tracking-opt-out', 'value': '1764460800000', 'url': base_url}])
    open_loaded(context, page, base_url, 'xng.min.js')
    page.evaluate("xng.init({endpoint: '/api/batch', messagesEndpoint: '/api/messages'}); xng.track('Never')")
    page.evaluate('() => new Promise((done) => queueMicrotask(done))')  # the drain, if there were one
    seen = since_load(page)
    assert [entry for entry in seen if entry.startswith(('setTimeout', 'setInterval', 'requestIdleCallback'))] == []
    assert 'TextEncoder' not in seen
    assert collector.events() == []



def test_the_claim_of_closed_tabs_queues_waits_for_idle_time_after_init(context, page, base_url, collector):
    """init() takes this tab's own Web Lock at once, but reads storage for the queues closed tabs left
    only in idle time (issue 13); then it sends them."""
    open_loaded(context, page, base_url, 'xng.min.js')
    page.evaluate("""localStorage.setItem('xng.queue.1.closed', JSON.stringify({savedAt: 0, events: [
        {type: 'track', event: 'Left By A Closed Tab', messageId: 'closed-tab-1', properties: {},
         anonymousId: 'a', timestamp: new Date().toISOString(), context: {}}]}))""")
    during = page.evaluate("() => { xng.init({endpoint: '/api/batch', pollInterval: 0}); return window.__loadLog.slice(); }")
    assert 'requestIdleCallback' in during and 'storage scan' not in during  # scheduled by init, not run in it
    page.wait_for_function("() => window.__loadLog.includes('storage scan')")  # then it runs
    page.wait_for_function("() => localStorage.getItem('xng.queue.1.closed') === null")  # and takes the queue
    collector.wait_for(['Left By A Closed Tab'])


# A page's first Intl.DateTimeFormat loads ICU's date data: 30 to 90 ms of main thread here. The event's
# timezone is the same IANA name from Temporal.Now.timeZoneId() (0.03 ms) where the browser has it.
COUNT_DATE_FORMATS = """
(() => {
    window.__dateFormats = 0;
    const Original = Intl.DateTimeFormat;
    Intl.DateTimeFormat = function (...args) { window.__dateFormats++; return new Original(...args); };
    Intl.DateTimeFormat.prototype = Original.prototype;
})();
"""


@pytest.fixture
def zoned_context(browser):
    context = browser.new_context(timezone_id='Asia/Kathmandu')  # not this machine's UTC: the name is read, not assumed
    context.set_default_timeout(10000)
    yield context
    context.close()


@pytest.mark.parametrize('has_temporal', [True, False])
def test_the_first_events_timezone_comes_from_temporal_without_intl_where_there_is_one(zoned_context, base_url, collector, has_temporal):
    zoned_context.add_init_script(COUNT_DATE_FORMATS + ('' if has_temporal else 'delete window.Temporal;'))
    page = zoned_context.new_page()
    open_loaded(zoned_context, page, base_url, 'xng.core.min.js')
    page.evaluate("xng.init({endpoint: '/api/batch'}); xng.track('Zoned', {n: 1}); xng.track('Zoned Again')")
    events = collector.wait_for(['Zoned', 'Zoned Again'])
    # Without Temporal (Safari today), Intl answers, once for the page.
    assert page.evaluate('window.__dateFormats') == (0 if has_temporal else 1)
    # The name analytics-next sends (Intl's: this Chromium says Asia/Katmandu, ICU's name, either way).
    intl = page.evaluate('Intl.DateTimeFormat().resolvedOptions().timeZone')
    assert intl in ('Asia/Kathmandu', 'Asia/Katmandu')
    assert [event['context']['timezone'] for event in events] == [intl, intl]


def test_each_event_is_measured_once(context, page, base_url, collector):
    """events.fit measures an event against the 32 KB cap and the queue takes that size for its bounds
    (issue 13): one UTF-8 measure per event, not one per check."""
    open_loaded(context, page, base_url, 'xng.core.min.js')
    page.evaluate("xng.init({endpoint: '/api/batch'}); xng.track('Measured', {n: 1}); xng.page(); xng.track('Measured Too')")
    collector.wait_for(['Measured', 'Measured Too'])
    assert page.evaluate('window.__encoded') == 3
