"""xng.server inside real frameworks (test-only, pinned in pyproject's dev list): Flask over WSGI, FastAPI over ASGI.

Each app wraps itself in the opt-out middleware, mounts the consent app at /api (where the SDK's
consentEndpoint points by default) and answers /whoami with what the middleware told it. The
clients keep cookies, so a consent answer's Set-Cookie is what the next request carries.
"""
import json

import pytest

from xng.server import ASGIConsentApp, ASGIOptOutMiddleware, ConsentApp, OptOutMiddleware

BODY = {'domain': None, 'created': None, 'optOutByDefault': False}
SAME_ORIGIN = {'Sec-Fetch-Site': 'same-origin', 'Origin': 'null', 'Content-Type': 'text/plain;charset=UTF-8'}
# Starlette 1.x asks for httpx2 in its TestClient; the pinned httpx still works.
pytestmark = pytest.mark.filterwarnings('ignore:Using `httpx` with `starlette.testclient`')
CROSS_SITE = {'Sec-Fetch-Site': 'cross-site', 'Origin': 'http://127.0.0.2:8000'}


@pytest.fixture
def flask_client():
    from flask import Flask, request
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    app = Flask('xng-test')

    @app.get('/whoami')
    def whoami():
        return {'optedOut': request.environ['xng.opted_out'], 'consent': request.environ['xng.consent']}

    app.wsgi_app = DispatcherMiddleware(OptOutMiddleware(app.wsgi_app, respect_gpc=True), {'/api': ConsentApp()})
    return app.test_client()


def test_flask_sees_the_opt_out_set_by_the_mounted_consent_app(flask_client):
    assert flask_client.get('/whoami').json == {'optedOut': False, 'consent': 'granted'}
    assert flask_client.get('/whoami', headers={'Sec-GPC': '1'}).json['optedOut'] is True
    response = flask_client.post('/api/opt-out', data=json.dumps(BODY), headers=SAME_ORIGIN)
    assert response.status_code == 200 and response.headers['Set-Cookie'].startswith('xng.tracking-opt-out=')
    assert flask_client.get_cookie('xng.tracking-opt-out') is not None
    assert flask_client.get('/whoami').json == {'optedOut': True, 'consent': 'denied'}
    # Another site's form cannot undo it.
    response = flask_client.post('/api/opt-in', data=json.dumps(BODY), headers=CROSS_SITE)
    assert response.status_code == 403 and 'Set-Cookie' not in response.headers
    response = flask_client.post('/api/opt-in', data='', headers=SAME_ORIGIN)
    assert response.status_code == 400
    assert flask_client.get('/whoami').json['optedOut'] is True
    assert flask_client.post('/api/opt-in', data=json.dumps(BODY), headers=SAME_ORIGIN).status_code == 200
    assert flask_client.get_cookie('xng.tracking-opt-out') is None
    assert flask_client.get('/whoami').json == {'optedOut': False, 'consent': 'granted'}


@pytest.fixture
def fastapi_client():
    from fastapi import FastAPI, Request
    from fastapi.testclient import TestClient

    app = FastAPI()
    app.add_middleware(ASGIOptOutMiddleware, opt_out_by_default=True)
    app.mount('/api', ASGIConsentApp())

    @app.get('/whoami')
    def whoami(request: Request):
        return {'optedOut': request.state.xng_opted_out, 'consent': request.state.xng_consent}

    with TestClient(app, base_url='http://shop.xng.test') as client:
        yield client


def test_fastapi_sees_pending_then_the_choices_made_through_the_mounted_consent_app(fastapi_client):
    client = fastapi_client
    assert client.get('/whoami').json() == {'optedOut': True, 'consent': 'pending'}
    by_default = dict(BODY, optOutByDefault=True)
    response = client.post('/api/opt-in', content=json.dumps(by_default), headers=SAME_ORIGIN)
    assert response.status_code == 200 and client.cookies.get('xng.tracking-opt-in')
    assert client.get('/whoami').json() == {'optedOut': False, 'consent': 'granted'}
    response = client.post('/api/opt-out', content=json.dumps(dict(by_default, domain='xng.test')),
                           headers=SAME_ORIGIN)
    assert response.status_code == 200
    assert 'Domain=xng.test' in response.headers['set-cookie']
    assert client.get('/whoami').json() == {'optedOut': True, 'consent': 'denied'}
    response = client.post('/api/opt-in', content=json.dumps(by_default), headers=CROSS_SITE)
    assert response.status_code == 403
    response = client.post('/api/opt-in', content=json.dumps(dict(by_default, domain='evil.test')),
                           headers=SAME_ORIGIN)
    assert response.status_code == 400
    assert client.get('/whoami').json()['consent'] == 'denied'
