// Page-side helpers for bench/run.py, loaded by every bench page before the SDK.
// Waits use the original setTimeout saved by hooks.js (when present), so the bench's own waiting
// never shows up in the timer counts it takes of the SDK.
(function () {
  'use strict';
  var raw = window.__benchRaw || { setTimeout: window.setTimeout.bind(window) };

  function sleep(ms) {
    return new Promise(function (resolve) { raw.setTimeout(resolve, ms); });
  }

  window.__bench = {
    sleep: sleep,

    // Runs `fn` in a task of its own, soon.
    later: function (fn) { raw.setTimeout(fn, 0); },

    // Polls `predicate` every 10 ms until it is truthy; rejects after `timeoutMs`.
    until: async function (predicate, timeoutMs) {
      var end = performance.now() + timeoutMs;
      while (!predicate()) {
        if (performance.now() > end) throw new Error('bench: condition not met in ' + timeoutMs + ' ms');
        await sleep(10);
      }
    },

    // Resolves once performance.now() has reached `moment`, checking every 25 ms.
    reach: async function (moment) {
      while (performance.now() < moment) await sleep(25);
    },

    // Evaluation cost of a script: its text is fetched first (so no network time is counted),
    // then run as an inline <script>, which executes synchronously on insertion: the time around
    // appendChild is parse + compile + top-level run. Inline for every SDK alike, so none gets
    // Chromium's off-thread streaming compile or code cache.
    evalSource: async function (url) {
      var source = await (await fetch(url)).text();
      var script = document.createElement('script');
      script.textContent = source;
      var failed = null;
      var onError = function (event) { failed = failed || String(event.message); };
      window.addEventListener('error', onError);
      var start = performance.now();
      document.head.appendChild(script);
      var ms = performance.now() - start;
      window.removeEventListener('error', onError);
      if (failed) throw new Error('bench: bundle threw while evaluating: ' + failed);
      return ms;
    },
  };
})();
