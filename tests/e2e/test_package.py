"""The npm package as a user gets it: `npm pack`, installed into a throwaway app, bundled, run, typed.

The tarball is made from the current build (make test builds first), installed with npm from the
file (offline: it has no runtime dependencies), bundled with the project's pinned esbuild and driven
in Chromium; the types are checked by the project's pinned TypeScript. Node runs the server-side
import. Nothing here reaches a registry.
"""
import json
import re
import subprocess
from pathlib import Path

import pytest

from support import serve, settle

ROOT = Path(__file__).resolve().parents[2]
ESBUILD = ROOT / 'node_modules' / '.bin' / 'esbuild'
TSC = ROOT / 'node_modules' / '.bin' / 'tsc'
PAGE = '/t/package.html'
APP_JS = '/t/app.js'
VERSION = re.search(r"^VERSION = '([^']+)'", (ROOT / 'xng' / 'core' / 'events.py').read_text(), re.M).group(1)

# The app of a team that adopts xng through npm: named imports and the default export.
APP = """
import xng, {init, track, optOutTracking, isTrackingOptOut, flush} from 'xng';
window.app = {xng, init, track, optOutTracking, isTrackingOptOut, flush};
init({endpoint: '/api/batch', pollInterval: 0});
track('Package Event', {from: 'npm'});
"""
APP_WITH_CHANNELS = """
import xng from 'xng';
import 'xng/channels';
window.app = {xng};
xng.init({endpoint: '/api/batch', messagesEndpoint: '/api/messages', pollInterval: 0});
xng.track('Package Event', {from: 'npm', channels: true});
"""
# Uses every method and every init option: must type-check.
GOOD_TS = """
import xng, {init, page, track, identify, group, alias, reset, flush, setTrackingOptOut, optOutTracking,
             optInTracking, isTrackingOptOut, getTrackingConsent, clearTrackingConsent, getAnonymousId, getUserId,
             requestNotificationPermission, install, version} from 'xng';
import type {InitOptions, XngMessage, TrackingConsent, Xng} from 'xng';
import {enableChannels} from 'xng/channels';

const options: InitOptions = {
  endpoint: 'https://collect.example.com/v1/batch', writeKey: 'key', apiKey: 'key', authorization: 'basic',
  cookieDomain: 'auto', consentEndpoint: '/api', serverOptOut: true, optOutByDefault: false,
  trackPageViews: 'history', messagesEndpoint: '/api/messages', pollInterval: 0,
  respectGlobalPrivacyControl: true, respectDoNotTrack: true,
};
const done: boolean = init(options);
xng.init({endpoint: '/api/batch', trackPageViews: true});
page();
page('Pricing');
page('Pricing', {plan: 'pro'});
page('Docs', 'Pricing', {plan: 'pro'});
page({path: '/pricing'});
track('Signed Up', {plan: 'pro'});
identify('user-1', {email: 'a@example.com'});
identify(42);
group('acme', {employees: 12});
alias('user-1', 'anon-1');
reset();
const flushed: Promise<void> = flush();
setTrackingOptOut(true);
optOutTracking();
optInTracking();
const out: boolean = isTrackingOptOut();
const consent: TrackingConsent = getTrackingConsent();
clearTrackingConsent();
const anonymousId: string | null = getAnonymousId();
const userId: string | null = getUserId();
requestNotificationPermission().then((state: 'default' | 'granted' | 'denied') => state);
const global: Xng = install();
window.xng.track('From the global');
const message: XngMessage = {id: 'm1', channel: 'exit-intent', title: 'Wait', body: '10% off', url: '/cart'};
const info: string = version + xng.version + String(xng.loaded);
enableChannels();
export {done, flushed, out, consent, anonymousId, userId, global, message, info};
"""
# Each line is a wrong call: every one must be reported.
BAD_TS = [
    "import xng, {init, track} from 'xng';",
    'track(42);',
    "init({endpoint: 1});",
    "init({apiKey: 'no endpoint'});",
    "xng.init({endpoint: '/e', trackPageViews: 'always'});",
    "xng.setTrackingOptOut('yes');",
    "xng.track('Event', 'not properties');",
    "const n: number = xng.isTrackingOptOut();",
    "xng.optOutTracking(true);",
    "xng.noSuchMethod();",
    "const m: import('xng').XngMessage = {id: 'm', channel: 'popup', title: 't', body: 'b'};",
]
TSCONFIG = {'compilerOptions': {'strict': True, 'noEmit': True, 'target': 'es2020', 'module': 'esnext',
                                'moduleResolution': 'bundler', 'lib': ['es2020', 'dom'], 'types': [],
                                'skipDefaultLibCheck': True}}  # xng.d.ts is still checked


