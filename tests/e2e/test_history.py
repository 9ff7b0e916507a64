"""Page views for single-page apps: init({trackPageViews: 'history'}), with the Navigation API and without it.

A small router page navigates with pushState, replaceState, a hash link and Back; each page view
must follow a change of path or query, never a hash-only change nor a replaceState to the same URL,
and carry the app's previous URL as its referrer. Without the Navigation API (deleted by an init
script, as in browsers that lack it) xng wraps history.pushState/replaceState: the wrap must be
invisible to the page.
"""
import pytest

from support import page_html, serve, wait_until

APP = '/app/home'
NO_NAVIGATION_API = 'delete window.navigation; delete Window.prototype.navigation;'
ROUTER = """<nav><a id="details" href="#details">details</a></nav>
<script src="/router.js"></script>"""


@pytest.fixture
def router_js(context):
    """The app's router: page code that calls pushState / replaceState as routers do (served under the strict CSP)."""
    source = """window.go = (path) => { history.pushState({path}, '', path); document.title = 'View ' + path; };
                window.swap = (path) => history.replaceState(history.state, '', path);"""
    context.route('**/router.js', lambda route: route.fulfill(status=200, content_type='text/javascript', body=source))


def open_app(context, page, base_url, options="trackPageViews: 'history'", init_script=None):
    if init_script:
        context.add_init_script(init_script)
    serve(context, base_url + APP, page_html(title='Home', body=ROUTER))
    page.goto(base_url + APP, referer=base_url + '/landing.html')
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    page.evaluate("xng.init({endpoint: '/api/batch', pollInterval: 0, %s})" % options)


def page_views(page, log):
    page.evaluate('xng.flush()')
    return [event for body in log.batches() for event in body['batch'] if event['type'] == 'page']


def navigate_like_an_app(page, base_url):
    """home -> /app/list -> /app/list?page=2 -> the same URL again (replaceState) -> #details -> Back -> Back."""
    page.evaluate("go('/app/list')")
    page.evaluate("go('/app/list?page=2')")
    page.evaluate("swap('/app/list?page=2')")  # the same URL: no page view
    page.click('#details')  # hash only: no page view
    page.wait_for_function("location.hash == '#details'")
    page.go_back()  # back to /app/list?page=2, hash-only again
    page.wait_for_function("location.hash == ''")
    page.go_back()  # back to /app/list: a page view
    page.wait_for_function("location.search == ''")


def check_views(views, base_url):
    assert [(view['properties']['path'], view['properties']['search']) for view in views] == [
        (APP, ''), ('/app/list', ''), ('/app/list', '?page=2'), ('/app/list', '')]
    assert [view['properties']['referrer'] for view in views] == [
        base_url + '/landing.html', base_url + APP, base_url + '/app/list', base_url + '/app/list?page=2']
    assert [view['context']['page']['referrer'] for view in views] == [view['properties']['referrer'] for view in views]


def test_history_mode_sends_a_view_at_init_and_at_each_path_or_query_change(context, page, base_url, collector, log,
                                                                             router_js):
    open_app(context, page, base_url)
    assert page.evaluate("typeof window.navigation == 'object' && history.pushState.toString().includes('[native code]')")
    navigate_like_an_app(page, base_url)
    check_views(page_views(page, log), base_url)
    assert page.errors == []


@pytest.mark.parametrize('option, expected', [('trackPageViews: true', 1), ('trackPageViews: false', 0), ('', 0)])
def test_true_sends_only_the_view_at_init_and_the_default_none(context, page, base_url, log, router_js, option, expected):
    open_app(context, page, base_url, option)
    page.evaluate("go('/app/list'); xng.track('Marker')")
    page.evaluate("go('/app/list?page=2')")
    page.evaluate('xng.flush()')
    views = page_views(page, log)
    assert len(views) == expected
    assert all(view['properties']['path'] == APP for view in views)
    assert page.evaluate("history.pushState.toString().includes('[native code]')")  # nothing touched without 'history'


