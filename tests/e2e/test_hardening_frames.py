"""Issue 12, item 4: in a frame whose top-level page is on another site, xng tracks nothing.

There the visitor's decision (a SameSite=Lax cookie) is out of sight, to the script and to the
collector, so xng sends no request, writes nothing, shows no message, starts no timer, and
isTrackingOptOut() is true. Same-site frames track as a top-level page does.
"""
import time
from urllib.parse import urlsplit

import pytest

from support import COUNT_SIDE_EFFECTS, page_html, serve, settle, wait_until

NAME = 'xng.tracking-opt-out'
FRAME = '/t/framed.html'
CALLS = ("xng.init({endpoint: '/api/batch', messagesEndpoint: '/api/messages', pollInterval: 500%s});"
         "xng.page(); xng.track('In A Frame'); xng.identify('framed-user', {plan: 'x'});")


def origin(base_url, host):
    return 'http://%s:%d' % (host, urlsplit(base_url).port)


def framed(context, page, top, frame_origin, cookie_domain=None, library=True):
    """`top` frames `frame_origin` + FRAME, whose page makes CALLS through the stub; returns the frame."""
    options = ", cookieDomain: '%s'" % cookie_domain if cookie_domain else ''
    serve(context, frame_origin + FRAME, page_html(body='<script src="/t/calls.js"></script>'))
    context.route('**/t/calls.js', lambda route: route.fulfill(content_type='text/javascript', body=CALLS % options))
    if not library:
        context.route('**/xng.min.js', lambda route: route.abort())
    serve(context, top + '/t/top.html', '<!doctype html><title>top</title><iframe src="%s"></iframe>' % (frame_origin + FRAME),
          csp=None)
    page.goto(top + '/t/top.html')
    frame = wait_until(lambda: [f for f in page.frames if f.url.endswith(FRAME)], 'the frame')[0]
    frame.wait_for_function('() => window.xng && (window.xng.loaded === true || Array.isArray(window.xng.q))')
    if library:
        frame.wait_for_function('() => window.xng.loaded === true')
    return frame


@pytest.mark.parametrize('library', [True, False])
def test_a_frame_under_another_site_tracks_nothing(context, page, base_url, collector, log, library):
    """127.0.0.2 frames 127.0.0.1, where the visitor opted out: the frame cannot see that, so it does nothing."""
    context.add_init_script(COUNT_SIDE_EFFECTS)
    context.add_cookies([{'name': NAME, 'value': str(int(time.time() * 1000)), 'url': base_url,
                          'expires': time.time() + 86400}])
    frame = framed(context, page, origin(base_url, '127.0.0.2'), base_url, library=library)
    assert frame.evaluate('document.cookie') == ''  # the opt-out is out of sight here
    assert frame.evaluate('xng.isTrackingOptOut()') is True
    frame.evaluate("xng.track('Later'); xng.optOutTracking(); xng.optInTracking(); xng.setTrackingOptOut(true)")
    if not library:
        assert frame.evaluate('xng.q.map(call => call[0])') == ['init']  # nothing tracked, no opt-out to tell
    assert frame.evaluate('xng.isTrackingOptOut()') is True
    frame.evaluate('void xng.flush()')  # the stub's Promise waits for a library that never comes
    assert frame.evaluate('window.__effects') == {'timers': 0, 'storage': 0, 'cookies': []}
    settle(page)
    assert [r.url for r in log.requests if '/api/' in r.url] == []
    assert collector.events() == []


@pytest.mark.parametrize('cookie_domain', ['xng.test', 'auto'])
def test_a_frame_under_a_named_host_of_another_site_tracks_nothing(context, page, base_url, collector, log,
                                                                   cookie_domain):
    """With serverOptOut too: no consent request, no renewal, and no trial write for 'auto'."""
    context.add_init_script(COUNT_SIDE_EFFECTS)
    frame = framed(context, page, 'http://other.test:%d' % urlsplit(base_url).port, origin(base_url, 'shop.xng.test'),
                   cookie_domain=cookie_domain + "', serverOptOut: true, consentEndpoint: 'http://collect.xng.test/c")
    assert frame.evaluate('xng.isTrackingOptOut()') is True
    frame.evaluate('xng.optOutTracking(); xng.optInTracking(); xng.flush()')
    assert frame.evaluate('window.__effects') == {'timers': 0, 'storage': 0, 'cookies': []}
    settle(page)
    assert [r.url for r in log.requests if '/api/' in r.url] == [] and collector.events() == []


