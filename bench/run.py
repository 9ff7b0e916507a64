"""`make bench`: xng against five popular analytics SDKs, all measured in one headless Chromium run.

Run from the repo root after `make build` and `npm ci --prefix bench`:
    .venv/bin/python bench/run.py [--quick] [--json build/bench.json] [--xng build/xng.min.js]
Prints a table, writes the figures as JSON, and exits 1 if xng does anything while opted out, or if
xng or the floor leaves events of the track-total window undelivered.
Besides the peers, the same run measures the other builds of xng (build/xng.core.min.js, and the ES
module build/xng.mjs bundled as an app would) and two floors: a minimal tracker written by hand
(bench/floor.js) and an empty script, so that every xng figure also reads as a ratio to the floor.
What is measured and how: bench/README.md.
"""
import argparse
import datetime
import gzip
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / 'tools'))
from chromium import launch  # noqa: E402
from playwright.sync_api import Error as PlaywrightError, sync_playwright  # noqa: E402

import report  # noqa: E402
import sdks as catalogue  # noqa: E402
import trace  # noqa: E402
from network import LocalNetwork, page_url  # noqa: E402

# eval_pages: fresh pages per bundle; runs: fresh pages per SDK for the per-call costs; each run times
# up to `calls` calls, stopping early once `budget_ms` is spent (see LOOP_JS).
# split_pages: traced fresh pages per xng build and floor, for the compile / run split (bench/trace.py).
FULL = {'eval_pages': 15, 'runs': 7, 'calls': 10000, 'budget_ms': 400, 'total_runs': 3, 'split_pages': 7}
QUICK = {'eval_pages': 5, 'runs': 3, 'calls': 10000, 'budget_ms': 200, 'total_runs': 1, 'split_pages': 3}
# track() in total: the main thread's script time for TOTAL_CALLS calls made in one task plus all the
# work they leave for later (microtasks, timers, building and sending batches) in the TOTAL_WINDOW_MS
# after them, from Chromium's own ScriptDuration counter. SDKs differ in how much of a call they defer,
# so this is the figure that compares whole pipelines; the synchronous figure is what the caller waits.
TOTAL_CALLS = 1000
TOTAL_WINDOW_MS = 3000
WARMUP = {'calls': 1000, 'budget_ms': 100}
OPTED_OUT_CALLS = 100
OPTED_OUT_WINDOW_MS = 2000
QUIET_S, QUIET_LIMIT_S = 0.3, 5.0  # before opting out: network quiet this long, waiting at most that
PAGE_TIMEOUT_MS = 60000

# The per-call cost of `call`, in us. Untimed warm-up calls first, so the JIT has settled. Then whole
# chunks of 100 calls are timed together, because performance.now() is coarse (5 us when isolated,
# 100 us otherwise) and reading it after every call would cost more than the cheap calls themselves.
# The loop stops at `calls` calls or, for the SDKs that spend milliseconds per call, once `budgetMs`
# is spent. `hits` consumes each result, so no call can be optimised away.
LOOP_JS = """([calls, budgetMs, warmupCalls, warmupMs]) => {
    let hits = 0;
    const warmupEnd = performance.now() + warmupMs;
    for (let i = 0; i < warmupCalls && performance.now() < warmupEnd; i++) { if (%(call)s) hits++; }
    let done = 0;
    const start = performance.now();
    const stop = start + budgetMs;
    let now = start;
    while (done < calls && now < stop) {
        for (let i = 0; i < 100; i++) { if (%(call)s) hits++; }
        done += 100;
        now = performance.now();
    }
    return {us: (now - start) * 1000 / done, calls: done, hits};
}"""
# The loop runs in a task of its own and reports through the console as soon as it ends, instead of
# being the return value of page.evaluate: that value would only arrive after the page has run all
# the promise callbacks the calls queued, and some SDKs queue heavy ones (Snowplow re-persists its
# whole queue, up to 1000 events, after every event: minutes after a loop of thousands of calls).
# The deferred work is not part of the figure either way; this way the bench needn't wait for it.
RESULT_TAG = 'xng-bench-result '
RUN_LOOP_JS = """args => __bench.later(() => {
    let result;
    try { result = (%(loop)s)(args); } catch (error) { result = {error: String(error)}; }
    console.log(%(tag)r + JSON.stringify(result));
})"""


