"""The public API table: every method of `xng`, the one list the global, the stub's replay and the ES module share.

Each method is wrapped by guard(): no public method throws into the page, a failure becomes one
console warning. The channels (messages, notifications, exit intent) are not imported here: the full
build (xng/main.py) and the `xng/channels` ES entry add requestNotificationPermission and wire them,
so the core build and an ES module bundle without channels leave them out.
"""
from org.transcrypt.stubs.browser import __pragma__
from xng import tracker
from xng.browser import cookies, optout
from xng.core.consent import OPT_OUT_COOKIE
from xng.core.events import VERSION
from xng.core.values import guard, has_key, is_array, push, type_of, warn

page = {'listening': False}


def init(options):
    """xng.init(): listen for page exit (once), then configure the tracker."""
    listen()
    return tracker.init(options)


def without_channels():
    """requestNotificationPermission in a build without the channels: never a prompt."""
    warn('no message channels in this build:', 'requestNotificationPermission')
    return Promise.resolve('denied')


METHODS = [
    ['init', init], ['page', tracker.page_view], ['track', tracker.track], ['identify', tracker.identify],
    ['flush', tracker.flush], ['setTrackingOptOut', tracker.set_tracking_opt_out],
    ['optOutTracking', lambda: tracker.set_tracking_opt_out(True)],
    ['optInTracking', lambda: tracker.set_tracking_opt_out(False)],
    ['isTrackingOptOut', optout.is_opted_out],
]  # requestNotificationPermission: added by the entry, with the channels (notify) or without_channels
api = {'version': VERSION, 'loaded': True}


def add(method_name, method):
    api[method_name] = guard(method_name, method)


for method in METHODS:
    add(method[0], method[1])


def in_browser():
    return __pragma__('js', "typeof document != 'undefined'")


def idle():
    """No document (Node, server-side rendering): every method does nothing (a Promise where one is due)."""
    for key in Object.js_keys(api):
        if type_of(api[key]) == 'function':
            api[key] = lambda: None
    api['flush'] = api['requestNotificationPermission'] = lambda: Promise.resolve(None)


def listen():
    """Flush on page exit: from the global's load, or the ES module's first init."""
    if page['listening']:
        return
    page['listening'] = True
    window.addEventListener('pagehide', guard('pagehide', tracker.leave))
    document.addEventListener('visibilitychange', on_visibility)


def on_visibility():
    if document.visibilityState == 'hidden':
        guard('visibilitychange', tracker.flush_on_exit)()


def replay(calls):
    """The stub's queue. Order (stated, as Segment does): the first valid `init` call first, then every
    other queued call in the order the page made it. The stub already applied opt-out calls to the
    cookie and dropped what was queued before them, so nothing queued before an opt-out can be sent."""
    ordered = []
    for call in calls:
        if call[0] == 'init':
            push(ordered, call)
    for call in calls:
        if call[0] != 'init':
            push(ordered, call)
    for call in ordered:
        if call[0] == 'serverOptOut':  # the stub changed the cookie; the collector may need to hear it
            guard('setTrackingOptOut', tracker.tell_server)(call[1][0])
            continue
        if not has_key(api, call[0]) or type_of(api[call[0]]) != 'function':
            warn('unknown queued method, skipped:', call[0])
            continue
        args = call[1]
        result = api[call[0]](args[0], args[1])
        if len(call) > 2 and call[2]:
            call[2](result)  # the stub's Promise for flush() and friends


def install(wire):
    """Become window.xng (taking over the loader stub's queue); `wire` connects the channels, or is None."""
    stub = window.xng
    if stub and stub.loaded == True:  # noqa: E712
        warn('loaded twice; this copy stays idle:', VERSION)
        return
    if stub and stub.memoryOptOut == True:  # noqa: E712 -- the stub could not write the cookie (sandboxed frame)
        cookies.memory[OPT_OUT_COOKIE] = '1'
    window.xng = api
    if wire:
        wire()
    listen()
    replay(stub.q if stub and is_array(stub.q) else [])