def run(args, cwd, check=True):
    result = subprocess.run([str(arg) for arg in args], cwd=cwd, capture_output=True, text=True, timeout=180)
    if check and result.returncode != 0:
        raise AssertionError('%s failed:\n%s\n%s' % (args, result.stdout, result.stderr))
    return result


@pytest.fixture(scope='module')
def packed(tmp_path_factory):
    """`npm pack` of the repository (its prepack build skipped: make test built it already)."""
    if not (ROOT / 'build' / 'xng.mjs').exists():
        pytest.fail('build/xng.mjs is missing: run `make build`')
    out = tmp_path_factory.mktemp('pack')
    result = run(['npm', 'pack', '--ignore-scripts', '--json', '--pack-destination', out], ROOT)
    info = json.loads(result.stdout)[0]
    return {'tarball': out / info['filename'], 'files': sorted(f['path'] for f in info['files'])}


@pytest.fixture(scope='module')
def app(packed, tmp_path_factory):
    """A throwaway app with the tarball installed from the file, as `npm install ./xng-0.1.0.tgz` does."""
    folder = tmp_path_factory.mktemp('app')
    (folder / 'package.json').write_text(json.dumps({'name': 'app', 'private': True, 'version': '1.0.0'}))
    run(['npm', 'install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error',
         packed['tarball']], folder)
    return folder


def bundle(app, source, name):
    (app / (name + '.src.js')).write_text(source)
    run([ESBUILD, name + '.src.js', '--bundle', '--minify', '--format=iife', '--log-level=warning',
         '--outfile=%s.js' % name], app)
    return (app / (name + '.js')).read_text()


def open_app(context, page, base_url, code):
    serve(context, base_url + PAGE, '<!doctype html><title>app</title><script src="%s"></script>' % APP_JS)
    context.route(base_url + APP_JS, lambda route: route.fulfill(status=200, content_type='text/javascript', body=code))
    page.goto(base_url + PAGE)
    page.wait_for_function('() => window.app !== undefined')


def test_the_tarball_holds_the_builds_and_types_and_nothing_else(packed):
    files = packed['files']
    for wanted in ['package.json', 'README.md', 'xng.d.ts', 'channels.d.ts', 'build/xng.mjs', 'build/channels.mjs',
                   'build/xng.min.js', 'build/xng.min.js.map', 'build/xng.core.min.js', 'build/snippet.js']:
        assert wanted in files, wanted
    assert any(re.match(r'build/chunks/chunk-\w+\.mjs$', f) for f in files), files
    assert not [f for f in files if f.endswith('.py') or f.startswith(('tests/', 'tools/', 'xng/', 'build/stage'))], files
    manifest = json.loads((ROOT / 'package.json').read_text())
    assert manifest['name'] == 'xng' and manifest['version'] == VERSION  # kept in step with xng/core/events.py
    assert manifest['license'] == 'Apache-2.0' and not manifest.get('dependencies')
    assert {'esbuild', 'typescript'} <= set(manifest['devDependencies'])  # build and test tools only
    assert all(re.match(r'^\d+\.\d+\.\d+$', v) for v in manifest['devDependencies'].values())  # pinned


def test_a_bundled_app_sends_events_and_stops_after_opt_out(context, page, base_url, collector, app, log):
    code = bundle(app, APP, 'app')
    assert 'xng-message' not in code  # no channels unless imported
    open_app(context, page, base_url, code)
    collector.wait_for(['Package Event'])
    assert page.evaluate('typeof window.xng') == 'undefined'  # importing defines no global
    assert page.evaluate('app.xng.init === app.init && app.xng.track === app.track')
    page.evaluate("""async () => {
        app.optOutTracking();
        app.track('After Opt Out');
        app.xng.page();
        await app.flush();
    }""")
    assert page.evaluate('app.isTrackingOptOut()') is True
    settle(page)
    assert 'After Opt Out' not in log.sent_names()
    assert [e['event'] for e in collector.events() if e.get('type') == 'track'] == ['Package Event']
    assert page.errors == []


def test_xng_channels_joins_the_same_tracker(context, page, base_url, collector, app, log):
    without = bundle(app, APP, 'plain')
    code = bundle(app, APP_WITH_CHANNELS, 'channels')
    assert 'xng-message' in code and len(code) > len(without) + 2000
    context.route('**/api/messages*', lambda route: route.fulfill(json={'messages': []}))
    with page.expect_request('**/api/messages*'):  # the channels poll after a batch the 'xng' import delivered
        open_app(context, page, base_url, code)
    collector.wait_for(['Package Event'])
    # requestNotificationPermission is the channels' one (no warning that the build lacks them).
    page.evaluate('app.xng.requestNotificationPermission()')
    assert not [w for w in page.warnings if 'no message channels' in w]
    assert page.errors == []