class BenchError(Exception):
    """An SDK misbehaved in a way that stops its measurement (reported, not fatal for peers)."""


class Bench:
    """Drives the pages; each sample gets a fresh browser context (own process, storage and caches)."""

    def __init__(self, browser, network, settings):
        self.browser = browser
        self.network = network
        self.settings = settings

    def _open(self, sdk, load_bundle, hooks=False):
        context = self.browser.new_context()
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        log = self.network.attach(context)
        if hooks:
            context.add_init_script(path=str(BENCH_DIR / 'hooks.js'))
        page = context.new_page()
        page.goto(page_url(sdk.name, load_bundle))
        return context, page, log

    def _init(self, page, sdk):
        page.evaluate('async () => { %s }' % sdk.init)

    def _loop(self, page, call):
        """Times `call` with LOOP_JS; the page may still be busy with deferred work afterwards."""
        args = [self.settings['calls'], self.settings['budget_ms'], WARMUP['calls'], WARMUP['budget_ms']]
        script = RUN_LOOP_JS % {'loop': LOOP_JS % {'call': call}, 'tag': RESULT_TAG}
        with page.expect_console_message(lambda message: message.text.startswith(RESULT_TAG)) as message:
            page.evaluate(script, args)
        result = json.loads(message.value.text[len(RESULT_TAG):])
        if 'error' in result:
            raise BenchError(result['error'])
        return result

    def isolation(self, sdk):
        """Whether pages get the fine (5 us) performance.now() of a cross-origin isolated page."""
        context, page, _ = self._open(sdk, load_bundle=False)
        try:
            return page.evaluate('() => self.crossOriginIsolated')
        finally:
            context.close()

    def eval_sample(self, sdk):
        """Milliseconds to evaluate the bundle once, in a fresh page with the SDK's stub in place."""
        context, page, _ = self._open(sdk, load_bundle=False)
        try:
            return page.evaluate('url => __bench.evalSource(url)', '/sdk/%s.js' % sdk.name)
        finally:
            context.close()

    def split_sample(self, sdk):
        """Evaluation of the bundle split into compile and run (ms), from traces of two fresh pages: the
        eval page (inline, as eval ms), and a page that loads it by <script src> (`src_*` figures).
        A trace that lacks the script's events (it happens on a busy machine) leaves its figures out."""
        context, page, _ = self._open(sdk, load_bundle=False)
        try:
            sample = trace.traced_eval(self.browser, page, '/sdk/%s.js' % sdk.name)
        except ValueError:
            sample = {}
        finally:
            context.close()
        for _ in range(2):  # the <script src> page: once more if its trace lacks the script
            context, page, _ = self._open(sdk, load_bundle=False)  # same site first: one renderer process
            try:
                loaded = trace.traced_load(self.browser, page, page_url(sdk.name, True), '/sdk/%s.js' % sdk.name)
            except ValueError:
                continue
            finally:
                context.close()
            sample.update({'src_' + key: value for key, value in loaded.items()})
            break
        return sample

    def track_sample(self, sdk):
        """One run: per-call cost of track() and of the opt-out check, in us, on a fresh page.

        Closing the context ends whatever work the calls deferred, so it never spills into the next page.
        """
        context, page, _ = self._open(sdk, load_bundle=True)
        try:
            self._init(page, sdk)
            sample = {}
            if sdk.check:  # first, so that no timer left by the track calls runs inside this loop
                check = self._loop(page, sdk.check)
                sample.update(check_us=check['us'], check_calls=check['calls'])
            track = self._loop(page, sdk.track)
            sample.update(track_us=track['us'], track_calls=track['calls'])
            return sample
        finally:
            context.close()

    def total_sample(self, sdk):
        """Script time per track() call in us, deferred work included (see TOTAL_CALLS), and how many of
        the calls' events the window's requests delivered (`delivered`)."""
        context, page, log = self._open(sdk, load_bundle=True)
        try:
            self._init(page, sdk)
            self._wait_quiet(page, log)
            cdp = context.new_cdp_session(page)
            cdp.send('Performance.enable')
            before = self._script_seconds(cdp)
            started = time.monotonic()
            page.evaluate('n => __bench.later(() => { for (let i = 0; i < n; i++) %s; })' % sdk.track, TOTAL_CALLS)
            page.evaluate('ms => __bench.sleep(ms)', TOTAL_WINDOW_MS)
            return {'us': (self._script_seconds(cdp) - before) * 1e6 / TOTAL_CALLS,
                    'delivered': log.events_since(started)}
        finally:
            context.close()

    @staticmethod
    def _script_seconds(cdp):
        metrics = cdp.send('Performance.getMetrics')['metrics']
        return next(metric['value'] for metric in metrics if metric['name'] == 'ScriptDuration')

    def opted_out_start(self, sdk, opt_out=True):
        """Opens an instrumented page, opts out, then makes the track calls; finish with opted_out_end.

        Counting starts once the opt-out call has returned (what it writes to record the choice is
        not counted) and after the network went quiet, so init-time requests are not counted either.
        opt_out=False makes the control page: the same steps without the opt-out, which must count
        something, or the zeros of the opted-out page would only show that the hooks are blind.
        """
        context, page, log = self._open(sdk, load_bundle=True, hooks=True)
        try:
            self._init(page, sdk)
            self._wait_quiet(page, log)
            if opt_out:
                page.evaluate('() => { %s }' % sdk.opt_out)
            armed_at = time.monotonic()
            page.evaluate('ignored => __benchHooks.arm(ignored)', list(sdk.ignored_cookies))
            page.evaluate('n => { for (let i = 0; i < n; i++) %s; }' % sdk.track, OPTED_OUT_CALLS)
        except Exception:
            context.close()
            raise
        return context, page, log, armed_at

    def opted_out_end(self, started):
        """Waits until OPTED_OUT_WINDOW_MS after the opt-out moment, then reads the counts."""
        context, page, log, armed_at = started
        try:
            page.evaluate('ms => __bench.reach(__benchHooks.armedAt() + ms)', OPTED_OUT_WINDOW_MS)
            counts = page.evaluate('() => __benchHooks.report()')
            counts['requests'] = ['%s %s' % (method, url) for _, method, url, _ in log.since(armed_at)]
            return counts
        finally:
            context.close()

    @staticmethod
    def _wait_quiet(page, log):
        """Polls until no request was sent for QUIET_S (init-time fetches done), or QUIET_LIMIT_S passed."""
        started = time.monotonic()
        while time.monotonic() - started < QUIET_LIMIT_S:
            if time.monotonic() - max(log.last_at(), started) >= QUIET_S:
                return
            page.evaluate('() => __bench.sleep(50)')


