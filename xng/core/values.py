"""Operations on JavaScript values, written once for Transcrypt and once for CPython's unit tests.

Every mapping the SDK handles is a plain JS object (pages pass plain objects, and the build maps
dict literals to plain objects), so the SDK never calls dict methods: it uses these helpers.
Names avoid Transcrypt's aliases (`get`, `keys`, `name`, `pop`, `type`, ... become `py_*`).
"""
# __pragma__ ('skip')
def __pragma__(*args):  # CPython: the pragmas are compile-time directives for Transcrypt, no-ops here
    return None
# __pragma__ ('noskip')


def type_of(value):
    """JavaScript's typeof."""
    return __pragma__('js', 'typeof value')


def is_array(value):
    return Array.isArray(value)


def is_object(value):
    """A plain object: not null, not an array (what properties, options and messages must be)."""
    return type_of(value) == 'object' and value != None and not is_array(value)  # noqa: E711


def keys_of(obj):
    """The own enumerable keys of a plain object."""
    return Object.js_keys(obj)  # js_keys: Transcrypt would turn .keys into .py_keys


def has_key(obj, key):
    return Object.prototype.hasOwnProperty.call(obj, key)


def appended(items, item):
    """A new list: `items` followed by `item`."""
    return items.concat([item])


def contains_same(items, item):
    """Whether `item` itself (not an equal copy) is in `items`."""
    return items.indexOf(item) >= 0


def push(items, item):
    """list.append without Transcrypt's Array.prototype.append (no built-in of the page is touched)."""
    items.push(item)


def trim(raw):
    """str.strip() for whitespace, as JavaScript's trim."""
    return raw.trim()


def index_of(raw, part):
    """str.find: the index of `part` in `raw`, or -1."""
    return raw.indexOf(part)


def slice_of(value, start, end):
    """value[start:end] for a string or a list, without the runtime's __getslice__; called without `end`: to the
    end (never pass None: JavaScript's slice reads null as 0)."""
    return value.slice(start, end)


def floor_to(value, unit):
    """`value` rounded down to a multiple of `unit` (Python's % would bring in a runtime helper)."""
    return Math.floor(value / unit) * unit


def split_text(raw, separator):
    """str.split with a separator (JavaScript's own split: no runtime helper in the bundle)."""
    return raw.js_split(separator)


def text(value):
    """String(value)."""
    return String(value)


def to_int(value):
    """The integer a canonical decimal string of at most 15 digits spells (no sign, no spaces), else None."""
    if type_of(value) != 'string' or len(value) > 15:
        return None
    number = parseInt(value, 10)
    return number if number >= 0 and String(number) == value else None


def is_finite_number(value):
    return type_of(value) == 'number' and isFinite(value)


def to_json(value):
    return JSON.stringify(value)


def from_json(raw):
    """Parse JSON; None when it is not JSON (JSON.parse throws a native SyntaxError)."""
    try:
        return JSON.parse(raw)
    except:  # noqa: E722 -- `except Exception` misses native JS errors
        return None


# One for the page's life; it counts a lone surrogate as U+FFFD, as fetch sends it (None under CPython).
encoder = None  # the TextEncoder, made at the first event (not at load: issue 13)


def utf8_length(raw):
    global encoder
    if not encoder:
        encoder = __new__(TextEncoder())
    return encoder.encode(raw).length


def json_form(value):
    """What JSON.stringify would encode for `value` (a Date becomes its ISO string)."""
    if type_of(value.toJSON) == 'function':
        return value.toJSON()
    return value


def describe(value):
    """A short readable form of any value, for warnings: it looks at a bounded prefix only.

    A replacer alone does not bound JSON.stringify (it still visits every index of a 5,000,000-item
    array): long arrays and strings are cut before they are walked, and at most 50 values are shown.
    """
    seen = {'_count': 0}

    def limited(key, item):
        seen['_count'] += 1
        if seen['_count'] > 50:  # a huge or deeply shared object: stop walking it
            return None
        return slice_of(item, 0, 80) if is_array(item) and len(item) > 80 or type_of(item) == 'string' else item

    try:
        shown = JSON.stringify(value, limited)
    except:  # noqa: E722
        shown = None
    if type_of(shown) != 'string':  # undefined, a function, a symbol, a BigInt, an object JSON refused: its kind
        shown = '[' + type_of(value) + ']'
    return shown if len(shown) <= 80 else slice_of(shown, 0, 77) + '...'


