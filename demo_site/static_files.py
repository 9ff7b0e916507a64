"""Static files: the shop pages from demo_site/pages, the SDK bundle from build/, the consent manager from npm."""
from pathlib import Path
from urllib.parse import unquote

# Pages hold no inline script or style, so everything can be locked to the page's own origin.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
       "img-src 'self' data:; object-src 'none'; base-uri 'none'")
BUILD_FILES = ('/xng.min.js', '/xng.js', '/snippet.js')
# The consent page's manager, vanilla-cookieconsent, as npm installed it (package.json pins it): no CDN.
COOKIECONSENT = Path(__file__).resolve().parent.parent / 'node_modules' / 'vanilla-cookieconsent' / 'dist'
VENDOR_FILES = {'/vendor/cookieconsent/cookieconsent.umd.js': 'cookieconsent.umd.js',
                '/vendor/cookieconsent/cookieconsent.css': 'cookieconsent.css'}
CONTENT_TYPES = {
    '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.map': 'application/json',
    '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.txt': 'text/plain; charset=utf-8',
}


class StaticFiles:
    """Mixin for the request handler: GET of anything outside /api/."""

    def serve_static(self, path):
        if path in BUILD_FILES or (path.endswith('.map') and path.count('/') == 1):
            return self._serve_build(path)
        if path in VENDOR_FILES:
            file = COOKIECONSENT / VENDOR_FILES[path]
            if not file.is_file():
                return self.send_text(503, 'node_modules is missing vanilla-cookieconsent: run `make setup`.\n')
            return self._send_file(file, 'no-cache')
        relative = 'index.html' if path == '/' else unquote(path).lstrip('/')
        root = self.server.pages_dir
        if '\x00' in relative:  # resolve() would raise on it
            return self.send_text(404, 'not found\n')
        file = (root / relative).resolve()
        if not file.is_relative_to(root) or not file.is_file():
            return self.send_text(404, 'not found\n')
        self._send_file(file, 'no-cache')

    def _serve_build(self, path):
        build = self.server.build_dir
        file = build / path.lstrip('/')
        if not file.is_file():
            if path.endswith('.map') and build.is_dir():
                return self.send_text(404, 'not found\n')
            return self.send_text(503, 'build%s is missing: run `make build`, then reload.\n' % path)
        # no-store: a rebuilt SDK must show up on the next reload, never a cached older bundle.
        self._send_file(file, 'no-store')

    def _send_file(self, file, cache_control):
        content_type = CONTENT_TYPES.get(file.suffix, 'application/octet-stream')
        headers = [('Cache-Control', cache_control), ('X-Content-Type-Options', 'nosniff')]
        if content_type.startswith('text/html'):
            headers.append(('Content-Security-Policy', CSP))
        self.send_body(200, file.read_bytes(), content_type, headers)
