// Checkout: placing the order tracks Completed Order with the cart, then empties the cart.
(function () {
  var form = document.getElementById('checkout-form');

  function newOrderId() {
    return 'ORD-' + Date.now().toString(36).toUpperCase() + '-' + Math.random().toString(36).slice(2, 6).toUpperCase();
  }

  function renderSummary() {
    var list = document.getElementById('checkout-lines');
    list.replaceChildren.apply(list, demoCart.items().map(function (line) {
      var item = document.createElement('li');
      item.textContent = line.quantity + ' × ' + line.name + ' · ' +
        demoCatalog.formatPrice(line.price * line.quantity, line.currency);
      return item;
    }));
    document.getElementById('checkout-total').textContent = demoCatalog.formatPrice(demoCart.total(), 'EUR');
    var empty = demoCart.count() === 0;
    document.getElementById('checkout-empty').hidden = !empty;
    document.getElementById('place-order').disabled = empty;
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (demoCart.count() === 0) return;
    var orderId = newOrderId();
    xng.track('Completed Order', {orderId: orderId, total: demoCart.total(), currency: 'EUR',
      cart: demoCart.cartProperty()});
    demoCart.clear();
    form.hidden = true;
    document.getElementById('order-id').textContent = orderId;
    document.getElementById('order-confirmation').hidden = false;
  });

  renderSummary();
})();
