"""The three channels driven by the tracking client: polling, dispatch, and the opt-out gate.

While the visitor is opted in and the page is visible, the messages endpoint is asked right after
each delivered batch and every pollInterval. Opting out stops the timer, removes what is on screen
and forgets the shown ids (they live in localStorage under xng., which the opt-out clears).
"""
from xng import tracker
from xng.browser import cookies, optout, storage, transport
from xng.browser.channels import exit_intent, notify, panel
from xng.core import messages
from xng.core.values import push, from_json, is_finite_number, to_json, type_of, warn

SHOWN_KEY = 'xng.shown-messages'
DEFAULT_POLL_MS = 30000
CHANNEL_OPTION_NAMES = ['messagesEndpoint', 'pollInterval']
poll_endpoint = None  # messagesEndpoint, once init named one
poll_interval = DEFAULT_POLL_MS
poll_timer = None


def configure(options):
    """Read messagesEndpoint and pollInterval (ms; 0 turns the timer off) from init's options."""
    endpoint = options['messagesEndpoint']
    if endpoint == None:  # noqa: E711
        return
    if type_of(endpoint) != 'string' or endpoint == '':
        warn('xng.init: bad messagesEndpoint:', endpoint)
        return
    interval = options['pollInterval']
    if interval != None and (not is_finite_number(interval) or interval < 0):  # noqa: E711
        warn('xng.init: bad pollInterval, using 30000:', interval)
        interval = None
    global poll_endpoint, poll_interval
    poll_endpoint = endpoint
    poll_interval = DEFAULT_POLL_MS if interval == None else interval  # noqa: E711
    document.addEventListener('visibilitychange', on_visibility)  # only now: nothing to pause before (issue 13)
    schedule()


def is_active():
    return poll_endpoint != None and document.visibilityState != 'hidden' and not optout.is_opted_out()  # noqa: E711


def schedule():
    # The campaign can have something new without a new event from this page: ask every pollInterval.
    global poll_timer
    if poll_timer == None and poll_interval > 0 and is_active():  # noqa: E711
        poll_timer = setTimeout(tick, poll_interval)


def tick():
    global poll_timer
    poll_timer = None
    fetch_messages()


def stop_timer():
    global poll_timer
    clearTimeout(poll_timer)
    poll_timer = None


def stop():
    stop_timer()
    panel.close()
    exit_intent.disarm()


def on_visibility():
    if document.visibilityState == 'hidden':
        stop_timer()
    else:
        schedule()


def fetch_messages():
    if not is_active():
        return
    schedule()  # also restarts the timer after an opt-in, which has no hook of its own
    anonymous_id = cookies.read(tracker.ANONYMOUS_ID_COOKIE)
    user_id = tracker.user_id()
    if not anonymous_id and not user_id:
        return  # nobody to ask for, and asking must not create an identifier
    try:
        url = poll_endpoint + ('&' if '?' in poll_endpoint else '?') + 'anonymousId=' + encodeURIComponent(anonymous_id or '')
        if user_id:
            url += '&userId=' + encodeURIComponent(user_id)
    except:  # noqa: E722 -- URIError: an id with a lone surrogate
        return
    transport.get_json(url, received)


def shown_ids():
    saved = from_json(storage.read(SHOWN_KEY))
    return saved if saved else []


def received(response):
    if response == None or optout.is_opted_out():  # noqa: E711
        return
    for message in messages.unseen(messages.valid_messages(response), shown_ids()):
        dispatch(message)


def dispatch(message):
    channel = message['channel']
    if channel == 'onsite':
        if not panel.is_open():
            display(message)
    elif channel == 'notification':
        if show_in(notify.show, message):
            displayed(message)
    else:
        exit_intent.arm(message, display)


def display(message):
    if optout.is_opted_out() or message['id'] in shown_ids():  # exit intent armed in two tabs: once per browser
        return
    show_in(panel.show, message)
    displayed(message)


def show_in(show, message):
    """A channel's show(message, on_click, on_dismiss), its two callbacks tracking the interaction."""
    return show(message, lambda: interaction('Message Clicked', message), lambda: interaction('Message Dismissed', message))


def displayed(message):
    storage.write(SHOWN_KEY, to_json(messages.remember(shown_ids(), message['id'])))
    interaction('Message Displayed', message)


def interaction(event_name, message):
    tracker.track(event_name, {'messageId': message['id'], 'channel': message['channel']})


def install():
    for name in CHANNEL_OPTION_NAMES:  # read once by init, with the tracker's own
        push(tracker.OPTION_NAMES, name)
    push(tracker.init_hooks, configure)
    push(tracker.sent_hooks, fetch_messages)
    push(tracker.forget_hooks, stop)
