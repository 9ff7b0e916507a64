"""serverOptOut through a Python site: a Flask app using xng.server, in Chromium (issue 9).

The app serves the page and the built scripts (from xng.server.static_dir()), mounts the consent app
at /api (the SDK's default consentEndpoint for an endpoint on this origin), and wraps itself in the
opt-out middleware. Script writes of the opt-out cookie are blocked, so only the app's Set-Cookie
can set it; afterwards the app itself must see the visitor as opted out.

Needs the SDK's consent request of the brief ({"domain", "created", "optOutByDefault"}), which the
hardening branch brings; before it, the app answers the old body with 400.
"""
import threading

import pytest

from support import cookie, page_html, wait_until

NAME = 'xng.tracking-opt-out'
INIT = "xng.init({endpoint: '/collect', serverOptOut: true, pollInterval: 0})"
BLOCK_SCRIPT_OPT_OUT_COOKIE = """
    const descriptor = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
    Object.defineProperty(Document.prototype, 'cookie', {
        get() { return descriptor.get.call(this); },
        set(value) { if (!value.startsWith('xng.tracking-opt-out=')) descriptor.set.call(this, value); },
        configurable: true,
    });
"""


@pytest.fixture(scope='module')
def flask_site():
    from flask import Flask, request, send_from_directory
    from werkzeug.middleware.dispatcher import DispatcherMiddleware
    from werkzeug.serving import make_server

    from xng.server import ConsentApp, OptOutMiddleware, static_dir

    app = Flask('xng-flask-site')
    received = []

    @app.get('/page.html')
    def page():
        return page_html()

    @app.get('/<name>')
    def script(name):
        return send_from_directory(static_dir(), name)

    @app.get('/whoami')
    def whoami():
        return {'optedOut': request.environ['xng.opted_out']}

    @app.post('/collect')
    def collect():
        if not request.environ['xng.opted_out']:  # the server-side backstop, from the same rule
            received.append(request.get_data(as_text=True))
        return {'ok': True}

    app.wsgi_app = DispatcherMiddleware(OptOutMiddleware(app.wsgi_app), {'/api': ConsentApp()})
    httpd = make_server('127.0.0.1', 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield {'url': 'http://127.0.0.1:%d' % httpd.server_port, 'received': received}
    httpd.shutdown()
    thread.join(10)


def whoami(page):
    return page.evaluate("fetch('/whoami').then(r => r.json()).then(body => body.optedOut)")


def test_opt_out_and_opt_in_through_the_flask_consent_app(context, page, flask_site):
    context.add_init_script(BLOCK_SCRIPT_OPT_OUT_COOKIE)
    page.goto(flask_site['url'] + '/page.html')
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    page.evaluate(INIT)
    assert whoami(page) is False
    with page.expect_response(lambda response: response.url.endswith('/api/opt-out')) as answer:
        page.evaluate('xng.optOutTracking()')
    assert answer.value.status == 200
    stored = wait_until(lambda: cookie(context, NAME), 'the opt-out cookie from the Flask app')
    assert stored['secure'] is False and stored['sameSite'] == 'Lax' and stored['path'] == '/'
    assert page.evaluate('xng.isTrackingOptOut()') is True
    assert whoami(page) is True  # the server now sees the visitor as opted out
    with page.expect_response(lambda response: response.url.endswith('/api/opt-in')) as answer:
        page.evaluate('xng.optInTracking()')
    assert answer.value.status == 200
    wait_until(lambda: cookie(context, NAME) is None, 'the opt-in Set-Cookie to delete the cookie')
    assert whoami(page) is False
    page.evaluate("xng.track('After Opt In'); xng.flush()")
    wait_until(lambda: any('After Opt In' in body for body in flask_site['received']), 'the batch at the Flask app')
