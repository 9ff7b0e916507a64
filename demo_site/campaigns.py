"""Campaign rules (campaigns.json) evaluated over one visitor's stored events."""
import json
from pathlib import Path

CAMPAIGNS_PATH = Path(__file__).with_name('campaigns.json')
CHANNELS = ('onsite', 'notification', 'exit-intent')
MESSAGE_FIELDS = ('channel', 'title', 'body', 'url', 'imageUrl')


def _check_rule(rule):
    if not isinstance(rule, dict) or not isinstance(rule.get('id'), str):
        raise ValueError('every campaign needs a string id: %r' % (rule,))
    when, message = rule.get('when'), rule.get('message')
    if not isinstance(when, dict) or set(when) - set(CONDITIONS):
        raise ValueError('campaign %s: "when" may only use %s' % (rule['id'], ', '.join(CONDITIONS)))
    if not isinstance(message, dict) or message.get('channel') not in CHANNELS:
        raise ValueError('campaign %s: message.channel must be one of %s' % (rule['id'], ', '.join(CHANNELS)))
    if not all(isinstance(message.get(key), str) for key in ('title', 'body')):
        raise ValueError('campaign %s: message needs a title and a body' % rule['id'])


def load_campaigns(path=CAMPAIGNS_PATH):
    """The validated rule list; a broken file fails at startup rather than on a visitor's request."""
    with open(path, encoding='utf-8') as handle:
        rules = json.load(handle)['campaigns']
    for rule in rules:
        _check_rule(rule)
    return rules


def _quantity(event):
    properties = event.get('properties')
    quantity = properties.get('quantity') if isinstance(properties, dict) else None  # any JSON may arrive
    if isinstance(quantity, bool) or not isinstance(quantity, (int, float)) or quantity <= 0:
        return 1
    return quantity


def cart_quantity(history):
    """Items left in the cart after these events, by the rule documented in campaigns.json."""
    quantity = 0
    for event in history:
        name = event.get('event')
        if name == 'Completed Order':
            quantity = 0
        elif name == 'Added Product':
            quantity += _quantity(event)
        elif name == 'Removed Product':
            quantity = max(0, quantity - _quantity(event))
    return quantity


def _has_event(history, name):
    """A track event of that name (page events have none since the Segment format: see _has_page)."""
    return any(event.get('type', 'track') == 'track' and event.get('event') == name for event in history)


def _has_page(history, name):
    """A page event of that name (its `name`, as page(name) or page(category, name) sets it); '*' for any page."""
    return any(event.get('type') == 'page' and (name == '*' or event.get('name') == name) for event in history)


CONDITIONS = {
    'event': _has_event,
    'page': _has_page,
    'cartNotEmpty': lambda history, wanted: (cart_quantity(history) > 0) == bool(wanted),
}


def messages_for(rules, history):
    """Messages of every rule whose conditions all hold; nothing for a visitor with no events."""
    if not history:
        return []
    messages = []
    for rule in rules:
        if all(CONDITIONS[key](history, value) for key, value in rule['when'].items()):
            message = {'id': rule['id']}
            message.update({key: rule['message'][key] for key in MESSAGE_FIELDS if key in rule['message']})
            messages.append(message)
    return messages