def test_importing_in_node_touches_no_global_and_calls_are_no_ops(app):
    script = """
    const before = Object.getOwnPropertyNames(globalThis).sort().join();
    const {default: xng, init, track, optOutTracking, flush, install} = await import('xng');
    const {enableChannels} = await import('xng/channels');
    enableChannels();
    const results = [init({endpoint: 'https://collect.example.com/e'}), track('Rendered'), optOutTracking()];
    await flush();
    install();
    const after = Object.getOwnPropertyNames(globalThis).sort().join();
    console.log(JSON.stringify({same: before === after, results, version: xng.version, init: xng.init === init}));
    """
    result = run(['node', '--input-type=module', '-e', script], app)
    assert json.loads(result.stdout) == {'same': True, 'results': [None, None, None], 'version': VERSION,
                                         'init': True}
    assert result.stderr == ''  # no warning either


@pytest.fixture(scope='module')
def typecheck(app):
    """One `tsc --noEmit` over both examples (one run: TypeScript's start-up is most of its time)."""
    (app / 'good.ts').write_text(GOOD_TS)
    (app / 'bad.ts').write_text('\n'.join(BAD_TS) + '\n')
    (app / 'tsconfig.json').write_text(json.dumps(dict(TSCONFIG, files=['good.ts', 'bad.ts'])))
    result = run([TSC, '-p', 'tsconfig.json'], app, check=False)
    errors = re.findall(r'^(\w+\.ts)\((\d+),\d+\): error', result.stdout, re.M)
    return {'output': result.stdout, 'code': result.returncode, 'errors': errors}


def test_the_types_accept_every_method_and_option(typecheck):
    assert typecheck['errors'], typecheck['output']  # tsc ran and found bad.ts's errors (next test)
    assert [error for error in typecheck['errors'] if error[0] != 'bad.ts'] == [], typecheck['output']


def test_the_types_reject_wrong_calls(typecheck):
    assert typecheck['code'] != 0
    flagged = {int(line) for name, line in typecheck['errors'] if name == 'bad.ts'}
    assert flagged == set(range(2, len(BAD_TS) + 1)), typecheck['output']  # every wrong line, and only those


@pytest.mark.parametrize('bundle_name', ['xng.min.js', 'xng.core.min.js', 'xng.mjs', 'channels.mjs', 'chunks'])
def test_source_maps_lead_back_to_the_python_files(bundle_name):
    paths = sorted((ROOT / 'build' / 'chunks').glob('*.mjs')) if bundle_name == 'chunks' else [ROOT / 'build' / bundle_name]
    assert paths
    for path in paths:
        assert path.read_text().rstrip().endswith('//# sourceMappingURL=%s.map' % path.name)
        source_map = json.loads((path.parent / (path.name + '.map')).read_text())
        python = {(path.parent / source).resolve(): content
                  for source, content in zip(source_map['sources'], source_map['sourcesContent'])
                  if source.endswith('.py')}
        assert python, source_map['sources']
        for file, content in python.items():
            assert file.is_relative_to(ROOT / 'xng') and file.read_text() == content, file
    if bundle_name == 'xng.min.js':
        assert (ROOT / 'xng' / 'messaging.py') in python and (ROOT / 'xng' / 'tracker.py') in python
    if bundle_name == 'xng.core.min.js':
        assert (ROOT / 'xng' / 'tracker.py') in python and (ROOT / 'xng' / 'messaging.py') not in python


def test_install_makes_the_global_and_replays_the_stub(context, page, base_url, collector, app):
    code = bundle(app, "import {install} from 'xng';\nwindow.app = {xng: install()};\n", 'installed')
    serve(context, base_url + PAGE, '<!doctype html><title>app</title><script src="/snippet.js"></script>'
          '<script src="/t/queue.js"></script><script src="%s"></script>' % APP_JS)
    context.route(base_url + '/t/queue.js', lambda route: route.fulfill(
        status=200, content_type='text/javascript',
        body="xng.init({endpoint: '/api/batch', pollInterval: 0}); xng.track('Queued Before Import');"))
    context.route(base_url + APP_JS, lambda route: route.fulfill(status=200, content_type='text/javascript', body=code))
    page.goto(base_url + PAGE)
    page.wait_for_function('() => window.app !== undefined')
    assert page.evaluate('window.xng === app.xng && xng.loaded === true')
    collector.wait_for(['Queued Before Import'])
    assert page.errors == []
