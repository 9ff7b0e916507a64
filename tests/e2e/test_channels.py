"""The message channels of issue 3 (onsite panel, browser notification, exit intent) in real Chromium.

Most tests answer the messages endpoint themselves (`route_messages`) so each one controls exactly
what the SDK is offered; test_demo_campaigns_end_to_end uses the demo collector's own campaigns.
A poll follows every delivered batch, so `poll(page)` sends an event and awaits xng.flush().
Absence is asserted after a positive signal that the SDK got that far (or after support.settle),
never after a fixed sleep.
"""
import json
from pathlib import Path

from support import page_html, serve, settle, wait_until

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = '**/api/messages*'
INIT = "xng.init({endpoint: '/api/batch', messagesEndpoint: '/api/messages', pollInterval: 0})"
PANEL = 'xng-message .panel'  # Playwright's CSS locators pierce open shadow roots

# Records every `new Notification(...)`, every Notification.requestPermission call and every
# window.open, without changing what the SDK sees (the recorder subclasses the real Notification).
NOTIFICATION_RECORDER = """
(() => {
    window.__notifications = [];
    window.__notificationObjects = [];
    window.__permissionRequests = 0;
    window.__opened = [];
    window.open = function (url, target, features) { window.__opened.push([String(url), target, features]); return null; };
    const Original = window.Notification;
    if (!Original) return;
    class RecordedNotification extends Original {
        constructor(title, options) {
            super(title, options);
            window.__notifications.push({title: title, options: Object.assign({}, options)});
            window.__notificationObjects.push(this);
        }
    }
    RecordedNotification.requestPermission = function () {
        window.__permissionRequests += 1;
        return Original.requestPermission.apply(Original, arguments);
    };
    window.Notification = RecordedNotification;
})();
"""

# Counts the document's active mouseout listeners: the exit-intent channel arms itself with one.
EXIT_LISTENER_COUNTER = """
(() => {
    const active = new Set();
    Object.defineProperty(window, '__mouseoutListeners', {get: () => active.size});
    const add = document.addEventListener, remove = document.removeEventListener;
    document.addEventListener = function (type, listener) {
        if (type === 'mouseout') active.add(listener);
        return add.apply(this, arguments);
    };
    document.removeEventListener = function (type, listener) {
        if (type === 'mouseout') active.delete(listener);
        return remove.apply(this, arguments);
    };
})();
"""

# Counts every <xng-message> ever inserted, even one removed again in the same task.
RENDER_RECORDER = """
window.__rendered = 0;
new MutationObserver((records) => records.forEach((record) => record.addedNodes.forEach((node) => {
    if (node.nodeName === 'XNG-MESSAGE') window.__rendered += 1;
}))).observe(document, {childList: true, subtree: true});
"""

VIOLATION_RECORDER = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (event) => window.__violations.push(
    {directive: event.violatedDirective, blocked: event.blockedURI, sample: event.sample}));
