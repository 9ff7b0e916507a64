"""Quick experiments on load cost: scratch copies of the bundle, each with one change, measured side by side.

    .venv/bin/python bench/levers.py [--pages 15] [--only base,pife,...]

Needs `make build`. Never touches xng/ or the shipped files: each variant is made from the readable
bundle build/xng.js (a text edit, then minified by the project's esbuild as the build does) or from
the minified one, and written to build/levers/. They are measured with bench/load_profile.py's comparison
(bench/measure.js evalSource on fresh pages, traced; main-thread CPU time), round-robin, each after
build/snippet.js as pages load them. A variant whose edit no longer applies (the source changed) is
reported and skipped. The variants:

  shipped            build/xng.min.js as built
  base               build/xng.js minified here (the reference for every other variant)
  core               build/xng.core.min.js (no channels)
  no-array-add       without the runtime's `Array.prototype.add` patch (what renaming api.add does)
  lazy-encoder       the TextEncoder made on first use instead of at load
  listen-at-init     page-exit listeners added by init() only, not at load
  no-wire-at-load    the channels' hooks and listener not wired at load (upper bound of deferring them)
  pife               the functions that run at load wrapped in parentheses (V8 compiles them with the
                     script instead of pre-parsing them and compiling them again on the first call)
  all-eager          `//# allFunctionsCalledOnLoad` (V8's explicit compile hint: compile every function
                     with the script)
  combined           no-array-add + lazy-encoder + listen-at-init + pife

With --init, init() is queued in the loader stub (as on a real page) and the variants leave out one
part of what init() does at load (upper bounds of deferring it to the first event or idle time):
  init-no-start            the queue's set-up: its storage listener and the claim of other tabs' queues
  init-no-claim            the claim of queues left by closed tabs (localStorage, Web Locks)
  init-no-storage-listener the `storage` event listener
  init-no-refresh          the opt-out cookie's refresh
"""
import argparse
import json
import re
import statistics
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT / 'tools'))
sys.path.insert(0, str(BENCH_DIR))
from chromium import launch  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

import load_profile as tool  # noqa: E402
import sdks as catalogue  # noqa: E402
from network import LocalNetwork  # noqa: E402

BUILD = ROOT / 'build'
OUT = BUILD / 'levers'

# (readable text to find, its replacement): each a minimal edit of build/xng.js.
EDITS = {
    'no-array-add': [(re.compile(r'  __method__\(Array\.prototype, "add", function\(element2\) \{\n.*?\n  \}\);\n',
                                 re.S), '')],
    'lazy-encoder': [('  var ENCODER = new TextEncoder();\n', '  var ENCODER = null;\n'),
                     ('return ENCODER.encode(raw).length;',
                      'return (ENCODER || (ENCODER = new TextEncoder())).encode(raw).length;')],
    'listen-at-init': [(re.compile(r'(    if \(wire\) \{\n      wire\(\);\n    \}\n)    listen\(\);\n'), r'\1')],
    'no-wire-at-load': [(re.compile(r'    if \(wire\) \{\n      wire\(\);\n    \}\n'), '')],
}
# With --init (init() queued in the stub, as on a real page), what init() does at load, each left out:
# upper bounds of moving that work to the first event or to idle time.
INIT_EDITS = {
    'init-no-start': [(re.compile(r'(    if \(is_opted_out\d*\(\)\) \{\n      forget\(\);\n    \} else \{\n)'
                                  r'      start\(\);\n'), r'\1')],
    'init-no-claim': [(re.compile(r'(    window\.addEventListener\("storage", on_storage\);\n)'
                                  r'    claim_orphans\(adopt\);\n'), r'\1')],
    'init-no-storage-listener': [('    window.addEventListener("storage", on_storage);\n', '')],
    'init-no-refresh': [(re.compile(r'    refresh\d*\(options\["serverOptOut"\] == true \? .*?\n'), '')],
}
COMBINED = ('no-array-add', 'lazy-encoder', 'listen-at-init')


def edit(text, name):
    """`text` with the edits of `name`, or None if one of them no longer applies."""
    for old, new in dict(EDITS, **INIT_EDITS)[name]:
        if isinstance(old, str):
            if old not in text:
                return None
            text = text.replace(old, new)
        else:
            text, count = old.subn(new, text)
            if not count:
                return None
    return text


