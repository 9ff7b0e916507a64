"""The demo shop and its collector in one stdlib process.

    python -m demo_site.server [--host 127.0.0.1] [--port 8000] [--https-port N] [--db PATH]
                               [--write-key KEY] [--cors-origin ORIGIN ...] [--test-routes]

Tests import `start(host, port, ...)` instead and get a handle with url, https_url, collector, stop().
"""
import argparse
import os
import shutil
import signal
import socket
import ssl
import sys
import tempfile
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path
from socketserver import TCPServer

from demo_site.collector import Collector
from demo_site.handler import DemoRequestHandler
from demo_site.tls import server_context

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
PAGES_DIR = PACKAGE_DIR / 'pages'
BUILD_DIR = REPO_ROOT / 'build'
DEFAULT_DB = PACKAGE_DIR / 'data' / 'events.sqlite3'
SHUTDOWN_POLL_SECONDS = 0.05
TLS_HANDSHAKE_SECONDS = 10  # a client that never finishes its handshake must not keep a thread


class DemoHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer carrying the collector, optionally speaking TLS."""

    daemon_threads = True
    request_queue_size = 128  # socketserver's 5 drops connects when a browser or test opens many at once

    # Set by start() once every port is bound: the origins allowed to read the API cross-origin (the demo's
    # own plus configured ones), the write key a batch must carry (None: any), the test-only routes.
    cors_origins = frozenset()
    write_key = None
    test_routes = False

    def __init__(self, address, collector, build_dir, ssl_context=None, verbose=False):
        if ':' in address[0]:
            self.address_family = socket.AF_INET6
        self.collector, self.build_dir, self.verbose = collector, Path(build_dir), verbose
        self.pages_dir = PAGES_DIR
        self.ssl_context, self.is_https = ssl_context, ssl_context is not None
        super().__init__(address, DemoRequestHandler)

    def server_bind(self):
        # HTTPServer.server_bind calls getfqdn(), which can stall for seconds without working DNS.
        TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def get_request(self):
        connection, address = self.socket.accept()
        if self.ssl_context is None:
            return connection, address
        # The handshake is deferred to the request thread so one slow client cannot block accept().
        return self.ssl_context.wrap_socket(connection, server_side=True, do_handshake_on_connect=False), address

    def finish_request(self, request, client_address):
        if self.ssl_context is not None:
            try:
                request.settimeout(TLS_HANDSHAKE_SECONDS)
                request.do_handshake()
            except (ssl.SSLError, OSError):
                return  # e.g. a browser rejecting the self-signed certificate
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError, ssl.SSLError)):
            return  # clients hanging up are normal, not worth a traceback
        super().handle_error(request, client_address)


def _url(scheme, server):
    host, port = server.server_address[:2]
    if host in ('0.0.0.0', '::'):
        host = '127.0.0.1'
    return '%s://%s:%d' % (scheme, '[%s]' % host if ':' in host else host, port)


class ServerHandle:
    """A running demo server: its URLs, its collector, and stop()."""

    def __init__(self, servers, collector, cleanup):
        self._servers, self.collector, self._cleanup = servers, collector, cleanup
        self.url = _url('http', servers[0])
        self.https_url = _url('https', servers[1]) if len(servers) > 1 else None
        # A short poll interval makes stop() quick: shutdown() waits for the loop's next wake-up.
        self._threads = [threading.Thread(target=server.serve_forever, args=(SHUTDOWN_POLL_SECONDS,),
                                          name='xng-demo-%d' % index, daemon=True)
                         for index, server in enumerate(servers)]
        for thread in self._threads:
            thread.start()

    def stop(self):
        """Stop serving, close the database and delete temporary files; safe to call twice."""
        servers, self._servers = self._servers, []
        for server in servers:
            server.shutdown()
            server.server_close()
        if servers:
            self.collector.close()
            self._cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()


def own_origins(servers):
    """The origins the demo serves its pages from: each port, by its address and, on loopback, as localhost."""
    origins = set()
    for server in servers:
        host, port = server.server_address[:2]
        scheme = 'https' if server.is_https else 'http'
        names = {'127.0.0.1', 'localhost'} if host in ('0.0.0.0', '127.0.0.1') else {host}
        origins |= {'%s://%s:%d' % (scheme, '[%s]' % name if ':' in name else name, port) for name in names}
    return origins


def start(host='127.0.0.1', port=0, db_path=None, https_port=None, build_dir=BUILD_DIR, verbose=False,
          write_key=None, cors_origins=(), test_routes=False):
    """Serve in background threads; port 0 picks a free port (see handle.url). db_path None = temp file.

    write_key: batches must carry it (body writeKey/apiKey or Basic auth user), else 401; None accepts all.
    cors_origins: origins, besides the demo's own, that may call the API cross-origin.
    test_routes: serve /api/reset and /api/faults (tests only: any page the visitor opens could call them).
    """
    temp_dir = tempfile.mkdtemp(prefix='xng-demo-')
    collector = Collector(db_path or os.path.join(temp_dir, 'events.sqlite3'))
    servers = []
    try:
        servers.append(DemoHTTPServer((host, port), collector, build_dir, verbose=verbose))
        if https_port is not None:
            context = server_context(temp_dir)
            servers.append(DemoHTTPServer((host, https_port), collector, build_dir, context, verbose))
        allowed = frozenset(own_origins(servers) | set(cors_origins))
        for server in servers:
            server.cors_origins, server.write_key, server.test_routes = allowed, write_key, bool(test_routes)
    except BaseException:
        for server in servers:
            server.server_close()
        collector.close()
        shutil.rmtree(temp_dir, ignore_errors=True)
        raise
    return ServerHandle(servers, collector, lambda: shutil.rmtree(temp_dir, ignore_errors=True))


def parse_args(argv):
    parser = argparse.ArgumentParser(prog='python -m demo_site.server', description=__doc__.split('\n')[0])
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=int(os.environ.get('PORT') or 8000),
                        help='HTTP port (default: $PORT or 8000; 0 picks a free one)')
    parser.add_argument('--https-port', type=int, help='also serve HTTPS with a throwaway self-signed certificate')
    parser.add_argument('--db', type=Path, default=DEFAULT_DB, help='SQLite file (default: %(default)s)')
    parser.add_argument('--quiet', action='store_true', help='do not log each request')
    parser.add_argument('--write-key', help='refuse batches without this write key (401)')
    parser.add_argument('--cors-origin', action='append', default=[], metavar='ORIGIN',
                        help='also let this origin (scheme://host:port) call the API; repeatable')
    parser.add_argument('--test-routes', action='store_true',
                        help='serve /api/reset and /api/faults (for tests; never on a collector others can reach)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    args.db.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle = start(args.host, args.port, args.db, args.https_port, verbose=not args.quiet,
                       write_key=args.write_key, cors_origins=args.cors_origin, test_routes=args.test_routes)
    except (OSError, RuntimeError) as error:
        print('xng demo: cannot start: %s' % error, file=sys.stderr)
        return 1
    stop_requested = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop_requested.set())
    print('xng demo shop on %s/' % handle.url, flush=True)
    if handle.https_url:
        print('           and %s/ (self-signed certificate)' % handle.https_url, flush=True)
    if not (BUILD_DIR / 'xng.min.js').is_file():
        print('build/ has no SDK yet: run `make build` in another terminal', flush=True)
    print('events are stored in %s; Ctrl-C stops' % args.db, flush=True)
    stop_requested.wait()
    handle.stop()
    print('xng demo stopped', flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