"""


def message(message_id, channel='onsite', **fields):
    fields.setdefault('title', 'Title of ' + message_id)
    fields.setdefault('body', 'Body of ' + message_id)
    fields.update({'id': message_id, 'channel': channel})
    return fields


def route_messages(context, *messages):
    """Answer the messages endpoint with `messages` (every request is still in the RequestLog)."""
    body = {'messages': list(messages)}
    context.route(MESSAGES, lambda route: route.fulfill(json=body))


def open_page(context, page, base_url, html=None, path='/t/channels.html', init=INIT, **serve_options):
    serve(context, base_url + path, html or page_html(), **serve_options)
    page.goto(base_url + path)
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    if init:
        page.evaluate(init)


def poll(page, event='Viewed Product'):
    """Send an event and await its delivery; the SDK asks the messages endpoint right after."""
    page.evaluate("name => { xng.track(name, {sku: 'TEE-01'}); return xng.flush(); }", event)


def shown_panel(page):
    """Wait for the onsite panel; return its title and body text."""
    page.locator(PANEL).wait_for(state='visible')
    return page.locator('xng-message .title').text_content(), page.locator('xng-message .body').text_content()


def message_requests(page, log):
    """How many messages requests the browser made so far.

    The sync API hands Playwright's events (requests included) to Python only during a Playwright
    call, so a cheap evaluate comes first; without it a wait on the log alone would never see more.
    """
    page.evaluate('0')
    return len(log.to('/api/messages'))


def interactions(collector, count):
    """The stored interaction events as (event, messageId, channel), oldest first, once `count` arrived."""
    def stored():
        return [(e['event'], e['properties']['messageId'], e['properties']['channel'])
                for e in collector.events() if e.get('event', '').startswith('Message ')]
    wait_until(lambda: len(stored()) >= count, '%d interaction events at the collector' % count)
    return stored()


# --- each channel appears when opted in -------------------------------------------------------

def test_onsite_panel_appears_after_viewed_product(context, page, base_url, collector, log):
    route_messages(context, message('offer-1', title='10% off', body='Use code DEMO10', url=base_url + '/cart.html'))
    open_page(context, page, base_url)
    assert page.locator('xng-message').count() == 0
    poll(page)
    assert shown_panel(page) == ('10% off', 'Use code DEMO10')
    request = log.to('/api/messages')[0]
    anonymous_id = page.evaluate("document.cookie.match(/xng\\.anonymous-id=([^;]+)/)[1]")
    assert request.method == 'GET' and ('anonymousId=' + anonymous_id) in request.url
    assert page.evaluate("document.querySelector('xng-message').shadowRoot.mode") == 'open'
    panel = page.locator(PANEL)
    assert panel.get_attribute('role') == 'dialog'
    assert page.locator('xng-message a.link').get_attribute('href') == base_url + '/cart.html'
    assert page.evaluate("localStorage.getItem('xng.shown-messages')") == '["offer-1"]'
    assert page.errors == []


def test_panel_is_an_accessible_dialog_that_takes_and_returns_focus(context, page, base_url, collector):
    route_messages(context, message('focus-1'))
    open_page(context, page, base_url, page_html(body='<button id="before">Before</button><input id="field">'))
    page.focus('#before')
    poll(page)
    shown_panel(page)
    # Focus moved into the dialog (the host is document.activeElement, the panel its shadow root's).
    assert page.evaluate("document.activeElement.tagName") == 'XNG-MESSAGE'
    assert page.evaluate("document.activeElement.shadowRoot.activeElement.getAttribute('role')") == 'dialog'
    labelled = page.evaluate("""() => {
        const root = document.querySelector('xng-message').shadowRoot, panel = root.querySelector('.panel');
        return [root.getElementById(panel.getAttribute('aria-labelledby')).textContent,
                root.getElementById(panel.getAttribute('aria-describedby')).textContent];
    }""")
    assert labelled == ['Title of focus-1', 'Body of focus-1']
    assert page.get_by_role('dialog', name='Title of focus-1').is_visible()
    assert page.get_by_role('button', name='Close').is_visible()
    page.focus('#field')
    page.keyboard.press('Escape')  # Escape in the page's own field is the page's business
    assert page.locator(PANEL).is_visible()
    page.locator('xng-message .panel').focus()
    page.keyboard.press('Escape')
    assert page.locator('xng-message').count() == 0
    assert page.evaluate('document.activeElement.id') == 'before'  # back where it was before the panel
    page.evaluate('xng.flush()')
    assert interactions(collector, 2) == [('Message Displayed', 'focus-1', 'onsite'),
                                                              ('Message Dismissed', 'focus-1', 'onsite')]


def test_exit_intent_waits_for_the_pointer_to_leave_through_the_top(context, page, base_url, collector):
    context.add_init_script(EXIT_LISTENER_COUNTER)
    route_messages(context, message('exit-1', 'exit-intent', title='Leaving already?', body='Your cart is saved.'))
    open_page(context, page, base_url, page_html(body='<p>Shop</p>'))
    poll(page)
    page.wait_for_function('() => window.__mouseoutListeners === 1')  # the message arrived and is held back
    assert page.locator('xng-message').count() == 0
    # Real pointer moves: Chromium dispatches mouseout (relatedTarget null) when the pointer leaves
    # the viewport, and the SDK's listener runs synchronously inside that dispatch.
    page.mouse.move(300, 300)
    page.mouse.move(300, 40)
    page.mouse.move(-20, 200)  # out through the left edge: not an exit intent
    assert page.locator('xng-message').count() == 0
    page.mouse.move(300, 200)
    page.mouse.move(300, -20)  # out through the top
    assert shown_panel(page) == ('Leaving already?', 'Your cart is saved.')
    assert page.evaluate('window.__mouseoutListeners') == 0  # shown once: the listener is gone
    page.keyboard.press('Escape')
    page.mouse.move(300, 200)
    page.mouse.move(300, -20)
    assert page.locator('xng-message').count() == 0
    page.evaluate('xng.flush()')
    found = interactions(collector, 2)
    assert found == [('Message Displayed', 'exit-1', 'exit-intent'), ('Message Dismissed', 'exit-1', 'exit-intent')]


def test_exit_intent_is_not_armed_for_touch_pointers(browser, base_url, collector):
    context = browser.new_context(has_touch=True)  # Chromium then matches (pointer: coarse)
    try:
        context.add_init_script(EXIT_LISTENER_COUNTER)
        route_messages(context, message('exit-touch', 'exit-intent'), message('marker', 'onsite'))
        page = context.new_page()
        open_page(context, page, base_url)
        assert page.evaluate("matchMedia('(pointer: fine)').matches") is False
        poll(page)
        assert shown_panel(page)[0] == 'Title of marker'  # dispatched after the exit-intent message
        assert page.evaluate('window.__mouseoutListeners') == 0
        assert page.evaluate("JSON.parse(localStorage.getItem('xng.shown-messages'))") == ['marker']
    finally:
        context.close()


def test_notification_shown_with_granted_permission_click_and_close(context, page, base_url, collector):
    context.grant_permissions(['notifications'], origin=base_url)
    context.add_init_script(NOTIFICATION_RECORDER)
    route_messages(context,
                   message('note-1', 'notification', title='Order shipped', body='It is on its way.',
                           url=base_url + '/orders.html', imageUrl=base_url + '/favicon.svg'),
                   message('note-2', 'notification', title='Second', url='javascript:alert(1)', imageUrl='data:,x'),
                   message('note-3', 'notification', title='Third'))
    open_page(context, page, base_url)
    poll(page)
    page.wait_for_function('() => window.__notifications.length === 3')
    first, second, third = page.evaluate('window.__notifications')
    assert first['title'] == 'Order shipped'
    assert first['options']['body'] == 'It is on its way.' and first['options']['icon'] == base_url + '/favicon.svg'
    assert second['title'] == 'Second' and 'icon' not in second['options']  # data: is not an http(s) icon
    assert third['title'] == 'Third' and third['options']['body'] == 'Body of note-3'
    assert page.evaluate('window.__permissionRequests') == 0
    assert page.locator('xng-message').count() == 0  # notifications are not rendered in the page
    page.evaluate("window.__notificationObjects[0].dispatchEvent(new Event('click'))")
    assert page.evaluate('window.__opened') == [[base_url + '/orders.html', '_blank', 'noopener']]
    page.evaluate("window.__notificationObjects[0].dispatchEvent(new Event('close'))")  # closing after a click
    page.evaluate("window.__notificationObjects[1].dispatchEvent(new Event('click'))")
    assert len(page.evaluate('window.__opened')) == 1  # a javascript: url is never opened
    page.evaluate("window.__notificationObjects[2].dispatchEvent(new Event('close'))")  # closed unclicked
    page.evaluate('xng.flush()')
    assert interactions(collector, 6) == [
        ('Message Displayed', 'note-1', 'notification'), ('Message Displayed', 'note-2', 'notification'),
        ('Message Displayed', 'note-3', 'notification'), ('Message Clicked', 'note-1', 'notification'),
        ('Message Clicked', 'note-2', 'notification'), ('Message Dismissed', 'note-3', 'notification')]
    assert page.evaluate("JSON.parse(localStorage.getItem('xng.shown-messages'))") == ['note-1', 'note-2', 'note-3']


def test_notification_without_permission_is_not_shown(context, page, base_url):
    context.add_init_script(NOTIFICATION_RECORDER)
    route_messages(context, message('note-denied', 'notification'), message('marker'))
    open_page(context, page, base_url)
    assert page.evaluate('Notification.permission') == 'default'
    poll(page)
    shown_panel(page)  # the marker comes after the notification in the same response
    assert page.evaluate('window.__notifications') == []
    assert page.evaluate('window.__permissionRequests') == 0
    assert page.evaluate("JSON.parse(localStorage.getItem('xng.shown-messages'))") == ['marker']


def test_interaction_events_reach_the_collector(context, page, base_url, collector, log):
    link = base_url + '/t/channels.html#offer'  # same document: the click does not unload the page
    route_messages(context, message('clicky', url=link))
    open_page(context, page, base_url)
    poll(page)
    shown_panel(page)
    page.locator('xng-message a.link').click()
    page.wait_for_url(link)
    page.locator('xng-message button.close').click()
    page.evaluate('xng.flush()')
    found = interactions(collector, 3)
    assert found == [('Message Displayed', 'clicky', 'onsite'), ('Message Clicked', 'clicky', 'onsite'),
                     ('Message Dismissed', 'clicky', 'onsite')]
    sent = [e for body in log.batches() for e in body['batch'] if e.get('event', '').startswith('Message ')]
    assert [e['properties'] for e in sent] == [{'messageId': 'clicky', 'channel': 'onsite'}] * 3


# --- the opt-out gate -------------------------------------------------------------------------

def test_opted_out_no_request_nothing_rendered_no_prompt(context, page, base_url, collector, log):
    context.add_init_script(NOTIFICATION_RECORDER)
    context.add_init_script(EXIT_LISTENER_COUNTER)
    context.add_init_script(RENDER_RECORDER)
    route_messages(context, message('out-onsite'), message('out-note', 'notification'), message('out-exit', 'exit-intent'))
    stop_the_clock(page)
    open_page(context, page, base_url, init=None)
    page.evaluate('xng.optOutTracking()')
    page.evaluate(INIT.replace('pollInterval: 0', 'pollInterval: 1000'))
    poll(page)
    page.clock.run_for(5000)  # five poll intervals: no timer may have been started
    assert page.evaluate('xng.requestNotificationPermission()') == 'default'  # answered without a prompt
    page.mouse.move(300, 200)
    page.mouse.move(300, -20)
    page.evaluate("document.dispatchEvent(new MouseEvent('mouseout', {clientY: -1, relatedTarget: null, bubbles: true}))")
    assert page.evaluate('window.__rendered') == 0
    assert page.evaluate('window.__permissionRequests') == 0 and page.evaluate('window.__notifications') == []
    assert page.evaluate('window.__mouseoutListeners') == 0
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('xng.'))") == []
    settle(page)
    assert log.to('/api/messages') == []
    assert collector.events() == []


def test_opt_out_by_page_code_or_another_tab_stops_every_channel_at_once(context, page, base_url, log):
    """The cookie appears without this page's SDK being told: its next timer tick and listener must see it."""
    context.add_init_script(EXIT_LISTENER_COUNTER)
    context.add_init_script(RENDER_RECORDER)
    route_messages(context, message('held', 'exit-intent'))
    stop_the_clock(page)
    open_page(context, page, base_url, init=INIT.replace('pollInterval: 0', 'pollInterval: 1000'))
    poll(page)
    page.wait_for_function('() => window.__mouseoutListeners === 1')  # the exit-intent message is held
    page.clock.run_for(1000)
    wait_until(lambda: message_requests(page, log) == 2, 'a timer poll')  # positive control
    page.evaluate("document.cookie = 'xng.tracking-opt-out=1; Path=/'")  # as another tab or page code would
    page.clock.run_for(5000)
    page.mouse.move(300, 200)
    page.mouse.move(300, -20)  # the held message must not show now
    assert page.evaluate('window.__rendered') == 0
    poll(page)
    settle(page)
    assert len(log.to('/api/messages')) == 2


