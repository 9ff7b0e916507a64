"""The SDKs under test: where each browser bundle lives and how a bench page drives it.

Every peer is set up the way its own docs do for a plain <script> include, pointed at the bench's
local endpoint with a dummy key, and with automatic extras (autocapture, page views, session
recording, remote config, feature flags, surveys) switched off where the SDK has a switch, so the
figures compare the bare `track()` path.
"""
import dataclasses
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from network import ORIGIN

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
NODE_MODULES = BENCH_DIR / 'node_modules'
ESBUILD = ROOT / 'node_modules' / '.bin' / 'esbuild'  # the project's own, pinned in package.json
PROPS = "{i: 1, plan: 'pro'}"


@dataclass
class Sdk:
    name: str
    package: str                   # npm package, or 'xng'
    bundle: str                    # bundle path inside the package (xng: path given on the command line)
    stub: str = ''                 # JS run before the bundle: the global the vendor's snippet sets up
    init: str = ''                 # body of an async JS function: initialise and wait until ready
    track: str = ''                # JS expression: one track call with a small properties object
    check: str = None              # JS expression: the opt-out check; None: the SDK has none
    opt_out: str = None            # JS statement that opts out; None: the SDK has none
    ignored_cookies: tuple = ()    # cookie names not counted as writes after the opt-out moment
    version: str = None
    source: bytes = None           # bundle bytes; None: not installed (or not built)
    stub_source: bytes = b''
    kind: str = 'peer'             # 'xng' (a build of xng), 'floor' (the two floors) or 'peer'
    eval_only: bool = False        # the empty script: nothing to init or call
    missing: str = 'not installed (npm ci --prefix bench)'  # the row's status when `source` is None

    @property
    def installed(self):
        return self.source is not None


def xng(label, bundle_path, snippet_path, version, name='xng', package='xng'):
    """xng as a page includes it: the loader stub (build/snippet.js) first, then the bundle.

    `name` 'xng' is the full build, the one compared with the peers; 'xng-core' is the build without
    the channels (build/xng.core.min.js), included the same way. Absent file: the row says not built.
    """
    sdk = Sdk(
        name=name, package=package, bundle=label, version=version, kind='xng',
        init="xng.init({endpoint: '/collect', apiKey: 'bench'});",
        track="xng.track('Bench', %s)" % PROPS,
        check='xng.isTrackingOptOut()',
        opt_out='xng.optOutTracking();',
        ignored_cookies=('xng.tracking-opt-out',),  # the opt-out record itself is the one allowed write
        missing='not built (make build)',
    )
    if Path(bundle_path).exists():
        sdk.source = Path(bundle_path).read_bytes()
    if snippet_path and Path(snippet_path).exists():
        sdk.stub_source = Path(snippet_path).read_bytes()
    return sdk


# What a bundler app that uses only tracking and the opt-out writes: named imports from the ES module
# entry. The bench exposes them as `xngEsm`, since importing xng defines no global by itself.
ESM_IMPORTS = ('init', 'track', 'setTrackingOptOut', 'optOutTracking', 'optInTracking', 'isTrackingOptOut')
ESM_ENTRY = """import {%s} from %s;
window.xngEsm = {%s};
"""


def xng_esm(module_path, out_dir, version):
    """The ES module entry (build/xng.mjs) as an app bundles it: esbuild --bundle --minify --format=iife
    of a tiny entry that imports ESM_IMPORTS. Not built if build/xng.mjs is absent."""
    module_path, out_dir = Path(module_path), Path(out_dir)
    label = '%s via esbuild --bundle --minify' % _relative(module_path)
    sdk = Sdk(
        name='xng-esm', package='xng (ES module)', bundle=label, version=version, kind='xng',
        init="xngEsm.init({endpoint: '/collect', apiKey: 'bench'});",
        track="xngEsm.track('Bench', %s)" % PROPS,
        check='xngEsm.isTrackingOptOut()',
        opt_out='xngEsm.optOutTracking();',
        ignored_cookies=('xng.tracking-opt-out',),
        missing='not built (build/xng.mjs: make build)',
    )
    if not module_path.exists():
        return sdk
    out_dir.mkdir(parents=True, exist_ok=True)
    entry, bundle = out_dir / 'esm-entry.js', out_dir / 'xng-esm.min.js'
    names = ', '.join(ESM_IMPORTS)
    entry.write_text(ESM_ENTRY % (names, json.dumps('./' + Path(_relpath(module_path, out_dir)).as_posix()), names))
    sdk.source = esbuild(entry, bundle, '--bundle', '--format=iife', '--target=es2020')
    if sdk.source is None:
        sdk.missing = 'not built: esbuild failed on %s' % _relative(entry)
    return sdk


def floors():
    """The two floors every xng figure is read against, measured in the same run.

    floor: bench/floor.js, a minimal tracker written by hand (minified by the same esbuild as xng).
    empty: a script with nothing in it but a line break (what the harness and a <script> cost).
    """
    source = BENCH_DIR / 'floor.js'
    floor = Sdk(
        name='floor', package='hand-written floor', bundle='bench/floor.js (esbuild --minify)', kind='floor',
        init="floor.init({endpoint: '/collect', apiKey: 'bench'});",
        track="floor.track('Bench', %s)" % PROPS,
        check='floor.isTrackingOptOut()',
        opt_out='floor.optOutTracking();',
        ignored_cookies=('xng.tracking-opt-out',),
        version='-',
    )
    floor.source = esbuild(source, None, '--target=es2020') or source.read_bytes()
    # The HTML spec skips a <script> whose text is empty, so the empty script holds one line break:
    # it is compiled and run like any other, and costs what the harness and a script cost.
    empty = Sdk(name='empty', package='empty script', bundle='(one line break)', kind='floor',
                eval_only=True, version='-', source=b'\n')
    return [floor, empty]


