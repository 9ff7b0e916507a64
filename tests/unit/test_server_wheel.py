"""pip packaging: `python -m build` makes an sdist and a wheel; the wheel installs into a fresh venv with the scripts.

Slow for a unit test (about 10 s: it builds for real, with the pinned build and hatchling of the dev list),
but it is the only way to know that what pip users get works with nothing else installed.
"""
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECK = """
import json, sys
from xng.server import is_opted_out, static_dir, OptOutMiddleware, ASGIConsentApp
folder = static_dir()
print(json.dumps({'opted_out': is_opted_out('xng.tracking-opt-out=1'), 'granted': is_opted_out('a=1'),
                  'static': str(folder), 'files': sorted(p.name for p in folder.iterdir()),
                  'modules': sorted({m.split('.')[0] for m in sys.modules} - set(sys.stdlib_module_names) - {'__main__'})}))
"""


@pytest.fixture(scope='module')
def dist(tmp_path_factory):
    if not (ROOT / 'build' / 'xng.min.js').is_file():
        pytest.skip('build/ is missing: `make test` builds it first')
    out = tmp_path_factory.mktemp('dist')
    subprocess.run([sys.executable, '-m', 'build', '--no-isolation', '--outdir', str(out), str(ROOT)],
                   check=True, capture_output=True, timeout=120)
    return out


def test_the_wheel_holds_only_the_xng_package_and_the_built_scripts(dist):
    wheel, = dist.glob('xng-*.whl')
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split('/')[0] for name in names} == {'xng', wheel.name.split('-')[0] + '-' + wheel.name.split('-')[1]
                                                      + '.dist-info'}
    assert {'xng/server.py', 'xng/core/consent.py', 'xng/core/values.py', 'xng/static/xng.min.js',
            'xng/static/xng.min.js.map', 'xng/static/snippet.js'} <= set(names)
    if (ROOT / 'build' / 'xng.core.min.js').is_file():
        assert 'xng/static/xng.core.min.js' in names
    assert not any(name.startswith(('xng/browser/', 'xng/__target__', 'xng/static/stage')) for name in names)
    sdist, = dist.glob('xng-*.tar.gz')
    assert sdist.stat().st_size > 0


def test_the_wheel_installs_into_a_fresh_venv_and_works_alone(dist, tmp_path):
    wheel, = dist.glob('xng-*.whl')
    venv = tmp_path / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', str(venv)], check=True, timeout=60)
    python = venv / 'bin' / 'python'
    subprocess.run([sys.executable, '-m', 'pip', '--python', str(python), 'install', '--quiet', '--no-index',
                    '--no-deps', str(wheel)], check=True, capture_output=True, timeout=120)
    out = subprocess.run([str(python), '-I', '-c', CHECK], cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout)
    assert found['opted_out'] is True and found['granted'] is False
    assert Path(found['static']).is_relative_to(venv) and found['static'].endswith('xng/static')
    assert {'xng.min.js', 'xng.min.js.map', 'snippet.js'} <= set(found['files'])
    assert found['modules'] == ['xng']  # standard library only
    listing = subprocess.run([str(python), '-I', '-c', 'import importlib.util as u; print([n for n in '
                              '("bench", "demo_site", "tests", "tools") if u.find_spec(n)])'],
                             cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert listing.stdout.strip() == '[]'


def test_building_without_build_and_without_the_tools_fails_with_the_fix(tmp_path):
    sys.path.insert(0, str(ROOT))
    try:
        import hatch_build
    finally:
        sys.path.remove(str(ROOT))
    with pytest.raises(RuntimeError, match='make build'):
        hatch_build.ensure_built(tmp_path)
    (tmp_path / 'build').mkdir()
    (tmp_path / 'build' / 'xng.min.js').write_text('')
    assert hatch_build.ensure_built(tmp_path) == tmp_path / 'build'  # built already: nothing to run
