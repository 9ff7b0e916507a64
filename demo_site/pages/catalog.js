// The shop's products; prices are in EUR and sku is the key used everywhere (URLs, cart, events).
(function () {
  var products = [
    {sku: 'TEE-01', name: 'Organic Cotton Tee', price: 24.9, currency: 'EUR', category: 'Apparel', tone: 1,
      description: 'Heavyweight organic cotton, cut loose, dyed without the nasty stuff.'},
    {sku: 'HOOD-02', name: 'Fleece Hoodie', price: 59, currency: 'EUR', category: 'Apparel', tone: 2,
      description: 'Brushed recycled fleece with a hood that actually stays up.'},
    {sku: 'MUG-03', name: 'Enamel Camp Mug', price: 14.5, currency: 'EUR', category: 'Kitchen', tone: 3,
      description: 'Speckled enamel over steel. Coffee at the summit, tea at the desk.'},
    {sku: 'BOTTLE-04', name: 'Insulated Bottle', price: 29, currency: 'EUR', category: 'Kitchen', tone: 4,
      description: 'Keeps water cold for 24 hours and soup warm for 12.'},
    {sku: 'NOTE-05', name: 'Dot-Grid Notebook', price: 12, currency: 'EUR', category: 'Stationery', tone: 5,
      description: '192 numbered pages of fountain-pen-friendly paper, lay-flat binding.'},
    {sku: 'PEN-06', name: 'Brass Pocket Pen', price: 34, currency: 'EUR', category: 'Stationery', tone: 6,
      description: 'Solid brass that darkens with use. Takes standard refills.'},
    {sku: 'TOTE-07', name: 'Canvas Tote', price: 19, currency: 'EUR', category: 'Accessories', tone: 7,
      description: 'Waxed canvas, leather handles, room for a week of groceries.'},
    {sku: 'CAP-08', name: 'Merino Wool Cap', price: 27.5, currency: 'EUR', category: 'Accessories', tone: 8,
      description: 'Soft, warm, never itchy. One size, folds into a pocket.'}
  ];

  function find(sku) {
    for (var i = 0; i < products.length; i++) {
      if (products[i].sku === sku) return products[i];
    }
    return null;
  }

  // The standard product properties of the e-commerce events, nothing shop-internal.
  function properties(product) {
    return {sku: product.sku, name: product.name, price: product.price, currency: product.currency,
      category: product.category};
  }

  function formatPrice(amount, currency) {
    return new Intl.NumberFormat('en-IE', {style: 'currency', currency: currency || 'EUR'}).format(amount);
  }

  // A product tile without images: a coloured square with the product's initials.
  function tile(product, extraClass) {
    var element = document.createElement('div');
    element.className = 'tile tone-' + product.tone + (extraClass ? ' ' + extraClass : '');
    element.textContent = product.name.split(' ').map(function (word) { return word[0]; }).join('').slice(0, 2);
    element.setAttribute('aria-hidden', 'true');
    return element;
  }

  window.demoCatalog = {products: products, find: find, properties: properties, formatPrice: formatPrice,
    tile: tile};
})();
