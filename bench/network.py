"""The bench's whole network, answered inside Playwright: no server, no real host is ever reached.

Pages live on ORIGIN. The route handler serves the bench page, the bench's own scripts and the SDK
bundles from disk; every other request (tracking calls, remote config, feature flags, to any host)
gets 200 `{}` and is logged, so the bench can count what each SDK sends.
"""
import time
from pathlib import Path

ORIGIN = 'https://xng-bench.test'  # https: cross-origin isolation needs a secure context
BENCH_DIR = Path(__file__).resolve().parent
BENCH_SCRIPTS = ('measure.js',)

# performance.now() is coarsened to 100 us unless the page is cross-origin isolated (then 5 us).
# Isolation needs COOP+COEP on the page and CORP (or CORS) on every response it loads.
ISOLATION_HEADERS = {
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'cross-origin',
}
NO_CACHE = {'Cache-Control': 'no-store'}


def page_html(sdk_name, load_bundle):
    """The bench page: measure.js, the SDK's loader stub, and (unless timing eval) the bundle itself.

    Only external scripts, like a CSP-strict site would have; page.evaluate drives the rest.
    """
    scripts = ['/bench/measure.js', '/stub/%s.js' % sdk_name]
    if load_bundle:
        scripts.append('/sdk/%s.js' % sdk_name)
    tags = ''.join('<script src="%s"></script>' % src for src in scripts)
    return '<!doctype html><html><head><meta charset="utf-8"><title>xng bench</title>%s</head>' \
           '<body><p>bench</p></body></html>' % tags


def page_url(sdk_name, load_bundle):
    return '%s/%s/%s.html' % (ORIGIN, 'load' if load_bundle else 'bare', sdk_name)


# The bench's calls are all named this event; a JSON body that carries it says `"event":"Bench"` once per event.
EVENT_MARK = b'"event":"Bench"'


class RequestLog:
    """Requests one browser context sent to 'the network' (anything the bench does not serve itself)."""

    def __init__(self):
        self.entries = []  # (time.monotonic(), method, url, how many of the bench's events its body carried)

    def add(self, method, url, body=None):
        self.entries.append((time.monotonic(), method, url, (body or b'').count(EVENT_MARK)))

    def since(self, moment):
        return [entry for entry in self.entries if entry[0] >= moment]

    def events_since(self, moment):
        """The bench's events the requests since `moment` delivered, for SDKs that send JSON (xng, the floor)."""
        return sum(entry[3] for entry in self.since(moment))

    def last_at(self):
        return self.entries[-1][0] if self.entries else 0.0


class LocalNetwork:
    """Serves one bench run: `sdks` maps name -> Sdk (with bundle bytes and stub source)."""

    def __init__(self, sdks, segment_settings):
        self.sdks = sdks
        self.segment_settings = segment_settings
        self.bench_files = {name: (BENCH_DIR / name).read_bytes() for name in BENCH_SCRIPTS}

    def attach(self, context):
        """Route every request of `context` locally; returns the RequestLog of that context."""
        log = RequestLog()
        context.route('**/*', lambda route: self._handle(route, log))
        return log

    def _handle(self, route, log):
        request = route.request
        url = request.url
        if url.startswith(ORIGIN + '/'):
            served = self._own(url[len(ORIGIN):].split('?')[0])
            if served is not None:
                return route.fulfill(status=200, headers=served[1], body=served[0])
        cors = self._cors_headers(request)
        if request.method == 'OPTIONS':  # CORS preflight: part of a request, not a request of its own
            return route.fulfill(status=204, headers=cors)
        log.add(request.method, url, request.post_data_buffer)
        body = self.segment_settings if self._is_segment_settings(url) else '{}'
        return route.fulfill(status=200, headers=dict(cors, **{'Content-Type': 'application/json'}),
                             body=body)

    def _own(self, path):
        """(body, headers) for the bench's own files, None for anything else."""
        parts = path.strip('/').split('/')
        if len(parts) != 2 or not parts[1].endswith(('.html', '.js')):
            return None
        folder, file = parts
        name = file.rsplit('.', 1)[0]
        js = dict(ISOLATION_HEADERS, **NO_CACHE, **{'Content-Type': 'text/javascript'})
        if folder in ('load', 'bare') and name in self.sdks:
            html = dict(ISOLATION_HEADERS, **NO_CACHE, **{'Content-Type': 'text/html; charset=utf-8'})
            return page_html(name, folder == 'load'), html
        if folder == 'bench' and file in self.bench_files:
            return self.bench_files[file], js
        if folder == 'sdk' and name in self.sdks:
            return self.sdks[name].source, js
        if folder == 'stub' and name in self.sdks:
            return self.sdks[name].stub_source, js
        return None

    @staticmethod
    def _cors_headers(request):
        """Answer like a permissive collector: credentialed CORS for whatever origin asks."""
        headers = {
            'Access-Control-Allow-Origin': request.headers.get('origin', ORIGIN),
            'Access-Control-Allow-Credentials': 'true',
            'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
            'Cross-Origin-Resource-Policy': 'cross-origin',
        }
        asked = request.headers.get('access-control-request-headers')
        if asked:
            headers['Access-Control-Allow-Headers'] = asked
        return headers

    @staticmethod
    def _is_segment_settings(url):
        # Segment's loader fetches its configuration from <cdn>/v1/projects/<writeKey>/settings.
        return '/v1/projects/' in url and url.endswith('/settings')
