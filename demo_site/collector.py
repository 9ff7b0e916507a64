"""What the collector remembers: events in SQLite, request counters, and the campaign rules.

One sqlite3 connection is shared by all request threads, so every use goes through one lock;
the demo's traffic is tiny and this keeps the storage free of connection-pool logic.
"""
import json
import sqlite3
import threading
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
STAT_KEYS = ('requests', 'stored', 'duplicates', 'rejected', 'dropped_opted_out', 'skipped', 'faulted')


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
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute('PRAGMA journal_mode=WAL')
        self._db.execute('PRAGMA synchronous=NORMAL')  # a demo can lose the last event on power loss
        for statement in SCHEMA:
            self._db.execute(statement)
        self._stats = dict.fromkeys(STAT_KEYS, 0)

    def count(self, key, amount=1):
        with self._lock:
            self._stats[key] += amount

    def stats(self):
        with self._lock:
            return dict(self._stats)

    def store_batch(self, events):
        """Store the valid events of one batch; returns how many were stored, duplicated, skipped."""
        received_at = utc_now_iso()
        rows = [(_text_or_none(event['messageId']), received_at, _text_or_none(event.get('anonymousId')),
                 _text_or_none(event.get('userId')), json.dumps(event, separators=(',', ':')))
                for event in events if is_storable(event)]
        with self._lock:
            before = self._db.total_changes
            self._db.execute('BEGIN')
            try:
                self._db.executemany('INSERT OR IGNORE INTO events VALUES (?, ?, ?, ?, ?)', rows)
                self._db.execute('COMMIT')
            except BaseException:
                self._db.execute('ROLLBACK')
                raise
            stored = self._db.total_changes - before
            result = {'stored': stored, 'duplicates': len(rows) - stored, 'skipped': len(events) - len(rows)}
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
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        events = []
        for body, received_at in rows:
            event = json.loads(body)
            event['receivedAt'] = received_at
            events.append(event)
        return events

    def reset(self):
        with self._lock:
            self._db.execute('DELETE FROM events')
            self._stats = dict.fromkeys(STAT_KEYS, 0)

    def close(self):
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
