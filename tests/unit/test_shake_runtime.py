"""tools/shake_runtime.py: the build step that drops the parts of Transcrypt's runtime the SDK never reaches.

First on a small synthetic runtime whose every statement is known, then on the real one: the SDK is
compiled by the pinned Transcrypt into a temporary copy, shaken and bundled as `make build` does,
and the minified bundle is run by node against a fake window (skipped where node is missing).
"""
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / 'tools'))
import shake_runtime  # noqa: E402
from shake_runtime import (OVERRIDES, RUNTIME, BuiltInPatch, classify, module_roots, non_enumerable,  # noqa: E402
                           narrow_import, shake, shake_target, split_statements, tokens)

SYNTHETIC = """// Transcrypt'ed from Python, 2026-01-01 00:00:00
import {py_copy as _copy} from './copy.js';
var __name__ = 'org.transcrypt.__runtime__';
export var __envir__ = {};
__envir__.interpreter_name = 'python';
export function used (x) {
    var brace = '}';
    return helper (x) + brace;
};
function helper (x) {
    return x.strip ();
}
export function unused (y) {
    return y.py_split (',');
}
export function callsList (z) {
    return list (z);
}
export var list = function (iterable) {
    return [...iterable];
};
list.__name__ = 'list';
// a comment at column 0 between statements
export function dict (objectLiteral) {
    // the long original
    return new Map (Object.entries (objectLiteral));
};
dict.__name__ = 'dict';
export function len (anObject) {
    if (anObject === undefined || anObject === null) {
        return 0;
    }
    return anObject.length;
};
export var pair = makePair (
1, 2);
String.prototype.strip = function () {
    return this.trim ();
};
String.prototype.py_split = function (sep) {
    return this.split (sep);
};
Array.prototype.__getslice__ = function (start, stop, step) {
    // the long original, with steps
    return this.slice (start, stop);
};
__setproperty__ (Array.prototype, 'append', {
    get: function () {return this.push;}
});
export function __setproperty__ (anObject, name, descriptor) {
    Object.defineProperty (anObject, name, descriptor);
};
export function makePair (a, b) {
    return [a, b];
};
"""


def first_code_line(chunk):
    return next(line for line in chunk.split('\n') if line and not line.startswith('//'))


def kept_definitions(body):
    return {classify(chunk)[1] for chunk in split_statements(body)
            if classify(chunk)[0] in ('defines', 'proto')} - {'__method__'}  # the shaker's own helper


# --- split_statements ---------------------------------------------------------------------------

def test_split_is_lossless():
    assert '\n'.join(split_statements(SYNTHETIC)) == SYNTHETIC


def test_split_gives_one_chunk_per_top_level_statement():
    chunks = split_statements(SYNTHETIC)
    starts = [first_code_line(chunk) for chunk in chunks if any(
        line and not line.startswith('//') for line in chunk.split('\n'))]
    assert starts == [
        "import {py_copy as _copy} from './copy.js';",
        "var __name__ = 'org.transcrypt.__runtime__';",
        'export var __envir__ = {};',
        "__envir__.interpreter_name = 'python';",
        'export function used (x) {',
        'function helper (x) {',
        'export function unused (y) {',
        'export function callsList (z) {',
        'export var list = function (iterable) {',
        "list.__name__ = 'list';",
        'export function dict (objectLiteral) {',
        "dict.__name__ = 'dict';",
        'export function len (anObject) {',
        'export var pair = makePair (',
        'String.prototype.strip = function () {',
        'String.prototype.py_split = function (sep) {',
        'Array.prototype.__getslice__ = function (start, stop, step) {',
        "__setproperty__ (Array.prototype, 'append', {",
        'export function __setproperty__ (anObject, name, descriptor) {',
        'export function makePair (a, b) {',
    ]


def test_split_keeps_bodies_closers_and_continuations_with_their_statement():
    chunks = split_statements(SYNTHETIC)
    used = next(chunk for chunk in chunks if 'function used' in chunk)
    assert used.endswith('    return helper (x) + brace;\n};')  # a '}' inside a string does not end it
    pair = next(chunk for chunk in chunks if 'var pair' in chunk)
    assert pair == 'export var pair = makePair (\n1, 2);'  # a column-0 line inside open brackets
    setter = next(chunk for chunk in chunks if "'append'" in chunk)
    assert setter.endswith('});')


