"""demo_site/campaigns.py: the rules read the Segment-format events (page events have a name, no "event")."""
from demo_site.campaigns import load_campaigns, messages_for

PAGE_HOME = {'type': 'page', 'name': 'Home', 'properties': {'path': '/'}}
PAGE_UNNAMED = {'type': 'page', 'properties': {'path': '/p/1'}}
TRACK_PRODUCT = {'type': 'track', 'event': 'Viewed Product', 'properties': {'sku': 'A1'}}


def rule(when):
    return {'id': 'r', 'when': when, 'message': {'channel': 'onsite', 'title': 't', 'body': 'b'}}


def fired(when, history):
    return [message['id'] for message in messages_for([rule(when)], history)]


def test_a_page_rule_matches_the_page_name():
    assert fired({'page': 'Home'}, [PAGE_HOME]) == ['r']
    assert fired({'page': 'Home'}, [PAGE_UNNAMED, TRACK_PRODUCT]) == []


def test_a_star_page_rule_matches_any_page_event():
    assert fired({'page': '*'}, [PAGE_UNNAMED]) == ['r']
    assert fired({'page': '*'}, [TRACK_PRODUCT]) == []


def test_an_event_rule_matches_track_names_only():
    assert fired({'event': 'Viewed Product'}, [TRACK_PRODUCT]) == ['r']
    assert fired({'event': 'Home'}, [PAGE_HOME]) == []  # a page's name is not a track event


def test_the_shipped_rules_load():
    assert load_campaigns()
