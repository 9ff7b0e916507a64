"""The visitor's consent as the browser holds it: the cookies (never cached across tasks) and privacy signals."""
from xng.browser import cookies
from xng.core import consent
from xng.core.site import within

respect_gpc = False
respect_dnt = False
by_default = False  # optOutByDefault: no choice yet counts as opted out ('pending')


def configure(options):
    """Respect Global Privacy Control / Do Not Track only when the site asks (the default is opted in)."""
    global respect_gpc, respect_dnt, by_default
    respect_gpc = options['respectGlobalPrivacyControl'] == True  # noqa: E712 -- booleans only
    respect_dnt = options['respectDoNotTrack'] == True  # noqa: E712
    by_default = options['optOutByDefault'] == True  # noqa: E712


def signal_opt_out():
    try:
        if respect_gpc and navigator.globalPrivacyControl == True:  # noqa: E712
            return True
        return respect_dnt and (navigator.doNotTrack == '1' or window.doNotTrack == '1')
    except:  # noqa: E722
        return False


def status():
    """'granted', 'denied' or 'pending', from the cookies as they are now."""
    return status_in(cookies.raw_cookies())


def status_in(raw):
    """status() from a document.cookie string read in this same call (one read serves the call)."""
    return consent.status({'read': lambda name: cookies.read_in(raw, name)}, signal_opt_out() or cross_site(), by_default)


def cross_site():
    """In a frame under another site the decision (a SameSite=Lax cookie) is out of sight: nothing is tracked.

    Every ancestor must be on this host, or within the named cookieDomain, by scheme too (as browsers
    tell sites apart); what cannot be told counts as cross-site.
    """
    if window.top == window or not window.top:  # not a frame (no top: no browser page, as in Node)
        return False
    try:
        ancestors = location.ancestorOrigins
        if ancestors:
            for index in range(ancestors.length):
                origin = __new__(URL(ancestors[index]))  # 'null' (a sandboxed ancestor) throws
                host = origin.hostname
                if origin.protocol != location.protocol or host != location.hostname and not within(host, cookies.configured_domain):
                    return True
            return False
        frame = window  # no ancestorOrigins (Firefox): a cross-origin parent throws when read
        while frame != window.top:
            frame = frame.parent
            if frame.location.hostname != location.hostname:
                return True
        return False
    except:  # noqa: E722
        return True


def is_opted_out():
    return status() != consent.GRANTED


def opted_out_in(raw):
    return status_in(raw) != consent.GRANTED


def write(opted_out):
    if not cross_site():  # no write in a frame under another site
        consent.write_choice(cookies.jar, opted_out, Date.now(), by_default)


def forget_choice():
    if not cross_site():
        consent.clear_choice(cookies.jar)


def refresh(renewed_today):
    """Each visit renews the decision's cookie up to its 2 years (the opt-in one only when it matters);
    `renewed_today`: mark it renewed today (the server could not be reached, so the script did it)."""
    if cross_site():
        return
    consent.refresh(cookies.jar, consent.OPT_OUT_COOKIE, Date.now(), renewed_today)
    if by_default:
        consent.refresh(cookies.jar, consent.OPT_IN_COOKIE, Date.now(), renewed_today)
