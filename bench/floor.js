// The hand-written floor of `make bench`: what any tracker must at least do, in plain JavaScript.
// Calls are kept in an in-memory batch, sent 1 s after the first call in requests of 20 events, as
// xng's are; the opt-out cookie is read before each fetch. No retry, no persistence, no validation,
// no size limits. The events have the same fields as xng's.
(function () {
  'use strict';
  var OPT_OUT_COOKIE = 'xng.tracking-opt-out';
  var options = null, batch = [], timer = 0, anonymousId = crypto.randomUUID();

  function isTrackingOptOut() {
    return document.cookie.split('; ').some(function (pair) { return pair.split('=')[0] === OPT_OUT_COOKIE; });
  }

  function flush() {
    timer = 0;
    var events = batch;
    batch = [];
    for (var i = 0; options && i < events.length && !isTrackingOptOut(); i += 20) {
      fetch(options.endpoint, {method: 'POST', keepalive: true, headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({batch: events.slice(i, i + 20), sentAt: new Date().toISOString(),
          apiKey: options.apiKey})}).catch(function () {});
    }
  }

  window.floor = {
    init: function (settings) { options = settings; },
    track: function (event, properties) {
      batch.push({type: 'track', event: event, properties: properties || {}, messageId: crypto.randomUUID(),
        timestamp: new Date().toISOString(), anonymousId: anonymousId, context: {page: {url: location.href,
          path: location.pathname, title: document.title, referrer: document.referrer}}});
      if (!timer) timer = setTimeout(flush, 1000);
    },
    isTrackingOptOut: isTrackingOptOut,
    optOutTracking: function () {
      document.cookie = OPT_OUT_COOKIE + '=' + Date.now() + '; Path=/; Max-Age=63072000; SameSite=Lax';
      batch = [];
    },
  };
})();
