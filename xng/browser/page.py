"""What the page tells about itself, and fresh ids and times."""
from xng.core.values import text


def context():
    return {'url': location.href, 'path': location.pathname, 'title': document.title, 'referrer': document.referrer}


def now_iso():
    return __new__(Date()).toISOString()


def uuid():
    """A random (v4) UUID; crypto.randomUUID exists only in secure contexts, getRandomValues everywhere."""
    data = __new__(Uint8Array(16))
    try:
        crypto.getRandomValues(data)
    except:  # noqa: E722
        for index in range(16):
            data[index] = Math.floor(Math.random() * 256)
    data[6] = (data[6] & 15) | 64
    data[8] = (data[8] & 63) | 128
    digits = ''
    for index in range(16):
        digits += (data[index] + 256).toString(16).slice(1)
        if index == 3 or index == 5 or index == 7 or index == 9:
            digits += '-'
    return digits
