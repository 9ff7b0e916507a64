"""One way to launch Chromium for tests, bench and screenshots, and to install one where there is none.

XNG_CHROMIUM overrides the path; otherwise a system Chromium (Debian's /usr/bin/chromium) is used
where there is one, and Playwright's own browser where not (a developer's laptop).

`python tools/chromium.py --ensure` (run by `make test`) makes sure there is a browser to drive: as
root on Debian, `apt-get update && apt-get install -y chromium`; otherwise it names the command to
run and fails. `--dry-run` only says what it would do. XNG_CHROMIUM_SEARCH (paths separated by `:`)
replaces the system paths searched, so the no-browser case can be checked on a machine that has one.
"""
import os
import shutil
import subprocess
import sys

SYSTEM_PATHS = ('/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome')
APT_INSTALL = ['apt-get', 'install', '-y', '-q', 'chromium']
HOW_TO_INSTALL = ('no Chromium found. Install one, then run make test again:\n'
                  '  Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y chromium\n'
                  '  elsewhere:     .venv/bin/python -m playwright install chromium\n'
                  '  or point XNG_CHROMIUM at a Chromium or Chrome binary.')
# The network here is closed: background services would only fill the log with refused connections.
QUIET_FLAGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync',
               '--no-first-run', '--disable-quic']


def executable_path():
    """The Chromium binary to drive, or None for Playwright's bundled one."""
    override = os.environ.get('XNG_CHROMIUM')
    if override:
        return override
    for path in search_paths():
        if os.path.exists(path):
            return path
    return shutil.which('chromium')


def search_paths():
    paths = os.environ.get('XNG_CHROMIUM_SEARCH')
    return SYSTEM_PATHS if paths is None else tuple(path for path in paths.split(':') if path)


def playwright_browser():
    """The path of Playwright's own Chromium when it is installed, else None."""
    try:
        from playwright.sync_api import sync_playwright
        with sync_playwright() as playwright:
            path = playwright.chromium.executable_path
    except Exception:  # noqa: BLE001 -- no playwright, or no driver: no browser from it
        return None
    return path if path and os.path.exists(path) else None


def found_browser():
    """The browser tests would drive, or None when there is none on this machine."""
    path = executable_path()
    if path:
        return path if os.path.exists(path) else None
    return playwright_browser()


def plan(is_root, has_apt):
    """What --ensure does when no browser is found: ('install', [commands]) or ('explain', message)."""
    if is_root and has_apt:
        return 'install', [['apt-get', 'update', '-q'], APT_INSTALL]
    return 'explain', HOW_TO_INSTALL


def ensure(dry_run=False):
    """Make sure a browser is there (installing Debian's chromium as root); return the exit status."""
    path = found_browser()
    if path:
        print('chromium: %s' % path)
        return 0
    override = os.environ.get('XNG_CHROMIUM')
    if override:
        print('XNG_CHROMIUM=%s does not exist' % override, file=sys.stderr)
        return 1
    kind, what = plan(hasattr(os, 'geteuid') and os.geteuid() == 0, shutil.which('apt-get') is not None)
    if kind == 'explain':
        print(what, file=sys.stderr)
        return 1
    for command in what:
        print('no Chromium found; %s: %s' % ('would run' if dry_run else 'running', ' '.join(command)))
        if not dry_run:
            subprocess.run(command, check=True, env=dict(os.environ, DEBIAN_FRONTEND='noninteractive'))
    if dry_run:
        return 0
    path = found_browser()
    if not path:
        print('chromium was installed but is not found at %s' % ', '.join(search_paths()), file=sys.stderr)
        return 1
    print('chromium: %s' % path)
    return 0


def launch(playwright, extra_args=()):
    """Launch headless Chromium with the flags this project needs."""
    args = QUIET_FLAGS + list(extra_args)
    if hasattr(os, 'geteuid') and os.geteuid() == 0:
        args.append('--no-sandbox')  # Chromium refuses to sandbox as root.
    path = executable_path()
    kwargs = {'headless': True, 'args': args}
    if path:
        kwargs['executable_path'] = path
    return playwright.chromium.launch(**kwargs)


if __name__ == '__main__':
    if '--ensure' in sys.argv:
        sys.exit(ensure(dry_run='--dry-run' in sys.argv))
    print(found_browser() or 'no Chromium found')
