"""The printed side of bench/run.py: the comparison table, the ratios and xng's own figures."""
import gzip
from pathlib import Path

COLUMNS = (('SDK', 10), ('version', 9), ('min KB', 8), ('gzip KB', 8), ('eval ms', 8),
           ('track us', 9), ('total us', 9), ('check us', 9), ('opted out: req/timers/writes', 29))


def xng_figures(entry, bundle_path, snippet_path):
    """The figures tracked since issue 2: shipped bytes and the cost of the two hot calls."""
    snippet = Path(snippet_path)
    return {
        'bundle': Path(bundle_path).name,
        'snippet': snippet.name,
        'xng_min_js_gzip_bytes': len(gzip.compress(Path(bundle_path).read_bytes(), 9)),
        'snippet_js_gzip_bytes': len(gzip.compress(snippet.read_bytes(), 9)) if snippet.exists() else None,
        'track_us': entry.get('track_us'),
        'track_total_us': entry.get('track_total_us'),
        'is_tracking_opt_out_us': entry.get('check_us'),
    }


def print_report(document):
    settings = document['settings']
    print()
    print('xng bench: Chromium %s, %s' % (document['chromium'], _resolution(document)))
    print('eval = median of %d fresh pages; track/check = median of %d runs, each timing %d calls or '
          'as many as fit in %d ms, synchronous cost only; total = median of %d runs of %d calls, script time '
          'of the calls and of what they deferred, over the %d ms after them' % (
              settings['eval_pages'], settings['runs'], settings['calls'], settings['budget_ms'],
              settings['total_runs'], settings['total_calls'], settings['total_window_ms']))
    _row([title for title, _ in COLUMNS])
    _row(['-' * width for _, width in COLUMNS])
    for name, entry in document['sdks'].items():
        _row(_cells(name, entry))
    _print_split(document['sdks'], settings)
    _print_floor_ratios(document['ratios_xng_to_floor'])
    _print_ratios(document['ratios_xng_to_peer'])
    _print_xng(document['xng'], settings)
    _print_opted_out(document['sdks']['xng'])
    _print_provenance(document['sdks'])
    _print_load(document)


def _resolution(document):
    if document['cross_origin_isolated']:
        return 'cross-origin isolated (5 us timer)'
    return 'NOT cross-origin isolated (100 us timer)'


def _row(cells):
    print('  '.join(str(cell).ljust(width) for cell, (_, width) in zip(cells, COLUMNS)).rstrip())


def _cells(name, entry):
    head = [name, entry.get('version') or '-']
    if 'bytes' not in entry:
        return head + [entry['status']]
    sizes = ['%.1f' % (entry['bytes'] / 1024), '%.1f' % (entry['gzip_bytes'] / 1024)]
    if entry['status'] != 'ok':
        return head + sizes + [entry['status']]
    return head + sizes + [_num(entry['eval_ms'], '%.2f'), _num(entry['track_us'], '%.2f'),
                           _num(entry.get('track_total_us'), '%.1f'), _num(entry['check_us'], '%.3f'),
                           _opted(entry['opted_out'])]


def _opted(opted):
    if opted is None:
        return 'n/a'
    return '%d / %d / %d' % (opted['requests'], opted['timers'], opted['storage_writes'])


def _num(value, fmt):
    return 'n/a' if value is None else fmt % value


