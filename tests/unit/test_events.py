"""xng/core/events.py: the wire shape of page/track/identify/group/alias events, and what clean() keeps of bad input."""
import json
import math

import pytest

from xng.core import events
from xng.core.events import (MAX_DEPTH, MAX_EVENT_BYTES, MAX_ITEMS, MAX_STRING, VERSION, alias_fields, build,
                             clean_properties, group_fields, identify_fields, page_fields, track_fields)

PAGE = {'url': 'https://shop.example/products/7?ref=mail', 'path': '/products/7', 'search': '?ref=mail',
        'title': 'Blue mug', 'referrer': 'https://mail.example/'}
ENVIRONMENT = {'userAgent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0', 'locale': 'en-GB', 'timezone': 'Europe/Paris',
               'campaign': {'source': 'mail', 'name': 'spring'}}
LIBRARY = {'name': 'xng', 'version': VERSION}
IDS = {'anonymousId': '9b2f5c1e-7d1a-4c3e-9a8b-0f1e2d3c4b5a', 'userId': None}
STAMP = '2026-01-01T12:00:00.000Z'
MESSAGE_ID = '3f1c8a52-2b7e-4d9f-8c61-5e4a3b2c1d0e'
ENVELOPE_KEYS = {'type', 'messageId', 'timestamp', 'anonymousId', 'context'}


def wire_bytes(event):
    """The event's size as it leaves: compact JSON, UTF-8, NaN not allowed."""
    return len(json.dumps(event, separators=(',', ':'), ensure_ascii=False, allow_nan=False).encode('utf-8'))


def make(fields, user_id=None, page=PAGE, write_key=None, anonymous_id=IDS['anonymousId']):
    context = dict(ENVIRONMENT, page=page)
    return build(fields, {'anonymousId': anonymous_id, 'userId': user_id}, context, STAMP, MESSAGE_ID, write_key)


# --- wire shape ------------------------------------------------------------------------------

def test_page_event_shape():
    event = make(page_fields(None, None, {'section': 'mugs'}, PAGE))
    assert set(event) == ENVELOPE_KEYS | {'properties'}  # no "event": Segment's page events have none
    assert event['type'] == 'page'
    assert event['properties'] == dict(PAGE, section='mugs')
    assert event['messageId'] == MESSAGE_ID
    assert event['timestamp'] == STAMP
    assert event['anonymousId'] == IDS['anonymousId']
    assert event['context'] == dict(ENVIRONMENT, page=PAGE, library=LIBRARY)


def test_a_page_name_and_category_are_top_level_and_in_the_properties():
    event = make(page_fields('Docs', 'Install', {'name': 'ignored', 'category': 'ignored', 'step': 2}, PAGE))
    assert set(event) == ENVELOPE_KEYS | {'name', 'category', 'properties'}
    assert event['name'] == 'Install' and event['category'] == 'Docs'
    assert event['properties'] == dict(PAGE, name='Install', category='Docs', step=2)  # the call's win, as analytics-next


def test_a_page_name_without_category():
    event = make(page_fields(None, 'Home', None, PAGE))
    assert event['name'] == 'Home' and 'category' not in event
    assert event['properties'] == dict(PAGE, name='Home')


def test_page_properties_start_from_url_path_search_title_referrer():
    assert set(page_fields(None, None, None, PAGE)['properties']) == {'url', 'path', 'search', 'title', 'referrer'}


def test_page_properties_override_the_page_context_fields():
    fields = page_fields(None, None, {'title': 'Custom title', 'path': '/virtual'}, PAGE)
    assert fields['properties']['title'] == 'Custom title'
    assert fields['properties']['path'] == '/virtual'
    assert fields['properties']['url'] == PAGE['url']


def test_page_without_properties_carries_the_page_fields():
    assert page_fields(None, None, None, PAGE)['properties'] == PAGE


def test_the_write_key_is_on_each_event_when_given():
    assert make(track_fields('Signed Up', {}), write_key='wk-1')['writeKey'] == 'wk-1'
    assert 'writeKey' not in make(track_fields('Signed Up', {}))


def test_group_event_shape():
    event = make(group_fields('acme', {'plan': 'team', 'seats': 12}), user_id='u1')
    assert set(event) == ENVELOPE_KEYS | {'groupId', 'traits', 'userId'}
    assert event['type'] == 'group' and event['groupId'] == 'acme' and event['traits'] == {'plan': 'team', 'seats': 12}
    assert event['userId'] == 'u1'


def test_group_traits_are_cleaned_like_properties():
    assert make(group_fields('acme', {'f': len, 'ok': 1}))['traits'] == {'ok': 1}
    assert make(group_fields('acme', None))['traits'] == {}


def test_alias_event_carries_the_new_id_and_the_previous_one():
    event = make(alias_fields('new-id', 'old-id'), user_id='current')
    assert set(event) == ENVELOPE_KEYS | {'userId', 'previousId'}
    assert event['type'] == 'alias' and event['userId'] == 'new-id' and event['previousId'] == 'old-id'


