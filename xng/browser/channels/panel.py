"""Onsite Display: a dismissible, accessible panel in an open shadow root.

The page's CSS cannot reach inside the shadow root, and the panel's CSS cannot leak out. The host
element itself is still exposed to the page's selectors, so its own box is pinned with !important
inline declarations set through CSSOM (allowed under a CSP without 'unsafe-inline', unlike style
attributes or <style> text). Title and body are set as text, never parsed as HTML.
"""
from xng.browser.channels.urls import safe_url

CSS = ('.panel{position:relative;max-width:340px;padding:16px 40px 16px 16px;background:#fff;color:#222;'
       'font:15px system-ui,sans-serif;border-radius:12px;box-shadow:0 8px 30px #0004}'
       'h2{margin:0 0 6px;font-size:17px}p{margin:0}img{max-width:100%}'
       'a{display:inline-block;margin-top:12px;color:#2457d6}'
       'button{position:absolute;top:8px;right:8px;border:0;background:none;font-size:20px}')
HOST_STYLE = [['all', 'initial'], ['display', 'block'], ['position', 'fixed'], ['right', '16px'], ['bottom', '16px'],
              ['z-index', '2147483647'], ['visibility', 'visible'], ['opacity', '1']]
state = {'host': None, 'previous_focus': None, 'sheet': None}


def is_open():
    return state['host'] != None  # noqa: E711


def stylesheet():
    if state['sheet'] == None:  # noqa: E711
        try:
            sheet = __new__(CSSStyleSheet())
            sheet.replaceSync(CSS)
            state['sheet'] = sheet
        except:  # noqa: E722 -- no constructable stylesheets: the panel shows unstyled
            return None
    return state['sheet']


def element(tag, css_class, parent):
    node = document.createElement(tag)
    node.className = css_class
    parent.appendChild(node)
    return node


def show(message, on_click, on_dismiss):
    """Render one message; on_click when its link is followed, on_dismiss on close or Escape."""
    close()
    host = document.createElement('xng-message')
    for declaration in HOST_STYLE:
        host.style.setProperty(declaration[0], declaration[1], 'important')
    root = host.attachShadow({'mode': 'open'})
    sheet = stylesheet()
    if sheet != None:  # noqa: E711
        root.adoptedStyleSheets = [sheet]
    panel = element('div', 'panel', root)
    panel.setAttribute('role', 'dialog')
    panel.setAttribute('aria-labelledby', 'xng-title')
    panel.setAttribute('aria-describedby', 'xng-body')
    panel.tabIndex = -1
    image = safe_url(message['imageUrl'])
    if image != None:  # noqa: E711
        picture = element('img', 'image', panel)
        picture.alt = ''
        picture.src = image
    title = element('h2', 'title', panel)
    title.id = 'xng-title'
    title.textContent = message['title']
    body = element('p', 'body', panel)
    body.id = 'xng-body'
    body.textContent = message['body']
    link = safe_url(message['url'])
    if link != None:  # noqa: E711
        anchor = element('a', 'link', panel)
        anchor.href = link
        anchor.textContent = 'Learn more'
        anchor.addEventListener('click', lambda: on_click())
    button = element('button', 'close', panel)
    button.setAttribute('type', 'button')  # not .type: Transcrypt aliases it
    button.setAttribute('aria-label', 'Close')
    button.textContent = '\u00d7'
    button.addEventListener('click', lambda: dismiss(on_dismiss))
    panel.addEventListener('keydown', lambda event: dismiss(on_dismiss) if event.key == 'Escape' else None)
    state['host'] = host
    state['previous_focus'] = document.activeElement
    (document.body or document.documentElement).appendChild(host)
    panel.focus()  # announce the dialog; focus returns where it was when it closes
    return host


def dismiss(on_dismiss):
    if close():
        on_dismiss()


def close():
    """Remove the panel if one is shown; True if one was."""
    host = state['host']
    if host == None:  # noqa: E711
        return False
    state['host'] = None
    if host.parentNode:
        host.parentNode.removeChild(host)
    previous = state['previous_focus']
    state['previous_focus'] = None
    if previous and previous.focus:
        previous.focus()
    return True
