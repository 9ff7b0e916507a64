// The privacy page: an opt-out switch bound to xng.setTrackingOptOut, and a notification prompt.
(function () {
  var toggle = document.getElementById('opt-out-switch');
  var status = document.getElementById('opt-out-status');
  var STATUS_MS = 1000; // the choice can also change in another tab or by clearing cookies
  // Until the SDK has loaded, the stub only queues the call: show the choice that is on its way.
  var pendingChoice = null;

  function currentStatus() {
    var answer;
    try {
      answer = xng.isTrackingOptOut();
    } catch (error) {
      answer = undefined;
    }
    if (typeof answer === 'boolean') {
      pendingChoice = null;
      return answer;
    }
    return pendingChoice !== null ? pendingChoice : demoSite.trackingOptedOut();
  }

  function refresh() {
    var optedOut = currentStatus();
    toggle.checked = optedOut;
    status.textContent = optedOut ? 'Opted out' : 'Opted in';
    status.className = 'status-pill ' + (optedOut ? 'state-off' : 'state-on');
    if (window.demoPanel) demoPanel.refresh();
  }

  toggle.addEventListener('change', function () {
    pendingChoice = toggle.checked;
    xng.setTrackingOptOut(toggle.checked);
    refresh();
  });
  setInterval(refresh, STATUS_MS);
  refresh();

  var notifyButton = document.getElementById('enable-notifications');
  var notifyStatus = document.getElementById('notification-status');
  function showPermission(permission) {
    notifyStatus.textContent = typeof permission === 'string'
      ? 'Notification permission: ' + permission
      : 'The SDK is still loading; try again in a moment.';
  }
  if (window.Notification) showPermission(Notification.permission);
  else notifyStatus.textContent = 'This browser does not support notifications.';
  // Browsers only show the permission prompt from a user gesture, hence the button.
  notifyButton.addEventListener('click', function () {
    Promise.resolve(xng.requestNotificationPermission()).then(showPermission, function () {
      showPermission('denied');
    });
  });
})();