def esbuild(entry, outfile, *args):
    """Minified output of the project's esbuild for `entry` (written to `outfile` too if given); None
    if esbuild is missing or fails."""
    if not ESBUILD.exists():
        return None
    command = [str(ESBUILD), str(entry), '--minify', '--legal-comments=none', '--log-level=warning'] + list(args)
    if outfile:
        command.append('--outfile=%s' % outfile)
    done = subprocess.run(command, cwd=ROOT, capture_output=True)
    if done.returncode != 0:
        return None
    return Path(outfile).read_bytes() if outfile else done.stdout


def _relative(path):
    return _relpath(path, ROOT)


def _relpath(path, start):
    return os.path.relpath(Path(path).resolve(), Path(start).resolve())


PEERS = [
    Sdk(
        name='mixpanel', package='mixpanel-browser', bundle='dist/mixpanel.min.js',
        # mixpanel.min.js is the CDN build its snippet loads; it refuses to start without the
        # snippet's global: an array (the call queue) with `__SV` (snippet version) and `_i` (queued
        # init calls, none here).
        stub='window.mixpanel = Object.assign([], {__SV: 1.2, _i: []});',
        init="""mixpanel.init('bench', {
            api_host: '%s/mixpanel', autocapture: false, track_pageview: false,
            record_sessions_percent: 0, ip: false});
            await __bench.until(() => window.mixpanel.__loaded, 5000);""" % ORIGIN,
        track="mixpanel.track('Bench', %s)" % PROPS,
        check='mixpanel.has_opted_out_tracking()',
        opt_out='mixpanel.opt_out_tracking();',
    ),
    Sdk(
        name='segment', package='@segment/analytics-next', bundle='dist/umd/standalone.js',
        # standalone.js is the CDN build its snippet loads: it reads the write key and load options
        # from the snippet's window.analytics, fetches its settings (answered by network.py with
        # SEGMENT_SETTINGS) and then replaces window.analytics with the real instance.
        stub="window.analytics = []; analytics._writeKey = 'bench'; analytics._loadOptions = {};",
        init='await __bench.until(() => window.analytics && window.analytics.initialized === true, 10000);',
        track="analytics.track('Bench', %s)" % PROPS,
    ),
    Sdk(
        name='snowplow', package='@snowplow/browser-tracker', bundle='dist/index.umd.min.js',
        init="""snowplowBrowserTracking.newTracker('sp', '%s', {
            appId: 'bench', eventMethod: 'post', postPath: '/snowplow/tp2',
            contexts: {webPage: true, session: false, browser: false}});""" % ORIGIN,
        # A self-describing event is Snowplow's equivalent of a named event with properties.
        track="snowplowBrowserTracking.trackSelfDescribingEvent({event: {"
              "schema: 'iglu:com.example/bench/jsonschema/1-0-0', data: %s}})" % PROPS,
    ),
    Sdk(
        name='amplitude', package='@amplitude/analytics-browser', bundle='lib/scripts/amplitude-min.js',
        init="""await amplitude.init('bench', {
            serverUrl: '%s/amplitude/2/httpapi', autocapture: false,
            remoteConfig: {fetchRemoteConfig: false}, fetchRemoteConfig: false,
            enableDiagnostics: false, logLevel: 0}).promise;""" % ORIGIN,
        track="amplitude.track('Bench', %s)" % PROPS,
        check='amplitude.getOptOut()',
        opt_out='amplitude.setOptOut(true);',
    ),
    Sdk(
        name='posthog', package='posthog-js', bundle='dist/array.js',
        init="""posthog.init('phc_bench', {
            api_host: '%s/posthog', autocapture: false, capture_pageview: false,
            capture_pageleave: false, disable_session_recording: true, advanced_disable_flags: true,
            advanced_disable_feature_flags: true, disable_surveys: true, disable_web_experiments: true,
            disable_product_tours: true, disable_conversations: true, capture_performance: false,
            capture_heatmaps: false, capture_dead_clicks: false, capture_exceptions: false,
            rageclick: false, disable_external_dependency_loading: true,
            // PostHog drops every event from a browser that looks automated, as this one does; the
            // bench must time real captures.
            opt_out_useragent_filter: true});
            await __bench.until(() => window.posthog.__loaded, 5000);""" % ORIGIN,
        track="posthog.capture('Bench', %s)" % PROPS,
        check='posthog.has_opted_out_capturing()',
        opt_out='posthog.opt_out_capturing();',
    ),
]

# What Segment's CDN would answer for the bench's write key: only its own destination, sending to
# the local network.
SEGMENT_SETTINGS = json.dumps({
    'integrations': {'Segment.io': {'apiKey': 'bench', 'apiHost': ORIGIN.split('://')[1] + '/segment/v1',
                                    'protocol': 'https'}},
    'plan': {'track': {'__default': {'enabled': True}}},
})


def load_peer(peer):
    """A copy of `peer` with its bundle and version from bench/node_modules (`source` None if absent)."""
    sdk = dataclasses.replace(peer, stub_source=peer.stub.encode())
    package_dir = NODE_MODULES / sdk.package
    bundle = package_dir / sdk.bundle
    if bundle.exists():
        sdk.source = bundle.read_bytes()
        sdk.version = json.loads((package_dir / 'package.json').read_text())['version']
    return sdk
