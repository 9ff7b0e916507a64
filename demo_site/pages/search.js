// Search results: the header form submits here with ?q=, and a non-empty query is tracked.
(function () {
  var query = (new URLSearchParams(location.search).get('q') || '').trim();
  var summary = document.getElementById('search-summary');
  var list = document.getElementById('search-results');
  if (!query) {
    summary.textContent = 'Type something in the search box above.';
    return;
  }
  xng.track('Searched Products', {query: query});
  var needle = query.toLowerCase();
  var matches = demoCatalog.products.filter(function (product) {
    return [product.name, product.category, product.description].join(' ').toLowerCase().indexOf(needle) !== -1;
  });
  summary.textContent = matches.length + (matches.length === 1 ? ' product' : ' products') + ' for “' + query + '”';
  matches.forEach(function (product) {
    var item = document.createElement('li');
    var link = document.createElement('a');
    link.href = '/product.html?sku=' + encodeURIComponent(product.sku);
    link.className = 'result';
    link.appendChild(demoCatalog.tile(product, 'tile-small'));
    var text = document.createElement('span');
    text.textContent = product.name + ' · ' + demoCatalog.formatPrice(product.price, product.currency);
    link.appendChild(text);
    item.appendChild(link);
    list.appendChild(item);
  });
})();
