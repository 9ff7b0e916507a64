"""`make mutate`: prove that the tests guard the opt-out promise, one curated mutant at a time.

Each mutant (tests/mutants/*.py, a list MUTANTS of plain dicts) is one small, plausible bug that
breaks one rule the README states:

    {'id': 'transport-gate', 'rule': 'the transport reads the opt-out right before a request leaves',
     'file': 'xng/browser/transport.py', 'function': 'post_batch',
     'find': 'if optout.is_opted_out():', 'replace': 'if False:',
     'tests': ['tests/e2e/test_promise.py::test_a_cookie_set_just_before_the_send_stops_it']}

`function` names the `def` (Python) or `function` (JavaScript) that holds the rule; `find` must
occur exactly once in it (in all of that name's definitions together: a CPython twin under
__pragma__('skip') is a second definition). `function: None` searches the whole file (a constant).
A mutant whose function, text or tests are not found is STALE: the code moved, update the mutant.

For each mutant, in one scratch copy of the worktree (with .venv and node_modules symlinked, the
file restored between mutants): apply it, build if it touches what the build reads, run its named
tests with -x; if they all pass, run the whole suite. A mutant is killed by the first failing test,
or SURVIVED. Before the mutants, the named tests run once on the unmutated code: a test that fails
there would "kill" every mutant and prove nothing.

    .venv/bin/python tools/mutate.py                 # every mutant
    MUTANTS=transport-gate,gpc-always make mutate  # a subset (ids, comma-separated)
    BASELINE=0 make mutate                           # skip the unmutated run of the named tests
    .venv/bin/python tools/mutate.py --check         # only place each mutant and find its tests (a second)

A named test that fails on the unmutated code proves nothing: it is left out of its mutants (and
reported), and the run exits non-zero. Exit status: 0 only when every mutant was killed by its
tests with every named test passing on the unmutated code (no survivor, no stale or broken mutant).
"""
import os
import re
import runpy
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS_DIR = ROOT / 'tests' / 'mutants'
LINKED = ['.venv', 'node_modules', 'bench/node_modules']  # bench's: the analytics-next side-by-side test
FIELDS = ('id', 'rule', 'file', 'function', 'find', 'replace', 'tests')
# A test that hangs on a mutant (say, awaiting a Promise the mutant never settles) does not pass: past these
# bounds the run is stopped and the mutant counts as killed by the test that was running, marked "hung".
NAMED_TIMEOUT_S = 300
SUITE_TIMEOUT_S = 1800


def run(command, cwd, timeout=None):
    """(exit code, output) of a command in its own process group, killed with it if the runner is stopped.

    Past `timeout` seconds the group is killed and the exit code is None (a test that hangs on a mutant).
    """
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        return None, output
    except BaseException:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
    return process.returncode, output


def load_mutants():
    """Every MUTANTS list in tests/mutants/*.py (files starting with _ excepted), checked for shape."""
    mutants = []
    for path in sorted(MUTANTS_DIR.glob('*.py')):
        if path.name.startswith('_'):
            continue
        for mutant in runpy.run_path(str(path)).get('MUTANTS', []):
            missing = [field for field in FIELDS if field not in mutant]
            if missing or not mutant['tests']:
                raise SystemExit('%s: mutant %r lacks %s' % (path.name, mutant.get('id'), missing or ['tests']))
            mutants.append(dict(mutant, source=path.name))
    seen = set()
    for mutant in mutants:
        if mutant['id'] in seen:
            raise SystemExit('two mutants have the id %r' % mutant['id'])
        seen.add(mutant['id'])
    return mutants


def indent_of(line):
    return len(line) - len(line.lstrip())


def function_spans(lines, name, javascript):
    """(start, end) line ranges of every definition of `name`: the def line and the lines indented under it."""
    if javascript:
        pattern = re.compile(r'^\s*(async\s+)?function\s+%s\s*\(' % re.escape(name))
    else:
        pattern = re.compile(r'^\s*(async\s+)?def\s+%s\s*\(' % re.escape(name))
    spans = []
    for start, line in enumerate(lines):
        if not pattern.match(line):
            continue
        depth = indent_of(line)
        end = start + 1
        while end < len(lines) and (not lines[end].strip() or indent_of(lines[end]) > depth):
            end += 1
        spans.append((start, end))
    return spans


