"""The one API table in code against what users read: xng.d.ts, the ES module's exports and README.

The table is read from the source with `ast` (nothing runs): the methods of xng/api.py's METHODS and
every `add('name', ...)` an entry makes, the properties of the `api` object, and tracker.OPTION_NAMES.
A method or option added to the code but missing from the types or the README fails here.
"""
import ast
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
XNG = ROOT / 'xng'
DTS = (ROOT / 'xng.d.ts').read_text()
README = (ROOT / 'README.md').read_text()
# The final public API every engineer builds toward (the brief's table): the types carry all of it.
FINAL_METHODS = ['init', 'page', 'track', 'identify', 'group', 'alias', 'reset', 'flush', 'setTrackingOptOut',
                 'optOutTracking', 'optInTracking', 'isTrackingOptOut', 'getTrackingConsent', 'clearTrackingConsent',
                 'getAnonymousId', 'getUserId', 'requestNotificationPermission']
FINAL_OPTIONS = ['endpoint', 'writeKey', 'apiKey', 'authorization', 'cookieDomain', 'consentEndpoint', 'serverOptOut',
                 'optOutByDefault', 'trackPageViews', 'messagesEndpoint', 'pollInterval', 'respectGlobalPrivacyControl',
                 'respectDoNotTrack']


def tree(path):
    return ast.parse(path.read_text())


def assigned(module, name):
    for node in module.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return node.value
    raise AssertionError('%s not assigned' % name)


def methods_in_code():
    """The API table: METHODS of xng/api.py plus what the entries add with api.add('name', ...)."""
    names = [ast.literal_eval(row.elts[0]) for row in assigned(tree(XNG / 'api.py'), 'METHODS').elts]
    for path in XNG.rglob('*.py'):
        if '__target__' in path.parts:
            continue
        for node in ast.walk(tree(path)):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == 'add'
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                names.append(node.args[0].value)
    return sorted(set(names))


def properties_in_code():
    return sorted(ast.literal_eval(key) for key in assigned(tree(XNG / 'api.py'), 'api').keys)


def options_in_code():
    """The tracker's options, then the channels' (which the full build and xng/channels add)."""
    return (ast.literal_eval(assigned(tree(XNG / 'tracker.py'), 'OPTION_NAMES'))
            + ast.literal_eval(assigned(tree(XNG / 'messaging.py'), 'CHANNEL_OPTION_NAMES')))


def interface(name):
    match = re.search(r'^export interface %s \{\n(.*?)^\}' % name, DTS, re.M | re.S)
    assert match, name
    return match.group(1)


def readme_section(title):
    match = re.search(r'^## %s\n(.*?)(?=^## )' % re.escape(title), README, re.M | re.S)
    assert match, title
    return match.group(1)


def test_the_table_is_read():
    methods = methods_in_code()
    assert {'init', 'track', 'optOutTracking', 'requestNotificationPermission'} <= set(methods)
    assert properties_in_code() == ['loaded', 'version']
    assert 'endpoint' in options_in_code()


def test_every_method_and_property_is_typed_and_exported():
    body = interface('Xng')
    for name in sorted(set(methods_in_code()) | set(FINAL_METHODS)):
        assert re.search(r'^  %s\(' % name, body, re.M), 'xng.d.ts: Xng.%s is missing' % name
        assert re.search(r'^export declare const %s: Xng\[' % name, DTS, re.M), 'xng.d.ts: export %s' % name
    for name in properties_in_code():
        assert re.search(r'^  readonly %s: ' % name, body, re.M), name
    assert 'export default xng;' in DTS and 'export declare function install(): Xng;' in DTS
    assert re.search(r'declare global \{\n  interface Window \{.*?xng: Xng;', DTS, re.S)


def test_every_method_is_a_named_export_of_the_es_module():
    exported = set()
    for node in tree(XNG / 'esm.py').body:
        if isinstance(node, ast.Assign):
            exported |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.FunctionDef):
            exported.add(node.name)
    missing = (set(methods_in_code()) | set(FINAL_METHODS) | {'version', 'install', 'xng'}) - exported
    assert not missing, missing


def test_every_init_option_is_typed():
    body = interface('InitOptions')
    for name in sorted(set(options_in_code()) | set(FINAL_OPTIONS)):
        assert re.search(r'^  %s\??: ' % name, body, re.M), 'xng.d.ts: InitOptions.%s is missing' % name


def test_the_message_shape_is_typed():
    body = interface('XngMessage')
    for field in ('id: string', "channel: 'onsite' | 'notification' | 'exit-intent'", 'title: string',
                  'body: string', 'url?: string', 'imageUrl?: string'):
        assert field in body, field


def test_every_method_and_option_is_in_the_readme_api_table():
    api = readme_section('API')
    for name in methods_in_code():
        assert '`xng.%s(' % name in api, 'README ## API: xng.%s is missing' % name
    for name in options_in_code():
        assert re.search(r'^\| `%s` \|' % name, api, re.M), 'README ## API: option %s is missing' % name


def test_the_package_version_is_the_sdk_version():
    version = ast.literal_eval(assigned(tree(XNG / 'core' / 'events.py'), 'VERSION'))
    assert json.loads((ROOT / 'package.json').read_text())['version'] == version
