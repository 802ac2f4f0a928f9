// The board's incident rows (issue 19): a button folds and unfolds the rows of the incident's
// calls and interventions. Which incidents are unfolded is kept across the board's refreshes
// (htmx replaces #board every few seconds) in this page's memory.
(function () {
  "use strict";
  var open = new Set();

  function apply(root) {
    root.querySelectorAll("[data-incident-toggle]").forEach(function (button) {
      var id = button.getAttribute("data-incident-toggle");
      var unfolded = open.has(id);
      button.setAttribute("aria-expanded", unfolded ? "true" : "false");
      document.querySelectorAll('tr[data-incident-member="' + id + '"]').forEach(function (row) {
        row.hidden = !unfolded;
      });
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-incident-toggle]");
    if (!button) return;
    var id = button.getAttribute("data-incident-toggle");
    if (open.has(id)) open.delete(id); else open.add(id);
    apply(document);
  });
  document.addEventListener("htmx:afterSwap", function () { apply(document); });
  document.addEventListener("DOMContentLoaded", function () { apply(document); });
})();
