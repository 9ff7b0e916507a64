"""The ES module entry (build/xng.mjs, `import xng from 'xng'`): the API of window.xng, one export per method.

`import xng from 'xng'` gives the API object; the named imports (`import {init, track, optOutTracking}
from 'xng'`) are its very functions (`init === xng.init`). Each method is a function of its own, so
a bundler keeps only those a page imports (and what they reach). Importing defines no global: a page
that wants window.xng (for inline handlers, or code that expects the global) calls `install()`,
which also takes over a loader stub's queue. Where there is no `document` (server-side rendering in
Node), the import touches no browser global and every call is a no-op. The channels are the
`xng/channels` entry (xng/channels_entry.py).
"""
from xng import calls, tracker
from xng.browser import optout
from xng.core.events import VERSION

version = VERSION


def init(options):
    return calls.run('init', calls.init, options)


def page(category, name, properties):
    return calls.run('page', tracker.page_view, category, name, properties)


def track(event_name, properties):
    return calls.run('track', tracker.track, event_name, properties)


def identify(user_id, traits):
    return calls.run('identify', tracker.identify, user_id, traits)


def group(group_id, traits):
    return calls.run('group', tracker.group, group_id, traits)


def alias(user_id, previous_id):
    return calls.run('alias', tracker.alias, user_id, previous_id)


def reset():
    return calls.run('reset', tracker.reset)


def flush():
    return calls.run('flush', tracker.flush) or Promise.resolve(None)


def setTrackingOptOut(opted_out):
    return calls.run('setTrackingOptOut', tracker.set_tracking_opt_out, opted_out)


def optOutTracking():
    return calls.run('optOutTracking', tracker.set_tracking_opt_out, True)


def optInTracking():
    return calls.run('optInTracking', tracker.set_tracking_opt_out, False)


def isTrackingOptOut():
    return calls.run('isTrackingOptOut', optout.is_opted_out)


def getTrackingConsent():
    return calls.run('getTrackingConsent', optout.status)


def clearTrackingConsent():
    return calls.run('clearTrackingConsent', tracker.clear_tracking_consent)


def getAnonymousId():
    return calls.run('getAnonymousId', tracker.get_anonymous_id)


def getUserId():
    return calls.run('getUserId', tracker.get_user_id)


def requestNotificationPermission():
    """Prompts only with `xng/channels` imported (never while opted out); else resolves 'denied'."""
    return calls.run('requestNotificationPermission', calls.channels['request_permission']) or Promise.resolve(None)


xng = {
    'version': version, 'loaded': True, 'init': init, 'page': page, 'track': track, 'identify': identify,
    'group': group, 'alias': alias, 'reset': reset, 'flush': flush, 'setTrackingOptOut': setTrackingOptOut,
    'optOutTracking': optOutTracking, 'optInTracking': optInTracking, 'isTrackingOptOut': isTrackingOptOut,
    'getTrackingConsent': getTrackingConsent, 'clearTrackingConsent': clearTrackingConsent,
    'getAnonymousId': getAnonymousId, 'getUserId': getUserId, 'requestNotificationPermission': requestNotificationPermission,
}


def install():
    """window.xng = xng, for pages that want the global (a loader stub's queued calls are replayed)."""
    if calls.in_browser():
        calls.install(xng, None)
    return xng
