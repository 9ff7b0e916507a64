"""The only module that sends bytes to the network, and the opt-out gate in front of it.

Every request is checked against the opt-out cookie at the moment it would leave, so an opt-out
from another tab or from page code stops the very next one. Requests are CORS-simple (POST with a
text/plain body, GET without custom headers), so a collector on another origin needs no preflight,
unless the site asks for Basic auth (init({authorization: 'basic'}), as RudderStack reads the key).
"""
from xng.browser import cookies, optout
from xng.core.consent import day_of
from xng.core.values import to_json

TIMEOUT_MS = 10000  # a hung collector must not hold the queue: abort, and the queue retries later
chain = Promise.resolve(True)  # the consent requests, one at a time


def post_batch(url, body, keepalive, done, authorization):
    """POST a batch; done(status, retry_after_s), status 0 on network errors, None if opted out.

    `authorization` (a Basic header, or None) makes the request preflighted. A beacon cannot carry
    it, so with it there is no beacon: what fetch cannot send stays queued (and stored) instead.
    """
    if optout.is_opted_out():
        done(None, None)
        return
    init = {'method': 'POST', 'body': body, 'keepalive': keepalive}  # a string body: text/plain;charset=UTF-8
    if authorization:
        init['headers'] = {'Authorization': authorization}
    try:
        request(url, init, done)
    except:  # noqa: E722 -- keepalive fetch throws past its 64 KB budget; old browsers lack fetch
        if authorization:
            done(0, None)
        else:
            beacon(url, body, done)


def request(url, init, done):
    controller = __new__(AbortController())
    init['signal'] = controller.signal
    timer = setTimeout(lambda: controller.abort(), TIMEOUT_MS)

    def answered(response):
        clearTimeout(timer)
        done(response.status, retry_after(response))

    def failed(error):
        clearTimeout(timer)
        done(0, None)

    fetch(url, init).then(answered, failed)


def retry_after(response):
    """Retry-After in seconds: a number of seconds, or an HTTP date."""
    value = response.headers.js_get('Retry-After')
    seconds = parseFloat(value)
    if not isFinite(seconds) and value:
        seconds = (Date.parse(value) - Date.now()) / 1000
    return seconds if isFinite(seconds) else None


def beacon(url, body, done):
    try:
        queued = navigator.sendBeacon(url, body)
    except:  # noqa: E722
        queued = False
    done(202 if queued else 0, None)


def get_json(url, done):
    """GET a JSON document; done(data), or done(None) on any failure or while opted out."""
    if optout.is_opted_out():
        done(None)
        return

    def parsed(response):
        if response.ok:
            return response.json()
        return None

    try:
        fetch(url, {'credentials': 'same-origin'}).then(parsed).then(done, lambda error: done(None))
    except:  # noqa: E722
        done(None)


def post_consent(url, created, opt_out_by_default):
    """Ask the collector to set or clear the opt-out cookie with Set-Cookie (Safari keeps those longer).

    The one request that bypasses the gate: it carries the opt-out itself and no tracking data. With a
    cookieDomain the collector is told it, so that its cookie is the SDK's (one cookie for every
    subdomain, which an opt-in on any of them deletes), not a host-only one. `created` renews an
    opt-out with its original creation time.
    """
    if optout.cross_site():  # the decision is out of sight in a frame under another site: nothing leaves
        return chain
    body = to_json({'domain': cookies.cookie_domain() or None, 'created': consent_day(created),
                    'optOutByDefault': opt_out_by_default})

    def post():
        # No Referer: an opted-out visitor's renewal must not tell the collector which page they are on.
        return fetch(url, {'method': 'POST', 'credentials': 'include', 'keepalive': True, 'body': body,
                           'referrerPolicy': 'no-referrer'}).then(lambda response: response.ok, lambda error: False)

    # One at a time, in order: the collector's last Set-Cookie must be the visitor's last choice.
    global chain
    chain = chain.then(post)
    return chain


def consent_day(created):
    return None if created == None else day_of(created)  # noqa: E711
