"""xng on the server: the visitor's opt-out, the consent routes and the built assets, for any Python web app.

Plain CPython, standard library only. The cookie rules come from xng/core/consent.py, the module the
browser bundle is compiled from, so the server and the browser agree on what a cookie means:

    from xng.server import is_opted_out
    if is_opted_out(request.headers.get('Cookie'), request.headers, respect_gpc=True):
        ...  # skip server-side tracking for this visitor

Frameworks meet it through WSGI (Flask, Django) and ASGI (Starlette, FastAPI):
- `OptOutMiddleware` / `ASGIOptOutMiddleware` tell each request whether its visitor is opted out
  (`environ['xng.opted_out']`; `scope['state']['xng_opted_out']`, read as `request.state.xng_opted_out`).
- `ConsentApp` / `ASGIConsentApp` answer `POST /opt-out` and `POST /opt-in`, the consent request that
  the SDK sends with `serverOptOut: true`, with Set-Cookie; they refuse cross-site requests.
- `static_dir()` is the folder of the built scripts (xng.min.js, snippet.js, ...).
"""
import json
import re
import time
from email.utils import formatdate
from pathlib import Path
from urllib.parse import urlsplit

from xng.core import consent

OPT_OUT_COOKIE = consent.OPT_OUT_COOKIE
OPT_IN_COOKIE = consent.OPT_IN_COOKIE
MAX_CONSENT_BODY = 1024  # the real body is under 100 bytes
CONSENT_KEYS = frozenset(('domain', 'created', 'optOutByDefault'))
# A creation time the SDK can have written: not before 2017, not after tomorrow (clock skew).
EARLIEST_CREATED_MS = 1500000000000
CLOCK_SKEW_MS = consent.DAY_MS
LABEL = re.compile(r'(?!-)[a-z0-9-]{1,63}(?<!-)')


# -- reading a request -------------------------------------------------------------------------------

def parse_cookies(cookies):
    """{name: value} from a Cookie header (str or bytes) or a mapping; the first of a repeated name wins."""
    if cookies is None:
        return {}
    if isinstance(cookies, bytes):
        cookies = cookies.decode('latin-1')
    if not isinstance(cookies, str):
        return {str(name): '' if value is None else str(value) for name, value in dict(cookies).items()}
    jar = {}
    for pair in cookies.split(';'):
        name, _, value = pair.partition('=')
        name = name.strip()
        if name and name not in jar:
            jar[name] = value.strip()
    return jar


def header(headers, name):
    """One header's value from a mapping (any case), a list of (name, value) pairs, or None."""
    if not headers:
        return None
    wanted = name.lower()
    items = headers.items() if hasattr(headers, 'items') else headers
    for key, value in items:
        if isinstance(key, bytes):
            key, value = key.decode('latin-1'), value.decode('latin-1')
        if key.lower() == wanted:
            return value
    return None


def _read_only_jar(cookies):
    jar = parse_cookies(cookies)
    return {'read': lambda name: jar.get(name), 'write': lambda *args: None, 'remove': lambda *args: None}


def privacy_signal(headers, respect_gpc=False, respect_dnt=False):
    """True when the request carries a privacy signal the site chose to respect (Sec-GPC: 1, DNT: 1)."""
    gpc = respect_gpc and (header(headers, 'Sec-GPC') or '').strip() == '1'
    dnt = respect_dnt and (header(headers, 'DNT') or '').strip() == '1'
    return bool(gpc or dnt)


def consent_status(cookies, headers=None, *, respect_gpc=False, respect_dnt=False, opt_out_by_default=False):
    """'granted', 'denied' or 'pending' ('pending' only with opt_out_by_default and neither cookie), as the browser decides."""
    signal = privacy_signal(headers, respect_gpc, respect_dnt)
    return consent.status(_read_only_jar(cookies), signal, bool(opt_out_by_default))