def measure(bench, sdks, results):
    """Fills `results` (name -> dict). Samples go round-robin over the SDKs so that any drift in the
    machine's load is shared by all of them instead of landing on whichever SDK ran last."""
    callable_sdks = [sdk for sdk in sdks if not sdk.eval_only]
    own = [sdk for sdk in sdks if sdk.kind in ('xng', 'floor')]  # the split is for xng and its floors
    for phase, sampler, count, measured in (
            ('eval_ms', bench.eval_sample, bench.settings['eval_pages'], sdks),
            ('split', bench.split_sample, bench.settings['split_pages'], own),
            ('runs', bench.track_sample, bench.settings['runs'], callable_sdks),
            ('track_total_us', bench.total_sample, bench.settings['total_runs'], callable_sdks)):
        print('measuring %s: %d samples x %d SDKs' % (phase, count, len(measured)), file=sys.stderr)
        for _ in range(count):
            for sdk in measured:
                _sample(results[sdk.name], phase, lambda: sampler(sdk))
    opted = [sdk for sdk in sdks if sdk.opt_out and 'error' not in results[sdk.name]]
    print('measuring opted-out behaviour: %s' % ', '.join(s.name for s in opted), file=sys.stderr)
    # All pages are opened first and then waited on, so the 2 s windows run side by side.
    pages = [(sdk, 'opted_out', True) for sdk in opted]
    if opted and opted[0].name == 'xng':
        pages.append((opted[0], 'control', False))
    started = {}
    for sdk, key, opt_out in pages:
        _sample(results[sdk.name], None,
                lambda: started.setdefault((sdk.name, key), bench.opted_out_start(sdk, opt_out)))
    for sdk, key, _ in pages:
        if (sdk.name, key) in started:
            _sample(results[sdk.name], key, lambda: bench.opted_out_end(started[(sdk.name, key)]))


