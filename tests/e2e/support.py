"""Helpers for the end-to-end tests: the collector's API, the browser's request log, test pages.

Tests assert on two independent records: what the browser itself put on the wire (every request of
the context, beacons and keepalive fetches included) and what the collector stored.
Nothing here sleeps for a fixed time: waits poll a condition until a deadline.
"""
import json
import re
import time
import urllib.request

STRICT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
              "img-src 'self' data:; object-src 'none'; base-uri 'none'")
DEADLINE_S = 10
# Every timer, storage write and cookie write the page's scripts make (add_init_script): `window.__effects`.
COUNT_SIDE_EFFECTS = """
    window.__effects = {timers: 0, storage: 0, cookies: []};
    for (const name of ['setTimeout', 'setInterval']) {
        const original = window[name];
        window[name] = function () { window.__effects.timers++; return original.apply(this, arguments); };
    }
    for (const name of ['setItem', 'removeItem', 'clear']) {
        const original = Storage.prototype[name];
        Storage.prototype[name] = function () { window.__effects.storage++; return original.apply(this, arguments); };
    }
    const descriptor = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
    Object.defineProperty(Document.prototype, 'cookie', {
        get() { return descriptor.get.call(this); },
        set(value) { window.__effects.cookies.push(value.split('=')[0]); descriptor.set.call(this, value); },
    });
"""


def wait_until(condition, what, timeout=DEADLINE_S, interval=0.05):
    """Poll `condition` until it returns something truthy; fail with `what` at the deadline."""
    end = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError('timed out waiting for ' + what)
        time.sleep(interval)  # a poll interval, not a wait for something to happen


class Collector:
    """The demo collector's HTTP API, as the tests use it."""

    def __init__(self, base_url):
        self.base = base_url

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b'null')

    def reset(self):
        self.call('POST', '/api/reset', {})

    def events(self):
        """Stored events, oldest first."""
        return list(reversed(self.call('GET', '/api/events?limit=100000')['events']))

    def stats(self):
        return self.call('GET', '/api/stats')

    def faults(self, **spec):
        self.call('POST', '/api/faults', spec)

    def named(self, name):
        return [event for event in self.events() if event.get('event') == name]

    def wait_for(self, names, timeout=DEADLINE_S):
        """Wait until an event of each name in `names` is stored; return all stored events."""
        def arrived():
            events = self.events()
            stored = {event.get('event') for event in events}
            return events if all(name in stored for name in names) else None
        return wait_until(arrived, 'events %s at the collector' % (names,), timeout)


class RequestLog:
    """Every request the browser context made, in order (fetch, keepalive, beacons, navigations).

    The sync API delivers these events only while a Playwright call runs: read the log after one
    (an evaluate, a goto), or wait with page.expect_request, not with a bare wait_until.
    """

    def __init__(self, context):
        self.requests = []
        context.on('request', lambda request: self.requests.append(request))

    def to(self, path_part):
        return [request for request in self.requests if path_part in request.url]

    def batches(self, path_part='/api/batch'):
        """The parsed bodies of the batch requests."""
        bodies = []
        for request in self.to(path_part):
            if request.method == 'POST' and request.post_data:
                bodies.append(json.loads(request.post_data))
        return bodies

    def sent_names(self, path_part='/api/batch'):
        return [event.get('event') for body in self.batches(path_part) for event in body['batch']]


def page_html(title='xng test page', head='', body='', stub=True, library='async'):
    """A test page in the shape sites use: the loader stub, then the library (async by default)."""
    scripts = '<script src="/snippet.js"></script>' if stub else ''
    if library == 'async':
        scripts += '<script async src="/xng.min.js"></script>'
    elif library == 'plain':
        scripts += '<script src="/xng.min.js"></script>'
    return ('<!doctype html><html><head><meta charset="utf-8"><title>%s</title>%s%s</head><body>%s</body></html>'
            % (title, scripts, head, body))


def serve(context, url, html, csp=STRICT_CSP, headers=None):
    """Answer `url` (any query string) in this context with `html`, as if the demo server served it, under CSP."""
    all_headers = {'Content-Security-Policy': csp} if csp else {}
    all_headers.update(headers or {})
    context.route(re.compile(re.escape(url) + r'(\?.*)?$'), lambda route: route.fulfill(status=200, content_type='text/html', body=html, headers=all_headers))


def settle(page):
    """Make the SDK hand over anything it holds: await xng.flush(), then hide the page (pagehide).

    If an opted-out SDK were going to send something, this is where it would: flush() sends at once
    and pagehide sends with keepalive synchronously, so no waiting for timers is needed.
    """
    page.evaluate('() => window.xng && window.xng.flush && window.xng.flush()')
    page.goto('about:blank')


def cookie(context, name):
    found = [c for c in context.cookies() if c['name'] == name]
    return found[0] if found else None