@pytest.mark.parametrize('hosts', [('127.0.0.1', '127.0.0.1', None), ('www.xng.test', 'shop.xng.test', 'xng.test')])
def test_a_same_site_frame_tracks_as_today(context, page, base_url, collector, hosts):
    top_host, frame_host, cookie_domain = hosts
    frame = framed(context, page, origin(base_url, top_host), origin(base_url, frame_host), cookie_domain=cookie_domain)
    assert frame.evaluate('xng.isTrackingOptOut()') is False
    frame.evaluate('xng.flush()')
    events = collector.wait_for([None, 'In A Frame'])  # None: the page event has no event name
    assert [e['type'] for e in events] == ['page', 'track', 'identify']
    # An opt-out in the same-site frame is the site's own: it holds for the top page too.
    frame.evaluate('xng.optOutTracking()')
    page.goto(origin(base_url, top_host) + '/t/after.html')
    assert page.evaluate('document.cookie').find(NAME + '=') >= 0


def test_a_frame_on_https_under_the_same_host_on_http_tracks_nothing(context, page, server, base_url, collector, log):
    """Browsers tell sites apart by scheme too: https://shop framed by http://shop is under another site."""
    context.add_init_script(COUNT_SIDE_EFFECTS)
    https = 'https://shop.xng.test:%d' % urlsplit(server.https_url).port
    frame = framed(context, page, origin(base_url, 'shop.xng.test'), https)
    assert frame.evaluate('location.protocol') == 'https:'
    assert frame.evaluate('xng.isTrackingOptOut()') is True
    frame.evaluate("xng.track('Later'); xng.optOutTracking(); xng.optInTracking(); xng.flush()")
    assert frame.evaluate('window.__effects') == {'timers': 0, 'storage': 0, 'cookies': []}
    settle(page)
    assert [r.url for r in log.requests if '/api/' in r.url] == [] and collector.events() == []


def test_a_frame_under_a_sandboxed_frame_cannot_tell_its_site_and_tracks_nothing(context, page, base_url, collector, log):
    """Its parent's origin is opaque ('null' in ancestorOrigins): what cannot be told counts as cross-site."""
    frame_csp = "default-src 'none'; script-src %s; connect-src %s" % (base_url, base_url)
    inner = ('<!doctype html><html><head><meta charset="utf-8"><title>inner</title><script src="%s/snippet.js"></script>'
             '<script async src="%s/xng.min.js"></script></head><body>inner</body></html>' % (base_url, base_url))
    serve(context, base_url + '/t/inner.html', inner, csp=frame_csp)
    serve(context, base_url + '/t/middle.html', '<!doctype html><iframe src="%s/t/inner.html"></iframe>' % base_url,
          csp=None)
    serve(context, base_url + '/t/top.html', '<!doctype html><iframe sandbox="allow-scripts" src="/t/middle.html"></iframe>',
          csp=None)
    page.goto(base_url + '/t/top.html')
    frame = wait_until(lambda: [f for f in page.frames if f.url.endswith('/t/inner.html')], 'the inner frame')[0]
    frame.wait_for_function('() => window.xng && window.xng.loaded === true')
    assert frame.evaluate('Array.from(location.ancestorOrigins)') == ['null', base_url]
    frame.evaluate("xng.init({endpoint: '%s/api/batch', pollInterval: 0}); xng.track('Under A Sandbox')" % base_url)
    assert frame.evaluate('xng.isTrackingOptOut()') is True
    frame.evaluate('xng.flush()')
    settle(page)
    assert [r.url for r in log.requests if '/api/' in r.url] == [] and collector.events() == []
