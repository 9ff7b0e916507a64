"""Evaluation split into compile and run, from a Chromium trace of the bench's own pages.

The page is the one `eval ms` uses (bench/measure.js evalSource: the bundle text inserted as an inline
<script>). Tracing runs only around that insertion. In the trace, Blink's `EvaluateScript` event of the
inline script holds V8's two phases:
  - `v8.compile`: parsing the whole text (pre-parsing the bodies of functions not run yet) and
    compiling the top-level code to bytecode;
  - `v8.run`: running the top-level code, which includes compiling each function the first time
    it is called (lazy compilation).
Each figure comes twice: `*_ms` is wall time (the trace's `dur`), `*_cpu_ms` the main thread's CPU
time (`tdur`). On a busy machine the thread is often descheduled in the middle of a compile, which
inflates the wall time but not the CPU time, so the CPU figures are the steadier ones.
With DETAIL categories the trace also has V8's own compile events, so `lazy_ms` (the part of run spent
compiling functions on their first call) and the number of such functions can be told apart. Those
events are many and cost a little each, so the figures of `make bench` use CATEGORIES only.

traced_load() does the same for a page that loads the script by <script src>, as sites do: there
Chromium compiles the script on a background thread while it arrives (`streamed` in the trace), and
the main thread only finishes that compile before running the script.
"""
import json

CATEGORIES = ['v8', 'devtools.timeline']
DETAIL = CATEGORIES + ['disabled-by-default-v8.compile']


def traced_eval(browser, page, url, categories=CATEGORIES, may_throw=False):
    """Evaluates the script at `url` in `page` (a bare bench page) with tracing on; returns the split.

    may_throw: a script that throws while running is still measured (for scratch bundles that only
    need to compile)."""
    browser.start_tracing(page=page, categories=categories)
    try:
        page.evaluate('url => __bench.evalSource(url)%s' % ('.catch(() => null)' if may_throw else ''), url)
    finally:
        data = browser.stop_tracing()
    trace = json.loads(data)
    return split(trace['traceEvents'] if isinstance(trace, dict) else trace)


def traced_load(browser, page, page_address, script_path, categories=CATEGORIES):
    """Loads `page_address` (a bench page whose <script src> tags include `script_path`) with tracing on;
    returns the split of that script's evaluation, as the browser does it for a script from the network:
    Chromium compiles such a script on a background thread while it downloads (streaming) when it can,
    so only what is left of the compile runs on the main thread. `streamed` says whether it was."""
    browser.start_tracing(page=page, categories=categories)
    try:
        page.goto(page_address)
    finally:
        data = browser.stop_tracing()
    trace = json.loads(data)
    return split(trace['traceEvents'] if isinstance(trace, dict) else trace, script_path)


def split(events, url_ending=None):
    """{'eval_ms', 'compile_ms', 'run_ms'[, 'lazy_ms', 'lazy_functions']} and the same `*_cpu_ms` of the
    inline script's evaluation in `events` (trace events; durations in us), or of the script whose URL
    ends with `url_ending`."""
    spans = [e for e in events if e.get('ph') == 'X' and 'dur' in e]
    scripts = [e for e in spans if e['name'] == 'EvaluateScript'
               and (_url(e).endswith(url_ending) if url_ending else not _url(e))]
    if not scripts:
        raise ValueError('no EvaluateScript event of %s in the trace' % (url_ending or 'an inline script'))
    script = max(scripts, key=lambda e: e['dur'])
    inside = [e for e in spans if e['tid'] == script['tid'] and e['pid'] == script['pid']
              and script['ts'] <= e['ts'] and e['ts'] + e['dur'] <= script['ts'] + script['dur']]
    runs = [e for e in inside if e['name'] == 'v8.run']
    result = _times('eval', [script])
    compiles = [e for e in inside if e['name'] == 'v8.compile']
    result.update(_times('compile', compiles))
    result['streamed'] = any(_data(e).get('streamed') for e in compiles)
    result.update(_times('run', runs))
    if any(e['name'] == 'V8.CompileCode' for e in inside):
        lazy = _outermost([e for e in inside if e['name'] == 'V8.CompileCode' and _within(e, runs)])
        result.update(_times('lazy', lazy))
        result['lazy_functions'] = len(lazy)
    return result


def _times(figure, events):
    return {figure + '_ms': sum(e['dur'] for e in events) / 1000,
            figure + '_cpu_ms': sum(e.get('tdur', e['dur']) for e in events) / 1000}


def _data(event):
    return (event.get('args') or {}).get('data') or {}


def _url(event):
    return _data(event).get('url') or ''


def _within(event, spans):
    return any(span['ts'] <= event['ts'] and event['ts'] + event['dur'] <= span['ts'] + span['dur']
               for span in spans)


def _outermost(events):
    """The events not nested in another of `events` (a lazy compile can trigger another)."""
    events = sorted(events, key=lambda e: (e['ts'], -e['dur']))
    out, end = [], -1
    for event in events:
        if event['ts'] >= end:
            out.append(event)
            end = event['ts'] + event['dur']
    return out
