"""The collector API behind /api/: batches, events, stats, messages, faults, reset and opt-out."""
import re
import time

from demo_site.faults import DOWN
from demo_site.http_body import DIGITS, BadRequest

OPT_OUT_COOKIE = 'xng.tracking-opt-out'
OPT_OUT_MAX_AGE = 63072000  # the opt-out reference promises 2 years
DOMAIN = re.compile(r'\.?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*')
GET_ROUTES = {'/api/events': 'get_events', '/api/stats': 'get_stats', '/api/messages': 'get_messages',
              '/api/faults': 'get_faults'}
POST_ROUTES = {'/api/batch': 'post_batch', '/api/reset': 'post_reset', '/api/faults': 'post_faults',
               '/api/opt-out': 'post_opt_out', '/api/opt-in': 'post_opt_in'}
API_PATHS = set(GET_ROUTES) | set(POST_ROUTES)


class ApiRoutes:
    """Mixin for the request handler; every answer is JSON with CORS headers."""

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
        if self.has_opt_out_cookie():
            store.count('dropped_opted_out')
            return self.send_json(200, {'dropped': True})
        self.send_json(200, store.store_batch(payload['batch']))

    def get_events(self):
        limit = self.query_value('limit')
        if limit is not None and not DIGITS.fullmatch(limit):
            raise BadRequest('limit must be a non-negative integer')
        events = self.collector.store.recent(None if limit is None else int(limit), self.query_value('anonymousId'))
        self.send_json(200, {'events': events})

    def get_stats(self):
        self.send_json(200, self.collector.store.stats())

    def get_messages(self):
        if self.has_opt_out_cookie():
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

    def post_opt_out(self):
        options = self.read_json(required=False, empty={})
        now_ms = int(time.time() * 1000)
        created = options.get('created') if isinstance(options, dict) else None
        # A renewal keeps the original creation time: the 2 years run from the first opt-out.
        if not isinstance(created, int) or isinstance(created, bool) or not now_ms - OPT_OUT_MAX_AGE * 1000 < created <= now_ms:
            created = now_ms
        max_age = OPT_OUT_MAX_AGE - (now_ms - created) // 1000
        cookie = self._opt_out_cookie(options, str(created), max_age)
        self.send_json(200, {'optedOut': True}, [('Set-Cookie', cookie)])

    def post_opt_in(self):
        # Deleting needs the same Path and Domain as the cookie being replaced.
        cookie = self._opt_out_cookie(self.read_json(required=False, empty={}), '', 0)
        self.send_json(200, {'optedOut': False}, [('Set-Cookie', cookie)])

    def _opt_out_cookie(self, options, value, max_age):
        domain = options.get('domain') if isinstance(options, dict) else None
        if not isinstance(options, dict) or (domain is not None and not (
                isinstance(domain, str) and DOMAIN.fullmatch(domain))):
            raise BadRequest('expected {"domain": "example.com"} or an empty body')
        cookie = '%s=%s; Max-Age=%d; Path=/; SameSite=Lax' % (OPT_OUT_COOKIE, value, max_age)
        if domain:
            cookie += '; Domain=' + domain
        if self.server.is_https:
            cookie += '; Secure'
        return cookie

    def has_opt_out_cookie(self):
        """Presence is what counts, whatever the value (as in the opt-out reference)."""
        for header in self.headers.get_all('Cookie') or []:
            for pair in header.split(';'):
                if pair.split('=', 1)[0].strip() == OPT_OUT_COOKIE:
                    return True
        return False