def test_alias_without_previous_id_takes_the_current_user_id_else_the_anonymous_id():
    assert make(alias_fields('new-id', None), user_id='current')['previousId'] == 'current'
    event = make(alias_fields('new-id', None))
    assert event['previousId'] == IDS['anonymousId'] and event['userId'] == 'new-id'


def test_track_event_shape():
    event = make(track_fields('Added Product', {'sku': 'MUG-7', 'price': 12.5, 'quantity': 2}))
    assert set(event) == ENVELOPE_KEYS | {'event', 'properties'}
    assert event['type'] == 'track'
    assert event['event'] == 'Added Product'
    assert event['properties'] == {'sku': 'MUG-7', 'price': 12.5, 'quantity': 2}
    assert event['context']['page'] == PAGE
    assert event['context']['library'] == LIBRARY


def test_identify_event_shape():
    event = make(identify_fields({'plan': 'pro', 'email': 'a@example.com'}, 'user-42'), user_id='user-42')
    assert set(event) == ENVELOPE_KEYS | {'traits', 'userId'}
    assert event['type'] == 'identify'
    assert event['userId'] == 'user-42'
    assert event['traits'] == {'plan': 'pro', 'email': 'a@example.com'}


def test_user_id_only_when_set():
    assert 'userId' not in make(track_fields('Searched Products', {'query': 'mug'}))
    assert make(track_fields('Searched Products', {}), user_id='u1')['userId'] == 'u1'
    assert make(page_fields(None, None, None, PAGE), user_id='u1')['userId'] == 'u1'


def test_events_are_plain_json():
    event = make(track_fields('Viewed Product', {'sku': 'MUG-7'}), user_id='u1')
    assert json.loads(json.dumps(event, allow_nan=False)) == event


def test_version_is_a_semver_string():
    parts = VERSION.split('.')
    assert len(parts) == 3 and all(part.isdigit() for part in parts)


# --- clean(): bad values are dropped field by field -------------------------------------------

@pytest.mark.parametrize('value', [None, 'a string', 7, 1.5, True, False, ['a', 'list'], [], lambda: 1])
def test_non_object_properties_become_an_empty_object(value):
    assert clean_properties(value) == {}
    assert track_fields('Clicked', value)['properties'] == {}
    assert identify_fields(value, 'u1')['traits'] == {}


def test_functions_are_dropped_field_by_field():
    cleaned = clean_properties({'ok': 1, 'callback': lambda: None, 'nested': {'f': print, 'keep': 'yes'}})
    assert cleaned == {'ok': 1, 'nested': {'keep': 'yes'}}


def test_functions_inside_arrays_become_null_like_json_stringify():
    assert clean_properties({'items': [1, lambda: 2, 'three']}) == {'items': [1, None, 'three']}


def test_a_cycle_is_dropped_and_the_rest_kept():
    node = {'name': 'a'}
    node['self'] = node
    items = [1]
    items.append(items)
    cleaned = clean_properties({'node': node, 'items': items, 'ok': True})
    assert cleaned == {'node': {'name': 'a'}, 'items': [1, None], 'ok': True}
    json.dumps(cleaned)  # no cycle is left


def test_the_same_object_twice_is_not_a_cycle():
    shared = {'v': 1}
    assert clean_properties({'a': shared, 'b': [shared, shared]}) == {'a': {'v': 1}, 'b': [{'v': 1}, {'v': 1}]}


def test_deep_nesting_is_cut_at_max_depth_keeping_shallower_fields():
    root = {'level': 0}
    node = root
    for level in range(1, 40):
        node['child'] = {'level': level}
        node = node['child']
    cleaned = clean_properties(root)
    depth = 0
    node = cleaned
    while 'child' in node:
        node = node['child']
        depth += 1
        assert node['level'] == depth  # each kept level keeps its own fields
    assert depth == MAX_DEPTH - 1  # the properties object plus MAX_DEPTH - 1 nested levels
    assert 0 < depth < 39


