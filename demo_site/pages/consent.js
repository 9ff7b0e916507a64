// The consent-manager page: xng opted out by default, vanilla-cookieconsent's "analytics" category
// deciding. README.md's "With a consent manager" section is this file's first half.
(function () {
  xng.init({endpoint: '/api/batch', apiKey: 'demo-key', optOutByDefault: true});
  xng.page(); // held in this page's memory until the visitor decides

  // The manager's decision, handed to xng only when it differs (so a reload sends no request).
  function syncTracking() {
    var wanted = CookieConsent.acceptedCategory('analytics') ? 'granted' : 'denied';
    if (xng.getTrackingConsent() === wanted) return;
    if (wanted === 'granted') xng.optInTracking();
    else xng.optOutTracking();
  }

  var config = {
    categories: {necessary: {enabled: true, readOnly: true}, analytics: {}},
    onConsent: syncTracking, // the first decision, and every page load after one
    onChange: syncTracking, // changed in the preferences
    onModalShow: function () {
      // No decision (a first visit, or after CookieConsent.reset(true)): xng is back to pending too.
      if (!CookieConsent.validConsent()) xng.clearTrackingConsent();
    },
    language: {
      default: 'en',
      translations: {
        en: {
          consentModal: {
            title: 'Cookies on the demo shop',
            description: 'We would like to measure how the shop is used. Nothing is sent until you choose.',
            acceptAllBtn: 'Accept all',
            acceptNecessaryBtn: 'Reject all',
            showPreferencesBtn: 'Manage preferences'
          },
          preferencesModal: {
            title: 'Cookie preferences',
            acceptAllBtn: 'Accept all',
            acceptNecessaryBtn: 'Reject all',
            savePreferencesBtn: 'Save preferences',
            sections: [
              {title: 'Necessary', description: 'The cart and your consent choice.', linkedCategory: 'necessary'},
              {title: 'Analytics', description: 'Page views and events, sent with xng.', linkedCategory: 'analytics'}
            ]
          }
        }
      }
    }
  };
  CookieConsent.run(config);

  // Demo controls.
  var status = document.getElementById('consent-status');
  function refresh() {
    var consent = xng.getTrackingConsent();
    status.textContent = consent;
    status.className = 'status-pill ' + (consent === 'granted' ? 'state-on' : 'state-off');
    if (window.demoPanel) demoPanel.refresh();
  }
  document.getElementById('consent-track').addEventListener('click', function () {
    xng.track('Clicked Demo Button');
    refresh();
  });
  document.getElementById('consent-preferences').addEventListener('click', function () {
    CookieConsent.showPreferences();
  });
  document.getElementById('consent-reset').addEventListener('click', function () {
    CookieConsent.reset(true); // the manager forgets; onModalShow above clears xng's decision
    CookieConsent.run(config);
    refresh();
  });
  document.addEventListener('click', refresh);
  setInterval(refresh, 1000); // the decision can also change in another tab
  refresh();
})();