def test_no_page_view_while_opted_out_and_views_resume_after_opt_in(context, page, base_url, log, router_js):
    open_app(context, page, base_url)
    page.evaluate('xng.optOutTracking()')
    before = len(log.requests)
    page.evaluate("go('/app/secret')")
    page.evaluate("go('/app/secret?x=1')")
    page.evaluate('xng.flush()')
    assert log.requests[before:] == [] and page.evaluate("Object.keys(localStorage)") == []
    page.evaluate("xng.optInTracking(); go('/app/after')")
    views = page_views(page, log)
    assert [view['properties']['path'] for view in views] == ['/app/after']
    assert views[0]['properties']['referrer'] == base_url + '/app/secret?x=1'  # the app's previous URL all the same


def test_bad_track_page_views_fails_init_with_one_warning(context, page, base_url, log, router_js):
    open_app(context, page, base_url, "trackPageViews: 'hash'")
    assert len([text for text in page.warnings if 'trackPageViews' in text]) == 1
    page.evaluate("go('/app/list'); xng.flush()")
    assert log.to('/api/batch') == [] and page.errors == []


# --- without the Navigation API: the transparent wrap ------------------------------------------

def test_without_the_navigation_api_the_same_views_come_from_the_wrap(context, page, base_url, log, router_js):
    open_app(context, page, base_url, init_script=NO_NAVIGATION_API)
    assert page.evaluate("typeof window.navigation") == 'undefined'
    assert not page.evaluate("history.pushState.toString().includes('[native code]')")  # wrapped
    navigate_like_an_app(page, base_url)
    check_views(page_views(page, log), base_url)
    assert page.errors == []


def test_the_wrap_is_transparent(context, page, base_url, log, router_js):
    """Same arguments, same `this`, same return value, the same exceptions, and a page wrapper around it still works."""
    open_app(context, page, base_url, init_script=NO_NAVIGATION_API)
    result = page.evaluate("""() => {
        const out = {};
        out.returned = history.pushState({n: 1}, '', '/app/one');
        out.state = history.state;
        out.replaced = history.replaceState.call(history, {n: 2}, '', '/app/two');
        out.stateAfterReplace = history.state;
        try { history.pushState({}, '', 'https://elsewhere.example/'); } catch (e) { out.crossOrigin = e.name; }
        try { history.pushState.call({}, {}, '', '/app/three'); } catch (e) { out.wrongThis = e.name; }
        const ours = history.pushState;  // a router wrapping it after xng, as some do
        history.pushState = function (...args) { out.routerSaw = args.length; return ours.apply(this, args); };
        history.pushState({n: 4}, '', '/app/four');
        out.path = location.pathname;
        return out;
    }""")
    assert result['returned'] is None and result['replaced'] is None  # undefined, as the native ones return
    assert result['state'] == {'n': 1} and result['stateAfterReplace'] == {'n': 2}
    assert result['crossOrigin'] == 'SecurityError' and result['wrongThis'] == 'TypeError'  # as native
    assert result['routerSaw'] == 3 and result['path'] == '/app/four'
    paths = [view['properties']['path'] for view in page_views(page, log)]
    assert paths == [APP, '/app/one', '/app/two', '/app/four']
    assert page.errors == []


def test_the_wrap_keeps_the_page_working_when_our_part_fails(context, page, base_url, log, router_js):
    open_app(context, page, base_url, init_script=NO_NAVIGATION_API)
    page.evaluate('xng.flush()')
    result = page.evaluate("""() => {
        Object.defineProperty(document, 'title', {get() { throw new Error('hostile title'); }, configurable: true});
        const returned = history.pushState({n: 5}, '', '/app/five');
        return {returned, path: location.pathname, state: history.state};
    }""")
    assert result == {'returned': None, 'path': '/app/five', 'state': {'n': 5}}
    wait_until(lambda: page.evaluate('1') and any('[xng]' in text for text in page.warnings), 'one [xng] warning')
    assert page.errors == []
