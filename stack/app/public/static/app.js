// LoanFlow dashboard: highlight rows and format currency cells.
document.addEventListener('DOMContentLoaded', function () {
  var fmt = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
  document.querySelectorAll('tbody tr').forEach(function (row) {
    var cells = row.querySelectorAll('td');
    if (cells.length === 3) {
      var v = parseFloat(cells[2].textContent.replace(/,/g, ''));
      if (!isNaN(v)) { cells[2].textContent = fmt.format(v); }
      cells[0].innerHTML = '<span class="badge badge-' + cells[0].textContent + '">' + cells[0].textContent + '</span>';
    }
  });
});
