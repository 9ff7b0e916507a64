"""Where xng's load time goes: compile against run, per module of xng and for Transcrypt's runtime.

    .venv/bin/python bench/load_profile.py [--pages 9] [--bundle build/xng.js] [--json build/profile.json]
    .venv/bin/python bench/load_profile.py --compare build/xng.min.js /tmp/xng.variant.js [...]

Needs `make build` (it reads the readable bundle build/xng.js, whose `// build/stage/<module>.js`
comments mark where each module starts). Same harness as `make bench` (bench/measure.js evalSource:
the text inserted as an inline <script> into a fresh page; Chromium traced around it, see
bench/trace.py). Each round opens fresh pages, so the machine's load drifts over all figures alike:

1. split: the minified bundle (build/xng.js minified by the project's esbuild, as the build does)
   and the hand-written floor: compile (v8.compile), run (v8.run) and, inside run, the lazy compiles
   of the functions called at load (V8.CompileCode events of `disabled-by-default-v8.compile`), in
   main-thread CPU time (the trace's `tdur`).
   The same with init() queued in the loader stub (`init`), as on a real page, and the empty script.
2. compile per module: compile grows with the text (node's vm.Script: the whole bundle and the
   concatenation of its modules compile within a few % of each other), so each module's share is
   estimated as its share of the minified bytes (located by the marks of 3) times what the whole
   takes beyond the empty script.
3. run per module: the bundle with a `__benchMark('<module>')` call where each module starts;
   performance.now() between two marks is the wall time of a module's top-level code (the last one,
   main, also runs install(): the calls it makes into other modules count for main).
4. the functions that run during evaluation (V8 precise coverage with call counts): each was
   pre-parsed with the script, then compiled in full on its first call.
5. CPU profile of the evaluation (V8 sampling profiler every 20 us, averaged over the pages): self
   time per function of the bundle and per module. On a busy machine a descheduled thread's time
   goes to whatever ran last, so read it for the order, not the microseconds.

--compare: only the split (1) of the given files side by side, each loaded after build/snippet.js as
pages do; for measuring a hand-edited copy of the bundle against the original.
"""
import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT / 'tools'))
sys.path.insert(0, str(BENCH_DIR))
from chromium import launch  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

import sdks as catalogue  # noqa: E402
import trace  # noqa: E402
from network import LocalNetwork, page_url  # noqa: E402

SECTION = re.compile(r'^  // build/stage/(.+)\.js$', re.M)
MARKS_INIT = ('window.__benchMarks = []; '
              'window.__benchMark = function (name) { __benchMarks.push([name, performance.now()]); };')
SAMPLING_US = 20
INIT_QUEUED = b"\nxng.init({endpoint: '/collect', apiKey: 'bench'});\n"


def _snippet():
    path = ROOT / 'build' / 'snippet.js'
    return path.read_bytes() if path.exists() else b''


def sections(readable):
    """[(module, start, end)] of the readable bundle's text, in bundle order."""
    starts = [(m.group(1), m.start()) for m in SECTION.finditer(readable)]
    end = readable.rindex('})();')
    return [(name, start, starts[i + 1][1] if i + 1 < len(starts) else end) for i, (name, start) in enumerate(starts)]


def module_label(name):
    name = name.split('/')[-1]  # build/stage/full/xng.tracker.js: the build's stage folder first
    return 'Transcrypt runtime' if name.startswith('org.transcrypt') else name


def minify(text, work, name):
    source = work / ('%s.src.js' % name)
    source.write_text(text)
    out = catalogue.esbuild(source, work / ('%s.js' % name), '--target=es2020')
    if out is None:
        raise SystemExit('esbuild failed on %s' % source)
    return out


def variants(readable, work):
    """The minified sources profiled: the whole bundle, and the same with a mark where each module starts."""
    parts = sections(readable)
    out = {'whole': minify(readable, work, 'whole')}
    marked = readable
    for name, start, end in reversed(parts):
        line_end = readable.index('\n', start) + 1
        marked = marked[:line_end] + '  __benchMark(%s);\n' % json.dumps(name) + marked[line_end:]
    marked = marked[:marked.rindex('})();')] + '  __benchMark("end");\n' + marked[marked.rindex('})();'):]
    out['marked'] = minify(marked, work, 'marked')
    return parts, out


