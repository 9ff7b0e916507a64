// The front page: the product grid. Its page view comes from demo.js; nothing else is tracked here.
(function () {
  var grid = document.getElementById('product-grid');
  demoCatalog.products.forEach(function (product) {
    var card = document.createElement('a');
    card.className = 'product-card';
    card.href = '/product.html?sku=' + encodeURIComponent(product.sku);
    card.setAttribute('data-sku', product.sku);
    card.appendChild(demoCatalog.tile(product));
    var name = document.createElement('h3');
    name.textContent = product.name;
    var meta = document.createElement('p');
    meta.className = 'meta';
    meta.textContent = product.category + ' · ' + demoCatalog.formatPrice(product.price, product.currency);
    card.appendChild(name);
    card.appendChild(meta);
    grid.appendChild(card);
  });
})();
