"""tools/chromium.py --ensure: a fresh machine gets a browser (Debian's chromium as root), or is told how.

The machine's own Chromium stays: the tests hide it (XNG_CHROMIUM_SEARCH empty, a PATH without it,
PLAYWRIGHT_BROWSERS_PATH on an empty folder) and run --ensure with --dry-run.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / 'tools'))
import chromium  # noqa: E402


def ensure(tmp_path, with_apt, *flags):
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    if with_apt:
        (bin_dir / 'apt-get').symlink_to('/usr/bin/apt-get')
    env = dict(os.environ, PATH=str(bin_dir), XNG_CHROMIUM_SEARCH='', PLAYWRIGHT_BROWSERS_PATH=str(tmp_path / 'none'))
    env.pop('XNG_CHROMIUM', None)
    return subprocess.run([sys.executable, str(ROOT / 'tools' / 'chromium.py'), '--ensure'] + list(flags),
                          env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(not hasattr(os, 'geteuid') or os.geteuid() != 0 or not os.path.exists('/usr/bin/apt-get'),
                    reason='installs only as root on a machine with apt-get')
def test_as_root_without_a_browser_it_installs_debians_chromium(tmp_path):
    result = ensure(tmp_path, True, '--dry-run')
    assert result.returncode == 0, result.stderr
    assert 'would run: apt-get update' in result.stdout
    assert 'would run: apt-get install -y -q chromium' in result.stdout


def test_without_a_browser_or_apt_it_names_the_command_and_fails(tmp_path):
    result = ensure(tmp_path, False, '--dry-run')
    assert result.returncode == 1
    assert 'no Chromium found' in result.stderr and 'apt-get install -y chromium' in result.stderr


def test_a_user_who_is_not_root_is_told_the_command():
    kind, message = chromium.plan(is_root=False, has_apt=True)
    assert kind == 'explain' and 'sudo apt-get update && sudo apt-get install -y chromium' in message
    assert chromium.plan(is_root=True, has_apt=True) == ('install', [['apt-get', 'update', '-q'], chromium.APT_INSTALL])


def test_a_browser_that_is_there_is_used(tmp_path, monkeypatch):
    browser = tmp_path / 'chrome'
    browser.write_text('')
    monkeypatch.setenv('XNG_CHROMIUM', str(browser))
    assert chromium.ensure(dry_run=True) == 0
    monkeypatch.setenv('XNG_CHROMIUM', str(tmp_path / 'missing'))
    assert chromium.ensure(dry_run=True) == 1
