// The demo's whole SDK setup. It runs right after /snippet.js, so these calls are queued by the
// loader stub and replayed once /xng.min.js (loaded async, last on the page) arrives.
(function () {
  if (!window.xng) {
    // Only when build/ is missing: an inert stand-in keeps the shop usable while the banner says why.
    window.xng = {};
    ['init', 'page', 'track', 'identify', 'flush', 'setTrackingOptOut', 'optOutTracking', 'optInTracking',
      'isTrackingOptOut', 'requestNotificationPermission'].forEach(function (name) {
      window.xng[name] = function () {};
    });
    document.addEventListener('DOMContentLoaded', function () {
      var banner = document.createElement('p');
      banner.className = 'build-missing';
      banner.textContent = 'The xng SDK is not built yet: run `make build`, then reload. Nothing is tracked.';
      document.body.insertBefore(banner, document.body.firstChild);
    });
  }
  xng.init({endpoint: '/api/batch', apiKey: 'demo-key', messagesEndpoint: '/api/messages', pollInterval: 10000});
  xng.page();
})();