def module_bytes(marked_min, parts):
    """Minified bytes of each module, from where its mark lands in the minified marked bundle."""
    spots = [marked_min.index(('__benchMark(%s)' % json.dumps(name)).encode()) for name, _, _ in parts]
    spots.append(marked_min.index(b'__benchMark("end")'))
    return {name: spots[i + 1] - spots[i] for i, (name, _, _) in enumerate(parts)}


class Pages:
    def __init__(self, browser, network):
        self.browser, self.network = browser, network

    def open(self, name, marks=False):
        context = self.browser.new_context()
        self.network.attach(context)
        if marks:
            context.add_init_script(MARKS_INIT)
        page = context.new_page()
        page.goto(page_url(name, False))
        return context, page

    def split(self, name, categories=trace.DETAIL, may_throw=False):
        context, page = self.open(name)
        try:
            return trace.traced_eval(self.browser, page, '/sdk/%s.js' % name, categories, may_throw)
        finally:
            context.close()

    def marks(self, name):
        context, page = self.open(name, marks=True)
        try:
            page.evaluate('url => __bench.evalSource(url)', '/sdk/%s.js' % name)
            return page.evaluate('() => __benchMarks')
        finally:
            context.close()

    def cpu_profile(self, name):
        """(CPU profile, precise coverage of the evaluated script's functions) of one evaluation."""
        context, page = self.open(name, marks=True)
        try:
            cdp = context.new_cdp_session(page)
            cdp.send('Profiler.enable')
            cdp.send('Profiler.setSamplingInterval', {'interval': SAMPLING_US})
            cdp.send('Profiler.startPreciseCoverage', {'callCount': True, 'detailed': False})
            cdp.send('Profiler.start')
            page.evaluate('url => __bench.evalSource(url)', '/sdk/%s.js' % name)
            profile = cdp.send('Profiler.stop')['profile']
            scripts = cdp.send('Profiler.takePreciseCoverage')['result']
            inline = [script for script in scripts if not script['url']]
            covered = max(inline, key=lambda script: len(script['functions']))['functions'] if inline else []
            return profile, covered
        finally:
            context.close()


def self_times(profile):
    """[(function name, line, column, self us)] from a CPU profile, for code of the evaluated script."""
    by_id = {node['id']: node for node in profile['nodes']}
    totals = defaultdict(float)
    for node_id, delta in zip(profile['samples'], profile['timeDeltas'][1:] + [0]):
        frame = by_id[node_id]['callFrame']
        key = (frame['functionName'] or '(top level)', frame['url'], frame['lineNumber'], frame['columnNumber'])
        totals[key] += delta
    return totals


def median(values):
    return statistics.median(values) if values else None


def run_profile(args):
    readable = Path(args.bundle).read_text()
    work = Path(tempfile.mkdtemp(prefix='xng-profile-'))
    parts, sources = variants(readable, work)
    names = [name for name, _, _ in parts]
    sizes = module_bytes(sources['marked'], parts)
    floor = catalogue.floors()[0]
    sdks = {'p-' + key: catalogue.Sdk(name='p-' + key, package=key, bundle=key, source=value,
                                      stub_source=_snippet() + (INIT_QUEUED if args.init and key == 'marked' else b''))
            for key, value in sources.items()}
    sdks['p-floor'] = catalogue.Sdk(name='p-floor', package='floor', bundle='floor', source=floor.source)
    sdks['p-empty'] = catalogue.floors()[1]
    # The same bundle with init() queued in the loader stub, as on a real page: what init does at load
    # (cookie and storage reads, the queue's set-up) is then part of the evaluation.
    sdks['p-init'] = catalogue.Sdk(name='p-init', package='init', bundle='init', source=sources['whole'],
                                   stub_source=_snippet() + INIT_QUEUED)
    network = LocalNetwork(sdks, '{}')
    splits, marks, profiles, coverage = defaultdict(list), defaultdict(list), [], []
    started = time.monotonic()
    with sync_playwright() as playwright:
        browser = launch(playwright)
        pages = Pages(browser, network)
        try:
            for round_ in range(args.pages):
                print('round %d/%d' % (round_ + 1, args.pages), file=sys.stderr)
                for key in ('whole', 'init', 'floor', 'empty'):
                    splits[key].append(pages.split('p-' + key))
                marks_here = pages.marks('p-marked')
                for (name, at), (_, then) in zip(marks_here, marks_here[1:]):
                    marks[name].append((then - at) * 1000)
                profile, covered = pages.cpu_profile('p-marked')
                profiles.append(profile)
                coverage.append(covered)
        finally:
            browser.close()

    document = {'bundle': args.bundle, 'pages': args.pages, 'init_queued': args.init,
                'seconds': round(time.monotonic() - started, 1),
                'split': {key: {figure: median([s[figure] for s in samples if figure in s])
                                for figure in samples[0]} for key, samples in splits.items()},
                'modules': []}
    # Compile grows with the text (an esbuild bundle is one function whose inner functions V8 pre-parses):
    # a module's share of the compile is estimated as its share of the bytes, of what the whole takes
    # beyond the empty script's compile.
    beyond_empty = document['split']['whole']['compile_cpu_ms'] - document['split']['empty']['compile_cpu_ms']
    ran = functions_run(coverage[0], sources['marked'], parts)
    for name in names:
        document['modules'].append({
            'module': name, 'label': module_label(name), 'min_bytes': sizes[name],
            'byte_share': sizes[name] / sum(sizes.values()),
            'compile_cpu_ms_by_bytes': beyond_empty * sizes[name] / sum(sizes.values()),
            'top_level_run_us': median(marks[name]),
            'functions_run_at_load': ran[name]['names'],
            'bytes_run_at_load': ran[name]['bytes'],
        })
    document['profile'] = function_table(profiles, sources['marked'], parts)
    return document