def is_opted_out(cookies, headers=None, *, respect_gpc=False, respect_dnt=False, opt_out_by_default=False):
    """True unless tracking this visitor is granted: the opt-out cookie, a respected signal, or pending in that mode."""
    return consent_status(cookies, headers, respect_gpc=respect_gpc, respect_dnt=respect_dnt,
                          opt_out_by_default=opt_out_by_default) != 'granted'


# -- Set-Cookie values -------------------------------------------------------------------------------

def _now_ms(now_ms):
    return int(time.time() * 1000) if now_ms is None else int(now_ms)


def set_cookie_header(name, value, max_age_s, domain=None):
    """A Set-Cookie value with the attributes of the browser side: Path=/, SameSite=Lax, never Secure."""
    max_age_s = max(0, int(max_age_s))
    expires = formatdate(time.time() + max_age_s if max_age_s else 0, usegmt=True)
    cookie = '%s=%s; Max-Age=%d; Expires=%s; Path=/; SameSite=Lax' % (name, value, max_age_s, expires)
    return cookie + '; Domain=' + domain if domain else cookie


def delete_cookie_headers(name, domain=None):
    """Set-Cookie values deleting `name`: host-only, and also with Domain when one is given."""
    deletions = [set_cookie_header(name, '', 0)]
    if domain:
        deletions.append(set_cookie_header(name, '', 0, domain))
    return deletions


def _choice_cookie(name, created_ms, now_ms, domain, renewed):
    """The cookie `name` created at `created_ms` (floored to its day), or its deletion past 2 years."""
    created = consent.day_of(created_ms)
    left_s = consent.lifetime_left(created, now_ms) // 1000
    if left_s <= 0:
        return delete_cookie_headers(name, domain)
    value = consent.renewed_value(created, now_ms) if renewed else consent.new_value(created)
    return [set_cookie_header(name, value, left_s, domain)]


def opt_out_cookies(domain=None, now_ms=None):
    """Set-Cookie values for a new opt-out: the opt-out cookie, and the opt-in cookie deleted."""
    now_ms = _now_ms(now_ms)
    return _choice_cookie(OPT_OUT_COOKIE, now_ms, now_ms, domain, False) + delete_cookie_headers(OPT_IN_COOKIE, domain)


def renewal_cookies(created_ms, domain=None, now_ms=None, name=OPT_OUT_COOKIE):
    """Set-Cookie values renewing a choice made at `created_ms`: same creation day, today's renewal, lifetime left."""
    return _choice_cookie(name, created_ms, _now_ms(now_ms), domain, True)


def opt_in_cookies(domain=None, now_ms=None, opt_out_by_default=False):
    """Set-Cookie values for an opt-in: the opt-out cookie deleted (every variant); in that mode, the opt-in cookie."""
    cookies = delete_cookie_headers(OPT_OUT_COOKIE, domain)
    if opt_out_by_default:
        now_ms = _now_ms(now_ms)
        cookies += _choice_cookie(OPT_IN_COOKIE, now_ms, now_ms, domain, False)
    return cookies


def clear_cookies(domain=None):
    """Set-Cookie values deleting both cookies, every variant: no choice made."""
    return delete_cookie_headers(OPT_OUT_COOKIE, domain) + delete_cookie_headers(OPT_IN_COOKIE, domain)


# -- the consent request -----------------------------------------------------------------------------

class BadConsentRequest(ValueError):
    """The request is not the SDK's consent request: answered 400, nothing set."""


def request_host(headers, default=None):
    """The request's host name, lower case, without the port."""
    raw = (header(headers, 'Host') or default or '').strip().lower()
    if raw.startswith('['):
        return raw[:raw.find(']') + 1]
    return raw.rsplit(':', 1)[0] if raw.count(':') == 1 else raw


def is_host_name(name):
    """A DNS name or IPv4 address: labels of letters, digits and inner hyphens, nothing else."""
    return isinstance(name, str) and len(name) <= 253 and all(LABEL.fullmatch(label) for label in name.split('.'))


