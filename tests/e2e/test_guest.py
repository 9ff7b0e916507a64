"""xng is a guest on the page: it leaves the page's built-ins alone, and survives what pages do to them.

Before any page script runs, an init script snapshots every own property (names and symbols, with
each descriptor's value, getter, setter and flags) of Object, Array, String, Number, Boolean,
Function, Promise, Symbol, Date, RegExp, JSON, Math, Map, Set, Error, URL and their prototypes, and
the global object's own property names. After a build has loaded and run `init` with every option
on and every method called, the only difference allowed is the new global `xng` (none at all for
the ES module). A control page without xng shows the snapshot itself finds nothing to report.

Then the hostile pages: frozen prototypes (Array, String, Object), and a MooTools-style
`Array.prototype.append` defined by the page.
"""
import json
import subprocess
from pathlib import Path

import pytest

from support import serve

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / 'build'
PAGE = '/t/guest.html'

SNAPSHOT = """
(() => {
    const names = ['Object', 'Array', 'String', 'Number', 'Boolean', 'Function', 'Promise', 'Symbol', 'Date',
                   'RegExp', 'JSON', 'Math', 'Map', 'Set', 'Error', 'URL'];
    const ownKeys = Reflect.ownKeys, describe = Object.getOwnPropertyDescriptor, names_of = Object.getOwnPropertyNames;
    const targets = [];
    for (const name of names) {
        const value = globalThis[name];
        targets.push([name, value]);
        if (typeof value == 'function' && value.prototype) targets.push([name + '.prototype', value.prototype]);
    }
    function snapshot() {
        const seen = new Map();
        for (const [label, target] of targets) {
            for (const key of ownKeys(target)) {
                const d = describe(target, key);
                seen.set(label + '.' + String(key), [d.value, d.get, d.set, d.writable, d.enumerable, d.configurable]);
            }
        }
        for (const key of names_of(globalThis)) seen.set('globalThis.' + key, []);
        return seen;
    }
    const before = snapshot();
    const diff = () => {
        const after = snapshot(), found = [];
        for (const [key, value] of after) {
            if (key == 'globalThis.__guest') continue;
            if (!before.has(key)) found.push('added ' + key);
            else if (before.get(key).some((part, i) => !Object.is(part, value[i]))) found.push('changed ' + key);
        }
        for (const key of before.keys()) if (!after.has(key)) found.push('removed ' + key);
        return found;
    };
    Object.defineProperty(globalThis, '__guest', {value: {diff}, configurable: true});
})();
"""
EVERY_OPTION = """{
    endpoint: '/api/batch', writeKey: 'key', apiKey: 'key', authorization: 'basic', cookieDomain: 'auto',
    consentEndpoint: '/api', serverOptOut: true, optOutByDefault: true, trackPageViews: 'history',
    messagesEndpoint: '/api/messages', pollInterval: 1000, respectGlobalPrivacyControl: true, respectDoNotTrack: true,
}"""
# init with every option, then every method (those the build has), an SPA navigation and a message.
EXERCISE = """async (x) => {
    x.init(%s);
    const call = (name, ...args) => typeof x[name] == 'function' ? x[name](...args) : undefined;
    call('optInTracking');
    call('getTrackingConsent');
    call('page');
    call('page', 'Docs', 'Pricing', {plan: 'pro'});
    call('track', 'Guest Event', {n: 1, nested: {list: [1, 'two', null]}});
    call('identify', 'user-1', {email: 'a@example.com'});
    call('group', 'acme', {employees: 3});
    call('alias', 'user-1');
    call('getAnonymousId');
    call('getUserId');
    history.pushState({}, '', location.pathname + '?view=2');
    call('isTrackingOptOut');
    await call('flush');
    call('reset');
    call('setTrackingOptOut', false);
    await call('flush');
}""" % EVERY_OPTION
MESSAGE = {'id': 'guest-1', 'channel': 'onsite', 'title': 'Hello', 'body': 'A message', 'url': '/cart'}
APP = """
import xng from './xng.mjs';
import './channels.mjs';
window.__app = {xng};
"""


def route_js(context, url, path_or_code):
    body = path_or_code.read_text() if isinstance(path_or_code, Path) else path_or_code
    context.route(url, lambda route: route.fulfill(status=200, content_type='text/javascript', body=body))


def open_with(context, page, base_url, scripts, init_script=SNAPSHOT):
    context.add_init_script(init_script)
    context.route('**/api/messages*', lambda route: route.fulfill(json={'messages': [MESSAGE]}))
    serve(context, base_url + PAGE, '<!doctype html><title>guest</title>%s'
          % ''.join('<script src="%s"></script>' % src for src in scripts))
    page.goto(base_url + PAGE)


def esm_bundle(tmp_path):
    """A page's bundle of the ES module build (xng and xng/channels), made by the project's esbuild."""
    (tmp_path / 'app.js').write_text(APP.replace('./', str(BUILD) + '/'))
    subprocess.run([str(ROOT / 'node_modules' / '.bin' / 'esbuild'), 'app.js', '--bundle', '--minify',
                    '--log-level=warning', '--outfile=out.js'], cwd=tmp_path, check=True)
    return tmp_path / 'out.js'


