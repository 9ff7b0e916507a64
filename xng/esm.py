"""The ES module entry (build/xng.mjs, `import xng from 'xng'`): the same API object as window.xng.

`import xng from 'xng'` and the named imports (`import {init, track, optOutTracking} from 'xng'`)
give the very functions of the API table. Importing defines no global: a page that wants
window.xng (for inline handlers, or code that expects the global) calls `install()`, which also
takes over a loader stub's queue. Where there is no `document` (server-side rendering in Node), the
import touches no browser global and every call is a no-op.
"""
from xng import api as table

table.add('requestNotificationPermission', table.without_channels)  # until `xng/channels` is imported
if not table.in_browser():
    table.idle()  # server-side rendering: every method a no-op
xng = table.api
version = xng['version']
init = xng['init']
page = xng['page']
track = xng['track']
identify = xng['identify']
flush = xng['flush']
setTrackingOptOut = xng['setTrackingOptOut']
optOutTracking = xng['optOutTracking']
optInTracking = xng['optInTracking']
isTrackingOptOut = xng['isTrackingOptOut']
getTrackingConsent = xng['getTrackingConsent']
clearTrackingConsent = xng['clearTrackingConsent']
group = xng['group']
alias = xng['alias']
reset = xng['reset']
getAnonymousId = xng['getAnonymousId']
getUserId = xng['getUserId']


def requestNotificationPermission():
    """Whichever is in the table when called: `xng/channels` replaces the one without channels."""
    return xng['requestNotificationPermission']()


def install():
    """window.xng = xng, for pages that want the global (a loader stub's queued calls are replayed)."""
    if table.in_browser():
        table.install(None)
    return xng
