// The cart: Viewed Cart on load, Removed Product (with the line's quantity) for each removal.
(function () {
  var body = document.getElementById('cart-lines');

  function lineRow(line) {
    var row = document.createElement('tr');
    row.setAttribute('data-sku', line.sku);
    [line.name, String(line.quantity), demoCatalog.formatPrice(line.price * line.quantity, line.currency)]
      .forEach(function (text) {
        var cell = document.createElement('td');
        cell.textContent = text;
        row.appendChild(cell);
      });
    var action = document.createElement('td');
    var remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'remove-item link-button';
    remove.setAttribute('data-sku', line.sku);
    remove.textContent = 'Remove';
    action.appendChild(remove);
    row.appendChild(action);
    return row;
  }

  function render() {
    var lines = demoCart.items();
    body.replaceChildren.apply(body, lines.map(lineRow));
    document.getElementById('cart-total').textContent = demoCatalog.formatPrice(demoCart.total(), 'EUR');
    document.getElementById('cart-empty').hidden = lines.length > 0;
    document.getElementById('cart-filled').hidden = lines.length === 0;
  }

  body.addEventListener('click', function (event) {
    var button = event.target.closest('.remove-item');
    if (!button) return;
    var removed = demoCart.remove(button.getAttribute('data-sku'));
    if (removed) xng.track('Removed Product', removed);
    render();
  });

  render();
  xng.track('Viewed Cart', {cart: demoCart.cartProperty()});
})();