def test_the_snapshot_sees_nothing_on_a_page_without_xng_and_sees_a_patch(context, page, base_url):
    open_with(context, page, base_url, [])
    assert page.evaluate('__guest.diff()') == []
    page.evaluate('String.prototype.strip = function () {}; Date.prototype.getDay = function () {}; window.extra = 1')
    assert sorted(page.evaluate('__guest.diff()')) == ['added String.prototype.strip', 'added globalThis.extra',
                                                     'changed Date.prototype.getDay']


@pytest.mark.parametrize('build', ['xng.min.js', 'xng.core.min.js'])
def test_a_classic_build_adds_only_the_global_xng(context, page, base_url, collector, build):
    route_js(context, base_url + '/t/' + build, BUILD / build)
    open_with(context, page, base_url, ['/t/' + build])
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    assert page.evaluate('__guest.diff()') == ['added globalThis.xng']
    page.evaluate('(%s)(xng)' % EXERCISE)
    collector.wait_for(['Guest Event'])
    assert page.evaluate('__guest.diff()') == ['added globalThis.xng']
    assert page.errors == []


def test_the_es_module_adds_no_global_at_all(context, page, base_url, collector, tmp_path):
    route_js(context, base_url + '/t/app.js', esm_bundle(tmp_path))
    open_with(context, page, base_url, ['/t/app.js'])
    page.wait_for_function('() => window.__app !== undefined')
    page.evaluate('(%s)(__app.xng)' % EXERCISE)
    collector.wait_for(['Guest Event'])
    assert page.evaluate('__guest.diff()') == ['added globalThis.__app']  # the test app's own global, no other
    assert page.errors == []


def test_the_loader_stub_alone_adds_only_the_global_xng(context, page, base_url):
    open_with(context, page, base_url, ['/snippet.js'])
    page.evaluate("xng.init(%s); xng.track('Queued'); xng.optOutTracking(); xng.optInTracking()" % EVERY_OPTION)
    assert page.evaluate('__guest.diff()') == ['added globalThis.xng']
    assert page.errors == []


def test_the_stub_then_the_library_adds_only_the_global_xng(context, page, base_url, collector):
    open_with(context, page, base_url, ['/snippet.js'])
    page.evaluate("xng.init({endpoint: '/api/batch', pollInterval: 0}); xng.track('Guest Event')")
    page.add_script_tag(url='/xng.min.js')
    page.wait_for_function('() => window.xng.loaded === true')
    collector.wait_for(['Guest Event'])
    assert page.evaluate('__guest.diff()') == ['added globalThis.xng']


FREEZE = """
Object.freeze(Array.prototype);
Object.freeze(String.prototype);
Object.freeze(Object.prototype);
"""
# Names an object-built event must keep as its own properties, even with Object.prototype frozen
# (an assignment `event[name] = ...` to a name the frozen prototype holds fails silently).
INHERITED_NAMES = {'constructor': 'c', 'toString': 't', 'valueOf': 'v', 'hasOwnProperty': 'h'}


@pytest.mark.parametrize('build', ['xng.min.js', 'xng.core.min.js'])
def test_frozen_prototypes_do_not_stop_xng(context, page, base_url, collector, build):
    route_js(context, base_url + '/t/' + build, BUILD / build)
    open_with(context, page, base_url, ['/t/' + build], init_script=FREEZE)
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    page.evaluate("""async () => {
        xng.init({endpoint: '/api/batch', pollInterval: 0});
        xng.page();
        xng.track('Frozen Page', {plan: 'pro'});
        await xng.flush();
    }""")
    collector.wait_for(['Frozen Page'])
    assert page.errors == []


@pytest.mark.parametrize('build', ['xng.min.js'])
def test_frozen_object_prototype_keeps_inherited_names_in_events(context, page, base_url, collector, build):
    route_js(context, base_url + '/t/' + build, BUILD / build)
    open_with(context, page, base_url, ['/t/' + build], init_script=FREEZE)
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    # JSON.parse defines the names: Playwright's own argument object would lose them to the frozen prototype.
    page.evaluate("""async (text) => {
        const properties = JSON.parse(text);
        xng.init({endpoint: '/api/batch', pollInterval: 0});
        xng.track('Inherited Names', properties);
        xng.identify('user-1', properties);
        await xng.flush();
    }""", json.dumps(INHERITED_NAMES))
    events = collector.wait_for(['Inherited Names'])
    tracked = [e for e in events if e.get('event') == 'Inherited Names'][0]
    for name, value in INHERITED_NAMES.items():
        assert tracked['properties'].get(name) == value, (name, tracked['properties'])


MOOTOOLS = """
Array.prototype.append = function (items) { this.push.apply(this, items); return this; };
Array.prototype.erase = function (item) { return this; };
String.prototype.strip = function () { return 'page strip'; };
String.prototype.find = function () { return 'page find'; };
"""


def test_a_page_with_its_own_array_append_still_sends(context, page, base_url, collector):
    open_with(context, page, base_url, ['/snippet.js', '/xng.min.js'], init_script=MOOTOOLS)
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    page.evaluate("""async () => {
        xng.init({endpoint: '/api/batch', pollInterval: 0});
        xng.track('MooTools Page', {tags: ['a', 'b'], name: '  padded  '});
        await xng.flush();
    }""")
    events = collector.wait_for(['MooTools Page'])
    tracked = [e for e in events if e.get('event') == 'MooTools Page'][0]
    assert tracked['properties']['tags'] == ['a', 'b'] and tracked['properties']['name'] == '  padded  '
    assert page.evaluate("[].append.toString().includes('this.push.apply')")  # the page's own, untouched
    assert page.errors == []
