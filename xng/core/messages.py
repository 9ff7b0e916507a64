"""Messages from the messages endpoint: which are valid, and the bounded list of ids already shown."""
from xng.core.values import appended, has_key, is_array, is_object, push, slice_of, type_of

CHANNELS = ['onsite', 'notification', 'exit-intent']
MAX_SHOWN = 200  # ids remembered per browser; the oldest are forgotten first


def valid_messages(response):
    """The well-formed messages of a response {"messages": [...]}, in order; anything else is ignored."""
    if not is_object(response) or not has_key(response, 'messages'):
        return []
    if not is_array(response['messages']):
        return []
    found = []
    for message in response['messages']:
        if is_valid(message):
            push(found, message)
    return found


def is_valid(message):
    if not is_object(message):
        return False
    for field in ['id', 'title', 'body', 'channel']:
        if not has_key(message, field) or type_of(message[field]) != 'string':
            return False
    return message['id'] != '' and message['channel'] in CHANNELS


def unseen(messages, shown):
    """The messages whose id is not in `shown`."""
    fresh = []
    for message in messages:
        if message['id'] not in shown:
            push(fresh, message)
    return fresh


def remember(shown, message_id):
    """`shown` plus `message_id`, keeping the newest MAX_SHOWN ids."""
    kept = appended(shown if is_array(shown) else [], message_id)
    return slice_of(kept, len(kept) - MAX_SHOWN) if len(kept) > MAX_SHOWN else kept
