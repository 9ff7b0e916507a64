"""Issue 12, items 8 to 11: a guest on a hostile page.

Frozen or patched built-ins, a global name already taken, stub methods taken before the library
loaded, and arguments so large that merely describing them in a warning used to block the page.
"""
import json

import pytest

from support import cookie, page_html, serve, settle, wait_until

PAGE = '/t/guest.html'
NAME = 'xng.tracking-opt-out'
TRICKY = {'constructor': 'c', 'toString': 't', 'valueOf': 'v', 'hasOwnProperty': 'h', '__proto__': 'p', 'plain': 1}
HOSTILE = {
    'frozen Array.prototype': 'Object.freeze(Array.prototype)',
    'frozen String.prototype': 'Object.freeze(String.prototype)',
    'frozen Object.prototype': 'Object.freeze(Object.prototype)',
    'all three frozen': 'Object.freeze(Array.prototype); Object.freeze(String.prototype); Object.freeze(Object.prototype)',
    "MooTools' Array.prototype.append": ('Array.prototype.append = function (items) {'
                                         ' this.push.apply(this, items); return this; }'),
}
HOSTILE["MooTools' Array.prototype.append, after xng loaded"] = HOSTILE["MooTools' Array.prototype.append"]


def hold_library(context):
    held = []
    context.route('**/xng.min.js', lambda route: held.append(route))

    def release():
        wait_until(lambda: held, 'the page to ask for the library')
        held[0].continue_()
    return release


def open_page(context, page, base_url, html, wait_loaded=True):
    serve(context, base_url + PAGE, html)
    page.goto(base_url + PAGE, wait_until='load' if wait_loaded else 'domcontentloaded')  # a held async script holds load
    if wait_loaded:
        page.wait_for_function('() => window.xng && window.xng.loaded === true')


def xng_warnings(page):
    return [text for text in page.warnings if text.startswith('[xng]')]


# -------------------------------------------------------------------------------- 8: frozen and patched built-ins

@pytest.mark.parametrize('stub', [True, False])
@pytest.mark.parametrize('hostile', list(HOSTILE))
def test_xng_loads_and_sends_on_a_page_with_frozen_or_patched_built_ins(context, page, base_url, collector,
                                                                          hostile, stub):
    after_load = hostile.endswith('after xng loaded')
    if not after_load:
        context.add_init_script(HOSTILE[hostile])
    open_page(context, page, base_url, page_html(stub=stub, library='async' if stub else 'plain'))
    if after_load:  # MooTools loaded later than xng replaces whatever was there
        page.evaluate(HOSTILE[hostile] + '; undefined')  # not the function: evaluate would call it
    page.evaluate("""tricky => {  // JSON.parse defines keys: even '__proto__' becomes an own data property
        xng.init({endpoint: '/api/batch', pollInterval: 0});
        const properties = JSON.parse(tricky);
        xng.page(properties);
        xng.track('On A Hostile Page', properties);
        xng.identify('guest-1', properties);
        return xng.flush();
    }""", json.dumps(TRICKY))
    events = collector.wait_for([None, 'On A Hostile Page'])  # None: the page event has no event name
    assert [e['type'] for e in events] == ['page', 'track', 'identify']
    for event in events:
        kept = event['traits'] if event['type'] == 'identify' else event['properties']
        assert {k: kept.get(k) for k in TRICKY} == TRICKY, (hostile, kept)
    assert events[2]['userId'] == 'guest-1'
    assert page.errors == [] and xng_warnings(page) == []
    page.evaluate('xng.optOutTracking()')
    assert cookie(context, NAME) is not None and cookie(context, 'xng.anonymous-id') is None


# -------------------------------------------------------------------------------- 9: global name clashes

NAMED_ELEMENT = ('<!doctype html><html><head><meta charset="utf-8"><title>named</title></head><body>'
                 '<div id="xng">a page element named xng</div>%s</body></html>')