def mutate_text(source, mutant):
    """The source with the mutant applied, or (None, why) when it cannot be placed exactly once."""
    if mutant['function'] is None:
        regions = [(0, len(source))]
        where = mutant['file']
    else:
        lines = source.splitlines(keepends=True)
        offsets = [0]
        for line in lines:
            offsets.append(offsets[-1] + len(line))
        spans = function_spans(lines, mutant['function'], mutant['file'].endswith('.js'))
        if not spans:
            return None, 'no function %s in %s' % (mutant['function'], mutant['file'])
        regions = [(offsets[start], offsets[end]) for start, end in spans]
        where = '%s in %s' % (mutant['function'], mutant['file'])
    hits = []
    for begin, end in regions:
        at = source.find(mutant['find'], begin, end)
        while at >= 0 and at + len(mutant['find']) <= end:
            hits.append(at)
            at = source.find(mutant['find'], at + 1, end)
    if len(hits) != 1:
        return None, '%r occurs %d times in %s (must be once)' % (mutant['find'], len(hits), where)
    at = hits[0]
    return source[:at] + mutant['replace'] + source[at + len(mutant['find']):], None


def touches_build(relative):
    return relative.startswith('xng/') or relative in ('tools/build.py', 'tools/shake_runtime.py')


class Scratch:
    """One copy of the worktree, reused: the mutated file is restored after each mutant."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix='xng-mutate-'))
        listed = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], cwd=ROOT,
                                capture_output=True, check=True).stdout.decode().split('\0')
        for relative in listed:
            source = ROOT / relative
            if not relative or relative in LINKED or not source.is_file() or source.is_symlink():
                continue
            (self.dir / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, self.dir / relative)
        for name in LINKED:
            if (ROOT / name).exists():
                (self.dir / name).parent.mkdir(parents=True, exist_ok=True)
                (self.dir / name).symlink_to((ROOT / name).resolve())
        self.python = str(self.dir / '.venv' / 'bin' / 'python')
        self.built_clean = False

    def build(self):
        code, output = run([self.python, 'tools/build.py'], self.dir)
        return code == 0, output[-2000:]

    def ensure_clean_build(self):
        if not self.built_clean:
            ok, output = self.build()
            if not ok:
                raise SystemExit('the unmutated code does not build:\n' + output)
            self.built_clean = True

    def pytest(self, targets, timeout):
        """(exit code, first failing test id or None, output tail) of pytest -x on `targets`; exit code None
        when it ran past `timeout` seconds (then the test running at that moment is named, from -v's output)."""
        report = self.dir / 'mutate-report.xml'
        if report.exists():
            report.unlink()
        command = [self.python, '-m', 'pytest', '-x', '-v', '-p', 'no:cacheprovider', '--junitxml', str(report)] + targets
        code, output = run(command, self.dir, timeout)
        if code is None:
            started = re.findall(r'^(tests/\S+::\S+) ', output, re.M)
            return None, started[-1] if started else None, output[-3000:]
        return code, first_failure(report), output[-3000:]

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def failures(report):
    """The ids (file::name[params]) of the failed or erroring tests in a junit report, in order."""
    if not report.exists():
        return []
    failed = []
    for case in ElementTree.parse(report).iter('testcase'):
        if case.find('failure') is not None or case.find('error') is not None:
            path = (case.get('file') or case.get('classname', '').replace('.', '/') + '.py')
            failed.append('%s::%s' % (path, case.get('name')))
    return failed


def first_failure(report):
    failed = failures(report)
    return failed[0] if failed else None


def names(test, failed_ids):
    """Whether `test` (file::name, maybe without parameters) names one of `failed_ids`."""
    return any(failed == test or failed.startswith(test + '[') for failed in failed_ids)


def run_mutant(scratch, mutant, log, failing=()):
    """(verdict, detail): verdict is KILLED, SURVIVED, STALE or BROKEN."""
    target = scratch.dir / mutant['file']
    if not target.exists():
        return 'STALE', 'no file %s' % mutant['file']
    original = target.read_text()
    mutated, why = mutate_text(original, mutant)
    if mutated is None:
        return 'STALE', why
    builds = touches_build(mutant['file'])
    if not builds:
        scratch.ensure_clean_build()
    # The CPython unit tests read the sources, not the build: run them first, and build only if they pass.
    unit = [test for test in mutant['tests'] if test.startswith('tests/unit/')]
    rest = [test for test in mutant['tests'] if test not in unit]
    built = False
    try:
        target.write_text(mutated)
        for tests in (unit, rest):
            if not tests:
                continue
            if tests is rest and builds:
                scratch.built_clean, built = False, True
                ok, output = scratch.build()
                if not ok:
                    log('    build failed:\n' + output)
                    return 'BROKEN', 'the mutant does not build'
            code, failed, output = scratch.pytest(tests, NAMED_TIMEOUT_S)
            if code is None:
                return 'KILLED', '%s (hung: stopped after %d s)' % (failed or 'a named test', NAMED_TIMEOUT_S)
            if code in (4, 5):  # usage error / nothing collected: a named test is gone
                return 'STALE', 'named tests not found: ' + output.strip().splitlines()[-1]
            if code != 0:
                return 'KILLED', failed or 'pytest exit %d' % code
        if builds and not built:  # only unit tests were named: the suite needs the mutant's build
            scratch.built_clean = False
            ok, output = scratch.build()
            if not ok:
                return 'BROKEN', 'the mutant does not build'
        log('    named tests pass on the mutant: running the whole suite')
        deselect = [argument for test in failing for argument in ('--deselect', test)]
        code, failed, output = scratch.pytest(['tests'] + deselect, SUITE_TIMEOUT_S)
        if code is None:
            return 'KILLED', '%s (hung: stopped after %d s; not named)' % (failed or 'the suite', SUITE_TIMEOUT_S)
        if code != 0:
            return 'KILLED', (failed or 'pytest exit %d' % code) + ' (not named)'
        return 'SURVIVED', ''
    finally:
        target.write_text(original)


def baseline(scratch, mutants, log):
    """The named tests on the unmutated code; returns the ids of those that fail there (they prove nothing)."""
    scratch.ensure_clean_build()
    targets = sorted({test for mutant in mutants for test in mutant['tests']})
    log('baseline: %d named tests on the unmutated code' % len(targets))
    report = scratch.dir / 'mutate-baseline.xml'
    code, output = run([scratch.python, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', '--junitxml', str(report)]
                       + targets, scratch.dir, SUITE_TIMEOUT_S)
    if code is None:
        log(output[-4000:])
        raise SystemExit('the baseline run of the named tests hung (stopped after %d s)' % SUITE_TIMEOUT_S)
    failed = failures(report)
    if code != 0 and not failed:
        log(output[-4000:])
        raise SystemExit('the baseline run of the named tests did not run')
    for test in failed:
        log('    fails on the unmutated code: %s' % test)
    return failed


def compiles(source, name):
    """Whether CPython compiles `source` (Transcrypt takes some files that CPython refuses: those are not checked)."""
    try:
        compile(source, name, 'exec')
    except SyntaxError:
        return False
    return True


def problem(mutant):
    """Why the mutant cannot run on the worktree as it is (its code or a named test moved), else None."""
    path = ROOT / mutant['file']
    why = [] if path.exists() else ['no file %s' % mutant['file']]
    if not why:
        original = path.read_text()
        mutated, reason = mutate_text(original, mutant)
        why += [reason] if reason else []
        if mutated is not None and mutant['file'].endswith('.py') and compiles(original, mutant['file']):
            try:
                compile(mutated, mutant['file'], 'exec')
            except SyntaxError as error:  # e.g. a replacement that breaks the indentation
                why.append('the mutated file is not Python: %s' % error)
    for test in mutant['tests']:
        file, _, name = test.partition('::')
        name = name.split('[')[0]
        source = (ROOT / file).read_text() if (ROOT / file).is_file() else ''
        if not source or (name and not re.search(r'^\s*def %s\(' % re.escape(name), source, re.M)):
            why.append('no test ' + test)
    return '; '.join(why) or None


def check(mutants):
    """--check: place every mutant and find every named test in the worktree, without running anything."""
    stale = 0
    for mutant in mutants:
        why = problem(mutant)
        if why:
            stale += 1
            print('STALE %s: %s' % (mutant['id'], why))
    print('%d mutants, %d stale' % (len(mutants), stale))
    return 1 if stale else 0


def main():
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(143))  # kill PID: the scratch copy goes too
    started = time.time()
    log = lambda text: print(text, flush=True)  # noqa: E731
    mutants = load_mutants()
    if '--check' in sys.argv[1:]:
        return check(mutants)
    wanted = [name.strip() for name in os.environ.get('MUTANTS', '').split(',') if name.strip()]
    if wanted:
        unknown = sorted(set(wanted) - {mutant['id'] for mutant in mutants})
        if unknown:
            raise SystemExit('no such mutants: %s' % ', '.join(unknown))
        mutants = [mutant for mutant in mutants if mutant['id'] in wanted]
    # Those the build does not read first, on one clean build; then those it does, a build each.
    mutants.sort(key=lambda mutant: touches_build(mutant['file']))
    results = []
    for mutant in list(mutants):
        why = problem(mutant)
        if why:
            log('STALE %s: %s' % (mutant['id'], why))
            results.append((mutant, 'STALE', why))
            mutants.remove(mutant)
    scratch = Scratch()
    log('scratch copy: %s' % scratch.dir)
    failing = []
    try:
        failing = baseline(scratch, mutants, log) if mutants and os.environ.get('BASELINE', '1') != '0' else []
        for number, mutant in enumerate(mutants, 1):
            log('[%d/%d] %s: %s' % (number, len(mutants), mutant['id'], mutant['rule']))
            began = time.time()
            broken = [test for test in mutant['tests'] if names(test, failing)]
            if broken:  # a test that fails anyway would "kill" the mutant and prove nothing: left out
                log('    left out, failing on the unmutated code: %s' % ', '.join(broken))
                mutant = dict(mutant, tests=[test for test in mutant['tests'] if test not in broken])
            if not mutant['tests']:
                verdict, detail = 'UNPROVEN', 'every named test fails on the unmutated code'
            else:
                verdict, detail = run_mutant(scratch, mutant, log, failing)
            if broken and verdict == 'KILLED':
                detail += ' (named tests failing without the mutant: %s)' % ', '.join(broken)
            log('    %s %s (%.0fs)' % (verdict, detail, time.time() - began))
            results.append((mutant, verdict, detail))
    finally:
        scratch.remove()
    print_table(results, time.time() - started)
    if failing:
        print('named tests failing on the unmutated code: %s' % ', '.join(failing))
    return 0 if all(verdict == 'KILLED' for _, verdict, _ in results) and not failing else 1


def print_table(results, seconds):
    rows = [('mutant', 'rule', 'killed by')]
    for mutant, verdict, detail in results:
        rows.append((mutant['id'], mutant['rule'], detail if verdict == 'KILLED' else '%s %s' % (verdict, detail)))
    widths = [min(max(len(row[column]) for row in rows), limit) for column, limit in ((0, 28), (1, 60))]
    print()
    for row in rows:
        rule = row[1] if len(row[1]) <= widths[1] else row[1][:widths[1] - 3] + '...'
        print('%-*s  %-*s  %s' % (widths[0], row[0], widths[1], rule, row[2]))
    killed = sum(1 for _, verdict, _ in results if verdict == 'KILLED')
    counts = {}
    for _, verdict, _ in results:
        counts[verdict] = counts.get(verdict, 0) + 1
    total = len(results)
    print()
    print('score: %d/%d killed (%.0f%%); %s; %.0f s' % (
        killed, total, 100.0 * killed / total if total else 100.0,
        ', '.join('%s %d' % (verdict.lower(), count) for verdict, count in sorted(counts.items())), seconds))


if __name__ == '__main__':
    sys.exit(main())
