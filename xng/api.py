"""The public API table of the classic scripts: every method of window.xng (the stub's replay uses it too).

Each method is wrapped by guard(): no public method throws into the page, a failure becomes one
console warning. The channels (messages, notifications, exit intent) are not imported here: the full
build (xng/main.py) adds requestNotificationPermission and wires them, the core build
(xng/core_main.py) adds calls.without_channels. The ES module (xng/esm.py) exports the same methods,
one function each, so that a bundler keeps only those a page imports; tests/unit/test_api_table.py
holds the two lists (and xng.d.ts, and README) in step.
"""
from xng import calls, tracker
from xng.browser import optout
from xng.core.events import VERSION
from xng.core.values import guard


METHODS = [
    ['init', calls.init], ['page', tracker.page_view], ['track', tracker.track], ['identify', tracker.identify],
    ['group', tracker.group], ['alias', tracker.alias], ['reset', tracker.reset],
    ['getAnonymousId', tracker.get_anonymous_id], ['getUserId', tracker.get_user_id],
    ['flush', tracker.flush], ['setTrackingOptOut', tracker.set_tracking_opt_out],
    ['optOutTracking', lambda: tracker.set_tracking_opt_out(True)],
    ['optInTracking', lambda: tracker.set_tracking_opt_out(False)],
    ['isTrackingOptOut', optout.is_opted_out], ['getTrackingConsent', optout.status],
    ['clearTrackingConsent', tracker.clear_tracking_consent],
]  # requestNotificationPermission: added by the entry, with the channels (notify) or without_channels
api = {'version': VERSION, 'loaded': True}


def add(method_name, method):
    api[method_name] = guard(method_name, method)


for method in METHODS:
    add(method[0], method[1])


def install(wire):
    """Become window.xng (taking over the loader stub's queue); `wire` connects the channels, or is None."""
    calls.install(api, wire)
