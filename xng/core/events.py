"""Builders for page, track and identify events (pure: time, ids and page context are passed in).

The shape follows Segment's HTTP batch API so that any collector speaking it can take xng's events.
Property values JSON cannot encode (functions, BigInt, symbols, cycles) are dropped one by one, not
the whole event, and huge values are cut so that an event always fits in a beacon.
"""
from xng.core.values import push, slice_of, appended, contains_same, has_key, is_array, is_object, is_finite_number, json_form, keys_of, to_json, type_of, utf8_length

VERSION = '0.1.0'
MAX_STRING = 8192        # characters kept of one string value
MAX_ITEMS = 500          # keys of one object, or items of one array, kept
MAX_DEPTH = 12           # nesting kept
MAX_EVENT_BYTES = 32768  # one event; a 64 KB beacon body then holds at least one with its envelope
SHORT_STRING = 256       # the string limit used when an event is still too large
# Values looked at per cleaning. Each kept value costs at least 2 bytes of JSON, so more could not fit
# MAX_EVENT_BYTES anyway; without it an object sharing children (a: x, b: x, c: x, ... many levels
# deep, no cycle) would take exponential time and freeze the page.
MAX_VALUES = 16384
DROP = {}                # the marker for a value JSON cannot encode (compared by identity)


def clean(value, max_string, ancestors, budget):
    """A JSON-safe copy of `value`, or DROP; budget['left'] counts the values that may still be looked at."""
    budget['left'] -= 1
    if budget['left'] < 0:
        return DROP
    kind = type_of(value)
    if kind == 'string':
        return value if len(value) <= max_string else slice_of(value, 0, max_string)
    if kind == 'boolean' or value == None and kind == 'object':  # noqa: E711 -- null, not undefined
        return value
    if kind == 'number':
        return value if is_finite_number(value) else None
    if kind != 'object' or len(ancestors) >= MAX_DEPTH or contains_same(ancestors, value):
        return DROP
    try:
        value = json_form(value)
    except:  # noqa: E722 -- a throwing toJSON drops the value, not the event
        return DROP
    if type_of(value) != 'object' or value == None:  # noqa: E711
        return clean(value, max_string, ancestors, budget)
    inside = appended(ancestors, value)
    if is_array(value):
        return clean_list(value, max_string, inside, budget)
    return clean_object(value, max_string, inside, budget)


def clean_list(items, max_string, ancestors, budget):
    out = []
    for index in range(min(len(items), MAX_ITEMS)):
        item = clean(items[index], max_string, ancestors, budget)
        push(out, None if item is DROP else item)  # as JSON.stringify does for array holes
    return out


def clean_object(obj, max_string, ancestors, budget):
    out = {}
    names = keys_of(obj)
    for index in range(min(len(names), MAX_ITEMS)):
        key = names[index]
        try:
            item = clean(obj[key], max_string, ancestors, budget)
        except:  # noqa: E722 -- a throwing getter drops that field only
            item = DROP
        if item is not DROP:
            out[key] = item
    return out


def new_budget():
    return {'left': MAX_VALUES}


def clean_properties(value):
    """Properties or traits as a plain JSON object; anything but a plain object gives {}."""
    if not is_object(value):
        return {}
    cleaned = clean(value, MAX_STRING, [], new_budget())
    return cleaned if type_of(cleaned) == 'object' and cleaned is not DROP else {}


def build(fields, ids, page, timestamp, message_id):
    """One wire event: `fields` (type, event, properties/traits) plus ids, time and context."""
    event = {
        'type': fields['type'],
        'messageId': message_id,
        'timestamp': timestamp,
        'anonymousId': ids['anonymousId'],
        'context': {'page': page, 'library': {'name': 'xng', 'version': VERSION}},
    }
    if ids['userId'] != None:  # noqa: E711
        event['userId'] = ids['userId']
    for key in ['event', 'properties', 'traits']:
        if has_key(fields, key):
            event[key] = fields[key]
    return fit(event)


def fit(event):
    """Cut an event's property strings, then all its strings, then its properties, until it fits MAX_EVENT_BYTES."""
    if event_bytes(event) <= MAX_EVENT_BYTES:
        return event
    for key in ['properties', 'traits']:
        if has_key(event, key):
            event[key] = clean(event[key], SHORT_STRING, [], new_budget())
    if event_bytes(event) > MAX_EVENT_BYTES:  # the name, the user id or the page's url or title is huge
        event = clean(event, SHORT_STRING, [], new_budget())
    if event_bytes(event) > MAX_EVENT_BYTES:
        for key in ['properties', 'traits']:
            if has_key(event, key):
                event[key] = {'xngTruncated': True}
    return event


def event_bytes(event):
    return utf8_length(to_json(event))


def page_fields(properties, page):
    """A page event: the page's url, path, title and referrer, overridable by the caller's properties."""
    merged = {'url': page['url'], 'path': page['path'], 'title': page['title'], 'referrer': page['referrer']}
    extra = clean_properties(properties)
    for key in keys_of(extra):
        merged[key] = extra[key]
    return {'type': 'page', 'event': 'Viewed Page', 'properties': merged}


def track_fields(event_name, properties):
    return {'type': 'track', 'event': event_name, 'properties': clean_properties(properties)}


def identify_fields(traits, user_id):
    """`userId` here is what identify() was given; the event's own userId comes from `ids` in build()."""
    return {'type': 'identify', 'traits': clean_properties(traits), 'userId': user_id}
