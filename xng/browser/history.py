"""Page views for single-page apps (init({trackPageViews: 'history'})).

A same-document navigation that changes the path or the query is a page view; a hash-only change is
not. The Navigation API reports every one of them (push, replace, Back/Forward). Browsers without it
get history.pushState and replaceState wrapped, transparently (same arguments, same `this`, same
return value or exception; our part cannot fail the page's call), plus popstate for Back/Forward:
the one built-in xng touches, only there and only with this option on.
"""
from org.transcrypt.stubs.browser import __pragma__
from xng.browser import page
from xng.core.values import guard


last_url = None  # the URL, and its path and query, at the last navigation (or at watch())
last_key = None


def watch(changed):
    """Call changed() after each navigation to another path or query, with page's referrer set to the previous URL."""
    global last_url, last_key
    last_url = location.href
    last_key = location.pathname + location.search

    def check():
        global last_url, last_key
        previous = last_url  # the URL before this navigation: the referrer of the view it makes
        last_url = location.href
        key = location.pathname + location.search
        if key != last_key:
            last_key = key
            page.set_referrer(previous)
            changed()

    on_change = guard('history', check)
    navigation = window.navigation
    if navigation:
        navigation.addEventListener('currententrychange', on_change)
        return
    wrap('pushState', on_change)
    wrap('replaceState', on_change)
    window.addEventListener('popstate', on_change)


def wrap(name, on_change):
    """history[name] as the page had it, then on_change(), which cannot fail the page's call (guarded)."""
    original = history[name]
    try:
        history[name] = __pragma__('js', '{}', '''function () {
            var result = original.apply(this, arguments);
            on_change();
            return result;
        }''')
    except:  # noqa: E722 -- a frozen history: no SPA views, and the page is unaffected
        pass
