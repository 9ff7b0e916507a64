"""Entry point: defines window.xng, replays the loader stub's queue, and listens for page exit.

Replay order (stated, as Segment does): the first valid `init` call first, then every other queued
call in the order the page made it. The stub already applied opt-out calls to the cookie and dropped
what was queued before them, so nothing queued before an opt-out can be sent. No public method
throws into the page: each is wrapped, and a failure becomes one console warning.
"""
from xng import messaging, tracker
from xng.browser.channels import notify
from xng.browser import cookies, optout
from xng.core.consent import OPT_OUT_COOKIE
from xng.core.events import VERSION
from xng.core.values import push, guard, has_key, is_array, type_of, warn


METHODS = [
    ['init', tracker.init], ['page', tracker.page_view], ['track', tracker.track], ['identify', tracker.identify],
    ['flush', tracker.flush], ['setTrackingOptOut', tracker.set_tracking_opt_out],
    ['optOutTracking', lambda: tracker.set_tracking_opt_out(True)],
    ['optInTracking', lambda: tracker.set_tracking_opt_out(False)],
    ['isTrackingOptOut', optout.is_opted_out], ['requestNotificationPermission', notify.request_permission],
]
api = {'version': VERSION, 'loaded': True}
for method in METHODS:
    api[method[0]] = guard(method[0], method[1])


def replay(calls):
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


def install():
    stub = window.xng
    if stub and stub.loaded == True:
        warn('loaded twice; this copy stays idle:', VERSION)
        return
    if stub and stub.memoryOptOut == True:  # the stub could not write the cookie (sandboxed frame)
        cookies.memory[OPT_OUT_COOKIE] = '1'
    window.xng = api
    messaging.install()
    window.addEventListener('pagehide', guard('pagehide', tracker.leave))
    document.addEventListener('visibilitychange', on_visibility)
    calls = stub.q if stub and is_array(stub.q) else []
    replay(calls)


def on_visibility():
    if document.visibilityState == 'hidden':
        guard('visibilitychange', tracker.flush_on_exit)()


guard('start', install)()