def _sample(result, key, take):
    """Runs one measurement; an SDK that fails is marked with the error and skipped from then on."""
    if 'error' in result:
        return
    try:
        value = take()
    except (PlaywrightError, BenchError) as error:
        result['error'] = str(error).strip().splitlines()[0][:200]
        return
    if key in ('opted_out', 'control'):
        result[key] = value
    elif key:
        result.setdefault(key, []).append(value)


# From bench/trace.py: the traced evaluation (wall and CPU time), and its two parts.
SPLIT_FIGURES = ('eval_cpu_ms', 'compile_ms', 'compile_cpu_ms', 'run_ms', 'run_cpu_ms',
                 'src_eval_ms', 'src_eval_cpu_ms', 'src_compile_cpu_ms', 'src_run_cpu_ms')


def summarise(sdk, raw):
    """The per-SDK figures (medians) that go to the table and the JSON."""
    entry = {'package': sdk.package, 'version': sdk.version, 'bundle': sdk.bundle, 'kind': sdk.kind}
    if not sdk.installed:
        entry['status'] = sdk.missing
        return entry
    entry['bytes'] = len(sdk.source)
    entry['gzip_bytes'] = len(gzip.compress(sdk.source, 9))
    if 'error' in raw:
        entry['status'] = 'error: ' + raw['error']
        return entry
    entry['status'] = 'ok'
    entry['eval_ms'] = _median(raw.get('eval_ms', []))
    runs = raw.get('runs', [])
    for figure in ('track', 'check'):
        measured = [run for run in runs if figure + '_us' in run]
        entry[figure + '_us'] = _median([run[figure + '_us'] for run in measured])
        entry[figure + '_us_samples'] = [run[figure + '_us'] for run in measured]
        entry[figure + '_calls_per_run'] = [run[figure + '_calls'] for run in measured]
    entry['eval_ms_samples'] = raw.get('eval_ms', [])
    splits = raw.get('split', [])
    for figure in SPLIT_FIGURES:
        entry[figure + '_samples'] = [sample[figure] for sample in splits if figure in sample]
        entry[figure] = _median(entry[figure + '_samples'])
    if splits:
        entry['src_streamed'] = sum(1 for sample in splits if sample.get('src_streamed')) / len(splits)
    totals = raw.get('track_total_us', [])
    entry['track_total_us'] = _median([sample['us'] for sample in totals])
    entry['track_total_us_samples'] = [sample['us'] for sample in totals]
    if sdk.kind in ('xng', 'floor'):  # of the TOTAL_CALLS events, how many each run's requests carried
        entry['track_total_delivered'] = [sample['delivered'] for sample in totals]  # (peers encode theirs)
    entry['opted_out'] = _opted_out_summary(raw.get('opted_out')) if sdk.opt_out else None
    if 'control' in raw:
        entry['opted_out_control'] = _opted_out_summary(raw['control'])
    return entry


def _opted_out_summary(counts):
    if counts is None:
        return None
    return {'track_calls': OPTED_OUT_CALLS, 'window_ms': OPTED_OUT_WINDOW_MS,
            'requests': len(counts['requests']), 'timers': len(counts['timers']),
            'storage_writes': len(counts['writes']), 'details': counts}


def _median(values):
    return statistics.median(values) if values else None


def ratios(entries):
    """xng's figure divided by each peer's: below 1 means xng is smaller / faster."""
    xng = entries['xng']
    out = {}
    for name, peer in entries.items():
        if peer['kind'] != 'peer' or peer['status'] != 'ok':
            continue
        out[name] = {key: _ratio(xng.get(field), peer.get(field)) for key, field in
                     (('size_gzip', 'gzip_bytes'), ('eval', 'eval_ms'), ('track', 'track_us'),
                      ('track_total', 'track_total_us'))}
    return out