def is_within(host, domain):
    """True when `host` is `domain` or a subdomain of it (the rule of a cookie's Domain)."""
    return host == domain or host.endswith('.' + domain)


def _checked_domain(domain, host):
    if domain is None:
        return None
    if not isinstance(domain, str):
        raise BadConsentRequest('domain must be a string or null')
    name = domain[1:] if domain.startswith('.') else domain
    if name != name.lower() or not is_host_name(name):
        raise BadConsentRequest('domain must be a lower-case host name')
    if not host or not is_within(host, name) or ('.' not in name and name != host):
        raise BadConsentRequest('domain must be a domain this host is within')
    return name


def _checked_created(created, now_ms):
    if created is None:
        return None
    if isinstance(created, bool) or not isinstance(created, int):
        raise BadConsentRequest('created must be an integer (ms) or null')
    if not EARLIEST_CREATED_MS <= created <= now_ms + CLOCK_SKEW_MS:
        raise BadConsentRequest('created is out of range')
    return created


def parse_consent_request(body, host, now_ms=None):
    """The consent body {"domain", "created", "optOutByDefault"}, checked strictly; raises BadConsentRequest.

    Any Content-Type: the SDK sends text/plain (a CORS-simple request). An HTML form cannot produce a
    valid body: url-encoded and multipart bodies are not JSON, and a text/plain form always adds a
    `name=value` pair, whose `=` can only sit in an extra key or in a string no field accepts.
    """
    if not body or len(body) > MAX_CONSENT_BODY:
        raise BadConsentRequest('expected a JSON body of at most %d bytes' % MAX_CONSENT_BODY)
    try:
        request = json.loads(body.decode('utf-8') if isinstance(body, bytes) else body,
                             parse_constant=lambda name: None)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadConsentRequest('malformed JSON') from None
    if not isinstance(request, dict) or set(request) != CONSENT_KEYS:
        raise BadConsentRequest('expected {"domain": ..., "created": ..., "optOutByDefault": ...}')
    if not isinstance(request['optOutByDefault'], bool):
        raise BadConsentRequest('optOutByDefault must be true or false')
    return {'domain': _checked_domain(request['domain'], host),
            'created': _checked_created(request['created'], _now_ms(now_ms)),
            'optOutByDefault': request['optOutByDefault']}


def origin_host(origin):
    """The host of an Origin header value, or None for 'null' or anything that is not an http(s) origin."""
    try:
        parts = urlsplit(origin or '')
    except ValueError:
        return None
    if parts.scheme not in ('http', 'https') or not parts.hostname or parts.path or parts.query:
        return None
    return parts.hostname


def is_allowed_origin(origin, host, allowed_origins=()):
    """An Origin the consent routes accept: the same host, one within the other, or listed."""
    if origin in allowed_origins:
        return True
    other = origin_host(origin)
    if other is None or not host:
        return False
    return is_within(other, host) or is_within(host, other)


def cross_site_reason(headers, host, allowed_origins=()):
    """Why this request is refused as cross-site, or None when it may change the visitor's cookies.

    Sec-Fetch-Site decides when the browser sends it: same-origin and same-site pass (the SDK's own
    request carries `Origin: null`, because it is sent without a referrer, and `same-origin`);
    cross-site and none (a typed URL, a bookmark) do not. Without it, Origin decides: the same host,
    one within the other, or an allowed origin; `null` is refused. Without either (no browser sends a
    POST so), the strict JSON body is the guard: an HTML form cannot produce it.
    """
    site = (header(headers, 'Sec-Fetch-Site') or '').strip().lower()
    if site:
        return None if site in ('same-origin', 'same-site') else 'Sec-Fetch-Site: ' + site
    origin = header(headers, 'Origin')
    if origin is None:
        return None
    return None if is_allowed_origin(origin.strip(), host, allowed_origins) else 'Origin: ' + origin


