"""The visitor's opt-out as the browser holds it: the cookie (never cached across tasks) and privacy signals."""
from xng.browser import cookies
from xng.core import consent

signals = {'gpc': False, 'dnt': False}


def configure(options):
    """Respect Global Privacy Control / Do Not Track only when the site asks (the default is opted in)."""
    signals['gpc'] = options['respectGlobalPrivacyControl'] == True  # noqa: E712 -- booleans only
    signals['dnt'] = options['respectDoNotTrack'] == True  # noqa: E712


def signal_opt_out():
    try:
        if signals['gpc'] and navigator.globalPrivacyControl == True:  # noqa: E712
            return True
        return signals['dnt'] and (navigator.doNotTrack == '1' or window.doNotTrack == '1')
    except:  # noqa: E722
        return False


def is_opted_out():
    return opted_out_in(cookies.raw_cookies())


def opted_out_in(raw):
    """is_opted_out() from a document.cookie string read in this same call (one read serves the call)."""
    return consent.is_opted_out({'read': lambda name: cookies.read_in(raw, name)}, signal_opt_out(), False)


def write(opted_out):
    consent.write_choice(cookies.jar, opted_out, Date.now(), False)


def refresh(jar):
    consent.refresh(jar, consent.OPT_OUT_COOKIE, Date.now())
