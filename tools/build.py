"""`make build`: Transcrypt -> shaken ES modules -> esbuild IIFE bundles, source maps and the loader stub.

Outputs in build/: xng.js (readable), xng.min.js (minified), their .map files, snippet.js (minified
loader stub) and snippet.src.js (readable). Source maps chain through esbuild back to xng/*.py.
"""
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'tools'))
from shake_runtime import shake_target  # noqa: E402

BUILD = ROOT / 'build'
TARGET = ROOT / 'xng' / '__target__'
STAGE = BUILD / 'stage'
ESBUILD = ROOT / 'node_modules' / '.bin' / 'esbuild'
TRANSCRYPT = Path(sys.executable).parent / 'transcrypt'


def run(*args):
    subprocess.run([str(arg) for arg in args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def bundle(entry, outfile, minify):
    args = [ESBUILD, entry, '--bundle', '--format=iife', '--target=es2020', '--sourcemap',
            '--legal-comments=none', '--log-level=warning', '--outfile=%s' % outfile]
    run(*(args + ['--minify'] if minify else args))


def point_maps_at_sources(stage):
    """Transcrypt's maps name its copies (stage/xng.core.queue.py); name the real files instead."""
    for map_path in stage.glob('*.map'):
        source_map = json.loads(map_path.read_text())
        real = []
        for source in source_map['sources']:
            module = Path(source).name[:-len('.py')] if source.endswith('.py') else None
            original = ROOT / (module.replace('.', '/') + '.py') if module and module.startswith('xng.') else None
            if module == 'main':
                original = ROOT / 'xng' / 'main.py'
            real.append(os.path.relpath(original, stage) if original and original.exists() else source)
        source_map['sources'] = real
        source_map['sourcesContent'] = [(stage / path).read_text() if (stage / path).exists() else None for path in real]
        map_path.write_text(json.dumps(source_map))


STUB = BUILD / 'stub'  # the loader stub's own Transcrypt run and stage, apart from the library's


def build_stub():
    """build/snippet.js (minified) and snippet.src.js (readable) from xng/stub.py, with its own shaken runtime.

    A run of its own: the shaker keeps only the runtime the stub's modules reach, not the library's.
    """
    if STUB.exists():
        shutil.rmtree(STUB)
    STUB.mkdir(parents=True)
    (STUB / 'stub_entry.py').write_text('import xng.stub\n')
    run(TRANSCRYPT, '-b', '-n', '-xp', '.', STUB / 'stub_entry.py')
    shake_target(STUB / '__target__')
    entry = STUB / '__target__' / 'xng.stub.js'
    for outfile, extra in ((BUILD / 'snippet.src.js', []), (BUILD / 'snippet.js', ['--minify'])):
        run(ESBUILD, entry, '--bundle', '--format=iife', '--target=es2020', '--legal-comments=none',
            '--log-level=warning', '--outfile=%s' % outfile, *extra)


def main():
    started = time.time()
    if TARGET.exists():  # stale modules of an earlier build would count as roots for the shaker
        shutil.rmtree(TARGET)
    # -n: no Closure minification (esbuild minifies); -m: source maps; -xp .: resolve `xng.*` from the root.
    run(TRANSCRYPT, '-b', '-n', '-m', '-xp', '.', 'xng/main.py')
    if STAGE.exists():
        shutil.rmtree(STAGE)
    shutil.copytree(TARGET, STAGE)
    before, after = shake_target(STAGE)
    point_maps_at_sources(STAGE)
    entry = STAGE / 'main.js'
    bundle(entry, BUILD / 'xng.js', minify=False)
    bundle(entry, BUILD / 'xng.min.js', minify=True)
    build_stub()
    size = (BUILD / 'xng.min.js').stat().st_size
    print('built build/xng.min.js (%d bytes; runtime shaken %d -> %d) in %.1fs'
          % (size, before, after, time.time() - started))


if __name__ == '__main__':
    main()
