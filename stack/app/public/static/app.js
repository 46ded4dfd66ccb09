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

// Loan detail: fetch a loan and render its schedule; search as you type (debounced).
(function () {
  'use strict';
  var fmt = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function renderSchedule(target, loan) {
    var table = el('table', 'schedule');
    var head = el('tr');
    ['#', 'Due', 'Amount'].forEach(function (h, i) { head.appendChild(el('th', i === 2 ? 'amount' : '', h)); });
    table.appendChild(el('thead')).appendChild(head);
    var body = table.appendChild(el('tbody'));
    (loan.schedule || []).forEach(function (row) {
      var tr = el('tr', new Date(row.due_date) < new Date() ? 'overdue' : '');
      tr.appendChild(el('td', '', String(row.installment_no)));
      tr.appendChild(el('td', '', row.due_date));
      tr.appendChild(el('td', 'amount', fmt.format(parseFloat(row.amount_due))));
      body.appendChild(tr);
    });
    target.replaceChildren(table);
  }

  window.loanflowShowLoan = function (id, target) {
    return fetch('/api/loans/' + encodeURIComponent(id), { headers: { Accept: 'application/json' } })
      .then(function (r) { if (!r.ok) { throw new Error('HTTP ' + r.status); } return r.json(); })
      .then(function (loan) { renderSchedule(target, loan); })
      .catch(function (e) { target.replaceChildren(el('div', 'alert alert-error', 'Could not load loan: ' + e.message)); });
  };

  var timer = null;
  window.loanflowSearch = function (input, list) {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value.trim();
      if (!q) { list.replaceChildren(); return; }
      fetch('/api/search?q=' + encodeURIComponent(q))
        .then(function (r) { return r.json(); })
        .then(function (rows) {
          list.replaceChildren.apply(list, (rows.results || rows).map(function (b) {
            return el('li', '', b.last_name + ', ' + b.first_name);
          }));
        });
    }, 250);
  };
}());