def functions_run(covered, marked_min, parts):
    """Per module: the functions that ran during evaluation (V8 precise coverage, call counts), by name,
    and the minified bytes of their bodies (those were compiled twice: pre-parsed with the script, then
    compiled in full on their first call)."""
    text = marked_min.decode()
    spots = sorted((text.index('__benchMark(%s)' % json.dumps(name)), name) for name, _, _ in parts)
    out = {name: {'names': [], 'bytes': 0} for name, _, _ in parts}
    for function in covered:
        whole = function['ranges'][0]
        if whole['count'] == 0 or whole['startOffset'] == 0:
            continue
        module = next((name for at, name in reversed(spots) if at <= whole['startOffset']), None)
        if module is None or whole['endOffset'] - whole['startOffset'] > len(text) // 2:  # the bundle's IIFE
            continue
        out[module]['names'].append('%s:%d' % (function['functionName'] or '(anonymous)', whole['count']))
        out[module]['bytes'] += whole['endOffset'] - whole['startOffset']
    return out


def function_table(profiles, marked_min, parts):
    """Self time (us per page, mean over the pages) of the functions that ran during evaluation, each
    placed in its module by where it sits in the minified marked bundle (the one profiled)."""
    text = marked_min.decode()
    line_starts = [0] + [m.end() for m in re.finditer('\n', text)]
    spots = sorted((text.index('__benchMark(%s)' % json.dumps(name)), name) for name, _, _ in parts)
    sums = defaultdict(float)
    for profile in profiles:
        for (function, url, line, column), us in self_times(profile).items():
            module = None
            if not url and line >= 0:
                offset = line_starts[line] + column if line < len(line_starts) else -1
                module = next((name for at, name in reversed(spots) if at <= offset), None)
            sums[(function, module_label(module) if module else (url or function))] += us / len(profiles)
    by_module = defaultdict(float)
    for (function, module), us in sums.items():
        by_module[module] += us
    functions = [{'function': function, 'module': module, 'self_us_per_page': round(us, 1)}
                 for (function, module), us in sorted(sums.items(), key=lambda kv: -kv[1]) if us >= 2]
    modules = [{'module': module, 'self_us_per_page': round(us, 1)}
               for module, us in sorted(by_module.items(), key=lambda kv: -kv[1])]
    return {'functions': functions[:40], 'modules': modules}


