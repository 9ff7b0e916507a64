"""The visitor's consent as the browser holds it: the cookies (never cached across tasks) and privacy signals."""
from xng.browser import cookies
from xng.core import consent

signals = {'gpc': False, 'dnt': False}
mode = {'by_default': False}  # optOutByDefault: no choice yet counts as opted out ('pending')


def configure(options):
    """Respect Global Privacy Control / Do Not Track only when the site asks (the default is opted in)."""
    signals['gpc'] = options['respectGlobalPrivacyControl'] == True  # noqa: E712 -- booleans only
    signals['dnt'] = options['respectDoNotTrack'] == True  # noqa: E712
    mode['by_default'] = options['optOutByDefault'] == True  # noqa: E712


def signal_opt_out():
    try:
        if signals['gpc'] and navigator.globalPrivacyControl == True:  # noqa: E712
            return True
        return signals['dnt'] and (navigator.doNotTrack == '1' or window.doNotTrack == '1')
    except:  # noqa: E722
        return False


def status():
    """'granted', 'denied' or 'pending', from the cookies as they are now."""
    return status_in(cookies.raw_cookies())


def status_in(raw):
    """status() from a document.cookie string read in this same call (one read serves the call)."""
    return consent.status({'read': lambda name: cookies.read_in(raw, name)}, signal_opt_out(), mode['by_default'])


def is_opted_out():
    return status() != consent.GRANTED


def opted_out_in(raw):
    return status_in(raw) != consent.GRANTED


def write(opted_out):
    consent.write_choice(cookies.jar, opted_out, Date.now(), mode['by_default'])


def forget_choice():
    consent.clear_choice(cookies.jar)


def refresh(jar):
    """Each visit renews the decision's cookie up to its 2 years (the opt-in one only when it matters)."""
    consent.refresh(jar, consent.OPT_OUT_COOKIE, Date.now())
    if mode['by_default']:
        consent.refresh(jar, consent.OPT_IN_COOKIE, Date.now())
