// The events page: the full live table comes from panel.js; this adds the clear button.
(function () {
  document.getElementById('clear-events').addEventListener('click', function () {
    // DELETE /api/events: the collector takes it from the demo's own pages only (same origin).
    fetch('/api/events', {method: 'DELETE', credentials: 'same-origin'});
  });
})();