def test_opted_out_on_the_demo_privacy_page_stops_every_channel(context, page, base_url, collector, log):
    context.add_init_script(RENDER_RECORDER)
    page.goto(base_url + '/privacy.html')
    page.locator('#opt-out-switch').check()
    assert page.evaluate('xng.isTrackingOptOut()') is True
    since = len(log.requests)  # the privacy page's own page view may have been delivered (and polled) before
    page.goto(base_url + '/product.html?sku=TEE-01')  # opted in, Viewed Product would get an onsite offer
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    assert page.locator('#product-name').text_content() != ''
    page.locator('#add-to-cart').click()  # and an exit-intent reminder
    page.mouse.move(300, 200)
    page.mouse.move(300, -20)
    assert page.evaluate('window.__rendered') == 0
    settle(page)
    assert [r.url for r in log.requests[since:] if '/api/messages' in r.url] == []
    assert [e['event'] for e in collector.events() if e.get('event') in ('Viewed Product', 'Added Product')] == []


def stop_the_clock(page):
    """Timers run only when the test advances the page's clock (page.clock.run_for): no real waiting."""
    page.clock.install(time=1767225600000)
    page.clock.pause_at(1767225600010)


def test_poll_timer_runs_while_opted_in_stops_on_opt_out_and_resumes_on_opt_in(context, page, base_url, log):
    route_messages(context)
    stop_the_clock(page)
    open_page(context, page, base_url, init=INIT.replace('pollInterval: 0', 'pollInterval: 1000'))
    poll(page)  # creates the anonymous id; one poll follows the delivered batch
    wait_until(lambda: message_requests(page, log) == 1, 'the poll after the batch')
    page.clock.run_for(3000)
    wait_until(lambda: message_requests(page, log) == 4, 'three timer polls')  # positive control
    page.evaluate('xng.optOutTracking()')
    page.clock.run_for(5000)  # five intervals while opted out
    page.evaluate('xng.optInTracking()')
    poll(page)  # its poll is a marker: anything the timer sent while opted out was sent before it
    wait_until(lambda: message_requests(page, log) >= 5, 'the poll after opting in again')
    assert message_requests(page, log) == 5
    page.clock.run_for(2000)
    wait_until(lambda: message_requests(page, log) == 7, 'the timer again after opting in')


