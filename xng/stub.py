"""The loader stub (build/snippet.js): inline it before <script async src=".../xng.min.js">.

It defines window.xng at once, with every method. Calls are queued and replayed in order when the
library loads (xng/main.py). The consent calls act on the cookies right here, through the same
modules the library uses (xng/core/consent.py, xng/browser/cookies.py and optout.py), so a decision
holds even if the library never loads (ad blocker, network error):
- an opt-out is written at once, whatever the mode, and drops the tracking calls queued before it;
- an opt-in deletes the opt-out at once, and writes the opt-in cookie as soon as the mode is known
  from a queued init (optOutByDefault), one queued already or later;
- the first queued init with a string endpoint also tells the cookie domain and the privacy
  signals the site respects; isTrackingOptOut() and getTrackingConsent() answer from them.
Methods a page took from the stub before the library loaded forward to the library once it has.
Compiled on its own by tools/build.py: no class, no dict method, no kwargs, nothing that would bring
Transcrypt's runtime methods onto the page's built-ins.
"""
from xng.browser import cookies, optout
from xng.core import consent
from xng.core.values import index_of, push, type_of

TRACKING = ['page', 'track', 'identify', 'group', 'alias', 'reset']  # dropped by an opt-out
QUEUED = ['init'].concat(TRACKING)
PROMISED = ['flush', 'requestNotificationPermission']  # a Promise, settled by the library
# The ids as the library keeps them (tracker.ANONYMOUS_ID_COOKIE, storage.USER_ID_KEY: tests/unit/test_stub_build.py
# holds them equal); not imported, so that the stub stays free of the tracker and storage modules.
ANONYMOUS_ID_COOKIE = 'xng.anonymous-id'
USER_ID_KEY = 'xng.user-id'
queue = []
stub = {'q': queue, '_xng': 1}  # _xng: the brand the library tells its own stub by
state = {'configured': False, 'opted_in': False}


def configure(options):
    """The first init with a string endpoint: its options read once, inside try (a throwing getter stays here)."""
    try:
        if state['configured'] or type_of(options['endpoint']) != 'string':
            return
        domain = options['cookieDomain']
        cookies.configure(domain if cookies.valid_domain(domain) else None)  # else host-only, as the library refuses it
        optout.configure(options)
        state['configured'] = True
    except:  # noqa: E722
        return
    if state['opted_in'] and optout.status() == consent.PENDING:  # opted in before the mode was known
        decide(False)


def decide(opted_out):
    optout.write(opted_out)
    # Where cookies cannot be written (a sandboxed frame), the opt-out is in memory: the library takes it over.
    stub['memoryOptOut'] = True if opted_out and cookies.memory[consent.OPT_OUT_COOKIE] != None else None  # noqa: E711


def set_opt_out(opted_out):
    if type_of(opted_out) != 'boolean':
        try:
            console.warn('[xng] xng.setTrackingOptOut: not a boolean:', opted_out)
        except:  # noqa: E722
            pass
        return
    if optout.cross_site():  # a frame under another site: the decision is out of sight, nothing is written
        return
    if opted_out:  # nothing queued before an opt-out may ever be sent
        for at in range(len(queue) - 1, -1, -1):
            if index_of(TRACKING, queue[at][0]) >= 0:
                queue.splice(at, 1)
    decide(opted_out)
    state['opted_in'] = not opted_out
    push(queue, ['serverOptOut', [opted_out]])  # with serverOptOut, the library tells the collector


def clear_consent():
    optout.forget_choice()
    state['opted_in'] = False


def known_id(read):
    """An id as the library will read it, or None while not granted (reading creates none)."""
    try:
        return None if optout.is_opted_out() else read() or None
    except:  # noqa: E722 -- localStorage throws in sandboxed frames
        return None


def queued(method_name):
    def call(first, second, third):  # three: page(category, name, properties)
        if method_name == 'init':
            configure(first)
        elif optout.status() == consent.DENIED:  # pending: kept, the library holds them until a decision
            return
        push(queue, [method_name, [first, second, third]])
    return call


def promised(method_name):
    def call(first, second):
        return __new__(Promise(lambda resolve: push(queue, [method_name, [first, second], resolve])))
    return call


def define(method_name, act):
    """stub[name]: the stub's own act, or the library's method once it has loaded (stub.impl): a page may keep the stub's."""
    def call(first, second, third):
        return stub['impl'][method_name](first, second, third) if stub['impl'] else act(first, second, third)
    stub[method_name] = call


def install():
    # Our stub or library stays as it is, and another script's window.xng is left alone (the library warns
    # about it). A named element (<div id="xng">) is no own property of window: install over it.
    if window.xng and Object.getOwnPropertyDescriptor(window, 'xng'):
        return
    for method_name in QUEUED:
        define(method_name, queued(method_name))
    for method_name in PROMISED:
        define(method_name, promised(method_name))
    define('setTrackingOptOut', set_opt_out)
    define('optOutTracking', lambda: set_opt_out(True))
    define('optInTracking', lambda: set_opt_out(False))
    define('isTrackingOptOut', optout.is_opted_out)
    define('getTrackingConsent', optout.status)
    define('clearTrackingConsent', clear_consent)
    define('getAnonymousId', lambda: known_id(lambda: cookies.read(ANONYMOUS_ID_COOKIE)))
    define('getUserId', lambda: known_id(lambda: localStorage.getItem(USER_ID_KEY)))
    window.xng = stub


install()
