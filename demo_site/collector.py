"""What the collector remembers: events in SQLite, request counters, and the campaign rules.

SQLite in WAL mode lets readers go on while a writer holds the lock, so reads use connections of
their own (a small pool) and never queue behind a write; writes share one connection and one lock.
When another process holds the database's write lock past a short wait, the write raises Busy and
the collector answers 503 with Retry-After, which the SDK honours.
"""
import json
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timezone

from demo_site.campaigns import load_campaigns, messages_for
from demo_site.faults import Faults

SCHEMA = (
    # messageId is the primary key so a retried batch cannot store an event twice.
    'CREATE TABLE IF NOT EXISTS events (message_id TEXT PRIMARY KEY, received_at TEXT NOT NULL,'
    ' anonymous_id TEXT, user_id TEXT, body TEXT NOT NULL)',
    'CREATE INDEX IF NOT EXISTS events_by_anonymous_id ON events (anonymous_id)',
    'CREATE INDEX IF NOT EXISTS events_by_user_id ON events (user_id)',
)
STAT_KEYS = ('requests', 'stored', 'duplicates', 'rejected', 'dropped_opted_out', 'skipped', 'faulted', 'unauthorized',
             'busy')
BUSY_WAIT_SECONDS = 1  # how long a write waits for another writer before answering 503
READ_POOL = 8  # idle read connections kept open


class Busy(Exception):
    """The database is locked by another writer; answered 503 with Retry-After."""


def utc_now_iso():
    """Now as ISO 8601 UTC with milliseconds, the same shape the SDK sends."""
    return datetime.now(timezone.utc).isoformat(timespec='milliseconds').replace('+00:00', 'Z')


def _text_or_none(value):
    """A string SQLite can store: valid JSON may still carry a lone surrogate, which UTF-8 cannot encode."""
    if not isinstance(value, str) or not value:
        return None
    return value.encode('utf-8', 'surrogatepass').decode('utf-8', 'replace')


def is_storable(event):
    """An event is kept only with a string messageId: without it, dedupe is impossible."""
    return isinstance(event, dict) and isinstance(event.get('messageId'), str) and event['messageId'] != ''


class EventStore:
    """Events keyed by messageId plus the counters reported by GET /api/stats."""

    def __init__(self, path):
        self._path = str(path)
        self._lock = threading.Lock()  # the writer connection
        self._stats_lock = threading.Lock()  # the counters: never held while waiting for the database
        self._readers, self._readers_lock = [], threading.Lock()
        self._db = self._connect()
        self._db.execute('PRAGMA journal_mode=WAL')
        self._db.execute('PRAGMA synchronous=NORMAL')  # a demo can lose the last event on power loss
        for statement in SCHEMA:
            self._db.execute(statement)
        self._stats = dict.fromkeys(STAT_KEYS, 0)

    def _connect(self):
        return sqlite3.connect(self._path, check_same_thread=False, isolation_level=None, timeout=BUSY_WAIT_SECONDS)

    @contextmanager
    def _reader(self):
        with self._readers_lock:
            connection = self._readers.pop() if self._readers else None
        connection = connection or self._connect()
        try:
            yield connection
        finally:
            with self._readers_lock:
                keep = self._readers is not None and len(self._readers) < READ_POOL
                if keep:
                    self._readers.append(connection)
            if not keep:
                connection.close()

    def _write(self, statements):
        """Run (sql, rows) pairs in one transaction; Busy when another writer holds the database."""
        try:
            self._db.execute('BEGIN IMMEDIATE')
        except sqlite3.OperationalError as error:
            raise Busy(str(error)) from None
        try:
            for sql, rows in statements:
                self._db.executemany(sql, rows)
            self._db.execute('COMMIT')
        except sqlite3.OperationalError as error:
            self._db.execute('ROLLBACK')
            raise Busy(str(error)) from None
        except BaseException:
            self._db.execute('ROLLBACK')
            raise

    def count(self, key, amount=1):
        with self._stats_lock:
            self._stats[key] += amount

    def stats(self):
        with self._stats_lock:
            return dict(self._stats)

    def store_batch(self, events):
        """Store the valid events of one batch; returns how many were stored, duplicated, skipped."""
        received_at = utc_now_iso()
        rows = [(_text_or_none(event['messageId']), received_at, _text_or_none(event.get('anonymousId')),
                 _text_or_none(event.get('userId')), json.dumps(event, separators=(',', ':')))
                for event in events if is_storable(event)]
        with self._lock:
            before = self._db.total_changes
            try:
                self._write([('INSERT OR IGNORE INTO events VALUES (?, ?, ?, ?, ?)', rows)])
            except Busy:
                self.count('busy')
                raise
            stored = self._db.total_changes - before
        result = {'stored': stored, 'duplicates': len(rows) - stored, 'skipped': len(events) - len(rows)}
        with self._stats_lock:
            for key, amount in result.items():
                self._stats[key] += amount
        return result

    def recent(self, limit=None, anonymous_id=None):
        """Stored events, newest first, each with its receivedAt."""
        sql = 'SELECT body, received_at FROM events'
        params = []
        if anonymous_id:
            sql += ' WHERE anonymous_id = ?'
            params.append(anonymous_id)
        sql += ' ORDER BY rowid DESC'
        if limit is not None:
            sql += ' LIMIT ?'
            params.append(limit)
        return self._select(sql, params)

    def history(self, anonymous_id=None, user_id=None):
        """Events of one visitor (by anonymousId or userId) in the order they arrived."""
        if not anonymous_id and not user_id:
            return []
        return self._select('SELECT body, received_at FROM events WHERE anonymous_id = ? OR user_id = ?'
                            ' ORDER BY rowid', [anonymous_id or None, user_id or None])

    def _select(self, sql, params):
        with self._reader() as connection:
            rows = connection.execute(sql, params).fetchall()
        events = []
        for body, received_at in rows:
            event = json.loads(body)
            event['receivedAt'] = received_at
            events.append(event)
        return events

    def clear_events(self):
        with self._lock:
            self._write([('DELETE FROM events', [()])])

    def reset(self):
        self.clear_events()
        with self._stats_lock:
            self._stats = dict.fromkeys(STAT_KEYS, 0)

    def close(self):
        with self._readers_lock:
            readers, self._readers = self._readers or [], None
        for connection in readers:
            connection.close()
        with self._lock:
            self._db.close()


class Collector:
    """Everything the HTTP layer needs: the store, the injected faults and the campaign rules."""

    def __init__(self, db_path, campaigns=None):
        self.store = EventStore(db_path)
        self.faults = Faults()
        self.campaigns = load_campaigns() if campaigns is None else campaigns

    def messages(self, anonymous_id=None, user_id=None):
        return messages_for(self.campaigns, self.store.history(anonymous_id, user_id))

    def reset(self):
        self.store.reset()
        self.faults.clear()

    def close(self):
        self.store.close()
