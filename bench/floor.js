// The hand-written floor of `make bench`: what any tracker must at least do, in plain JavaScript.
// Calls are kept in an in-memory batch, sent 1 s after the first call in requests of 20 events, as
// xng's are, and every one of them is delivered (the bench checks it); the opt-out cookie is read
// before each fetch. No retry, no persistence, no validation, no size limits. The events and the
// request have the same fields and headers as xng's (the Segment batch format).
(function () {
  'use strict';
  var OPT_OUT_COOKIE = 'xng.tracking-opt-out';
  var options = null, batch = [], timer = 0, anonymousId = crypto.randomUUID(), timezone = null;

  function isTrackingOptOut() {
    return document.cookie.split('; ').some(function (pair) { return pair.split('=')[0] === OPT_OUT_COOKIE; });
  }

  function flush() {
    timer = 0;
    var events = batch;
    batch = [];
    // No keepalive: a page has 64 KB of keepalive bodies in flight, and a burst sent at once beyond
    // that is refused (the first version of this file lost 41 of 50 requests that way).
    for (var i = 0; options && i < events.length && !isTrackingOptOut(); i += 20) {
      fetch(options.endpoint, {method: 'POST', body: JSON.stringify({batch: events.slice(i, i + 20),
        sentAt: new Date().toISOString(), writeKey: options.apiKey})}).catch(function () {});
    }
  }

  window.floor = {
    init: function (settings) { options = settings; },
    track: function (event, properties) {
      // Temporal where there is one: Intl's first DateTimeFormat costs a page 30 to 90 ms.
      timezone = timezone || (self.Temporal ? Temporal.Now.timeZoneId() : Intl.DateTimeFormat().resolvedOptions().timeZone);
      batch.push({type: 'track', messageId: crypto.randomUUID(), timestamp: new Date().toISOString(),
        anonymousId: anonymousId, context: {page: {url: location.href, path: location.pathname,
          search: location.search, title: document.title, referrer: document.referrer},
          userAgent: navigator.userAgent, locale: navigator.language, timezone: timezone,
          library: {name: 'floor', version: '1'}},
        event: event, properties: properties || {}, writeKey: options && options.apiKey});
      if (!timer) timer = setTimeout(flush, 1000);
    },
    isTrackingOptOut: isTrackingOptOut,
    optOutTracking: function () {
      document.cookie = OPT_OUT_COOKIE + '=' + Date.now() + '; Path=/; Max-Age=63072000; SameSite=Lax';
      batch = [];
    },
  };
})();