@pytest.mark.parametrize('chunk, expected', [
    ('export function len (x) {\n    return 1;\n};', ('defines', 'len')),
    ('export var __envir__ = {};', ('defines', '__envir__')),
    ('function helper (x) {\n}', ('defines', 'helper')),
    ('String.prototype.strip = function () {\n};', ('proto', 'strip')),
    ("__setproperty__ (Array.prototype, 'append', {\n});", ('proto', 'append')),
    ("__envir__.interpreter_name = 'python';", ('owned', '__envir__')),
    ('// only a comment', ('drop', None)),
    ('console.log (1);', ('keep', None)),
])
def test_classify(chunk, expected):
    assert classify(chunk) == expected


def test_tokens_tell_identifiers_from_property_accesses_and_skip_strings():
    found = tokens("var a = b.strip (c) + 'd.e f' + x . py_split; // g.h")
    assert {'var', 'a', 'b', '.strip', 'c', 'x', '.py_split'} <= found
    assert not {'d', '.e', 'f', 'g', '.h', 'strip', 'py_split'} & found


# --- shake -------------------------------------------------------------------------------------

def test_shake_keeps_only_what_the_roots_reach():
    patched = set()
    body, exported = shake(SYNTHETIC, {'used'}, patched=patched)
    assert kept_definitions(body) == {'used', 'helper'}  # helper via used
    assert exported == {'used', 'helper'}
    assert patched == {('String', 'strip')}  # helper's x.strip reaches the patch, which is not kept
    for gone in ('function unused', 'py_split', 'callsList', 'var list', '__envir__', '_copy', 'makePair'):
        assert gone not in body


def test_shake_never_keeps_a_patch_of_a_built_in_prototype():
    for root, owner in (('.py_split', 'String'), ('.append', 'Array'), ('.__getslice__', 'Array')):
        patched = set()
        body, exported = shake(SYNTHETIC, {root}, patched=patched)
        assert kept_definitions(body) == set() and exported == set() and 'prototype' not in body, root
        assert patched == {(owner, root[1:])}


def test_shake_keeps_a_variable_with_its_attribute_assignments():
    body, exported = shake(SYNTHETIC, {'callsList'})
    assert {'callsList', 'list'} <= exported
    assert "list.__name__ = 'list';" in body
    body, _ = shake(SYNTHETIC, {'used'})
    assert "list.__name__" not in body


def test_shake_follows_calls_across_statements():
    _, exported = shake(SYNTHETIC, {'pair'})
    assert exported == {'pair', 'makePair'}


def test_shake_of_nothing_keeps_nothing():
    body, exported = shake(SYNTHETIC, set())
    assert exported == set() and kept_definitions(body) == set()


def test_shake_drops_an_unreached_generator_function():
    source = 'function* gen (items) {\n    yield 1;\n}\nexport function used () {\n    return 1;\n};'
    body, _ = shake(source, {'used'})
    assert 'gen' not in body


def test_overrides_replace_reached_definitions():
    body, exported = shake(SYNTHETIC, {'dict', 'len'})
    assert OVERRIDES['dict'] in body and OVERRIDES['len'] in body
    assert 'new Map' not in body and 'anObject === undefined' not in body
    assert "dict.__name__" not in body  # attribute assignments of a replaced definition go too
    assert {'dict', 'len'} <= exported


def test_overrides_of_unreached_definitions_add_nothing():
    body, _ = shake(SYNTHETIC, {'used'})
    for text in OVERRIDES.values():
        assert text not in body


def test_module_roots_ignore_the_runtime_import():
    module = ("import {dict, len, unused} from './org.transcrypt.__runtime__.js';\n"
              "export var f = function (s) {return len (s.strip ());};\n")
    roots = module_roots(module)
    assert {'len', '.strip', 'f'} <= roots
    assert 'unused' not in roots and 'dict' not in roots


