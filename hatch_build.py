"""Hatchling build hook: put the compiled scripts from build/ into the package (xng/static/ in the wheel).

build/ is never committed, so a build from a source checkout compiles it first (`tools/build.py`:
Transcrypt, then esbuild from node_modules). An sdist carries build/, so a wheel built from it needs
neither Node nor Transcrypt.
"""
import os
import subprocess
import sys
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

ASSET_SUFFIXES = ('.js', '.mjs', '.map')
NEEDS = ('building xng from source needs the compiled scripts in build/, made by `make build` '
         '(Python with transcrypt==3.9.5, and Node for esbuild: `npm ci`). ')


def assets(build):
    """The shipped files of build/: the scripts and their maps (not the staging folder)."""
    return sorted(path for path in build.iterdir() if path.is_file() and path.name.endswith(ASSET_SUFFIXES))


def python_with_transcrypt(root):
    """A Python whose environment has Transcrypt (this one, or the project's .venv), else None."""
    for python in (Path(sys.executable), root / '.venv' / 'bin' / 'python'):
        if python.exists() and (python.parent / 'transcrypt').exists():
            return python
    return None


def ensure_built(root):
    """Run the project build when build/xng.min.js is missing; RuntimeError naming what is needed otherwise."""
    build = root / 'build'
    if (build / 'xng.min.js').is_file():
        return build
    python = python_with_transcrypt(root)
    esbuild = root / 'node_modules' / '.bin' / 'esbuild'
    if python is None or not esbuild.exists() or not (root / 'tools' / 'build.py').is_file():
        raise RuntimeError(NEEDS + 'Missing here: %s.' % ', '.join(
            what for what, absent in (('transcrypt', python is None), ('node_modules/.bin/esbuild', not esbuild.exists()),
                                      ('tools/build.py', not (root / 'tools' / 'build.py').is_file())) if absent))
    subprocess.run([str(python), 'tools/build.py'], cwd=root, check=True, env=dict(os.environ))
    return build


class AssetsHook(BuildHookInterface):
    PLUGIN_NAME = 'custom'

    def initialize(self, version, build_data):
        build = ensure_built(Path(self.root))
        folder = 'xng/static/' if self.target_name == 'wheel' else 'build/'
        for path in assets(build):
            build_data['force_include'][str(path)] = folder + path.name
