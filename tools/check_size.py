"""Fail when a build is over its size budget (gzipped, as peers are measured); print every figure.

Budgets (the larger of Python's gzip -9 and the gzip tool's `gzip -9 -c FILE`, whose header holds the
file name): build/xng.min.js (everything) 10 KB, build/xng.core.min.js (no channels) 7 KB,
build/snippet.js 2 KB, and the ES module as a bundler ships it: a page importing only init, track and
the opt-out functions from build/xng.mjs, bundled by esbuild --bundle --minify, within the core budget.
"""
import gzip
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / 'build'
ESBUILD = ROOT / 'node_modules' / '.bin' / 'esbuild'
BUDGETS = {'xng.min.js': 10240, 'xng.core.min.js': 7168, 'snippet.js': 2048, 'esm-bundle.min.js': 7168}
# The page the ES module budget is measured on: the tracking calls and the opt-out, nothing else.
ESM_PAGE = """import {init, track, optOutTracking, optInTracking, setTrackingOptOut, isTrackingOptOut} from './xng.mjs';
init({endpoint: 'https://collector.example/e'});
track('Signed Up', {plan: 'pro'});
document.querySelector('#opt-out').onclick = () => optOutTracking();
document.querySelector('#opt-in').onclick = () => optInTracking();
setTrackingOptOut(isTrackingOptOut());
"""


def gzipped(data):
    return len(gzip.compress(data, 9))


def gzipped_file(path):
    """The larger of Python's gzip -9 and the gzip tool's (`gzip -9 -c FILE`, whose header holds the file name)."""
    sizes = [gzipped(path.read_bytes())]
    if shutil.which('gzip'):
        sizes.append(len(subprocess.run(['gzip', '-9', '-c', str(path)], capture_output=True, check=True).stdout))
    return max(sizes)


def esm_bundle():
    """Bundle ESM_PAGE with esbuild --bundle --minify, as an app's bundler would; return the output's path."""
    page, out = BUILD / 'esm-page.js', BUILD / 'esm-bundle.min.js'
    page.write_text(ESM_PAGE)
    subprocess.run([str(ESBUILD), str(page), '--bundle', '--minify', '--log-level=warning', '--outfile=%s' % out],
                   cwd=ROOT, check=True)
    return out


def measure():
    sizes = {name: gzipped_file(BUILD / name) for name in ('xng.min.js', 'xng.core.min.js', 'snippet.js')}
    sizes['esm-bundle.min.js'] = gzipped_file(esm_bundle())
    return sizes


def main():
    sizes = measure()
    over = [name for name, size in sizes.items() if size > BUDGETS[name]]
    for name, size in sizes.items():
        print('%-18s %6d bytes gzipped  (budget %d, %s)' % (name, size, BUDGETS[name], 'OVER' if name in over else
                                                             '%d left' % (BUDGETS[name] - size)))
    print('the channels add %d bytes (xng.min.js - xng.core.min.js)' % (sizes['xng.min.js'] - sizes['xng.core.min.js']))
    for name in over:
        print('FAIL: build/%s is over its size budget' % name)
    return 1 if over else 0


if __name__ == '__main__':
    sys.exit(main())
