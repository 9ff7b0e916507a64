"""Builders for page, track, identify, group and alias events (pure: time, ids and context are passed in).

The shape follows Segment's spec (its HTTP batch API, as analytics-next sends it), so that Segment and
the pipelines speaking it (RudderStack, Jitsu) take xng's events.
Property values JSON cannot encode (functions, BigInt, symbols, cycles) are dropped one by one, not
the whole event, and huge values are cut so that an event always fits in a beacon.
"""
from xng.core.values import push, slice_of, appended, blank, merge, contains_same, has_key, is_array, is_object, is_finite_number, json_form, keys_of, to_json, type_of, utf8_length

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
LIBRARY = {'name': 'xng', 'version': VERSION}


def clean(value, max_string, ancestors, budget):
    """A JSON-safe copy of `value`, or DROP; budget['_left'] counts the values that may still be looked at."""
    budget['_left'] -= 1
    if budget['_left'] < 0:
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
    for each in slice_of(items, 0, MAX_ITEMS):
        item = clean(each, max_string, ancestors, budget)
        push(out, None if item is DROP else item)  # as JSON.stringify does for array holes
    return out


def clean_object(obj, max_string, ancestors, budget):
    out = blank()  # keys such as 'constructor' survive a frozen Object.prototype
    for key in slice_of(keys_of(obj), 0, MAX_ITEMS):
        try:
            item = clean(obj[key], max_string, ancestors, budget)
        except:  # noqa: E722 -- a throwing getter drops that field only
            item = DROP
        if item is not DROP:
            out[key] = item
    return out


def new_budget():
    return {'_left': MAX_VALUES}


def clean_properties(value):
    """Properties or traits as a plain JSON object; anything but a plain object gives {}."""
    if not is_object(value):
        return {}
    cleaned = clean(value, MAX_STRING, [], new_budget())
    return cleaned if type_of(cleaned) == 'object' and cleaned is not DROP else {}


def build(fields, ids, context, timestamp, message_id, write_key):
    """One wire event: `fields` (type, then name, properties, traits, ids) plus ids, time, context and key.

    `context` is the call's own (page, userAgent, locale, timezone, campaign): the library is added here.
    """
    context['library'] = LIBRARY
    event = {
        'type': fields['type'],
        'messageId': message_id,
        'timestamp': timestamp,
        'anonymousId': ids['anonymousId'],
        'context': context,
    }
    if ids['userId'] != None:  # noqa: E711
        event['userId'] = ids['userId']
    for key in keys_of(fields):  # name, properties, traits, groupId...; an alias's userId is its own (the new id)
        if fields[key] != None:  # noqa: E711
            event[key] = fields[key]
    if fields['type'] == 'alias' and not has_key(event, 'previousId'):  # the spec requires it
        event['previousId'] = ids['userId'] or ids['anonymousId']
    if write_key != None:  # noqa: E711 -- as analytics-next sends it: Segment reads it per event
        event['writeKey'] = write_key
    return fit(event)


def fit(event):
    """Cut an event's property strings, then all its strings, then its properties, until it fits MAX_EVENT_BYTES.

    Its size as sent is left in `measured`, for the queue (measuring is a JSON.stringify: once is enough).
    """
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
        event_bytes(event)
    return event


measured = 0  # the bytes of JSON of the last event measured (fit() measures last the event it returns)


def event_bytes(event):
    global measured
    measured = utf8_length(to_json(event))
    return measured


def page_fields(category, name, properties, page):
    """A page event: `name` and `category` top-level and in the properties, which start from the page's own
    (url, path, search, title, referrer)."""
    merged = merge(merge(blank(), page), clean_properties(properties))
    fields = {'type': 'page', 'properties': merged}
    if name != None:  # noqa: E711 -- as analytics-next: the call's name and category win over properties'
        fields['name'] = name
        merged['name'] = name
    if category != None:  # noqa: E711
        fields['category'] = category
        merged['category'] = category
    return fields


def track_fields(event_name, properties):
    return {'type': 'track', 'event': event_name, 'properties': clean_properties(properties)}


def identify_fields(traits, user_id):
    """`userId` here is what identify() was given; the event's own userId comes from `ids` in build()."""
    return {'type': 'identify', 'traits': clean_properties(traits), 'userId': user_id}


def group_fields(group_id, traits):
    return {'type': 'group', 'groupId': group_id, 'traits': clean_properties(traits)}


def alias_fields(user_id, previous_id):
    """`previous_id` None: build() takes the id current at the call (the user's, else the anonymous one)."""
    return {'type': 'alias', 'userId': user_id, 'previousId': previous_id}
