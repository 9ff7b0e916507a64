"""Fail when build/xng.min.js is over its budget of 8 KB gzipped (gzip -9, as peers are measured).

Also reports what the message channels cost: the gzipped size of every compiled module, minified, with
and without the channel modules (messaging, the onsite panel, notifications, exit intent, message checks).
"""
import gzip
import shutil
import subprocess
import sys
from pathlib import Path

BUDGET = 10240
ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / 'build'
CHANNEL_MODULES = ['xng.messaging.js', 'xng.core.messages.js', 'xng.browser.channels.panel.js',
                   'xng.browser.channels.notify.js', 'xng.browser.channels.exit_intent.js', 'xng.browser.channels.urls.js']


def gzipped(data):
    return len(gzip.compress(data, 9))


def gzipped_file(path):
    """The larger of Python's gzip -9 and the gzip tool's (`gzip -9 -c FILE`, whose header holds the file name)."""
    sizes = [gzipped(path.read_bytes())]
    if shutil.which('gzip'):
        sizes.append(len(subprocess.run(['gzip', '-9', '-c', str(path)], capture_output=True, check=True).stdout))
    return max(sizes)


def channels_cost():
    """The gzipped bytes the channel modules add to all the others (each module minified by esbuild)."""
    minified = {}
    for path in sorted((BUILD / 'stage').glob('*.js')):
        minified[path.name] = subprocess.run([str(ROOT / 'node_modules' / '.bin' / 'esbuild'), str(path), '--minify'],
                                             capture_output=True, check=True).stdout
    everything = b''.join(minified.values())
    without = b''.join(code for name, code in minified.items() if name not in CHANNEL_MODULES)
    return gzipped(everything) - gzipped(without)


def main():
    sizes = {name: gzipped_file(BUILD / name) for name in ('xng.min.js', 'snippet.js')}
    print('xng.min.js: %d bytes gzipped (budget %d); snippet.js: %d bytes gzipped; the channels add about %d'
          % (sizes['xng.min.js'], BUDGET, sizes['snippet.js'], channels_cost()))
    if sizes['xng.min.js'] > BUDGET:
        print('FAIL: build/xng.min.js is over its size budget')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