def _print_split(entries, settings):
    rows = [(name, e) for name, e in entries.items() if e['status'] == 'ok' and e.get('compile_ms') is not None]
    if not rows:
        return
    floor = entries.get('floor', {})
    print()
    print('evaluation split, median of %d samples of two traced fresh pages (bench/trace.py), main-thread CPU ms: '
          'inline as '
          'eval ms (compile = v8.compile: parse and top-level bytecode; run = v8.run: top-level code with the '
          'lazy compiles of what it calls), and by <script src> (Chromium compiles it off the main thread while '
          'it downloads; "streamed": share of pages where it did)' % settings['split_pages'])
    for name, entry in rows:
        line = '  %-10s inline: eval %6.3f  compile %6.3f  run %6.3f   <script src>: %6.3f = %6.3f + %6.3f%s' % (
            name, entry['eval_cpu_ms'], entry['compile_cpu_ms'], entry['run_cpu_ms'],
            _nan(entry.get('src_eval_cpu_ms')), _nan(entry.get('src_compile_cpu_ms')),
            _nan(entry.get('src_run_cpu_ms')), ' streamed' if entry.get('src_streamed') else '')
        if entry['kind'] == 'xng' and floor.get('compile_cpu_ms'):
            line += '   / floor: eval %s compile %s run %s src %s' % tuple(
                _times(_div(entry.get(key), floor.get(key)))
                for key in ('eval_cpu_ms', 'compile_cpu_ms', 'run_cpu_ms', 'src_eval_cpu_ms'))
        print(line)


def _nan(value):
    return float('nan') if value is None else value


def _div(a, b):
    return a / b if a is not None and b else None


def _print_floor_ratios(ratios):
    if not ratios:
        return
    print()
    print('xng / floor (the hand-written tracker in bench/floor.js; "above empty": eval minus the empty '
          "script's, xng over floor)")
    for name, mine in ratios.items():
        floor = mine.get('floor')
        if not floor:
            continue
        print('  %-10s gzip size %-7s eval %-7s (CPU %s)  track %-7s track total %-7s eval above empty %s' % (
            name, _times(floor.get('size_gzip')), _times(floor.get('eval')), _times(floor.get('eval_cpu')),
            _times(floor.get('track')), _times(floor.get('track_total')), _times(mine.get('eval_above_empty'))))


def _print_ratios(ratios):
    if not ratios:
        return
    print()
    print('xng / peer (below 1: xng is smaller or faster)')
    for name, ratio in ratios.items():
        print('  %-10s gzip size %-7s eval %-7s track %-7s track total %s' % (
            name, _times(ratio['size_gzip']), _times(ratio['eval']), _times(ratio['track']),
            _times(ratio['track_total'])))


def _times(value):
    return 'n/a' if value is None else '%.3gx' % value


def _print_xng(figures, settings):
    print()
    print('xng: %s %s B gzipped, %s %s B gzipped; xng.track() %s us (%s us with its deferred work), '
          'xng.isTrackingOptOut() %s us (median of %d runs)' % (
              figures['bundle'], figures['xng_min_js_gzip_bytes'],
              figures['snippet'], _num(figures['snippet_js_gzip_bytes'], '%d'),
              _num(figures['track_us'], '%.2f'), _num(figures['track_total_us'], '%.1f'),
              _num(figures['is_tracking_opt_out_us'], '%.3f'), settings['runs']))


def _print_opted_out(entry):
    opted, control = entry.get('opted_out'), entry.get('opted_out_control')
    if not opted:
        return
    print('xng opted out: %s requests / timers / storage writes in %d ms after %d track calls '
          '(control page, not opted out: %s)' % (_opted(opted), opted['window_ms'], opted['track_calls'],
                                                _opted(control) if control else 'not measured'))


def _print_load(document):
    load = max(document['load_average'])
    if load > document['cpus']:
        print('WARNING: load average %.1f on %d CPUs during the run: other processes competed for the '
              'CPU, so the timings are inflated and noisy (sizes and opted-out counts are not affected)'
              % (load, document['cpus']))


def _print_provenance(entries):
    peers = {name: e for name, e in entries.items() if e['kind'] == 'peer'}
    measured = ['%s %s (%s)' % (e['package'], e['version'], e['bundle'])
                for e in peers.values() if e['status'] == 'ok']
    missing = [e['package'] for e in peers.values() if e['status'].startswith('not installed')]
    failed = ['%s: %s' % (name, e['status']) for name, e in entries.items()
              if e['status'] != 'ok' and not e['status'].startswith(('not installed', 'not built'))]
    print('peers measured in this same run: %s' % (', '.join(measured) or 'none'))
    if missing:
        print('peers not installed (run `npm ci --prefix bench`): %s' % ', '.join(missing))
    for line in failed:
        print('peer failed: %s' % line)
