/* xng loader stub: inline it (or load it synchronously) before <script async src=".../xng.min.js">.
 * It defines window.xng at once. Tracking calls are queued and replayed in order when the library
 * loads. The opt-out calls act on the cookie right here, so an opt-out holds even if the library
 * never loads (ad blocker, network error), and whatever was queued before it is dropped.
 * Hand-written JavaScript on purpose: it must stay a few hundred bytes, without Transcrypt's runtime.
 * The cookie it writes is the one xng/core/consent.py and xng/browser/cookies.py write. */
(function (w, d) {
  if (w.xng) return;
  var NAME = 'xng.tracking-opt-out', LIFETIME_S = 730 * 86400, TRACKING = /^(page|track|identify|group|alias|reset)$/;
  var q = [], x = { q: q };

  // The first init with a string endpoint, its options read once, inside try: a page's Proxy or
  // throwing getter must not make every later stub call throw.
  function options() {
    for (var i = 0; i < q.length; i++) {
      try {
        var o = q[i][1][0];
        if (q[i][0] == 'init' && typeof o.endpoint == 'string') {
          return { cookieDomain: o.cookieDomain, respectGlobalPrivacyControl: o.respectGlobalPrivacyControl,
                   respectDoNotTrack: o.respectDoNotTrack };
        }
      } catch (e) {}
    }
    return {};
  }
  function cookies() {
    try { return d.cookie; } catch (e) { return null; }
  }
  function value(name) {
    var all = cookies(), found = null;
    if (all != null) (';' + all).split(';').forEach(function (c) {
      var at = c.indexOf('=');
      if (at < 0) at = c.length;
      if (found == null && c.slice(0, at).trim() == name) found = c.slice(at + 1);
    });
    return found;
  }
  function present(name) {
    return value(name) != null;
  }
  function set(cookie) {
    try { d.cookie = cookie; } catch (e) {}
  }
  function domain() {
    var wanted = options().cookieDomain, labels = location.hostname.split('.');
    if (wanted != 'auto') return typeof wanted == 'string' ? wanted : '';
    if (labels.length < 2 || isFinite(labels[labels.length - 1])) return '';
    for (var i = labels.length - 2; i >= 0; i--) {
      var candidate = labels.slice(i).join('.'), probe = 'xng.domain-probe=1; Path=/; SameSite=Lax; Domain=' + candidate;
      set(probe);
      if (present('xng.domain-probe')) { set(probe + '; Max-Age=0'); return candidate; }
    }
    return '';
  }
  function write(value, seconds, where) {
    set(NAME + '=' + value + '; Max-Age=' + seconds + '; Expires=' + new Date(Date.now() + seconds * 1000).toUTCString() +
      '; Path=/; SameSite=Lax' + (location.protocol == 'https:' ? '; Secure' : '') + (where ? '; Domain=' + where : ''));
  }
  function signalled() {
    var o = options(), n = navigator;
    return (o.respectGlobalPrivacyControl === true && n.globalPrivacyControl === true) ||
      (o.respectDoNotTrack === true && (n.doNotTrack == '1' || w.doNotTrack == '1'));
  }
  function optedOut() {
    return present(NAME) || x.memoryOptOut === true || signalled();
  }
  function setOptOut(flag) {
    if (typeof flag != 'boolean') {
      try { console.warn('[xng] xng.setTrackingOptOut expects true or false; nothing changed. Got:', flag); } catch (e) {}
      return;
    }
    var where = domain();
    if (flag) {
      write(Date.now(), LIFETIME_S, where);
      // Nothing queued before an opt-out may ever be sent.
      for (var i = q.length - 1; i >= 0; i--) if (TRACKING.test(q[i][0])) q.splice(i, 1);
    } else {
      write('', 0, '');
      if (where) write('', 0, where);
    }
    x.memoryOptOut = flag && !present(NAME) ? true : undefined;
    q.push(['serverOptOut', [flag]]);
  }
  ['init', 'page', 'track', 'identify', 'group', 'alias', 'reset'].forEach(function (method) {
    x[method] = function (a, b, c) {
      if (method == 'init' || !optedOut()) q.push([method, [a, b, c]]);
    };
  });
  // The ids as the library will read them, or null while opted out (reading creates none).
  x.getAnonymousId = function () {
    return optedOut() ? null : value('xng.anonymous-id') || null;
  };
  x.getUserId = function () {
    try { return optedOut() ? null : localStorage.getItem('xng.user-id'); } catch (e) { return null; }
  };
  ['flush', 'requestNotificationPermission'].forEach(function (method) {
    x[method] = function () {
      return new Promise(function (resolve) { q.push([method, [], resolve]); });
    };
  });
  x.setTrackingOptOut = setOptOut;
  x.optOutTracking = function () { setOptOut(true); };
  x.optInTracking = function () { setOptOut(false); };
  x.isTrackingOptOut = optedOut;
  w.xng = x;
})(window, document);