def cors_headers(headers, host, allowed_origins=()):
    """CORS headers for a same-site or allowed origin (credentialed: the answer sets cookies); else none."""
    origin = header(headers, 'Origin')
    site = (header(headers, 'Sec-Fetch-Site') or '').strip().lower()
    same_site = site in ('same-origin', 'same-site') or is_allowed_origin(origin, host, allowed_origins)
    if origin and origin != 'null' and same_site:
        return [('Access-Control-Allow-Origin', origin), ('Access-Control-Allow-Credentials', 'true'),
                ('Vary', 'Origin')]
    return [('Vary', 'Origin')]


def consent_cookies(route, request, now_ms=None):
    """The Set-Cookie values answering a checked consent request on route 'opt-out' or 'opt-in'."""
    domain, created, by_default = request['domain'], request['created'], request['optOutByDefault']
    if route == 'opt-out':
        if created is None:
            return opt_out_cookies(domain, now_ms)
        return renewal_cookies(created, domain, now_ms) + delete_cookie_headers(OPT_IN_COOKIE, domain)
    if by_default and created is not None:
        return delete_cookie_headers(OPT_OUT_COOKIE, domain) + renewal_cookies(created, domain, now_ms, OPT_IN_COOKIE)
    return opt_in_cookies(domain, now_ms, by_default)


def handle_consent(method, path, headers, body, *, allowed_origins=(), now_ms=None):
    """(status, [(header, value)], body bytes) for a request to the consent routes; the core of both apps.

    `path` ends with /opt-out or /opt-in; `body` is the request body (bytes), None when it was too large.
    """
    route = path.rstrip('/').rsplit('/', 1)[-1]
    host = request_host(headers)
    cors = cors_headers(headers, host, allowed_origins)
    if route not in ('opt-out', 'opt-in'):
        return _json_answer(404, {'error': 'no such route'}, cors)
    if method == 'OPTIONS':
        allow = [('Access-Control-Allow-Methods', 'POST'), ('Access-Control-Allow-Headers', 'Content-Type'),
                 ('Access-Control-Max-Age', '600')] if len(cors) > 1 else []
        return 204, cors + allow, b''
    if method != 'POST':
        return _json_answer(405, {'error': 'POST only'}, cors + [('Allow', 'POST')])
    reason = cross_site_reason(headers, host, allowed_origins)
    if reason:
        return _json_answer(403, {'error': 'cross-site consent request refused (%s)' % reason}, cors)
    try:
        if body is None:
            raise BadConsentRequest('body too large')
        request = parse_consent_request(body, host, now_ms)
    except BadConsentRequest as error:
        return _json_answer(400, {'error': str(error)}, cors)
    cookies = consent_cookies(route, request, now_ms)
    answer = {'optedOut': route == 'opt-out'}
    return _json_answer(200, answer, cors + [('Set-Cookie', cookie) for cookie in cookies])


def _json_answer(status, payload, headers):
    body = json.dumps(payload, separators=(',', ':')).encode('utf-8')
    return status, [('Content-Type', 'application/json'), ('Cache-Control', 'no-store')] + headers, body


# -- WSGI ---------------------------------------------------------------------------------------------

def _wsgi_headers(environ):
    found = {key[5:].replace('_', '-'): value for key, value in environ.items() if key.startswith('HTTP_')}
    if environ.get('CONTENT_TYPE'):
        found['CONTENT-TYPE'] = environ['CONTENT_TYPE']
    return found


STATUS_TEXT = {200: 'OK', 204: 'No Content', 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found',
               405: 'Method Not Allowed'}


class OptOutMiddleware:
    """WSGI middleware: sets environ['xng.opted_out'] (bool) and environ['xng.consent'] for the wrapped app."""

    def __init__(self, app, *, respect_gpc=False, respect_dnt=False, opt_out_by_default=False):
        self.app = app
        self.options = {'respect_gpc': respect_gpc, 'respect_dnt': respect_dnt,
                        'opt_out_by_default': opt_out_by_default}

    def __call__(self, environ, start_response):
        status = consent_status(environ.get('HTTP_COOKIE'), _wsgi_headers(environ), **self.options)
        environ['xng.consent'] = status
        environ['xng.opted_out'] = status != 'granted'
        return self.app(environ, start_response)