@pytest.mark.parametrize('number', [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_become_null(number):
    cleaned = clean_properties({'x': number, 'list': [number, 1], 'ok': 2})
    assert cleaned == {'x': None, 'list': [None, 1], 'ok': 2}
    json.dumps(cleaned, allow_nan=False)


def test_huge_strings_are_cut_to_max_string():
    cleaned = clean_properties({'big': 'x' * (MAX_STRING * 10), 'small': 'kept', 'deep': {'big': 'y' * 100000}})
    assert cleaned['big'] == 'x' * MAX_STRING
    assert cleaned['deep']['big'] == 'y' * MAX_STRING
    assert cleaned['small'] == 'kept'


def test_arrays_and_objects_are_capped_at_max_items():
    cleaned = clean_properties({'list': list(range(MAX_ITEMS * 3)),
                                'wide': {'k%d' % i: i for i in range(MAX_ITEMS * 2)}})
    assert cleaned['list'] == list(range(MAX_ITEMS))
    assert len(cleaned['wide']) == MAX_ITEMS


class CountingDict(dict):
    """A dict that counts how often clean() reads one of its fields."""
    reads = [0]

    def __getitem__(self, key):
        self.reads[0] += 1
        return dict.__getitem__(self, key)


def test_shared_children_do_not_make_cleaning_exponential():
    """No cycle, but 3 ** 14 paths: walking each would freeze the page, as JSON.stringify would."""
    CountingDict.reads[0] = 0
    node = CountingDict(leaf=1)
    for _ in range(14):
        node = CountingDict(a=node, b=node, c=node)
    cleaned = clean_properties(CountingDict(tree=node, after='kept?'))
    assert CountingDict.reads[0] <= events.MAX_VALUES + MAX_DEPTH * 3 + 2
    assert 'a' in cleaned['tree']  # the first values are kept
    event = make(track_fields('Saved State', cleaned))
    assert wire_bytes(event) <= MAX_EVENT_BYTES


def test_the_value_budget_is_per_event_not_global():
    big = {'k%d' % i: list(range(MAX_ITEMS)) for i in range(40)}  # 20,000 values: over the budget
    clean_properties(big)
    assert clean_properties({'list': list(range(MAX_ITEMS))}) == {'list': list(range(MAX_ITEMS))}


def test_cleaning_copies_and_leaves_the_callers_object_alone():
    original = {'big': 'z' * (MAX_STRING + 5), 'f': len, 'n': math.nan}
    clean_properties(original)
    assert len(original['big']) == MAX_STRING + 5 and original['f'] is len and math.isnan(original['n'])


# --- the event always fits --------------------------------------------------------------------

def test_an_event_over_max_event_bytes_is_cut_so_it_fits_keeping_its_fields():
    properties = {'field%d' % i: 'é' * MAX_STRING for i in range(10)}  # ~160 KB of UTF-8
    event = make(track_fields('Viewed Product', properties))
    assert wire_bytes(event) <= MAX_EVENT_BYTES
    assert set(event['properties']) == set(properties)  # shortened, not dropped
    assert all(value and set(value) == {'é'} for value in event['properties'].values())
    assert event['event'] == 'Viewed Product' and event['messageId'] == MESSAGE_ID


def test_an_event_too_large_even_when_shortened_is_marked_truncated():
    properties = {'k%d' % i: 'v' * 1000 for i in range(MAX_ITEMS)}
    event = make(track_fields('Searched Products', properties))
    assert wire_bytes(event) <= MAX_EVENT_BYTES
    assert event['properties'] == {'xngTruncated': True}
    assert event['event'] == 'Searched Products'


def test_large_traits_are_cut_too():
    event = make(identify_fields({'bio': 'b' * MAX_STRING, 'notes': ['n' * MAX_STRING] * 10}, 'u1'), user_id='u1')
    assert wire_bytes(event) <= MAX_EVENT_BYTES
    assert event['userId'] == 'u1' and event['traits']['bio'].startswith('b')


def test_an_event_under_the_limit_is_not_touched():
    properties = {'a': 'x' * (MAX_STRING - 1), 'b': 'y' * MAX_STRING, 'c': 'z' * MAX_STRING}
    event = make(track_fields('Read Review', properties))
    assert event['properties'] == properties


@pytest.mark.parametrize('huge', ['event', 'userId', 'title', 'url'])
def test_an_event_with_a_huge_name_id_or_page_still_fits(huge):
    """Not only properties can be huge: a track name, a user id or the page's own title or URL."""
    long_text = 'h' * 200000
    name = long_text if huge == 'event' else 'Viewed Product'
    user_id = long_text if huge == 'userId' else 'u1'
    page = dict(PAGE)
    if huge in page:
        page[huge] = long_text
    event = make(track_fields(name, {'sku': 'MUG-7'}), user_id=user_id, page=page)
    assert wire_bytes(event) <= MAX_EVENT_BYTES
    assert event['type'] == 'track' and event['messageId'] == MESSAGE_ID
    assert event['anonymousId'] == IDS['anonymousId'] and event['timestamp'] == STAMP
    assert event['context']['library'] == {'name': 'xng', 'version': VERSION}
    assert event['properties']['sku'] == 'MUG-7'


def test_a_huge_page_title_in_a_page_event_still_fits():
    page = dict(PAGE, title='t' * 300000)
    event = make(page_fields(None, 'Long', None, page), page=page)
    assert wire_bytes(event) <= MAX_EVENT_BYTES
    assert event['name'] == 'Long' and event['properties']['path'] == PAGE['path']


def test_the_limits_fit_a_beacon():
    assert MAX_EVENT_BYTES < 64 * 1024 and events.SHORT_STRING < MAX_STRING


@pytest.mark.parametrize('properties', [
    {'sku': 'MUG-7'},                                              # as it is
    {'field%d' % i: 'é' * MAX_STRING for i in range(10)},          # shortened
    {'k%d' % i: 'v' * 1000 for i in range(MAX_ITEMS)},             # marked truncated
])
def test_build_leaves_the_size_of_the_event_it_returns_in_measured(properties):
    """The queue counts the event by events.measured (one JSON.stringify per event): it must be the event's size as sent."""
    event = make(track_fields('Viewed Product', properties))
    assert events.measured == wire_bytes(event)
