"""Take docs/privacy-page.png: the demo's privacy page after a few shop events, opted in."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / 'tools')]

from chromium import launch  # noqa: E402
from demo_site.server import start  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402


def main():
    out = ROOT / 'docs' / 'privacy-page.png'
    out.parent.mkdir(exist_ok=True)
    server = start('127.0.0.1', 0)
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            page = browser.new_page(viewport={'width': 1200, 'height': 820})
            page.goto(server.url.rstrip('/') + '/')
            page.wait_for_function('() => window.xng && window.xng.loaded === true')
            page.goto(server.url.rstrip('/') + '/privacy.html')
            page.wait_for_function('() => window.xng && window.xng.loaded === true')
            page.evaluate('() => xng.flush()')
            page.wait_for_function("() => document.querySelectorAll('[data-event-row], .event-row, li').length > 1")
            page.screenshot(path=str(out), full_page=False)
            browser.close()
    finally:
        server.stop()
    print('wrote', out.relative_to(ROOT))


if __name__ == '__main__':
    main()
