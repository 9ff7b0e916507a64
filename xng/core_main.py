"""The core classic script (build/xng.core.min.js): window.xng without the message channels.

The same API table as the full build; requestNotificationPermission never prompts here.
"""
from xng import api, calls
from xng.core.values import guard

api.add('requestNotificationPermission', calls.without_channels)
guard('start', api.install)(None)
