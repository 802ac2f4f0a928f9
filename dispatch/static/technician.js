// The technician's steps (acknowledge, arrived, completed, notes) are kept in a queue on the
// phone and sent in order when the network allows: each carries its own id (the server applies
// it once however often it arrives) and the phone's time when it was taken. A step the server
// refuses (4xx) is shown with the reason and dropped; one that could not reach it stays queued.
(function () {
  "use strict";
  var KEY = "pronto-steps";
  var sending = false;

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function store(queue) { localStorage.setItem(KEY, JSON.stringify(queue)); show(); }
  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40; bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }
  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }
  function show() {
    var queue = load();
    var badge = document.getElementById("queue");
    if (badge) { badge.textContent = queue.length ? queue.length + " " + badge.dataset.label : ""; }
    var net = document.getElementById("network");
    if (net) {
      net.textContent = navigator.onLine ? "" : net.dataset.offline;
      net.className = navigator.onLine ? "" : "offline";
    }
  }
  function log(step, state, text) {
    var list = document.getElementById("steps-log");
    if (!list) { return; }
    var item = document.getElementById("step-" + step.step_id);
    if (!item) {
      item = document.createElement("li");
      item.id = "step-" + step.step_id;
      list.appendChild(item);
    }
    item.className = state;
    item.dataset.action = step.action;
    item.textContent = new Date(step.client_time).toLocaleTimeString() + " " + step.label + " — " + text;
  }

  function send() {
    if (sending) { return; }
    var queue = load();
    if (!queue.length) { return; }
    sending = true;
    var step = queue[0];
    fetch("/api/interventions/" + step.intervention + "/steps/", {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf(), "Accept": "application/json"},
      body: JSON.stringify({
        step_id: step.step_id, action: step.action, client_time: step.client_time,
        closing_reason: step.closing_reason || "", note: step.note || ""
      })
    }).then(function (response) {
      if (response.status >= 500) { throw new Error("server " + response.status); }
      return response.json().catch(function () { return {}; }).then(function (body) {
        var rest = load().filter(function (s) { return s.step_id !== step.step_id; });
        store(rest);
        if (response.ok) {
          log(step, "sent", (body.outcome || document.body.dataset.sent || "sent") + (body.flag ? " (" + body.flag + ")" : ""));
          if (body.status) {
            var status = document.getElementById("status");
            if (status) { status.dataset.code = body.status; }
          }
        } else {
          log(step, "refused", body.detail || JSON.stringify(body));
        }
      });
    }).catch(function () {
      log(step, "queued", document.body.dataset.queued || "queued");
    }).then(function () {
      sending = false;
      if (navigator.onLine && load().length && load()[0].step_id !== step.step_id) { send(); }
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-step]");
    if (!form) { return; }
    event.preventDefault();
    var step = {
      step_id: newId(),
      intervention: form.dataset.intervention,
      action: form.dataset.step,
      label: form.querySelector("button").textContent.trim(),
      client_time: new Date().toISOString(),
      closing_reason: form.elements.closing_reason ? form.elements.closing_reason.value : "",
      note: form.elements.note ? form.elements.note.value : ""
    };
    store(load().concat([step]));
    log(step, "queued", document.body.dataset.queued || "queued");
    if (form.dataset.step === "acknowledge" || form.dataset.step === "arrive") { form.hidden = true; }
    form.reset();
    send();
  });

  window.addEventListener("online", function () { show(); send(); });
  window.addEventListener("offline", show);
  setInterval(send, 5000);
  document.addEventListener("DOMContentLoaded", function () {
    show();
    load().forEach(function (step) { log(step, "queued", document.body.dataset.queued || "queued"); });
    send();
    if ("serviceWorker" in navigator && document.body.dataset.sw) {
      navigator.serviceWorker.register(document.body.dataset.sw, {scope: "/m/"});
    }
  });
})();
