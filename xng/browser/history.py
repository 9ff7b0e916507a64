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

last = {'url': None, 'key': None, 'changed': None}


def watch(changed):
    """Call changed() after each navigation to another path or query, with page's referrer set to the previous URL."""
    last['changed'] = changed
    moved()
    navigation = window.navigation
    if navigation:
        navigation.addEventListener('currententrychange', on_change)
        return
    for name in ['pushState', 'replaceState']:
        wrap(name)
    window.addEventListener('popstate', on_change)


def moved():
    """Whether the path or the query differs from the last one seen; the last URL becomes the referrer."""
    key = location.pathname + location.search
    other = key != last['key']
    if other and last['url'] != None:  # noqa: E711
        page.state['referrer'] = last['url']
    last['key'] = key
    last['url'] = location.href
    return other


def check():
    if moved():
        last['changed']()


on_change = guard('history', check)


def wrap(name):
    """history[name] as the page had it, then our check, which cannot fail the page's call."""
    original = history[name]
    try:
        history[name] = __pragma__('js', '{}', '''function () {
            var result = original.apply(this, arguments);
            on_change();
            return result;
        }''')
    except:  # noqa: E722 -- a frozen history: no SPA views, and the page is unaffected
        pass
