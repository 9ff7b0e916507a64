"""`make soak`: the delivery fault scenarios in headless Chromium against the real collector.

    python tools/soak.py [--rounds N] [--scale X]

For each scenario it prints how many events the page tracked, how many were delivered, lost and
duplicated, and how many the collector received again after storing them:
  tracked    track() calls the page made (each numbered by a `seq` property)
  delivered  calls stored by the collector
  lost       calls never stored (sent or not)
  dup        calls stored more than once: by messageId (the collector's primary key prevents it) or
             under two messageIds for one call (which nothing downstream could undo)
  resent     events received again after being stored (/api/stats `duplicates`): retries whose first
             answer was lost, keepalive batches at pagehide that the next page also sent. Harmless,
             because the collector de-duplicates on messageId; reported to show the cost.
Exit status 1 when any scenario lost or stored-duplicated an event.
"""
import argparse
import collections
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / 'tools'), str(ROOT / 'tests' / 'e2e')]

from chromium import launch  # noqa: E402
from support import Collector, RequestLog, page_html, serve, wait_until  # noqa: E402

PAGE = '/soak/page.html'
INIT = "xng.init({endpoint: '/api/batch', pollInterval: 0})"
LOADED = '() => window.xng && window.xng.loaded === true'
DEADLINE_S = 90


class Run:
    """One scenario: a fresh browser context, the collector reset, and what the page tracked."""

    def __init__(self, browser, collector, base_url, name):
        self.collector, self.base_url, self.name = collector, base_url, name
        collector.reset()
        self.context = browser.new_context()
        self.context.set_default_timeout(30000)
        self.log = RequestLog(self.context)
        serve(self.context, base_url + PAGE, page_html())
        self.tracked = []
        self.errors = []

    def open(self, init=True):
        page = self.context.new_page()
        page.on('pageerror', lambda error: self.errors.append(str(error)))
        page.goto(self.base_url + PAGE)
        page.wait_for_function(LOADED)
        if init:
            page.evaluate(INIT)
        return page

    def reload(self, page):
        page.reload()
        page.wait_for_function(LOADED)
        page.evaluate(INIT)

    def track(self, page, count):
        first = len(self.tracked)
        page.evaluate('([name, first, count]) => { for (let i = first; i < first + count; i++)'
                      ' xng.track(name, {seq: i}) }', [self.name, first, count])
        self.tracked.extend(range(first, first + count))

    def stored(self):
        return [event for event in self.collector.events() if event.get('event') == self.name]

    def wait_all(self):
        """Until every tracked call is stored (or the deadline: what is missing then counts as lost)."""
        try:
            wait_until(lambda: len({e['properties']['seq'] for e in self.stored()}) >= len(set(self.tracked)),
                       'all events of ' + self.name, timeout=DEADLINE_S, interval=0.2)
        except AssertionError:
            pass

    def attempts_at_least(self, count):
        wait_until(lambda: self.collector.stats()['requests'] >= count, '%d batch requests' % count, timeout=30)

    def report(self, started):
        self.context.cookies()  # a round trip: Playwright delivers the request events still in flight
        stored = self.stored()
        by_seq = collections.Counter(event['properties']['seq'] for event in stored)
        by_id = collections.Counter(event['messageId'] for event in stored)
        on_wire = {event['messageId'] for body in self.log.batches() for event in body['batch']
                   if event.get('event') == self.name}
        tracked = set(self.tracked)
        row = {
            'scenario': self.name, 'tracked': len(tracked), 'delivered': len(tracked & set(by_seq)),
            'lost': len(tracked - set(by_seq)),
            'dup': sum(n - 1 for n in by_seq.values() if n > 1) + sum(n - 1 for n in by_id.values() if n > 1),
            'resent': self.collector.stats()['duplicates'], 'on_wire': len(on_wire),
            'errors': len(self.errors), 'seconds': round(time.monotonic() - started, 1),
        }
        self.context.close()
        return row


