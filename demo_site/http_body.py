"""Reading request bodies safely: a declared length, at most 512 KB, within 5 seconds, valid JSON."""
import json
import math
import re
import socket
import time

MAX_BODY = 512 * 1024
# The whole body must arrive within this time: a per-read timeout alone lets a client that drips
# one byte every few seconds hold a thread for as long as it likes.
BODY_SECONDS = 5
# After refusing a large body we still read (and discard) a bounded amount of it: closing a socket
# with unread input makes the kernel send a reset, and the client would never see our 400.
LINGER_BYTES = 4 * 1024 * 1024
LINGER_SECONDS = 2
DIGITS = re.compile(r'[0-9]{1,12}')


class BadRequest(Exception):
    """Answered with 400 and the message; the server keeps running."""


def _reject_constant(name):
    # NaN and Infinity would be stored and then served back as invalid JSON to the live panel.
    raise ValueError('%s is not JSON' % name)


def _finite_float(raw):
    number = float(raw)
    if not math.isfinite(number):  # 1e999 parses as inf: the same invalid JSON on the way out
        raise ValueError('%s overflows a double' % raw)
    return number


class RequestBody:
    """Mixin for the request handler: body reading, draining and dropping the connection."""

    linger = 0  # bytes to drain after the response; set when a body was left unread

    def declared_length(self):
        raw = (self.headers.get('Content-Length') or '').strip()
        return int(raw) if DIGITS.fullmatch(raw) else 0

    def read_body(self, required=True):
        """The request body, or BadRequest when its length is missing, invalid or over 512 KB."""
        raw = self.headers.get('Content-Length')
        if raw is None:
            if required:
                raise BadRequest('Content-Length is required')
            return b''
        if not DIGITS.fullmatch(raw.strip()):
            raise BadRequest('invalid Content-Length')
        length = int(raw)
        if length > MAX_BODY:
            self.linger = length
            raise BadRequest('body larger than 512 KB')
        return self._read_within(length, time.monotonic() + BODY_SECONDS)

    def _read_within(self, length, deadline):
        chunks, remaining = [], length
        try:
            while remaining > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                self.connection.settimeout(left)
                chunk = self.rfile.read1(min(65536, remaining))
                if not chunk:
                    break
                chunks.append(chunk)
                remaining -= len(chunk)
        except (TimeoutError, socket.timeout):
            self.close_connection = True
            raise BadRequest('body not received within %d s' % BODY_SECONDS) from None
        finally:
            self.connection.settimeout(self.timeout)
        if remaining:
            raise BadRequest('body shorter than its Content-Length')
        return b''.join(chunks)

    def read_json(self, required=True, empty=None):
        body = self.read_body(required)
        if not body.strip():
            if required:
                raise BadRequest('a JSON body is required')
            return empty
        try:
            return json.loads(body.decode('utf-8'), parse_constant=_reject_constant, parse_float=_finite_float)
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise BadRequest('malformed JSON') from None

    def discard_input(self):
        """Drain what the client still sends (bounded in bytes and time), then close."""
        self.close_connection = True
        deadline = time.monotonic() + LINGER_SECONDS
        remaining, self.linger = min(self.linger, LINGER_BYTES), 0
        try:
            self.wfile.flush()
            self.connection.settimeout(LINGER_SECONDS)
            while remaining > 0 and time.monotonic() < deadline:
                chunk = self.rfile.read1(min(65536, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
        except OSError:
            pass

    def drop_connection(self):
        """Simulate a dead collector: close without any response."""
        self.close_connection = True
        self.responded = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
