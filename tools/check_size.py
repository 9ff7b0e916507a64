"""Fail when build/xng.min.js is over its budget of 8 KB gzipped (gzip -9, as peers are measured)."""
import gzip
import sys
from pathlib import Path

BUDGET = 8192
BUILD = Path(__file__).resolve().parent.parent / 'build'


def gzipped(path):
    return len(gzip.compress(path.read_bytes(), 9))


def main():
    sizes = {name: gzipped(BUILD / name) for name in ('xng.min.js', 'snippet.js')}
    print('xng.min.js: %d bytes gzipped (budget %d); snippet.js: %d bytes gzipped'
          % (sizes['xng.min.js'], BUDGET, sizes['snippet.js']))
    if sizes['xng.min.js'] > BUDGET:
        print('FAIL: build/xng.min.js is over its size budget')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
