// Bits every page shares: the cart badge, the current nav link, and the opt-out status read.
(function () {
  var OPT_OUT_COOKIE = /(?:^|;\s*)xng\.tracking-opt-out=/;

  // The SDK answers once loaded; before that the loader stub cannot, so read the cookie by the
  // same rule the SDK uses (present = opted out).
  function trackingOptedOut() {
    var answer;
    try {
      answer = xng.isTrackingOptOut();
    } catch (error) {
      answer = undefined;
    }
    return typeof answer === 'boolean' ? answer : OPT_OUT_COOKIE.test(document.cookie);
  }

  function updateCartBadge() {
    var badge = document.getElementById('cart-count');
    if (badge) badge.textContent = String(demoCart.count());
  }

  function markCurrentLink() {
    var links = document.querySelectorAll('.site-nav a');
    for (var i = 0; i < links.length; i++) {
      if (links[i].getAttribute('href') === location.pathname) links[i].setAttribute('aria-current', 'page');
    }
  }

  function fillSearchBox() {
    var input = document.getElementById('search-input');
    var query = new URLSearchParams(location.search).get('q');
    if (input && query) input.value = query;
  }

  window.demoSite = {trackingOptedOut: trackingOptedOut};
  document.addEventListener('demo:cart-changed', updateCartBadge);
  window.addEventListener('storage', updateCartBadge); // the cart changed in another tab
  updateCartBadge();
  markCurrentLink();
  fillSearchBox();
})();