def print_profile(document):
    split = document['split']
    print('bundle: %s minified by esbuild; %d fresh pages per measurement; main-thread CPU ms (medians)' % (
        document['bundle'], document['pages']))
    for key, figures in split.items():
        print('  %-6s eval %.3f  compile %.3f  run %.3f  of which lazy compile %.3f (%s functions)' % (
            key, figures['eval_cpu_ms'], figures['compile_cpu_ms'], figures['run_cpu_ms'],
            figures.get('lazy_cpu_ms') or 0, figures.get('lazy_functions')))
    print()
    if document['init_queued']:
        print('(3 to 5 with init() queued in the loader stub, as on a real page)')
    print('per module: minified bytes; compile CPU ms by its share of the bytes; top-level run us (wall, '
          'median); the functions that ran during evaluation (minified name:calls) and their bytes')
    for module in document['modules']:
        print('  %-34s %6d B %5.1f%%  compile %6.3f ms  run %7.1f us  ran %5d B: %s' % (
            module['label'], module['min_bytes'], 100 * module['byte_share'], module['compile_cpu_ms_by_bytes'],
            module['top_level_run_us'] or 0, module['bytes_run_at_load'], ' '.join(module['functions_run_at_load'])))
    print()
    print('CPU profile (every %d us), self time during evaluation, us per page (mean of the pages), by module:'
          % SAMPLING_US)
    for row in document['profile']['modules']:
        print('  %8.1f  %s' % (row['self_us_per_page'], row['module']))
    print('and by function:')
    for row in document['profile']['functions']:
        print('  %8.1f  %-30s %s' % (row['self_us_per_page'], row['function'], row['module']))


def compare(args):
    """The split of several bundle files side by side, each after build/snippet.js (the xng stub)."""
    snippet = Path(args.snippet).read_bytes() if Path(args.snippet).exists() else b''
    if getattr(args, 'init', False):
        snippet += INIT_QUEUED
    sdks = {}
    for index, path in enumerate(args.compare):
        name = 'c%d' % index
        sdks[name] = catalogue.Sdk(name=name, package=path, bundle=path, source=Path(path).read_bytes(),
                                   stub_source=snippet)
    floor = catalogue.floors()[0]
    sdks['floor'] = floor
    network = LocalNetwork(sdks, '{}')
    samples = defaultdict(list)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        pages = Pages(browser, network)
        try:
            for round_ in range(args.pages):
                print('round %d/%d' % (round_ + 1, args.pages), file=sys.stderr)
                for name in sdks:
                    samples[name].append(pages.split(name, trace.DETAIL if args.detail else trace.CATEGORIES))
        finally:
            browser.close()
    print('%d fresh pages each; main-thread CPU ms, median [lowest] (wall ms of eval in brackets, median)' % args.pages)
    out = {}
    for name, sdk in sdks.items():
        figures = {figure: median([s[figure] for s in samples[name] if figure in s]) for figure in samples[name][0]}
        for figure in ('eval_cpu_ms', 'compile_cpu_ms', 'run_cpu_ms'):
            figures[figure + '_lowest'] = min(s[figure] for s in samples[name])
        figures['samples'] = samples[name]
        out[sdk.bundle] = figures
        lazy = ('  lazy compile %.3f (%d functions)' % (figures['lazy_cpu_ms'], figures['lazy_functions'])
                if 'lazy_cpu_ms' in figures else '')
        print('  %-24s %6d B  eval %.3f [%.3f] (%.3f)  compile %.3f [%.3f]  run %.3f [%.3f]%s' % (
            Path(sdk.bundle).name[:24], len(sdk.source), figures['eval_cpu_ms'], figures['eval_cpu_ms_lowest'],
            figures['eval_ms'], figures['compile_cpu_ms'], figures['compile_cpu_ms_lowest'], figures['run_cpu_ms'],
            figures['run_cpu_ms_lowest'], lazy))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--pages', type=int, default=9, help='fresh pages per measurement (default 9)')
    parser.add_argument('--bundle', default=str(ROOT / 'build' / 'xng.js'), help='the readable bundle')
    parser.add_argument('--snippet', default=str(ROOT / 'build' / 'snippet.js'))
    parser.add_argument('--json', help='also write the figures here')
    parser.add_argument('--init', action='store_true',
                        help='measurements 3 to 5 with init() queued in the stub, as on a real page')
    parser.add_argument('--compare', nargs='+', metavar='FILE', help='only the split of these bundles')
    parser.add_argument('--detail', action='store_true', help='with --compare: lazy compiles too')
    args = parser.parse_args(argv)
    if args.compare:
        document = compare(args)
    else:
        document = run_profile(args)
        print_profile(document)
    if args.json:
        Path(args.json).write_text(json.dumps(document, indent=2) + '\n')
        print('wrote %s' % args.json)
    return 0


if __name__ == '__main__':
    sys.exit(main())