def _ratio(mine, theirs):
    return mine / theirs if mine is not None and theirs else None


FLOOR_FIGURES = (('size_gzip', 'gzip_bytes'), ('eval', 'eval_ms'), ('eval_cpu', 'eval_cpu_ms'),
                 ('compile', 'compile_ms'), ('compile_cpu', 'compile_cpu_ms'), ('run', 'run_ms'),
                 ('run_cpu', 'run_cpu_ms'), ('src_eval_cpu', 'src_eval_cpu_ms'),
                 ('track', 'track_us'), ('track_total', 'track_total_us'))


def floor_ratios(entries):
    """Each xng build's figures divided by each floor's ({build: {floor: {figure: ratio}}}).

    The empty script has no size and no calls, so against it only eval, compile and run are ratios;
    `eval_above_empty` is (xng - empty) / (floor - empty): the evaluation each script adds to what
    any script costs, xng's over the hand-written floor's (`eval_cpu_above_empty`: the same in the
    traced main-thread CPU time).
    """
    floor, empty = entries.get('floor'), entries.get('empty')
    out = {}
    for name, entry in entries.items():
        if entry['kind'] != 'xng' or entry['status'] != 'ok':
            continue
        out[name] = mine = {}
        for label, base in (('floor', floor), ('empty', empty)):
            if base and base['status'] == 'ok':
                mine[label] = {key: _ratio(entry.get(field), base.get(field)) for key, field in FLOOR_FIGURES
                               if field in base and not (label == 'empty' and key == 'size_gzip')}
        if floor and empty and floor['status'] == empty['status'] == 'ok':
            for key, field in (('eval_above_empty', 'eval_ms'), ('eval_cpu_above_empty', 'eval_cpu_ms')):
                mine[key] = _ratio(_minus(entry.get(field), empty.get(field)),
                                   _minus(floor.get(field), empty.get(field)))
    return out


def _minus(a, b):
    return a - b if a is not None and b is not None else None


def xng_failures(xng_entry, name='xng'):
    """The contract's hard rule: opted out, xng sends nothing, schedules nothing, stores nothing.

    For the other builds (`name` other than 'xng') a missing file is not a failure, and the control
    page of the full build stands for them too."""
    if name != 'xng' and xng_entry['status'].startswith('not built'):
        return []
    if xng_entry['status'] != 'ok':
        return ['%s could not be measured: %s' % (name, xng_entry['status'])]
    opted = xng_entry['opted_out']
    if opted is None:
        return ['%s opted-out behaviour was not measured' % name]
    failures = ['%s made %d %s after opting out: %s' % (name, opted[key], key.replace('_', ' '),
                                                         ', '.join(opted['details'][detail][:5]))
                for key, detail in (('requests', 'requests'), ('timers', 'timers'),
                                    ('storage_writes', 'writes')) if opted[key]]
    if name != 'xng':
        return failures
    control = xng_entry.get('opted_out_control')
    if not control or not (control['requests'] or control['timers'] or control['storage_writes']):
        failures.append('the control page (same calls, not opted out) counted nothing either: '
                        'the instruments are not seeing xng, so its zeros prove nothing')
    return failures


def delivery_failures(entries):
    """A track total compares whole pipelines only if each one delivered every event of the window: the
    first floor looked cheap because the browser refused 41 of its 50 requests (the keepalive quota).
    Checked for xng's builds and the floor, whose JSON bodies the bench can count."""
    return ['%s delivered %s of its %d events in the track-total window: its total is not comparable'
            % (name, '/'.join(str(count) for count in entry['track_total_delivered']), TOTAL_CALLS)
            for name, entry in entries.items()
            if entry['kind'] in ('xng', 'floor') and entry.get('track_total_delivered')
            and min(entry['track_total_delivered']) < TOTAL_CALLS]