def test_narrow_import_keeps_used_and_available_names_and_the_line_count():
    module = ("import {dict, len, min, unused} from './org.transcrypt.__runtime__.js';\n"
              "import {x} from './xng.core.values.js';\n"
              "export var f = function (s) {return min (len (s), dict ({}));};\n")
    narrowed = narrow_import(module, {'dict', 'len', 'unused'})
    assert narrowed.split('\n')[0] == "import {dict, len} from './org.transcrypt.__runtime__.js';"
    assert narrowed.split('\n')[1:] == module.split('\n')[1:]
    assert narrow_import(module, set()).split('\n')[0] == '// no runtime import'


def test_shake_target_rewrites_a_target_folder(tmp_path):
    (tmp_path / RUNTIME).write_text(SYNTHETIC + '\n//# sourceMappingURL=org.transcrypt.__runtime__.map')
    (tmp_path / 'main.js').write_text(
        "import {pair, unused, len} from './org.transcrypt.__runtime__.js';\nlen (pair);\n")
    before, after = shake_target(tmp_path)
    assert before == len(SYNTHETIC) + len('\n//# sourceMappingURL=org.transcrypt.__runtime__.map')
    runtime = (tmp_path / RUNTIME).read_text()
    assert after < before and 'function unused' not in runtime and 'sourceMappingURL' not in runtime
    assert 'function makePair' in runtime
    assert (tmp_path / 'main.js').read_text().startswith("import {pair, len} from './org.transcrypt.__runtime__.js';")


def test_shake_target_refuses_a_module_that_needs_a_patch_of_a_built_in(tmp_path):
    (tmp_path / RUNTIME).write_text(SYNTHETIC)
    (tmp_path / 'xng.tracker.js').write_text(
        "import {len} from './org.transcrypt.__runtime__.js';\nexport var f = function (s) {return s.strip ();};\n")
    with pytest.raises(BuiltInPatch, match=r'xng\.tracker\.js: String\.prototype\.strip'):
        shake_target(tmp_path)


def test_a_name_native_objects_also_have_is_not_refused(tmp_path):
    runtime = SYNTHETIC + 'Array.prototype.add = function (element) {\n    this.push (element);\n};\n'
    (tmp_path / RUNTIME).write_text(runtime)
    (tmp_path / 'xng.panel.js').write_text("export var f = function (e) {e.classList.add ('open');};\n")
    shake_target(tmp_path)  # DOMTokenList.add: no patch kept, no error
    assert 'prototype' not in (tmp_path / RUNTIME).read_text()


# --- the real runtime: compiled, shaken, bundled and run -------------------------------------

