/* xng loader stub: inline it (or load it synchronously) before <script async src=".../xng.min.js">.
 * It defines window.xng at once. Tracking calls are queued and replayed in order when the library
 * loads. The opt-out calls act on the cookie right here, so an opt-out holds even if the library
 * never loads (ad blocker, network error), and whatever was queued before it is dropped.
 * Hand-written JavaScript on purpose: it must stay a few hundred bytes, without Transcrypt's runtime.
 * The cookie it writes is the one xng/core/consent.py and xng/browser/cookies.py write. */
(function (w, d) {
  // A guest's global (issue 12, 9): our own stub or library stays as it is; a foreign window.xng (another
  // library's) is left alone, and the library warns about it. A named element (<div id="xng">) is no own
  // property of window, only named access: install over it.
  if (w.xng && Object.getOwnPropertyDescriptor(w, 'xng')) return;
  var NAME = 'xng.tracking-opt-out', LIFETIME_S = 730 * 86400, DAY_MS = 864e5, TRACKING = /^(page|track|identify)$/;
  // _xng: the brand the library tells its own stub by; impl: the library, once loaded (issue 12, 10).
  var q = [], x = { q: q, _xng: 1 };

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
  function present(name) {
    var all = cookies();
    return all != null && (';' + all).split(';').some(function (c) { return c.split('=')[0].trim() == name; });
  }
  function set(cookie) {
    try { d.cookie = cookie; } catch (e) {}
  }
  // Issue 12, 5: a cookieDomain is used only if it is one the host is within (itself or a parent, two labels
  // at least) with no separator or control character; else it is ignored (host-only), as the library refuses it.
  function within(host, wanted) {
    return typeof wanted == 'string' && /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(wanted) &&
      (host == wanted || host.slice(-wanted.length - 1) == '.' + wanted);
  }
  function domain() {
    var wanted = options().cookieDomain, labels = location.hostname.split('.');
    if (wanted != 'auto') return within(location.hostname, wanted) ? wanted : '';
    if (labels.length < 2 || isFinite(labels[labels.length - 1])) return '';
    for (var i = labels.length - 2; i >= 0; i--) {
      var candidate = labels.slice(i).join('.'), probe = 'xng.domain-probe=1; Path=/; SameSite=Lax; Domain=' + candidate;
      set(probe);
      if (present('xng.domain-probe')) { set(probe + '; Max-Age=0'); return candidate; }
    }
    return '';
  }
  // Issue 12, 3: never Secure, so that http and https pages of the site see one decision.
  function write(value, seconds, where) {
    set(NAME + '=' + value + '; Max-Age=' + seconds + '; Expires=' + new Date(Date.now() + seconds * 1000).toUTCString() +
      '; Path=/; SameSite=Lax' + (where ? '; Domain=' + where : ''));
  }
  // Issue 12, 4: in a frame under another site the decision cannot be seen, so nothing is tracked there. Every
  // ancestor must be on this host (or within the named cookieDomain), by scheme too; unknown counts as cross-site.
  function crossSite() {
    if (w.top === w) return false;
    try {
      var a = location.ancestorOrigins, wanted = options().cookieDomain, p = w, i, u;
      if (a) {
        for (i = 0; i < a.length; i++) {
          u = new URL(a[i]);
          if (u.protocol != location.protocol || (u.hostname != location.hostname && !within(u.hostname, wanted))) return true;
        }
        return false;
      }
      while (p !== w.top) { p = p.parent; if (p.location.hostname != location.hostname) return true; }
      return false;
    } catch (e) { return true; }
  }
  function signalled() {
    var o = options(), n = navigator;
    return (o.respectGlobalPrivacyControl === true && n.globalPrivacyControl === true) ||
      (o.respectDoNotTrack === true && (n.doNotTrack == '1' || w.doNotTrack == '1'));
  }
  function optedOut() {
    return present(NAME) || x.memoryOptOut === true || signalled() || crossSite();
  }
  function setOptOut(flag) {
    if (typeof flag != 'boolean') {
      try { console.warn('[xng] xng.setTrackingOptOut expects true or false; nothing changed. Got:', flag); } catch (e) {}
      return;
    }
    if (crossSite()) return;
    var where = domain();
    if (flag) {
      write(Math.floor(Date.now() / DAY_MS) * DAY_MS, LIFETIME_S, where);  // the day only: no identifier
      // Nothing queued before an opt-out may ever be sent.
      for (var i = q.length - 1; i >= 0; i--) if (TRACKING.test(q[i][0])) q.splice(i, 1);
    } else {
      write('', 0, '');
      if (where) write('', 0, where);
    }
    x.memoryOptOut = flag && !present(NAME) ? true : undefined;
    q.push(['serverOptOut', [flag]]);
  }
  // Each method forwards to the library once it is loaded (x.impl), so a method taken from the stub
  // (`var out = xng.optOutTracking`) and called later acts as the library's own.
  function method(name, before) {
    x[name] = function (a, b) {
      return x.impl ? x.impl[name](a, b) : before(a, b);
    };
  }
  ['init', 'page', 'track', 'identify'].forEach(function (name) {
    method(name, function (a, b) {
      if (name == 'init' || !optedOut()) q.push([name, [a, b]]);
    });
  });
  ['flush', 'requestNotificationPermission'].forEach(function (name) {
    method(name, function () {
      return new Promise(function (resolve) { q.push([name, [], resolve]); });
    });
  });
  method('setTrackingOptOut', setOptOut);
  method('optOutTracking', function () { setOptOut(true); });
  method('optInTracking', function () { setOptOut(false); });
  method('isTrackingOptOut', optedOut);
  w.xng = x;
})(window, document);
