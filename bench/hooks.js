// Init script for the opted-out measurement: runs before any page script, so every SDK captures
// these wrappers rather than the originals. Nothing is counted until run.py calls
// __benchHooks.arm() at the opt-out moment.
(function () {
  'use strict';
  var state = { armed: false, armedAt: 0, ignoredCookies: [], timers: [], writes: [] };
  var raw = {
    setTimeout: window.setTimeout.bind(window),
    setInterval: window.setInterval.bind(window),
    requestIdleCallback: window.requestIdleCallback && window.requestIdleCallback.bind(window),
  };
  window.__benchRaw = raw;  // measure.js waits with these, uncounted

  function wrapTimer(name) {
    if (!raw[name]) return;
    window[name] = function () {
      if (state.armed) state.timers.push(name + '(' + (arguments[1] || 0) + ')');
      return raw[name].apply(window, arguments);
    };
  }
  ['setTimeout', 'setInterval', 'requestIdleCallback'].forEach(wrapTimer);

  function wrapStorage(method) {
    var original = Storage.prototype[method];
    Storage.prototype[method] = function (key) {
      if (state.armed) {
        var area = this === window.sessionStorage ? 'sessionStorage' : 'localStorage';
        state.writes.push(area + '.' + method + '(' + (key === undefined ? '' : key) + ')');
      }
      return original.apply(this, arguments);
    };
  }
  ['setItem', 'removeItem', 'clear'].forEach(wrapStorage);

  var cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  Object.defineProperty(Document.prototype, 'cookie', {
    configurable: true,
    enumerable: cookie.enumerable,
    get: function () { return cookie.get.call(this); },
    set: function (value) {
      var name = String(value).split(';')[0].split('=')[0].trim();
      if (state.armed && state.ignoredCookies.indexOf(name) < 0) state.writes.push('cookie ' + name);
      cookie.set.call(this, value);
    },
  });

  // The Cookie Store API is a second way to write cookies; count it the same way.
  if (window.CookieStore) {
    ['set', 'delete'].forEach(function (method) {
      var original = CookieStore.prototype[method];
      CookieStore.prototype[method] = function (nameOrOptions) {
        var name = typeof nameOrOptions === 'string' ? nameOrOptions : (nameOrOptions || {}).name;
        if (state.armed && state.ignoredCookies.indexOf(name) < 0) {
          state.writes.push('cookieStore.' + method + ' ' + name);
        }
        return original.apply(this, arguments);
      };
    });
  }

  window.__benchHooks = {
    // Starts counting; `ignoredCookies`: cookie names whose writes are not counted.
    arm: function (ignoredCookies) {
      state.ignoredCookies = ignoredCookies || [];
      state.timers = [];
      state.writes = [];
      state.armedAt = performance.now();
      state.armed = true;
      return state.armedAt;
    },
    armedAt: function () { return state.armedAt; },
    report: function () { return { timers: state.timers.slice(), writes: state.writes.slice() }; },
  };
})();