@pytest.mark.parametrize('stub', [True, False])
def test_a_named_element_does_not_stop_xng(context, page, base_url, collector, log, stub):
    """<div id="xng"> makes window.xng the element by named access: it is no real global, install over it."""
    scripts = '<script src="/snippet.js"></script><script async src="/xng.min.js"></script>' if stub else \
        '<script src="/xng.min.js"></script>'
    release = hold_library(context) if stub else None
    open_page(context, page, base_url, NAMED_ELEMENT % scripts, wait_loaded=not stub)
    if stub:
        page.wait_for_function('() => window.xng && Array.isArray(window.xng.q)')
        # An opt-out clicked before the library arrives holds.
        page.evaluate("xng.init({endpoint: '/api/batch', pollInterval: 0}); xng.track('Before'); xng.optOutTracking()")
        assert cookie(context, NAME) is not None
        release()
        page.wait_for_function('() => window.xng.loaded === true')
        assert page.evaluate('xng.isTrackingOptOut()') is True
        page.evaluate('xng.optInTracking()')
    else:
        assert page.evaluate("xng.init({endpoint: '/api/batch', pollInterval: 0})") is True
    page.evaluate("xng.track('Over A Named Element'); xng.flush()")
    collector.wait_for(['Over A Named Element'])
    assert 'Before' not in log.sent_names()
    assert page.evaluate("document.getElementById('xng').textContent") == 'a page element named xng'
    assert page.errors == [] and xng_warnings(page) == []


@pytest.mark.parametrize('stub', [True, False])
def test_a_foreign_window_xng_is_left_alone_with_one_warning(context, page, base_url, log, stub):
    html = page_html(stub=stub, library='plain').replace('<title>', '<script>window.xng = {foo: 1}</script><title>')
    serve(context, base_url + PAGE, html, csp=None)  # the other library's inline script
    page.goto(base_url + PAGE)
    page.wait_for_function("() => performance.getEntriesByType('resource').some(e => e.name.endsWith('/xng.min.js'))")
    assert page.evaluate('JSON.stringify(window.xng)') == '{"foo":1}'
    warnings = xng_warnings(page)
    assert len(warnings) == 1 and 'another script' in warnings[0], warnings
    assert page.errors == []
    settle(page)
    assert [r.url for r in log.requests if '/api/' in r.url] == []


# -------------------------------------------------------------------------------- 10: captured stub methods

def test_stub_methods_taken_before_the_load_act_as_the_librarys(context, page, base_url, collector):
    release = hold_library(context)
    open_page(context, page, base_url, page_html(), wait_loaded=False)
    page.wait_for_function('() => window.xng && Array.isArray(window.xng.q)')
    page.evaluate("""() => {
        window.captured = {out: xng.optOutTracking, track: xng.track, identify: xng.identify, flush: xng.flush,
                           optedOut: xng.isTrackingOptOut};
        xng.init({endpoint: '/api/batch', pollInterval: 0});
    }""")
    release()
    page.wait_for_function('() => window.xng.loaded === true')
    # Not awaited: the stub's own flush() Promise would never settle if it stayed the stub's (the wait below fails instead).
    page.evaluate("captured.identify('captured-user'); captured.track('Captured Track'); void captured.flush()")
    events = collector.wait_for(['Captured Track'])
    assert events[-1]['userId'] == 'captured-user'
    assert cookie(context, 'xng.anonymous-id') is not None and page.evaluate("localStorage.getItem('xng.user-id')")
    page.evaluate('captured.out()')
    assert page.evaluate('captured.optedOut()') is True
    assert cookie(context, 'xng.anonymous-id') is None  # the library's opt-out, not the stub's cookie write alone
    assert page.evaluate("localStorage.getItem('xng.user-id')") is None


# -------------------------------------------------------------------------------- 11: bounded work

HUGE = {
    'track properties': "xng.track('X', a)",
    'page properties': 'xng.page(a)',
    'identify traits': "xng.identify('u', a)",
    'setTrackingOptOut': 'xng.setTrackingOptOut(a)',
    'init': 'xng.init(a)',
    'nested in properties': "xng.track('X', {a: a, b: [a, a]})",
}


@pytest.mark.parametrize('call', list(HUGE))
def test_a_huge_argument_costs_no_more_than_building_it(context, page, base_url, call):
    """A guard against work that grows with the input (not a speed figure): 200 ms over building it."""
    open_page(context, page, base_url, page_html())
    page.evaluate("xng.init({endpoint: '/api/batch', pollInterval: 0})")
    build, cost = page.evaluate("""async () => {
        const t0 = performance.now();
        const a = new Array(5000000);
        const t1 = performance.now();
        %s;
        await new Promise(resolve => setTimeout(resolve, 0));  // the drain (a microtask) has run; not the network
        return [t1 - t0, performance.now() - t1];
    }""" % HUGE[call])
    assert cost < build + 200, (call, build, cost)
    assert page.errors == []
