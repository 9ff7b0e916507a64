"""`make build`: Transcrypt -> shaken ES modules -> esbuild bundles, source maps and the loader stub.

Outputs in build/ (the one output folder):
- xng.min.js (and readable xng.js): the classic script, global `xng`, everything (entry xng/main.py);
- xng.core.min.js: the same without the message channels (entry xng/core_main.py);
- xng.mjs, channels.mjs and their shared chunk in chunks/: the ES module entries of the npm package
  (xng/esm.py, xng/channels_entry.py), split so both use one tracker (one copy of every module's state);
- snippet.js (minified loader stub) and snippet.src.js (readable).
Every bundle has a .map whose sources are the xng/*.py files (Transcrypt's maps, chained by esbuild).

Each build gets its own stage (build/stage/NAME): the compiled modules its entries reach, with
Transcrypt's runtime shaken to what those modules use (tools/shake_runtime.py).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'tools'))
from shake_runtime import RUNTIME, shake_target  # noqa: E402

BUILD = ROOT / 'build'
COMPILED = BUILD / 'transcrypt'  # a generated root module that imports every entry: one Transcrypt run
TARGET = COMPILED / '__target__'
STAGES = BUILD / 'stage'
ESBUILD = ROOT / 'node_modules' / '.bin' / 'esbuild'
TRANSCRYPT = Path(sys.executable).parent / 'transcrypt'
ENTRIES = ['main', 'core_main', 'esm', 'channels_entry']  # xng/NAME.py, compiled to xng.NAME.js
STAGE_ENTRIES = {'full': ['xng.main'], 'core': ['xng.core_main'], 'esm': ['xng.esm', 'xng.channels_entry']}
IMPORT = re.compile(r"^import .* from '\./([^']+\.js)';$", re.M)
# The ES module entry: Transcrypt cannot write `export default`; this one line does.
ESM_INDEX = "export * from './xng.esm.js';\nexport {xng as default} from './xng.esm.js';\n"


def run(*args):
    subprocess.run([str(arg) for arg in args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


# Private keys: a key written with a leading underscore (`state['_queue']`) is xng's own, read and written
# only by that literal subscript (never built or passed as a string), so the minified bundles and the ES
# module (one esbuild run for xng.mjs and channels.mjs: one name for each key) shorten it.
# `_xng` is the loader stub's brand, read across scripts: it keeps its name.
MANGLE = ['--mangle-props=^_[a-z]', '--mangle-quoted', '--reserve-props=^_xng$']


TERSER = ROOT / 'node_modules' / '.bin' / 'terser'
# esbuild bundles and minifies (and shortens the private keys); terser then compresses and mangles
# the IIFE (three passes, the bundle's own scope): about 4% off the gzipped classic scripts, which the size
# budgets need. The options are the ones that measured smaller gzipped (inline only simple functions; no
# sequences or conditionals merged, no variables collapsed: the longer but repetitive code gzips better); no
# `unsafe` option. The source map is chained, so it still leads to the .py files.
TERSER_ARGS = ['--ecma', '2020', '--mangle', 'toplevel=true', '--compress',
               'passes=3,toplevel=true,hoist_funs=true,inline=1,sequences=false,conditionals=false,collapse_vars=false']


def terse(path, map_url):
    """Rewrite the minified script at `path` through terser, chaining its source map (`path`.map)."""
    run(TERSER, path, *TERSER_ARGS, '--source-map', "content='%s.map',url='%s',includeSources" % (path, map_url), '-o', path)


def bundle(entry, outfile, minify):
    args = [ESBUILD, entry, '--bundle', '--format=iife', '--target=es2020', '--sourcemap',
            '--legal-comments=none', '--log-level=warning', '--outfile=%s' % outfile]
    run(*(args + ['--minify'] + MANGLE if minify else args))
    if minify:
        terse(outfile, outfile.name + '.map')


def bundle_esm(stage):
    """build/xng.mjs and build/channels.mjs, sharing build/chunks/*.mjs (one tracker however both are imported)."""
    for old in [BUILD / 'xng.mjs', BUILD / 'channels.mjs', BUILD / 'chunks']:
        if old.is_dir():
            shutil.rmtree(old)
        elif old.exists():
            old.unlink()
    (stage / 'index.js').write_text(ESM_INDEX)
    run(ESBUILD, 'xng=%s' % (stage / 'index.js'), 'channels=%s' % (stage / 'xng.channels_entry.js'),
        '--bundle', '--format=esm', '--splitting', '--target=es2020', '--sourcemap', '--legal-comments=none', *MANGLE,
        '--log-level=warning', '--chunk-names=chunks/[name]-[hash]', '--out-extension:.js=.mjs',
        '--outdir=%s' % BUILD)


def reachable(entries):
    """The compiled modules the entries import, directly or not (Transcrypt's runtime included)."""
    found, todo = set(), ['%s.js' % entry for entry in entries]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        todo.extend(IMPORT.findall((TARGET / name).read_text()))
    return found


def make_stage(name, entries):
    stage = STAGES / name
    stage.mkdir(parents=True)
    for module in reachable(entries):
        shutil.copy(TARGET / module, stage / module)
        source_map = TARGET / (module[:-len('.js')] + '.map')
        if source_map.exists():
            shutil.copy(source_map, stage / source_map.name)
    before, after = shake_target(stage)
    point_maps_at_sources(stage)
    return stage, after


def point_maps_at_sources(stage):
    """Transcrypt's maps name its copies (__target__/xng.core.queue.py); name the real files instead."""
    for map_path in stage.glob('*.map'):
        source_map = json.loads(map_path.read_text())
        real = []
        for source in source_map['sources']:
            module = Path(source).name[:-len('.py')] if source.endswith('.py') else None
            original = ROOT / (module.replace('.', '/') + '.py') if module and module.startswith('xng.') else None
            real.append(os.path.relpath(original, stage) if original and original.exists() else source)
        source_map['sources'] = real
        source_map['sourcesContent'] = [(stage / path).read_text() if (stage / path).exists() else None for path in real]
        map_path.write_text(json.dumps(source_map))


def compile_entries():
    if COMPILED.exists():  # stale modules of an earlier build would count as roots for the shaker
        shutil.rmtree(COMPILED)
    COMPILED.mkdir(parents=True)
    (COMPILED / 'entries.py').write_text(''.join('import xng.%s\n' % entry for entry in ENTRIES))
    # -n: no Closure minification (esbuild minifies); -m: source maps; -xp .: resolve `xng.*` from the root.
    run(TRANSCRYPT, '-b', '-n', '-m', '-xp', '.', COMPILED / 'entries.py')


STUB = BUILD / 'stub'  # the loader stub's own Transcrypt run and stage, apart from the library's


def build_stub():
    """build/snippet.js (minified) and snippet.src.js (readable) from xng/stub.py, with its own shaken runtime.

    A run of its own: the shaker keeps only the runtime the stub's modules reach, not the library's.
    """
    if STUB.exists():
        shutil.rmtree(STUB)
    STUB.mkdir(parents=True)
    (STUB / 'stub_entry.py').write_text('import xng.stub\n')
    run(TRANSCRYPT, '-b', '-n', '-m', '-xp', '.', STUB / 'stub_entry.py')
    shake_target(STUB / '__target__')
    point_maps_at_sources(STUB / '__target__')
    entry = STUB / '__target__' / 'xng.stub.js'
    run(ESBUILD, entry, '--bundle', '--format=iife', '--target=es2020', '--legal-comments=none',
        '--log-level=warning', '--outfile=%s' % (BUILD / 'snippet.src.js'))
    # external: the map is written, but the snippet (inlined in pages) carries no sourceMappingURL line
    run(ESBUILD, entry, '--bundle', '--format=iife', '--target=es2020', '--legal-comments=none', '--minify', *MANGLE,
        '--sourcemap=external', '--log-level=warning', '--outfile=%s' % (BUILD / 'snippet.js'))


def main():
    started = time.time()
    compile_entries()
    if STAGES.exists():
        shutil.rmtree(STAGES)
    stages = {name: make_stage(name, entries) for name, entries in STAGE_ENTRIES.items()}
    full = stages['full'][0]
    bundle(full / 'xng.main.js', BUILD / 'xng.js', minify=False)
    bundle(full / 'xng.main.js', BUILD / 'xng.min.js', minify=True)
    bundle(stages['core'][0] / 'xng.core_main.js', BUILD / 'xng.core.min.js', minify=True)
    bundle_esm(stages['esm'][0])
    build_stub()
    print('built build/xng.min.js (%d bytes), xng.core.min.js (%d), xng.mjs + channels.mjs; shaken runtime %s in %.1fs'
          % ((BUILD / 'xng.min.js').stat().st_size, (BUILD / 'xng.core.min.js').stat().st_size,
             ', '.join('%s %d' % (name, stage[1]) for name, stage in stages.items()), time.time() - started))


if __name__ == '__main__':
    main()
