"""The collector API behind /api/: batches, events, stats, messages, the consent routes, and test-only routes.

The cookie rules (opt-out detection, the consent routes' Set-Cookie, the cross-site refusal) come from
xng.server, the package's server module, so the demo behaves as a Python site using xng would.
"""
import base64
import binascii
import hmac

from xng import server as xng_server

from demo_site.collector import Busy
from demo_site.faults import DOWN
from demo_site.http_body import DIGITS, BadRequest

GET_ROUTES = {'/api/events': 'get_events', '/api/stats': 'get_stats', '/api/messages': 'get_messages'}
POST_ROUTES = {'/api/batch': 'post_batch', '/api/opt-out': 'post_consent', '/api/opt-in': 'post_consent'}
DELETE_ROUTES = {'/api/events': 'delete_events'}
# Only when the server is started with test_routes=True (--test-routes): a page on any other site can
# post to a loopback collector from the visitor's own browser, so being local protects nothing.
TEST_GET_ROUTES = {'/api/faults': 'get_faults'}
TEST_POST_ROUTES = {'/api/reset': 'post_reset', '/api/faults': 'post_faults'}
API_PATHS = set(GET_ROUTES) | set(POST_ROUTES) | set(DELETE_ROUTES)
TEST_PATHS = set(TEST_GET_ROUTES) | set(TEST_POST_ROUTES)
BUSY_RETRY_AFTER_S = 1


def routes(command, test_routes):
    """The route table for one HTTP method."""
    table = {'GET': GET_ROUTES, 'HEAD': GET_ROUTES, 'POST': POST_ROUTES, 'DELETE': DELETE_ROUTES}.get(command, {})
    if test_routes:
        table = dict(table, **{'GET': TEST_GET_ROUTES, 'HEAD': TEST_GET_ROUTES,
                               'POST': TEST_POST_ROUTES}.get(command, {}))
    return table


def api_paths(test_routes):
    return API_PATHS | TEST_PATHS if test_routes else API_PATHS


class ApiRoutes:
    """Mixin for the request handler; every answer is JSON."""

    def post_batch(self):
        store = self.collector.store
        store.count('requests')
        fault = self.collector.faults.take()
        if fault == DOWN:
            return self.drop_connection()
        if fault:
            store.count('faulted')
            status, retry_after = fault
            self.linger = self.declared_length()  # unwanted, but the client should still read the status
            headers = [] if retry_after is None else [('Retry-After', str(retry_after))]
            return self.send_json(status, {'error': 'injected fault'}, headers)
        try:
            payload = self.read_json()
            if not isinstance(payload, dict) or not isinstance(payload.get('batch'), list):
                raise BadRequest('expected {"batch": [...]}')
        except BadRequest:
            store.count('rejected')
            raise
        if not self.is_authorized(payload):
            store.count('unauthorized')
            return self.send_json(401, {'error': 'missing or wrong write key'})
        if self.is_opted_out():
            store.count('dropped_opted_out')
            return self.send_json(200, {'dropped': True})
        try:
            self.send_json(200, store.store_batch(payload['batch']))
        except Busy:
            self.send_json(503, {'error': 'database busy'}, [('Retry-After', str(BUSY_RETRY_AFTER_S))])

    def is_authorized(self, payload):
        """Without a configured key, anything; with one, every key given (body or Basic user) matches, and one is."""
        expected = self.server.write_key
        if expected is None:
            return True
        given = [payload[name] for name in ('writeKey', 'apiKey') if name in payload]
        authorization = self.headers.get('Authorization')
        if authorization is not None:
            given.append(basic_user(authorization))
        return bool(given) and all(isinstance(key, str) and hmac.compare_digest(key.encode('utf-8', 'surrogatepass'),
                                                                                  expected.encode('utf-8'))
                                   for key in given)

    def get_events(self):
        limit = self.query_value('limit')
        if limit is not None and not DIGITS.fullmatch(limit):
            raise BadRequest('limit must be a non-negative integer')
        events = self.collector.store.recent(None if limit is None else int(limit), self.query_value('anonymousId'))
        self.send_json(200, {'events': events})

    def delete_events(self):
        """The events page's Clear button: same-origin only (a cross-origin DELETE also needs a preflight)."""
        if self.headers.get('Sec-Fetch-Site', '').lower() != 'same-origin':
            return self.send_json(403, {'error': 'only the demo pages may clear the events'})
        try:
            self.collector.store.clear_events()
        except Busy:
            return self.send_json(503, {'error': 'database busy'}, [('Retry-After', str(BUSY_RETRY_AFTER_S))])
        self.send_json(200, {'cleared': True})

    def get_stats(self):
        self.send_json(200, self.collector.store.stats())

    def get_messages(self):
        if self.is_opted_out():
            return self.send_json(200, {'messages': []})
        messages = self.collector.messages(self.query_value('anonymousId'), self.query_value('userId'))
        self.send_json(200, {'messages': messages})

    def get_faults(self):
        self.send_json(200, self.collector.faults.snapshot())

    def post_faults(self):
        try:
            self.send_json(200, self.collector.faults.configure(self.read_json()))
        except ValueError as error:
            raise BadRequest(str(error)) from None

    def post_reset(self):
        self.read_body(required=False)
        self.collector.reset()
        self.send_json(200, {'reset': True})

    def post_consent(self):
        """POST /api/opt-out and /api/opt-in: xng.server's consent routes (same-site only, the strict body)."""
        try:
            body = self.read_body(required=False)
        except BadRequest as error:
            if self.linger:  # too large: its content does not matter
                body = None
            else:
                raise error
        status, headers, payload = xng_server.handle_consent(
            'POST', self.path.split('?', 1)[0], self.headers, body, allowed_origins=self.server.cors_origins)
        self.send_body(status, payload, headers=headers)

    def is_opted_out(self):
        """The backstop: the request carries the opt-out cookie (presence is what counts)."""
        return xng_server.is_opted_out('; '.join(self.headers.get_all('Cookie') or []))


def basic_user(authorization):
    """The user name of an HTTP Basic Authorization header (the write key), or None."""
    scheme, _, encoded = authorization.strip().partition(' ')
    if scheme.lower() != 'basic':
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode('utf-8')
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(':')[0]
