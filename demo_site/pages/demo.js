// The demo's whole SDK setup. It runs right after /snippet.js, so these calls are queued by the
// loader stub and replayed once /xng.min.js (loaded async, last on the page) arrives.
(function () {
  if (!window.xng) {
    // Only when build/ is missing: an inert stand-in keeps the shop usable while the banner says why.
    window.xng = {};
    ['init', 'page', 'track', 'identify', 'flush', 'setTrackingOptOut', 'optOutTracking', 'optInTracking',
      'isTrackingOptOut', 'getTrackingConsent', 'clearTrackingConsent', 'requestNotificationPermission'].forEach(function (name) {
      window.xng[name] = function () {};
    });
    document.addEventListener('DOMContentLoaded', function () {
      var banner = document.createElement('p');
      banner.className = 'build-missing';
      banner.textContent = 'The xng SDK is not built yet: run `make build`, then reload. Nothing is tracked.';
      document.body.insertBefore(banner, document.body.firstChild);
    });
  }
  // The consent-manager page sets xng up itself, opted out by default until the visitor decides (consent.js).
  // (It may run in <head>, before there is a body.)
  if (document.body && document.body.classList.contains('page-consent')) return;
  xng.init({endpoint: '/api/batch', writeKey: 'demo-key', messagesEndpoint: '/api/messages', pollInterval: 10000});
  xng.page();
})();
