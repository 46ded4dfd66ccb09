// Bookshelf: the shelf's counts on the home page, from its JSON API.
document.addEventListener('DOMContentLoaded', function () {
  var el = document.getElementById('stats');
  if (!el) return;
  fetch('/api/stats').then(function (r) { return r.json(); }).then(function (s) {
    el.textContent = s.books + ' books, ' + s.reviews + ' reviews';
  });
});