def run_at_load(source):
    """[(start, end)] offsets of the functions that run while `source` is evaluated (precise coverage)."""
    sdk = catalogue.Sdk(name='cov', package='cov', bundle='cov', source=source,
                        stub_source=_snippet())
    network = LocalNetwork({'cov': sdk}, '{}')
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            _, covered = tool.Pages(browser, network).cpu_profile('cov')
        finally:
            browser.close()
    spans = []
    for function in covered:
        whole = function['ranges'][0]
        if whole['count'] and whole['startOffset'] and whole['endOffset'] - whole['startOffset'] < len(source) // 2:
            spans.append((whole['startOffset'], whole['endOffset']))
    return spans


def parenthesise(source, spans):
    """Wraps each function expression in `spans` that is the value of an assignment in parentheses."""
    text = source.decode()
    wrapped = 0
    for start, end in sorted(spans, reverse=True):
        if text[start - 1] == '=' and text[start:].startswith(('function', '(')) and text[end - 1] == '}':
            text = text[:start] + '(' + text[start:end] + ')' + text[end:]
            wrapped += 1
    return text.encode(), wrapped


def _snippet():
    path = BUILD / 'snippet.js'
    return path.read_bytes() if path.exists() else b''


def add_edited(readable, names, work, out, notes):
    """One minified variant per edit in `names` into `out`; an edit that no longer applies is noted and skipped."""
    for name in names:
        text = edit(readable, name)
        if text is None:
            notes[name] = 'edit no longer applies; skipped'
            continue
        out[name] = tool.minify(text, work, name)


def init_variants(work):
    readable = (BUILD / 'xng.js').read_text()
    out, notes = {'base': tool.minify(readable, work, 'base')}, {}
    add_edited(readable, INIT_EDITS, work, out, notes)
    return out, notes


def variants(work):
    readable = (BUILD / 'xng.js').read_text()
    out, notes = {}, {}
    out['shipped'] = (BUILD / 'xng.min.js').read_bytes()
    out['base'] = tool.minify(readable, work, 'base')
    if (BUILD / 'xng.core.min.js').exists():
        out['core'] = (BUILD / 'xng.core.min.js').read_bytes()
    add_edited(readable, EDITS, work, out, notes)
    spans = run_at_load(out['base'])
    out['pife'], count = parenthesise(out['base'], spans)
    notes['pife'] = '%d of the %d functions run at load wrapped' % (count, len(spans))
    out['all-eager'] = b'//# allFunctionsCalledOnLoad\n' + out['base']
    combined = readable
    for name in COMBINED:
        combined = edit(combined, name) or combined
    combined_min = tool.minify(combined, work, 'combined')
    out['combined'], _ = parenthesise(combined_min, run_at_load(combined_min))
    return out, notes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--pages', type=int, default=15, help='fresh pages per variant (default 15)')
    parser.add_argument('--only', help='comma-separated variant names (base is always in)')
    parser.add_argument('--json', help='where the figures go (default build/levers/levers[-init].json)')
    parser.add_argument('--init', action='store_true',
                        help="init() queued in the stub, as on a real page; the variants leave out parts of "
                             "init's work")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    sources, notes = init_variants(OUT) if args.init else variants(OUT)
    args.json = args.json or str(OUT / ('levers-init.json' if args.init else 'levers.json'))
    if args.only:
        keep = set(args.only.split(',')) | {'base'}
        sources = {name: source for name, source in sources.items() if name in keep}
    files = []
    for name, source in sources.items():
        path = OUT / ('%s.js' % name)
        path.write_bytes(source)
        files.append(str(path))
    for name, note in notes.items():
        print('%s: %s' % (name, note))
    figures = tool.compare(argparse.Namespace(compare=files, pages=args.pages, snippet=str(BUILD / 'snippet.js'),
                                              detail=True, init=args.init))
    base = figures[str(OUT / 'base.js')]
    print()
    print('change against base, main-thread CPU ms: the median of the differences taken page by page (each '
          'round loads every variant once, so a pair shares the moment\'s load), and the difference of the '
          'lowest figures in brackets; negative = faster')
    for path, values in figures.items():
        cells = [Path(path).stem]
        for figure in ('eval_cpu_ms', 'compile_cpu_ms', 'run_cpu_ms'):
            paired = [a[figure] - b[figure] for a, b in zip(values['samples'], base['samples'])]
            values[figure + '_paired_change'] = statistics.median(paired)
            cells += [values[figure + '_paired_change'], values[figure + '_lowest'] - base[figure + '_lowest']]
        print('  %-18s eval %+.3f [%+.3f]  compile %+.3f [%+.3f]  run %+.3f [%+.3f]' % tuple(cells))
    Path(args.json).write_text(json.dumps({'pages': args.pages, 'notes': notes, 'figures': figures}, indent=2) + '\n')
    print('wrote %s' % args.json)


if __name__ == '__main__':
    sys.exit(main())