def test_opting_out_removes_the_visible_panel_and_forgets_shown_ids(context, page, base_url, log):
    route_messages(context, message('again'))
    open_page(context, page, base_url)
    poll(page)
    shown_panel(page)
    assert page.evaluate("localStorage.getItem('xng.shown-messages')") == '["again"]'
    # Checked in the same task as the call: the panel is gone at once, not after some later tick.
    gone = page.evaluate("""() => {
        xng.optOutTracking();
        return [document.querySelectorAll('xng-message').length, localStorage.getItem('xng.shown-messages')];
    }""")
    assert gone == [0, None]
    page.evaluate('xng.optInTracking()')
    poll(page)
    assert shown_panel(page)[0] == 'Title of again'  # the shown id was forgotten, so it may show again
    assert len(log.to('/api/messages')) == 2


# --- the panel is safe -----------------------------------------------------------------------

def test_html_in_title_and_body_is_literal_text(context, page, base_url, log):
    title = '<img src="/t/pwned.png" onerror="window.__pwned = \'title\'">Big <b>sale</b>'
    body = '<script>window.__pwned = "body"</script><a href="javascript:window.__pwned=1">click</a>'
    route_messages(context, message('html-1', title=title, body=body, url='javascript:window.__pwned="url"',
                                    imageUrl='javascript:window.__pwned="image"'))
    # No CSP on this page: if the text were parsed as HTML, the handlers would run.
    open_page(context, page, base_url, path='/t/no-csp.html', csp=None)
    poll(page)
    assert shown_panel(page) == (title, body)
    inside = page.evaluate("""() => Array.from(document.querySelector('xng-message').shadowRoot.querySelectorAll('*'),
                                            node => node.tagName.toLowerCase())""")
    assert inside == ['div', 'h2', 'p', 'button']  # no img, b, script or a from the message
    page.locator('xng-message .title').click()
    assert page.evaluate('window.__pwned') is None
    assert log.to('pwned') == [] and page.errors == []


