// The live panel: shows what reached the collector, newest first, so a visitor can watch their
// events stop after opting out. Demo code, not the SDK, so it may use fetch directly.
(function () {
  var POLL_MS = 2000; // fast enough to feel live, slow enough not to matter
  var targets = document.querySelectorAll('[data-live-events]');
  if (!targets.length) return;
  var seen = {};
  var firstRender = true;

  function timeOf(iso) {
    var date = new Date(iso);
    return isNaN(date) ? '' : date.toLocaleTimeString([], {hour12: false});
  }

  // What names the event in the panel: a track's name, a page's category and name (page events carry
  // no "event" since the Segment format), the user or group an identify, group or alias is about.
  function nameOf(event) {
    if (event.type === 'page') return [event.category, event.name].filter(Boolean).join(' / ') || 'Page';
    if (event.type === 'identify') return String(event.userId || '');
    if (event.type === 'group') return String(event.groupId || '');
    if (event.type === 'alias') return String(event.previousId || '') + ' \u2192 ' + String(event.userId || '');
    return event.event || '';
  }

  function cell(tag, text, className) {
    var element = document.createElement(tag);
    element.textContent = text; // collector data is visitor-controlled: never innerHTML
    if (className) element.className = className;
    return element;
  }

  function tableRow(event) {
    var row = document.createElement('tr');
    var path = event.context && event.context.page ? event.context.page.path : '';
    [timeOf(event.receivedAt), event.type, nameOf(event), path || '', String(event.messageId).slice(0, 8),
      String(event.anonymousId || '').slice(0, 8)].forEach(function (text, index) {
      row.appendChild(cell('td', text, index >= 4 ? 'mono' : ''));
    });
    return row;
  }

  function listItem(event) {
    var item = document.createElement('li');
    item.appendChild(cell('span', event.type, 'event-type type-' + event.type));
    item.appendChild(cell('span', nameOf(event), 'event-name'));
    item.appendChild(cell('time', timeOf(event.receivedAt), 'event-time'));
    item.appendChild(cell('span', String(event.messageId).slice(0, 8), 'event-id mono'));
    return item;
  }

  function render(target, events) {
    var limit = Number(target.getAttribute('data-limit')) || 10;
    var makeRow = target.tagName === 'TBODY' ? tableRow : listItem;
    var fragment = document.createDocumentFragment();
    events.slice(0, limit).forEach(function (event) {
      var row = makeRow(event);
      if (!firstRender && !seen[event.messageId]) row.classList.add('fresh');
      fragment.appendChild(row);
    });
    target.replaceChildren(fragment);
    var empty = target.closest('[data-live-panel]').querySelector('[data-live-empty]');
    if (empty) empty.hidden = events.length > 0;
  }

  function showState(text, className) {
    var states = document.querySelectorAll('[data-tracking-state]');
    for (var i = 0; i < states.length; i++) {
      states[i].textContent = text;
      states[i].className = 'tracking-state ' + className;
    }
  }

  function refreshState(reachable) {
    if (!reachable) return showState('Collector unreachable, retrying…', 'state-error');
    if (demoSite.trackingOptedOut()) return showState('Opted out: this browser sends nothing.', 'state-off');
    showState('Tracking on: your events appear below.', 'state-on');
  }

  function maxLimit() {
    var limit = 0;
    for (var i = 0; i < targets.length; i++) limit = Math.max(limit, Number(targets[i].getAttribute('data-limit')) || 10);
    return limit;
  }

  function poll() {
    if (document.hidden) return schedule(); // nobody is watching; skip this round
    fetch('/api/events?limit=' + maxLimit(), {cache: 'no-store', credentials: 'same-origin'})
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.json();
      })
      .then(function (data) {
        for (var i = 0; i < targets.length; i++) render(targets[i], data.events);
        data.events.forEach(function (event) { seen[event.messageId] = true; });
        firstRender = false;
        refreshState(true);
      })
      .catch(function () { refreshState(false); })
      .then(schedule);
  }

  // Chained timeouts, not setInterval, so a slow collector never gets overlapping polls.
  function schedule() {
    setTimeout(poll, POLL_MS);
  }

  window.demoPanel = {refresh: function () { refreshState(true); }};
  poll();
})();
