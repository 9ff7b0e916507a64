"""Where a track() call's total goes: the bench's track-total window, profiled, for xng and the floor.

    .venv/bin/python bench/call_profile.py [--runs 4] [--top 20] [--bundle build/xng.js]

The same pages, init and window as `make bench`'s track total (run.py Bench.total_sample: 1,000
`track('Bench', {i: 1, plan: 'pro'})` calls in one task, then 3 s for the work they defer), with:
- Chromium's ScriptDuration per call, of the minified build and of the floor (make bench's own
  Bench.total_sample, round-robin), and how many of the 1,000 events the requests delivered;
- what the window did, counted by an init script: JSON.stringify calls and bytes, UTF-8 measures
  (TextEncoder.encode), fetch() calls, localStorage writes and bytes, document.cookie reads;
- a CPU profile of the window (V8's sampling profiler, every 50 us), self and inclusive time per
  function and call, for the readable bundle (--bundle, build/xng.js: the same code, with its
  names) and the floor. The profiler inflates what it samples: read it for where, not how much.
Needs `make build`. Nothing here changes xng/ or the shipped files.
"""
import argparse
import collections
import statistics
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT / 'tools'))
sys.path.insert(0, str(BENCH_DIR))
from chromium import launch  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

import run as bench_run  # noqa: E402
import sdks as catalogue  # noqa: E402
from network import LocalNetwork, page_url  # noqa: E402

SAMPLING_US = 50
COUNTERS = """(() => {
  const c = window.__counts = {stringify: 0, stringified_bytes: 0, utf8_measures: 0, fetch: 0,
                               storage_writes: 0, stored_bytes: 0, cookie_reads: 0};
  const stringify = JSON.stringify;
  JSON.stringify = function () { const r = stringify.apply(this, arguments); c.stringify++; c.stringified_bytes += r ? r.length : 0; return r; };
  const encode = TextEncoder.prototype.encode;
  TextEncoder.prototype.encode = function () { c.utf8_measures++; return encode.apply(this, arguments); };
  const send = window.fetch;
  window.fetch = function () { c.fetch++; return send.apply(this, arguments); };
  const setItem = Storage.prototype.setItem;
  Storage.prototype.setItem = function (k, v) { c.storage_writes++; c.stored_bytes += String(v).length; return setItem.apply(this, arguments); };
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  Object.defineProperty(Document.prototype, 'cookie', {configurable: true, set(v) { cookie.set.call(this, v); },
    get() { c.cookie_reads++; return cookie.get.call(this); }});
})();"""
CALLS_JS = 'n => __bench.later(() => { for (let i = 0; i < n; i++) %s; })'


def window(bench, sdk, init_script=None, profile=False):
    """One fresh page through the total window, instrumented: (the counts of COUNTERS or None, CPU profile or None).
    The timed figure itself is make bench's own (Bench.total_sample), without either instrument."""
    context = bench.browser.new_context()
    try:
        log = bench.network.attach(context)
        if init_script:
            context.add_init_script(init_script)
        page = context.new_page()
        page.goto(page_url(sdk.name, True))
        bench._init(page, sdk)
        bench._wait_quiet(page, log)
        cdp = context.new_cdp_session(page)
        if profile:
            cdp.send('Profiler.enable')
            cdp.send('Profiler.setSamplingInterval', {'interval': SAMPLING_US})
            cdp.send('Profiler.start')
        if init_script:
            page.evaluate('() => { for (const k in __counts) __counts[k] = 0; }')
        page.evaluate(CALLS_JS % sdk.track, bench_run.TOTAL_CALLS)
        page.evaluate('ms => __bench.sleep(ms)', bench_run.TOTAL_WINDOW_MS)
        counts = page.evaluate('() => window.__counts || null')
        return counts, cdp.send('Profiler.stop')['profile'] if profile else None
    finally:
        context.close()


def add_profile(tree, own, inclusive):
    """Adds a profile's sample time (us) per function (name:line) to `own` and `inclusive`."""
    nodes = {node['id']: node for node in tree['nodes']}
    parent = {child: node['id'] for node in tree['nodes'] for child in node.get('children', [])}

    def label(node):
        frame = node['callFrame']
        return '%s:%d' % (frame['functionName'] or '(anonymous)', frame['lineNumber'] + 1)

    for sample, delta in zip(tree['samples'], tree['timeDeltas']):
        node = nodes[sample]
        if node['callFrame']['functionName'] in ('(idle)', '(program)'):
            continue
        own[label(node)] += delta
        seen, current = set(), sample
        while current is not None:
            name = label(nodes[current])
            if name not in seen:
                inclusive[name] += delta
                seen.add(name)
            current = parent.get(current)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--runs', type=int, default=4, help='fresh pages per figure (default 4)')
    parser.add_argument('--top', type=int, default=20, help='functions listed (default 20)')
    parser.add_argument('--xng', default=str(ROOT / 'build' / 'xng.min.js'), help='the build timed')
    parser.add_argument('--bundle', default=str(ROOT / 'build' / 'xng.js'), help='the readable bundle profiled')
    args = parser.parse_args(argv)
    version = bench_run.xng_version()
    snippet = str(ROOT / 'build' / 'snippet.js')
    timed = catalogue.xng(args.xng, args.xng, snippet, version)
    readable = catalogue.xng(args.bundle, args.bundle, snippet, version, name='xng-readable')
    floor = next(sdk for sdk in catalogue.floors() if sdk.name == 'floor')
    network = LocalNetwork({sdk.name: sdk for sdk in (timed, readable, floor)}, catalogue.SEGMENT_SETTINGS)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            bench = bench_run.Bench(browser, network, bench_run.QUICK)
            totals, delivered = collections.defaultdict(list), collections.defaultdict(list)
            for _ in range(args.runs):  # round-robin, so that the machine's load drifts over both alike
                for sdk in (timed, floor):
                    sample = bench.total_sample(sdk)
                    totals[sdk.name].append(sample['us'])
                    delivered[sdk.name].append(sample['delivered'])
            for sdk, profiled in ((timed, readable), (floor, floor)):
                counts, _ = window(bench, sdk, COUNTERS)
                own, inclusive = collections.Counter(), collections.Counter()
                for _ in range(args.runs):
                    add_profile(window(bench, profiled, profile=True)[1], own, inclusive)
                scale = args.runs * bench_run.TOTAL_CALLS  # sample us -> us per call
                print('== %s: ScriptDuration %.1f us per call (median of %s), delivered %s of %d' % (
                    sdk.name, statistics.median(totals[sdk.name]), ', '.join('%.0f' % t for t in totals[sdk.name]),
                    delivered[sdk.name], bench_run.TOTAL_CALLS))
                print('   in the window: %s' % ', '.join('%s %s' % (key, value) for key, value in counts.items()))
                print('   CPU profile of %s (us per call): self' % profiled.bundle)
                for name, value in own.most_common(args.top):
                    print('   %8.1f  %s' % (value / scale, name))
                print('   inclusive')
                for name, value in inclusive.most_common(args.top):
                    print('   %8.1f  %s' % (value / scale, name))
        finally:
            browser.close()


if __name__ == '__main__':
    main()
