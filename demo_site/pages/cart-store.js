// The cart lives in localStorage under 'demo.cart': demo state, deliberately outside the SDK's 'xng.' keys.
(function () {
  var KEY = 'demo.cart';

  function items() {
    try {
      var stored = JSON.parse(localStorage.getItem(KEY) || '[]');
      return Array.isArray(stored) ? stored : [];
    } catch (error) {
      return [];
    }
  }

  function save(lines) {
    try {
      localStorage.setItem(KEY, JSON.stringify(lines));
    } catch (error) {
      // Storage can be full or blocked; the cart then lasts only for this page.
    }
    document.dispatchEvent(new CustomEvent('demo:cart-changed'));
  }

  function add(product, quantity) {
    var lines = items();
    var line = lines.filter(function (entry) { return entry.sku === product.sku; })[0];
    if (!line) {
      line = Object.assign(demoCatalog.properties(product), {quantity: 0});
      lines.push(line);
    }
    line.quantity += quantity;
    save(lines);
    return line;
  }

  // Removes the whole line and returns it, so the caller can report what left the cart.
  function remove(sku) {
    var lines = items();
    var removed = lines.filter(function (entry) { return entry.sku === sku; })[0] || null;
    save(lines.filter(function (entry) { return entry.sku !== sku; }));
    return removed;
  }

  function count() {
    return items().reduce(function (sum, line) { return sum + line.quantity; }, 0);
  }

  function total() {
    var cents = items().reduce(function (sum, line) { return sum + Math.round(line.price * 100) * line.quantity; }, 0);
    return cents / 100;
  }

  // The `cart` property of Viewed Cart and Completed Order.
  function cartProperty() {
    return {products: items()};
  }

  window.demoCart = {items: items, add: add, remove: remove, clear: function () { save([]); }, count: count,
    total: total, cartProperty: cartProperty};
})();
