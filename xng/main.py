"""The full classic script (build/xng.min.js): window.xng with the message channels.

Defines window.xng, wires the channels, replays the loader stub's queue and listens for page exit
(xng/api.py holds the API table and the replay rules).
"""
from xng import api, messaging
from xng.browser.channels import notify
from xng.core.values import guard

api.add('requestNotificationPermission', notify.request_permission)
guard('start', api.install)(messaging.install)