def parse_args(argv):
    parser = argparse.ArgumentParser(description='Benchmark xng against peer analytics SDKs.')
    parser.add_argument('--quick', action='store_true', help='fewer repetitions (CI)')
    parser.add_argument('--json', default=str(ROOT / 'build' / 'bench.json'), help='output file')
    parser.add_argument('--xng', default=str(ROOT / 'build' / 'xng.min.js'), help='the xng bundle')
    parser.add_argument('--snippet', default=str(ROOT / 'build' / 'snippet.js'),
                        help="xng's loader stub, loaded before the bundle as pages do")
    parser.add_argument('--core', default=str(ROOT / 'build' / 'xng.core.min.js'),
                        help='the core build, without the channels (row "not built" if absent)')
    parser.add_argument('--esm', default=str(ROOT / 'build' / 'xng.mjs'),
                        help='the ES module entry, bundled for the xng-esm row ("not built" if absent)')
    parser.add_argument('--variant', action='append', default=[], metavar='NAME=FILE',
                        help='one more row: a scratch copy of an xng bundle (same stub, init and calls as '
                             'xng), for measuring a change side by side; repeatable')
    parser.add_argument('--only', metavar='NAMES',
                        help='measure only these rows, comma-separated (e.g. xng,floor,empty); xng is always in')
    return parser.parse_args(argv)


def xng_version():
    for line in (ROOT / 'pyproject.toml').read_text().splitlines():
        if line.startswith('version'):
            return line.split('=', 1)[1].strip().strip('"')
    return None


def main(argv=None):
    args = parse_args(argv)
    if not Path(args.xng).exists():
        print('FAIL: %s not found; run `make build` first' % args.xng)
        return 2
    settings = QUICK if args.quick else FULL
    version = xng_version()
    sdks = [catalogue.xng(os.path.relpath(args.xng, ROOT), args.xng, args.snippet, version),
            catalogue.xng(os.path.relpath(args.core, ROOT), args.core, args.snippet, version,
                          name='xng-core', package='xng (core, no channels)'),
            catalogue.xng_esm(args.esm, Path(args.json).parent / 'bench', version)]
    for variant in args.variant:
        name, _, path = variant.partition('=')
        sdks.append(catalogue.xng(path, path, args.snippet, version, name=name, package='xng (%s)' % path))
    sdks += catalogue.floors()
    sdks += [catalogue.load_peer(peer) for peer in catalogue.PEERS]
    if args.only:
        keep = set(args.only.split(',')) | {'xng'}
        sdks = [sdk for sdk in sdks if sdk.name in keep]
    installed = [sdk for sdk in sdks if sdk.installed]
    network = LocalNetwork({sdk.name: sdk for sdk in installed}, catalogue.SEGMENT_SETTINGS)
    results = {sdk.name: {} for sdk in installed}
    started, load_before = time.monotonic(), os.getloadavg()[0]
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            bench = Bench(browser, network, settings)
            isolated = bench.isolation(sdks[0])
            measure(bench, installed, results)
            chromium = browser.version
        finally:
            browser.close()
    entries = {sdk.name: summarise(sdk, results.get(sdk.name, {})) for sdk in sdks}
    document = {
        'generated_at': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
        'chromium': chromium,
        'cross_origin_isolated': isolated,
        'timer_resolution_us': 5 if isolated else 100,
        'quick': args.quick,
        'settings': dict(settings, opted_out_calls=OPTED_OUT_CALLS, opted_out_window_ms=OPTED_OUT_WINDOW_MS,
                         total_calls=TOTAL_CALLS, total_window_ms=TOTAL_WINDOW_MS),
        'seconds': round(time.monotonic() - started, 1),
        # Wall-clock timings: on a machine busy with other work they come out inflated and noisy.
        'cpus': os.cpu_count(),
        'load_average': [round(load_before, 2), round(os.getloadavg()[0], 2)],
        'sdks': entries,
        'ratios_xng_to_peer': ratios(entries),
        'ratios_xng_to_floor': floor_ratios(entries),
        'xng': report.xng_figures(entries['xng'], args.xng, args.snippet),
    }
    document['failures'] = [failure for sdk in sdks if sdk.kind == 'xng'
                            for failure in xng_failures(entries[sdk.name], sdk.name)]
    document['failures'] += delivery_failures(entries)
    report.print_report(document)
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2) + '\n')
    print('wrote %s' % out)
    for failure in document['failures']:
        print('FAIL: %s' % failure)
    return 1 if document['failures'] else 0


if __name__ == '__main__':
    sys.exit(main())
