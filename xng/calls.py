"""How the public methods run, for the classic scripts (xng/api.py) and the ES module (xng/esm.py) alike.

Here: init's page-exit listeners (added by the first init, not at load), the guarded call of the ES
module's functions (a no-op where there is no document: server-side rendering), the channels' slot for
requestNotificationPermission, and taking over window.xng from the loader stub (replaying its queue).
"""
from org.transcrypt.stubs.browser import __pragma__
from xng import tracker
from xng.browser import cookies
from xng.core.consent import OPT_OUT_COOKIE
from xng.core.events import VERSION
from xng.core.values import guard, has_key, is_array, push, type_of, warn

listening = False  # init's page-exit listeners are there


def without_channels():
    """requestNotificationPermission in a build without the channels: never a prompt."""
    warn('no message channels in this build:', 'requestNotificationPermission')
    return Promise.resolve('denied')


channels = {'request_permission': without_channels}  # `xng/channels` puts notify.request_permission here


def in_browser():
    return __pragma__('js', "typeof document != 'undefined'")


def init(options):
    """xng.init(): listen for page exit (once), then configure the tracker."""
    listen()
    return tracker.init(options)


def run(method_name, method, first, second, third):
    """One call of an ES module function: guarded, and a no-op (None) without a document (Node)."""
    if in_browser():
        return guard(method_name, method)(first, second, third)


def listen():
    """Flush on page exit, from the first init (before it nothing is queued: nothing to flush, and no
    listener at load, issue 13)."""
    global listening
    if listening:
        return
    listening = True
    window.addEventListener('pagehide', guard('pagehide', tracker.leave))
    document.addEventListener('visibilitychange', on_visibility)


def on_visibility():
    if document.visibilityState == 'hidden':
        guard('visibilitychange', tracker.flush_on_exit)()


def replay(api, calls):
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
            warn('unknown method:', call[0])
            continue
        args = call[1]
        result = api[call[0]](args[0], args[1], args[2])  # three: page(category, name, properties)
        if len(call) > 2 and call[2]:
            call[2](result)  # the stub's Promise for flush() and friends


def install(api, wire):
    """`api` becomes window.xng (taking over the loader stub's queue); `wire` connects the channels, or is None."""
    stub = window.xng if Object.getOwnPropertyDescriptor(window, 'xng') else None  # a named element (<div id="xng">): no global
    if stub:
        if stub.loaded == True:  # noqa: E712
            warn('loaded twice, idle:', VERSION)
            return
        if not stub._xng and not is_array(stub.q):  # another script's window.xng (q: a stub before the brand)
            warn("window.xng is another script's; not installed:", VERSION)
            return
        if stub.memoryOptOut == True:  # noqa: E712 -- the stub could not write the cookie (sandboxed frame)
            cookies.memory[OPT_OUT_COOKIE] = '1'
        stub.impl = api  # stub methods the page took before the load forward here (xng/stub.py)
    window.xng = api
    if wire:
        wire()
    replay(api, stub.q if stub and is_array(stub.q) else [])
