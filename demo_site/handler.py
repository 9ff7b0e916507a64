"""The demo's HTTP request handler: dispatch, JSON and text responses, CORS, errors.

CORS: only the configured origins (by default the demo's own) may read the API's answers, and none
with credentials: the SDK's batches and message polls need none. The consent routes answer their own
CORS (xng.server: same-site origins, with credentials, since their answer sets cookies).
"""
import json
import sys
import traceback
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from demo_site.api_routes import ApiRoutes, api_paths, routes
from xng import server as xng_server

from demo_site.http_body import BadRequest, RequestBody
from demo_site.static_files import StaticFiles


class DemoRequestHandler(ApiRoutes, StaticFiles, RequestBody, BaseHTTPRequestHandler):
    """One request; the server object carries collector, pages_dir, build_dir, is_https, verbose."""

    server_version = 'xng-demo/0.1'
    timeout = 30  # an idle or stalled client must not hold a thread forever
    responded = False

    @property
    def collector(self):
        return self.server.collector

    def do_GET(self):
        self._dispatch()

    do_HEAD = do_POST = do_DELETE = do_GET

    def do_OPTIONS(self):
        """CORS preflight for the API, for allowed origins only; the SDK's own requests are CORS-simple and skip it
        (except with `authorization: 'basic'`, whose Authorization header needs this preflight)."""
        path = urlsplit(self.path).path
        if path not in api_paths(self.server.test_routes):
            return self.send_text(404, 'not found\n')
        if path in ('/api/opt-out', '/api/opt-in'):
            status, headers, body = xng_server.handle_consent('OPTIONS', path, self.headers, b'',
                                                              allowed_origins=self.server.cors_origins)
            return self.send_body(status, body, headers=headers)
        headers = self._cors_headers()
        if len(headers) > 1:
            headers += [
                ('Access-Control-Allow-Methods', 'GET, POST, DELETE, OPTIONS'),
                ('Access-Control-Allow-Headers', self.headers.get('Access-Control-Request-Headers') or 'Content-Type'),
                ('Access-Control-Max-Age', '600'),
            ]
            if self.headers.get('Access-Control-Request-Private-Network') == 'true':
                headers.append(('Access-Control-Allow-Private-Network', 'true'))
        self.send_body(204, headers=headers)

    def _dispatch(self):
        self.responded = False
        url = urlsplit(self.path)
        self.query = parse_qs(url.query)
        table = routes(self.command, self.server.test_routes)
        try:
            if url.path in table:
                getattr(self, table[url.path])()
            elif url.path.startswith('/api/'):
                known = url.path in api_paths(self.server.test_routes)
                self.send_json(405 if known else 404, {'error': 'no such route'})
            elif self.command in ('GET', 'HEAD'):
                self.serve_static(url.path)
            else:
                self.send_text(405, 'method not allowed\n')
        except BadRequest as error:
            self.send_json(400, {'error': str(error)})
        except (ConnectionError, TimeoutError):
            self.close_connection = True
            return
        except Exception:  # a bug in a route must not take the collector down
            traceback.print_exc(file=sys.stderr)
            if not self.responded:
                self.send_json(500, {'error': 'internal error'})
        if self.linger:
            self.discard_input()

    def query_value(self, name):
        values = self.query.get(name)
        return values[0] if values else None

    def send_body(self, status, body=b'', content_type=None, headers=()):
        self.responded = True
        self.send_response(status)
        if content_type:
            self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)

    def send_json(self, status, payload, headers=()):
        body = json.dumps(payload, separators=(',', ':')).encode('utf-8')
        self.send_body(status, body, 'application/json',
                       self._cors_headers() + [('Cache-Control', 'no-store')] + list(headers))

    def send_text(self, status, text):
        self.send_body(status, text.encode('utf-8'), 'text/plain; charset=utf-8', [('Cache-Control', 'no-store')])

    def send_error(self, code, message=None, explain=None):
        """Plain text instead of the stdlib's HTML page, which would go out without our CSP."""
        self.close_connection = True
        body = ('%d %s\n' % (code, message or self.responses.get(code, ('error',))[0])).encode('utf-8')
        self.send_body(code, body, 'text/plain; charset=utf-8', [('Connection', 'close')])

    def log_message(self, format, *args):
        if self.server.verbose:
            super().log_message(format, *args)

    def _cors_headers(self):
        origin = self.headers.get('Origin')
        if not origin or origin not in self.server.cors_origins:
            return [('Vary', 'Origin')]
        return [('Vary', 'Origin'), ('Access-Control-Allow-Origin', origin),
                ('Access-Control-Expose-Headers', 'Retry-After')]  # readable cross-origin only when exposed