def test_hostile_host_css_does_not_hide_the_panel(context, page, base_url):
    css = ('div, section, dialog, p, h2, a, button, img { display: none !important; }\n'
           'xng-message, body > * { display: none !important; visibility: hidden !important; opacity: 0 !important;'
           ' width: 0 !important; height: 0 !important; overflow: hidden !important; transform: scale(0) !important;'
           ' clip-path: inset(50%) !important; position: absolute !important; left: -10000px !important;'
           ' z-index: -1 !important; pointer-events: none !important; }\n'
           '[role=dialog], .panel, .title, .body { display: none !important; }\n')
    context.route(base_url + '/t/hostile.css', lambda route: route.fulfill(content_type='text/css', body=css))
    html = page_html(head='<link rel="stylesheet" href="/t/hostile.css">',
                     body='<div id="cover">Page content</div><p id="own">The page\'s own paragraph</p>')
    route_messages(context, message('visible', url=base_url + '/cart.html'))
    open_page(context, page, base_url, html)
    assert page.locator('#own').is_hidden()  # positive control: the hostile sheet applies
    poll(page)
    shown_panel(page)
    for part in ('.panel', '.title', '.body', 'a.link', 'button.close'):
        box = page.locator('xng-message ' + part).bounding_box()
        assert box and box['width'] > 0 and box['height'] > 0, part
        assert page.locator('xng-message ' + part).is_visible(), part
    box = page.locator(PANEL).bounding_box()
    viewport = page.viewport_size
    assert 0 <= box['x'] and box['x'] + box['width'] <= viewport['width']
    assert 0 <= box['y'] and box['y'] + box['height'] <= viewport['height']
    on_top = page.evaluate('([x, y]) => document.elementFromPoint(x, y).tagName', [box['x'] + box['width'] / 2, box['y'] + 10])
    assert on_top == 'XNG-MESSAGE'
    assert page.evaluate("getComputedStyle(document.querySelector('xng-message')).opacity") == '1'
    page.locator('xng-message button.close').click()  # and it still works
    assert page.locator('xng-message').count() == 0


