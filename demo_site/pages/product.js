// A product page: Viewed Product on load, Added Product when the visitor adds it to the cart.
(function () {
  var product = demoCatalog.find(new URLSearchParams(location.search).get('sku'));
  if (!product) {
    document.getElementById('product-missing').hidden = false;
    return;
  }
  var section = document.getElementById('product');
  section.hidden = false;
  document.title = product.name + ' · xng demo shop';
  section.insertBefore(demoCatalog.tile(product, 'tile-large'), section.firstChild);
  document.getElementById('product-name').textContent = product.name;
  document.getElementById('product-category').textContent = product.category;
  document.getElementById('product-price').textContent = demoCatalog.formatPrice(product.price, product.currency);
  document.getElementById('product-description').textContent = product.description;
  document.getElementById('product-sku').textContent = product.sku;

  xng.track('Viewed Product', demoCatalog.properties(product));

  document.getElementById('add-to-cart-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var quantity = Math.max(1, Math.min(10, parseInt(document.getElementById('quantity').value, 10) || 1));
    demoCart.add(product, quantity);
    xng.track('Added Product', Object.assign(demoCatalog.properties(product), {quantity: quantity}));
    var note = document.getElementById('added-message');
    note.hidden = false;
    document.getElementById('added-text').textContent = 'Added ' + quantity + ' × ' + product.name + ' to your cart.';
  });
})();