class ConsentApp:
    """A WSGI app for POST /opt-out and POST /opt-in (mount it where `consentEndpoint` points)."""

    def __init__(self, *, allowed_origins=()):
        self.allowed_origins = tuple(allowed_origins)

    def __call__(self, environ, start_response):
        body = b''
        if environ.get('REQUEST_METHOD') == 'POST':
            body = self._read_body(environ)
        status, headers, payload = handle_consent(environ.get('REQUEST_METHOD', 'GET'), environ.get('PATH_INFO', ''),
                                                  _wsgi_headers(environ), body, allowed_origins=self.allowed_origins)
        start_response('%d %s' % (status, STATUS_TEXT.get(status, '')),
                       headers + [('Content-Length', str(len(payload)))])
        return [payload]

    @staticmethod
    def _read_body(environ):
        raw = environ.get('CONTENT_LENGTH') or ''
        if not raw.isdigit():
            return b''
        length = int(raw)
        if length > MAX_CONSENT_BODY:
            return None
        return environ['wsgi.input'].read(length)


# -- ASGI ---------------------------------------------------------------------------------------------

class ASGIOptOutMiddleware:
    """ASGI middleware: sets scope['state']['xng_opted_out'] (Starlette, FastAPI: request.state.xng_opted_out)."""

    def __init__(self, app, *, respect_gpc=False, respect_dnt=False, opt_out_by_default=False):
        self.app = app
        self.options = {'respect_gpc': respect_gpc, 'respect_dnt': respect_dnt,
                        'opt_out_by_default': opt_out_by_default}

    async def __call__(self, scope, receive, send):
        if scope['type'] in ('http', 'websocket'):
            headers = scope.get('headers') or []
            status = consent_status(header(headers, 'Cookie'), headers, **self.options)
            state = scope.setdefault('state', {})
            state['xng_consent'] = status
            state['xng_opted_out'] = status != 'granted'
        await self.app(scope, receive, send)


class ASGIConsentApp:
    """An ASGI app for POST /opt-out and POST /opt-in (mount it where `consentEndpoint` points)."""

    def __init__(self, *, allowed_origins=()):
        self.allowed_origins = tuple(allowed_origins)

    async def __call__(self, scope, receive, send):
        if scope['type'] != 'http':
            return
        body = await self._read_body(receive) if scope['method'] == 'POST' else b''
        status, headers, payload = handle_consent(scope['method'], scope['path'], scope.get('headers') or [], body,
                                                  allowed_origins=self.allowed_origins)
        raw_headers = [(name.lower().encode('latin-1'), value.encode('latin-1')) for name, value in headers]
        raw_headers.append((b'content-length', str(len(payload)).encode('ascii')))
        await send({'type': 'http.response.start', 'status': status, 'headers': raw_headers})
        await send({'type': 'http.response.body', 'body': payload})

    @staticmethod
    async def _read_body(receive):
        body = b''
        while True:
            message = await receive()
            if message['type'] == 'http.disconnect':
                return b''
            body += message.get('body', b'')
            if len(body) > MAX_CONSENT_BODY:
                return None
            if not message.get('more_body'):
                return body


# -- the built assets ---------------------------------------------------------------------------------

def static_dir():
    """The folder holding xng.min.js, snippet.js (and xng.core.min.js, maps) for any static server.

    Installed from a wheel: the package's own `static` folder. In a source checkout: build/ (after
    `make build`). Raises FileNotFoundError when neither holds xng.min.js.
    """
    here = Path(__file__).resolve().parent
    for folder in (here / 'static', here.parent / 'build'):
        if (folder / 'xng.min.js').is_file():
            return folder
    raise FileNotFoundError('no built xng assets: install the xng wheel, or run `make build` in a source checkout')