def test_strict_csp_page_shows_the_panel_without_violations(context, page, base_url):
    context.add_init_script(VIOLATION_RECORDER)
    route_messages(context, message('csp-1', url=base_url + '/cart.html', imageUrl=base_url + '/favicon.svg'))
    # Elements with the panel's class names: the panel's stylesheet must not reach them.
    html = page_html(body='<p id="probe" class="panel title body link close image">Host text</p>')
    open_page(context, page, base_url, html)  # served with support.STRICT_CSP (no 'unsafe-inline')
    style = ("(() => { const s = getComputedStyle(document.getElementById('probe'));"
             " return [s.position, s.margin, s.fontSize, s.backgroundColor, s.padding]; })()")
    before = page.evaluate(style)
    poll(page)
    shown_panel(page)
    page.locator('xng-message img.image').wait_for(state='visible')
    # The constructable stylesheet applied: the panel is styled, not bare.
    styled = page.evaluate("""() => {
        const host = document.querySelector('xng-message'), panel = host.shadowRoot.querySelector('.panel');
        return [getComputedStyle(host).position, getComputedStyle(panel).backgroundColor, getComputedStyle(panel).borderRadius,
                host.shadowRoot.adoptedStyleSheets.length, host.shadowRoot.querySelectorAll('style').length];
    }""")
    assert styled == ['fixed', 'rgb(255, 255, 255)', '12px', 1, 0]
    assert page.evaluate(style) == before
    page.keyboard.press('Escape')
    assert page.evaluate('window.__violations') == []
    # Positive control: the recorder does see a violation (an inline style attribute) when there is one.
    page.evaluate("document.body.setAttribute('style', 'color: red')")
    page.wait_for_function('() => window.__violations.length > 0')
    assert [v['directive'] for v in page.evaluate('window.__violations')] == ['style-src-attr']


# --- permission and once-only -----------------------------------------------------------------