def blank():
    """A new object without a prototype, for keys the page chose: 'constructor', 'toString' and the like stay
    plain data even where the page froze Object.prototype (an assignment would throw there)."""
    return Object.create(None)


def merge(target, source):
    """Object.assign: `source`'s own keys copied into `target`, which is returned."""
    return Object.assign(target, source)


DOMAIN_NAME = __pragma__('js', '/^[a-z0-9-]+(\\.[a-z0-9-]+)+$/')


def is_domain_name(value):
    """Two labels at least, of letters, digits and '-' only: nothing that could end or add a cookie attribute."""
    return type_of(value) == 'string' and DOMAIN_NAME.test(value)


def guard(method_name, method):
    """`method` as the page (or a timer) calls it: a failure becomes one warning, never an exception."""
    def call(first, second, third):  # three: page(category, name, properties)
        try:
            return method(first, second, third)
        except:  # noqa: E722 -- native JS errors included
            warn('failed:', 'xng.' + method_name)
    return call


def warn(message, value):
    """One console warning from xng, naming the call and showing the value; never throws."""
    try:
        console.warn('[xng] ' + message, describe(value))
    except:  # noqa: E722
        pass


__pragma__('skip')
import json as _json  # noqa: E402
import math as _math  # noqa: E402
import re as _re  # noqa: E402

WARNINGS = []  # what warn() said, for the unit tests


def type_of(value):  # noqa: F811
    if value is None or isinstance(value, (dict, list)):
        return 'object'
    if isinstance(value, bool):
        return 'boolean'
    if isinstance(value, (int, float)):
        return 'number'
    if isinstance(value, str):
        return 'string'
    return 'function' if callable(value) else 'object'


def is_array(value):  # noqa: F811
    return isinstance(value, list)


def is_object(value):  # noqa: F811
    return isinstance(value, dict)


def keys_of(obj):  # noqa: F811
    return list(obj.keys())


def has_key(obj, key):  # noqa: F811
    return key in obj


def appended(items, item):  # noqa: F811
    return items + [item]


def contains_same(items, item):  # noqa: F811
    return any(each is item for each in items)


def push(items, item):  # noqa: F811
    items.append(item)


def trim(raw):  # noqa: F811
    return raw.strip()


def index_of(raw, part):  # noqa: F811
    return raw.find(part)


def slice_of(value, start, end=None):  # noqa: F811
    return value[start:end]


def floor_to(value, unit):  # noqa: F811
    return value // unit * unit


def split_text(raw, separator):  # noqa: F811
    return raw.split(separator)


def text(value):  # noqa: F811
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def to_int(value):  # noqa: F811
    canonical = isinstance(value, str) and len(value) <= 15 and _re.fullmatch('0|[1-9][0-9]*', value)
    return int(value) if canonical else None


def is_finite_number(value):  # noqa: F811
    return type_of(value) == 'number' and _math.isfinite(value)


def to_json(value):  # noqa: F811
    return _json.dumps(value, separators=(',', ':'), ensure_ascii=False)


def from_json(raw):  # noqa: F811
    try:
        return _json.loads(raw)
    except Exception:
        return None


def utf8_length(raw):  # noqa: F811
    return len(raw.encode('utf-8'))


def json_form(value):  # noqa: F811
    return value


def blank():  # noqa: F811
    return {}


def merge(target, source):  # noqa: F811
    target.update(source)
    return target


DOMAIN_NAME = None  # noqa: F811


def is_domain_name(value):  # noqa: F811
    return isinstance(value, str) and _re.fullmatch('[a-z0-9-]+(\\.[a-z0-9-]+)+', value) is not None


def describe(value):  # noqa: F811
    try:
        shown = _json.dumps(value)
    except Exception:
        shown = str(value)
    return shown if len(shown) <= 80 else shown[:77] + '...'


def warn(message, value):  # noqa: F811
    WARNINGS.append((message, value))


__pragma__('noskip')