def burst_503(run, scale):
    """The collector answers 503 (Retry-After: 1) to the next batches while the page keeps tracking."""
    page = run.open()
    run.collector.faults(fail=5, status=503, retryAfter=1)
    for _ in range(4):
        run.track(page, scale(50))
        page.evaluate('new Promise(resolve => setTimeout(resolve, 100))')  # events spread over time, in the page
    run.wait_all()


def down_then_up(run, scale):
    """The collector drops every connection for a while, then comes back."""
    page = run.open()
    run.collector.faults(down=True)
    run.track(page, scale(200))
    run.attempts_at_least(3)
    run.collector.faults(down=False)
    run.wait_all()


def reload_pending(run, scale):
    """Events pending while the collector is down, the page reloads, then the collector comes back."""
    page = run.open()
    run.collector.faults(down=True)
    run.track(page, scale(100))
    page.evaluate('xng.flush()')
    run.attempts_at_least(1)
    page.reload()
    page.wait_for_function(LOADED)
    run.collector.faults(down=False)
    page.evaluate(INIT)
    run.wait_all()


def reload_while_sending(run, scale):
    """Reloads right after bursts, with the collector up: pagehide keepalive batches race the next page."""
    page = run.open()
    for _ in range(3):
        run.track(page, scale(150))
        run.reload(page)
    run.wait_all()


def two_tabs(run, scale):
    """Two tabs persist while the collector is down; one closes, two more open; then it comes back."""
    tab_a, tab_b = run.open(), run.open()
    run.collector.faults(down=True)
    run.track(tab_a, scale(50))
    run.track(tab_b, scale(50))
    for tab in (tab_a, tab_b):
        tab.evaluate('xng.flush()')
    run.attempts_at_least(2)
    tab_a.close()
    tab_c, tab_d = run.open(), run.open()
    run.track(tab_c, scale(25))
    run.track(tab_d, scale(25))
    run.collector.faults(down=False)
    for tab in (tab_b, tab_c, tab_d):
        tab.evaluate('xng.flush()')
    run.wait_all()


def burst_3000(run, scale):
    """3,000 track calls in one task."""
    page = run.open()
    run.track(page, scale(3000))
    run.wait_all()


SCENARIOS = [('503-burst', burst_503), ('down-up', down_then_up), ('reload-pending', reload_pending),
             ('reload-sending', reload_while_sending), ('two-tabs', two_tabs), ('burst-3000', burst_3000)]
COLUMNS = ('scenario', 'tracked', 'delivered', 'lost', 'dup', 'resent', 'on_wire', 'errors', 'seconds')


def line(row):
    return '%-14s' % row['scenario'] + ''.join('%10s' % row[column] for column in COLUMNS[1:])


def main(argv=None):
    parser = argparse.ArgumentParser(prog='tools/soak.py', description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=1, help='run every scenario this many times')
    parser.add_argument('--scale', type=float, default=1.0, help='multiply the event counts')
    parser.add_argument('--only', help='comma-separated scenario names')
    args = parser.parse_args(argv)
    scale = lambda count: max(1, int(count * args.scale))  # noqa: E731
    chosen = [s for s in SCENARIOS if not args.only or s[0] in args.only.split(',')]

    from demo_site.server import start
    from playwright.sync_api import sync_playwright
    rows = []
    with start('127.0.0.1', 0, test_routes=True) as server, sync_playwright() as playwright:
        browser = launch(playwright)
        collector = Collector(server.url.rstrip('/'))
        print(line(dict(zip(COLUMNS, COLUMNS))), flush=True)
        for round_index in range(args.rounds):
            for name, scenario in chosen:
                started = time.monotonic()
                run = Run(browser, collector, server.url.rstrip('/'), name)
                scenario(run, scale)
                row = run.report(started)
                rows.append(row)
                print(line(row), flush=True)
        browser.close()
    lost, dup = sum(row['lost'] for row in rows), sum(row['dup'] for row in rows)
    print('total: %d tracked, %d delivered, %d lost, %d stored twice, %d resent (de-duplicated by the collector)'
          % (sum(row['tracked'] for row in rows), sum(row['delivered'] for row in rows), lost, dup,
             sum(row['resent'] for row in rows)))
    if lost or dup:
        print('FAIL: events were lost or stored twice', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