def test_request_permission_only_through_the_sdk_call(context, page, base_url):
    context.add_init_script(NOTIFICATION_RECORDER)
    # What the browser itself answered the prompt: xng's promise must resolve with exactly that.
    context.add_init_script("""(() => {
        if (!window.Notification) return;
        const ask = window.Notification.requestPermission;
        window.Notification.requestPermission = function () {
            return ask.apply(this, arguments).then((answer) => { window.__browserAnswer = answer; return answer; });
        };
    })();""")
    button_js = ("document.getElementById('ask').addEventListener('click', () =>"
                 " xng.requestNotificationPermission().then(answer => { window.__answer = answer; }));")
    context.route(base_url + '/t/ask.js', lambda route: route.fulfill(content_type='text/javascript', body=button_js))
    route_messages(context, message('note-ask', 'notification'), message('marker'))
    html = page_html(body='<button id="ask">Enable notifications</button><script src="/t/ask.js"></script>')
    open_page(context, page, base_url, html)
    poll(page)
    shown_panel(page)  # the notification message was handled (and not shown: no permission)
    page.keyboard.press('Escape')
    assert page.evaluate('window.__permissionRequests') == 0
    assert page.evaluate('Notification.permission') == 'default'  # undecided: the call has to prompt
    page.click('#ask')  # a user gesture
    page.wait_for_function('() => window.__answer !== undefined')
    assert page.evaluate('window.__permissionRequests') == 1
    assert page.evaluate('[window.__answer, window.__browserAnswer]') == [page.evaluate('Notification.permission')] * 2


def test_message_shown_once_is_not_shown_again_after_reload(context, page, base_url, collector, log):
    route_messages(context, message('once'), message('fresh'))
    open_page(context, page, base_url)
    poll(page)
    assert shown_panel(page)[0] == 'Title of once'  # one panel at a time: 'fresh' waits
    page.keyboard.press('Escape')
    page.reload()
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    page.evaluate(INIT)
    poll(page)
    assert shown_panel(page)[0] == 'Title of fresh'  # positive control: a poll after the reload was answered
    assert len(log.to('/api/messages')) >= 2  # (the reloaded page may also poll after sending the saved Dismissed)
    page.keyboard.press('Escape')
    page.evaluate('xng.flush()')
    assert sorted(interactions(collector, 4)) == [  # 'once' was displayed exactly once
        ('Message Dismissed', 'fresh', 'onsite'), ('Message Dismissed', 'once', 'onsite'),
        ('Message Displayed', 'fresh', 'onsite'), ('Message Displayed', 'once', 'onsite')]
    assert page.evaluate("JSON.parse(localStorage.getItem('xng.shown-messages'))") == ['once', 'fresh']


# --- the demo shop and its real campaigns ----------------------------------------------------

def test_demo_campaigns_end_to_end(context, page, base_url, collector, log):
    campaigns = {rule['id']: rule['message'] for rule in
                 json.loads((ROOT / 'demo_site' / 'campaigns.json').read_text())['campaigns']}
    context.grant_permissions(['notifications'], origin=base_url)
    context.add_init_script(NOTIFICATION_RECORDER)
    context.add_init_script(EXIT_LISTENER_COUNTER)
    page.goto(base_url + '/product.html?sku=TEE-01')  # tracks Viewed Product
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    page.evaluate('xng.flush()')
    offer = campaigns['offer-after-product']
    assert shown_panel(page) == (offer['title'], offer['body'])
    page.keyboard.press('Escape')

    page.click('#add-to-cart')  # Added Product: the cart is not empty, the exit reminder is armed
    page.evaluate('xng.flush()')
    page.wait_for_function('() => window.__mouseoutListeners === 1')
    page.mouse.move(400, 300)
    page.mouse.move(400, -20)
    reminder = campaigns['cart-exit-reminder']
    assert shown_panel(page) == (reminder['title'], reminder['body'])
    page.keyboard.press('Escape')
    page.evaluate('xng.flush()')

    page.goto(base_url + '/checkout.html')
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    page.click('#place-order')  # Completed Order: the thank-you notification
    page.evaluate('xng.flush()')
    page.wait_for_function('() => window.__notifications.length === 1')
    thanks = campaigns['order-thanks']
    assert page.evaluate('window.__notifications[0].title') == thanks['title']
    assert page.evaluate('window.__notifications[0].options.body') == thanks['body']
    assert page.evaluate('window.__permissionRequests') == 0
    page.evaluate('xng.flush()')
    assert sorted(interactions(collector, 5)) == sorted([
        ('Message Displayed', 'offer-after-product', 'onsite'), ('Message Dismissed', 'offer-after-product', 'onsite'),
        ('Message Displayed', 'cart-exit-reminder', 'exit-intent'), ('Message Dismissed', 'cart-exit-reminder', 'exit-intent'),
        ('Message Displayed', 'order-thanks', 'notification')])
