"""Fixtures for the Playwright tests: one demo server and one Chromium per session, a fresh context per test."""
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / 'tools'))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from chromium import launch  # noqa: E402
from support import Collector, RequestLog  # noqa: E402

if not (ROOT / 'build' / 'xng.min.js').exists():
    pytest.exit('build/xng.min.js is missing: run `make build` (make test does it for you)', returncode=2)

# *.xng.test resolves to this machine, for the subdomain tests; nothing leaves 127.0.0.1.
HOST_RULES = '--host-resolver-rules=MAP *.xng.test 127.0.0.1, MAP xng.test 127.0.0.1'
# Every test host is loopback here; on a real site the collector is public. Chromium's local-network
# checks would otherwise refuse a page's cross-origin request to a loopback collector.
LOCAL_NETWORK = '--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests'


def pytest_collection_modifyitems(items):
    for item in items:
        if '/e2e/' in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope='session')
def server(tmp_path_factory):
    from demo_site.server import start
    handle = start('127.0.0.1', 0, db_path=str(tmp_path_factory.mktemp('collector') / 'events.sqlite3'), https_port=0,
                   test_routes=True)  # /api/reset and /api/faults: off unless asked
    yield handle
    handle.stop()


@pytest.fixture(scope='session')
def base_url(server):
    return server.url.rstrip('/')


@pytest.fixture(scope='session')
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = launch(playwright, [HOST_RULES, LOCAL_NETWORK, '--ignore-certificate-errors'])
        yield chromium
        chromium.close()


@pytest.fixture
def collector(base_url):
    api = Collector(base_url)
    api.reset()
    return api


@pytest.fixture
def context(browser):
    context = browser.new_context()
    context.set_default_timeout(10000)
    yield context
    context.close()


@pytest.fixture
def log(context):
    return RequestLog(context)


@pytest.fixture
def page(context):
    page = context.new_page()
    page.errors = []
    page.warnings = []
    page.on('pageerror', lambda error: page.errors.append(error))
    page.on('console', lambda message: page.warnings.append(message.text) if message.type == 'warning' else None)
    return page