def load_build_tool():
    spec = importlib.util.spec_from_file_location('xng_build_tool', ROOT / 'tools' / 'build.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def compiled(tmp_path_factory):
    """The SDK compiled by the pinned Transcrypt, in a copy of xng/ so that parallel builds are not disturbed."""
    build = load_build_tool()
    if not build.TRANSCRYPT.exists():
        pytest.skip('transcrypt is not installed in this interpreter\'s environment (make setup)')
    work = tmp_path_factory.mktemp('compile')
    shutil.copytree(ROOT / 'xng', work / 'xng', ignore=shutil.ignore_patterns('__target__', '__pycache__'))
    subprocess.run([str(build.TRANSCRYPT), '-b', '-n', '-m', '-xp', '.', 'xng/main.py'], cwd=work,
                   check=True, stdout=subprocess.DEVNULL)
    target = work / 'xng' / '__target__'
    stage = work / 'stage'
    shutil.copytree(target, stage)
    before, after = shake_target(stage)
    return {'build': build, 'work': work, 'target': target, 'stage': stage, 'before': before, 'after': after}


def test_the_real_runtime_splits_losslessly_into_balanced_statements(compiled):
    source = (compiled['target'] / RUNTIME).read_text()
    chunks = split_statements(source)
    assert '\n'.join(chunks) == source
    assert len(chunks) > 100
    for chunk in chunks:
        assert shake_runtime._closed(chunk.split('\n')), chunk[:200]
    # every top-level definition starts its own statement
    starts = {first_code_line(chunk) for chunk in chunks if chunk.strip('\n/ ') and not chunk.startswith('//')}
    for line in source.split('\n'):
        if re.match(r'(export )?(function|var|let|const) ', line):
            assert line in starts, line


def test_the_real_runtime_is_shaken_to_a_small_fraction(compiled):
    assert compiled['before'] > 50000
    assert compiled['after'] < compiled['before'] / 5
    shaken = (compiled['stage'] / RUNTIME).read_text()
    assert len(shaken) < len((compiled['target'] / RUNTIME).read_text()) / 5
    assert 'py_metatype' not in shaken  # Transcrypt's class machinery: the SDK has no classes


def test_every_name_a_module_imports_from_the_shaken_runtime_is_defined(compiled):
    runtime = (compiled['stage'] / RUNTIME).read_text()
    defined = {classify(chunk)[1] for chunk in split_statements(runtime) if classify(chunk)[0] == 'defines'}
    imported = set()
    for path in compiled['stage'].glob('*.js'):
        for names in re.findall(r"^import \{([^}]*)\} from '\./org\.transcrypt\.__runtime__\.js';",
                                path.read_text(), re.M):
            imported |= {name.strip() for name in names.split(',')}
    assert imported, 'no module imports the runtime: the check would be empty'
    assert imported <= defined


NODE_HARNESS = r"""
const fs = require('fs'), vm = require('vm');
const jar = new Map(), store = new Map(), requests = [], warnings = [], errors = [], writes = [];
globalThis.window = globalThis;
globalThis.addEventListener = globalThis.removeEventListener = () => {};
globalThis.location = {href: 'https://shop.example/p/7?x=1', pathname: '/p/7', protocol: 'https:',
                       hostname: 'shop.example', origin: 'https://shop.example'};
globalThis.document = {
  title: 'Blue mug', referrer: '', visibilityState: 'visible', addEventListener() {}, removeEventListener() {},
  get cookie() { return Array.from(jar, ([k, v]) => k + '=' + v).join('; '); },
  set cookie(text) {
    const [pair, ...attrs] = text.split(';'), at = pair.indexOf('=');
    const name = pair.slice(0, at).trim(), value = pair.slice(at + 1).trim();
    if (attrs.some(a => /^\s*max-age\s*=\s*0\s*$/i.test(a))) jar.delete(name); else jar.set(name, value);
    writes.push(text);
  },
};
Object.defineProperty(globalThis, 'navigator', {value: {sendBeacon: () => true}, configurable: true});
globalThis.localStorage = {
  get length() { return store.size; }, key: i => Array.from(store.keys())[i] ?? null,
  getItem: k => store.has(k) ? store.get(k) : null, setItem: (k, v) => store.set(k, String(v)),
  removeItem: k => store.delete(k)};
globalThis.fetch = (url, init) => {
  requests.push({url, body: init && init.body, keepalive: init && init.keepalive});
  return Promise.resolve({status: 200, ok: true, headers: {get: () => null}, json: async () => ({messages: []})});
};
console.warn = (...args) => warnings.push(args.map(String).join(' '));
console.error = (...args) => errors.push(args.map(String).join(' '));
process.on('uncaughtException', e => { errors.push('uncaught: ' + e); });
vm.runInThisContext(fs.readFileSync(process.argv[2], 'utf8'), {filename: 'xng.min.js'});
(async () => {
  const out = {methods: Object.keys(window.xng).sort()};
  xng.init({endpoint: 'https://collector.example/api/batch', apiKey: 'key-1'});
  xng.track('Added Product', {sku: 'MUG-7', price: 12.5});
  await xng.flush();
  out.sent = requests.map(r => ({url: r.url, body: JSON.parse(r.body)}));
  out.optedOutBefore = xng.isTrackingOptOut();
  xng.optOutTracking();
  out.optedOutAfter = xng.isTrackingOptOut();
  out.cookie = jar.get('xng.tracking-opt-out');
  out.cookieWrites = writes.filter(w => w.startsWith('xng.tracking-opt-out='));
  const count = requests.length;
  xng.track('After Opt Out', {});
  await xng.flush();
  out.sentAfterOptOut = requests.length - count;
  out.storageKeys = Array.from(store.keys());
  out.warnings = warnings;
  out.errors = errors;
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
})().catch(e => { process.stdout.write(JSON.stringify({crash: String(e && e.stack || e)})); process.exit(1); });
"""


def run_in_node(bundle, tmp_path):
    if shutil.which('node') is None:
        pytest.skip('node is not installed')
    script = tmp_path / 'harness.js'
    script.write_text(NODE_HARNESS)
    done = subprocess.run(['node', str(script), str(bundle)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def check_bundle_runs(result):
    assert set(result['methods']) >= {'init', 'page', 'track', 'identify', 'flush', 'setTrackingOptOut',
                                      'optOutTracking', 'optInTracking', 'isTrackingOptOut'}
    assert result['errors'] == []
    assert not [w for w in result['warnings'] if 'could not start' in w or 'failed' in w], result['warnings']
    (request,) = result['sent']
    assert request['url'] == 'https://collector.example/api/batch'
    body = request['body']
    assert body['writeKey'] == 'key-1' and re.match(r'\d{4}-\d\d-\d\dT', body['sentAt'])
    (event,) = body['batch']
    assert event['type'] == 'track' and event['event'] == 'Added Product'
    assert event['properties'] == {'sku': 'MUG-7', 'price': 12.5}
    assert re.fullmatch(r'[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}', event['messageId'])
    assert event['anonymousId'] and event['context']['library']['name'] == 'xng'
    assert event['context']['page']['path'] == '/p/7'
    assert result['optedOutBefore'] is False and result['optedOutAfter'] is True
    assert re.fullmatch(r'\d{13}', result['cookie'])
    (write,) = result['cookieWrites']
    assert 'Max-Age=63072000' in write and 'Secure' not in write and 'Path=/' in write  # never Secure (issue 12)
    assert result['sentAfterOptOut'] == 0
    assert result['storageKeys'] == []


@pytest.fixture(scope='module')
def fresh_bundle(compiled):
    build = compiled['build']
    if not build.ESBUILD.exists():
        pytest.skip('esbuild is not installed (make setup)')
    bundle = compiled['work'] / 'xng.min.js'
    build.bundle(compiled['stage'] / 'main.js', bundle, minify=True)
    return bundle


def test_the_minified_bundle_of_the_shaken_runtime_runs_in_node(fresh_bundle, tmp_path):
    check_bundle_runs(run_in_node(fresh_bundle, tmp_path))


def test_build_xng_min_js_runs_in_node(tmp_path):
    """The artifact `make build` left, when it is not older than the sources."""
    bundle = ROOT / 'build' / 'xng.min.js'
    if not bundle.exists():
        pytest.skip('no build/xng.min.js: run make build')
    sources = [p for p in (ROOT / 'xng').rglob('*.py') if '__target__' not in p.parts]
    if max(p.stat().st_mtime for p in sources) > bundle.stat().st_mtime:
        pytest.skip('build/xng.min.js is older than the sources: run make build')
    check_bundle_runs(run_in_node(bundle, tmp_path))


def test_the_shaken_real_runtime_patches_no_built_in(compiled):
    """The page's built-ins stay as they are (tests/e2e/test_guest.py checks the same in Chromium)."""
    runtime = (compiled['stage'] / RUNTIME).read_text()
    assert not re.search(r'\b(%s)\.prototype\b' % '|'.join(shake_runtime.BUILT_INS), runtime), runtime


def test_prototype_methods_of_the_runtime_s_own_objects_are_not_enumerable():
    """Kept only for the runtime's own objects (never a built-in): still out of a for...in's way."""
    assert non_enumerable('Array.prototype.x = Array.prototype.y;') == "__method__ (Array.prototype, 'x', Array.prototype.y);"


def test_compact_turns_lambdas_into_arrows_and_top_level_function_vars_into_declarations_keeping_lines():
    from shake_runtime import compact
    source = ("export var f = function (a) {\n\treturn g ((function __lambda__ (x) {\n\t\treturn [x, (function __lambda__ () {"
              "\n\t\t\treturn '})';\n\t\t})];\n\t}));\n};\nvar h = function () {\n\tvar inner = function () {};\n};\n")
    out = compact(source)
    assert out.count('\n') == source.count('\n')  # Transcrypt's source maps are by line
    assert '__lambda__' not in out and 'export function f (a) {' in out and 'function h () {' in out
    assert '\tvar inner = function () {};' in out  # only the top level
    assert "((x) => (\n\t\t[x, (() => (\n\t\t\t'})'\n\t\t))]\n\t))" in out
