"""The SDKs under test: where each browser bundle lives and how a bench page drives it.

Every peer is set up the way its own docs do for a plain <script> include, pointed at the bench's
local endpoint with a dummy key, and with automatic extras (autocapture, page views, session
recording, remote config, feature flags, surveys) switched off where the SDK has a switch, so the
figures compare the bare `track()` path.
"""
import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from network import ORIGIN

NODE_MODULES = Path(__file__).resolve().parent / 'node_modules'
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
    source: bytes = None           # bundle bytes; None: not installed
    stub_source: bytes = b''

    @property
    def installed(self):
        return self.source is not None


def xng(label, bundle_path, snippet_path, version):
    """xng as a page includes it: the loader stub (build/snippet.js) first, then the bundle."""
    sdk = Sdk(
        name='xng', package='xng', bundle=label, version=version,
        init="xng.init({endpoint: '/collect', apiKey: 'bench'});",
        track="xng.track('Bench', %s)" % PROPS,
        check='xng.isTrackingOptOut()',
        opt_out='xng.optOutTracking();',
        ignored_cookies=('xng.tracking-opt-out',),  # the opt-out record itself is the one allowed write
    )
    sdk.source = Path(bundle_path).read_bytes()
    if snippet_path and Path(snippet_path).exists():
        sdk.stub_source = Path(snippet_path).read_bytes()
    return sdk


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
