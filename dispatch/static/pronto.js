// Running call timers: an element with data-timer-start (ISO 8601) shows the time since then,
// m:ss, every second, until htmx replaces it with the recorded duration.
(function () {
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function tick() {
    document.querySelectorAll("[data-timer-start]").forEach(function (el) {
      var start = Date.parse(el.getAttribute("data-timer-start"));
      if (isNaN(start)) { return; }
      var seconds = Math.max(0, Math.floor((Date.now() - start) / 1000));
      var hours = Math.floor(seconds / 3600), minutes = Math.floor((seconds % 3600) / 60);
      el.textContent = (hours ? hours + ":" + pad(minutes) : minutes) + ":" + pad(seconds % 60);
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSwap", tick);
})();

// Keyboard and screen-reader users keep their place when htmx replaces the part of the page
// they were working in (a script's answer, the plant check): the focus, lost with the replaced
// button, goes to the new content's [data-focus] element. Polls that replace something else
// leave the focus alone.
(function () {
  document.addEventListener("htmx:afterSettle", function (event) {
    var active = document.activeElement;
    if (active && active !== document.body && document.contains(active)) { return; }
    var region = event.detail.elt && document.getElementById(event.detail.elt.id) || event.detail.target;
    var next = region && region.querySelector && region.querySelector("[data-focus]");
    if (next) { next.focus(); }
  });
})();

// The live board: when the number of open interventions changes, say so once in #board-news
// (a status region that stays in the page), rather than having the whole board read again.
(function () {
  var last = null;
  function announce() {
    var board = document.getElementById("board"), news = document.getElementById("board-news");
    if (!board || !news) { return; }
    if (last !== null && board.dataset.total !== last) { news.textContent = board.dataset.news; }
    last = board.dataset.total;
  }
  document.addEventListener("DOMContentLoaded", announce);
  document.addEventListener("htmx:afterSettle", announce);
})();

// Behaviour that would otherwise sit in the HTML (the Content-Security-Policy allows no inline
// handlers or style attributes): the language menu submits on change; a distribution's bars
// take their width from data-width (set through the DOM, which the policy allows).
(function () {
  function wire(root) {
    root.querySelectorAll("select[data-submit-on-change]:not([data-wired])").forEach(function (select) {
      select.setAttribute("data-wired", "");
      select.addEventListener("change", function () { select.form.submit(); });
    });
    root.querySelectorAll("[data-width]").forEach(function (bar) {
      bar.style.width = (parseInt(bar.getAttribute("data-width"), 10) || 0) + "px";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { wire(document); });
  document.addEventListener("htmx:afterSettle", function () { wire(document); });
})();
