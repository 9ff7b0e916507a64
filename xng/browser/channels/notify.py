"""Browser Notification: shown only with permission the page asked for from a user gesture."""
from xng.browser import optout
from xng.browser.channels.urls import safe_url
from xng.core.values import type_of


def supported():
    return type_of(window.Notification) == 'function'


def permission():
    return Notification.permission if supported() else 'denied'


def request_permission():
    """xng.requestNotificationPermission(): the only way xng ever prompts; a Promise of the permission."""
    def run(resolve):
        if not supported() or optout.is_opted_out() or permission() != 'default':
            resolve(permission())  # no prompt: unsupported, opted out, or already decided
            return
        answer = Notification.requestPermission(lambda result: resolve(result))  # older Safari: callback only
        if answer and answer.then:
            answer.then(resolve, lambda error: resolve(permission()))
    return __new__(Promise(run))


def show(message, on_click, on_close):
    """Show `message` as a system notification; False when there is no permission."""
    if permission() != 'granted' or optout.is_opted_out():
        return False
    options = {'body': message['body'], 'tag': message['id']}
    icon = safe_url(message['imageUrl'])
    if icon != None:  # noqa: E711
        options['icon'] = icon
    try:
        notification = __new__(Notification(message['title'], options))
    except:  # noqa: E722 -- Android Chrome: "Illegal constructor" even with permission
        return False
    link = safe_url(message['url'])
    clicked = {'done': False}

    def click():
        clicked['done'] = True
        on_click()
        if link != None:  # noqa: E711
            window.open(link, '_blank', 'noopener')
        notification.close()

    notification.onclick = click
    notification.onclose = lambda: on_close() if not clicked['done'] else None
    return True
