"""One way to launch Chromium for tests, bench and screenshots.

XNG_CHROMIUM overrides the path; otherwise a system Chromium (Debian's /usr/bin/chromium) is used
where there is one, and Playwright's own browser where not (a developer's laptop).
"""
import os
import shutil

SYSTEM_PATHS = ('/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome')
# The network here is closed: background services would only fill the log with refused connections.
QUIET_FLAGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync',
               '--no-first-run', '--disable-quic']


def executable_path():
    """The Chromium binary to drive, or None for Playwright's bundled one."""
    override = os.environ.get('XNG_CHROMIUM')
    if override:
        return override
    for path in SYSTEM_PATHS:
        if os.path.exists(path):
            return path
    return shutil.which('chromium')


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
