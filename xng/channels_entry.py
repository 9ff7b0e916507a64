"""The `xng/channels` ES module entry (build/channels.mjs): the message channels for the ES module build.

`import 'xng/channels'` (or `import {enableChannels} from 'xng/channels'` and a call) wires the
onsite panel, notifications and exit intent into the same tracker as `import xng from 'xng'`, and
gives xng.requestNotificationPermission its prompt. A bundle that never imports it leaves them out.
"""
from xng import calls, messaging
from xng.browser.channels import notify

state = {'enabled': False}


def enableChannels():
    """Wire the channels (once); a no-op where there is no document."""
    if state['enabled'] or not calls.in_browser():
        return
    state['enabled'] = True
    calls.channels['request_permission'] = notify.request_permission
    messaging.install()


enableChannels()
