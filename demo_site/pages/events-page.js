// The events page: the full live table comes from panel.js; this adds the clear button.
(function () {
  document.getElementById('clear-events').addEventListener('click', function () {
    // POST /api/reset also clears stats and injected faults: fine for a local demo.
    fetch('/api/reset', {method: 'POST', credentials: 'same-origin'});
  });
})();
