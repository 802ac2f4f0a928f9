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

// --- Alerts (issue 16) -------------------------------------------------------------------------
// The banner (#alerts, polled by every staff page) and its tone. A poll's items are matched to
// those shown by data-alert-key: a shown item stays as it is, so its role="alert" is read once,
// not every 2 s; only new items go in. A key seen before in this tab (an earlier page) comes back
// quietly: no role="alert", no tone. The tone is made with the Web Audio API (no file, nothing
// the Content-Security-Policy has to allow), once per new item, and again every few seconds while
// a call rings at this user, unless the header's "Alert sound" switch is off. Browsers keep an
// AudioContext suspended until the user clicks or types on the page: the banner says so, and
// the first click or key resumes it and plays what was held back. window.prontoAlertTones counts
// the tones started (the browser tests read it).
(function () {
  var SEEN = "prontoAlertsSeen", RING_EVERY_MS = 4000;
  var audio = null, held = null, lastTone = 0;
  window.prontoAlertTones = 0;

  function seenKeys() {
    try { return JSON.parse(sessionStorage.getItem(SEEN) || "[]"); } catch (e) { return []; }
  }
  function remember(keys) {
    try { sessionStorage.setItem(SEEN, JSON.stringify(keys.slice(-200))); } catch (e) { /* private mode */ }
  }
  function soundOn() {
    var toggle = document.getElementById("alert-sound");
    return !!toggle && toggle.getAttribute("aria-pressed") === "true";
  }
  function region() { return document.getElementById("alerts"); }
  function audioContext() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!audio && Context) { audio = new Context(); }
    return audio;
  }
  function showBlocked() {
    var note = document.getElementById("alert-sound-blocked"), alerts = region();
    if (!note) { return; }
    note.hidden = !(held && soundOn() && alerts && alerts.querySelector("[data-alert-tone]"));
  }

  // Two or three short beeps: high-low for a call, high-low-high for a critical intervention.
  function tone(kind) {
    if (!soundOn()) { return; }
    var context = audioContext();
    if (!context) { return; }
    if (context.state !== "running") {
      held = kind;
      // Resolves once the browser lets the page sound (maybe on input caught elsewhere).
      context.resume().then(playHeld).catch(function () {});
      showBlocked();
      return;
    }
    // Whatever was held back is said by this tone: the notice goes.
    if (held) { held = null; showBlocked(); }
    var pitches = kind === "critical" ? [988, 740, 988] : [880, 660], start = context.currentTime + 0.02;
    pitches.forEach(function (pitch, i) {
      var oscillator = context.createOscillator(), gain = context.createGain(), at = start + i * 0.25;
      oscillator.type = "sine";
      oscillator.frequency.value = pitch;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.3, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.22);
      oscillator.connect(gain);
      gain.connect(context.destination);
      oscillator.start(at);
      oscillator.stop(at + 0.23);
    });
    lastTone = Date.now();
    window.prontoAlertTones += 1;
  }

  function playHeld() {
    if (held && audio && audio.state === "running") { tone(held); }
  }
  // The context may already run when the input comes (the browser counted the page as used
  // before, or an earlier resume() went through): what was held back plays all the same.
  function unlock() {
    if (!audio) { return; }
    if (audio.state === "running") { playHeld(); return; }
    audio.resume().then(playHeld).catch(function () {});
  }
  // Browsers differ on which of these grants the page its "user activation" (a pointerdown may
  // not, the click after it does): each tries, the first that works plays what was held.
  ["pointerdown", "pointerup", "click", "keydown", "keyup"].forEach(function (name) {
    document.addEventListener(name, unlock, true);
  });

  function update(alerts, fresh) {
    var shown = {}, seen = seenKeys(), newTone = null, hadFocus = alerts.contains(document.activeElement);
    Array.prototype.forEach.call(alerts.children, function (item) { shown[item.getAttribute("data-alert-key")] = item; });
    // Alert items only: a poll answered by the sign-in page (the session expired) adds nothing.
    var wanted = Array.prototype.filter.call(fresh.children, function (item) {
      return item.hasAttribute("data-alert-key");
    });
    var keys = wanted.map(function (item) {
      return item.getAttribute("data-alert-key");
    });
    Object.keys(shown).forEach(function (key) {
      if (keys.indexOf(key) < 0) { shown[key].remove(); }
    });
    var previous = null;
    wanted.forEach(function (item, i) {
      var key = keys[i], kept = shown[key];
      if (kept && kept.parentNode === alerts) { previous = kept; return; }
      if (seen.indexOf(key) >= 0) {
        item.removeAttribute("role");
      } else {
        seen.push(key);
        if (item.hasAttribute("data-alert-tone")) { newTone = newTone || item.getAttribute("data-alert-tone"); }
      }
      alerts.insertBefore(item, previous ? previous.nextSibling : alerts.firstChild);
      if (window.htmx) { window.htmx.process(item); }
      previous = item;
    });
    remember(seen);
    if (hadFocus && !alerts.contains(document.activeElement)) {
      var main = document.getElementById("main");
      if (main) { main.focus(); }
    }
    // A call still ringing when this page opened was seen on the page before, so it brings no
    // new tone; it rings here at once rather than at the next 4 s tick.
    if (!newTone && !lastTone && alerts.querySelector("[data-ringing]")) { newTone = "call"; }
    if (newTone) { tone(newTone); }
    showBlocked();
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var alerts = region();
    if (!alerts || event.detail.target !== alerts || !event.detail.shouldSwap) { return; }
    event.detail.shouldSwap = false;
    var fresh = document.createElement("template");
    fresh.innerHTML = event.detail.serverResponse;
    update(alerts, fresh.content);
  });

  // A call ringing at this user rings again every few seconds until answered.
  setInterval(function () {
    var alerts = region();
    if (alerts && alerts.querySelector("[data-ringing]") && Date.now() - lastTone >= RING_EVERY_MS - 500) {
      tone("call");
    }
  }, RING_EVERY_MS);

  // Escape dismisses the critical interventions' alert (its button says so: aria-keyshortcuts).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.defaultPrevented) { return; }
    var dismiss = document.querySelector("#alerts [data-alert-dismiss]");
    if (dismiss) { dismiss.click(); }
  });

  // Switching the sound on or off hides or shows the "held back" note at once.
  document.addEventListener("htmx:afterSettle", showBlocked);
})();

// ---- The call screen (issue 16, "Call screen"): the plant finder's combobox and the keyboard
// shortcuts. Active only on a page with [data-call-screen] (the staff's call screen).
(function () {
  function screen() { return document.querySelector("[data-call-screen]"); }

  // The combobox (#plant-code) over the type-ahead's listbox (#plant-listbox), as the ARIA
  // pattern "list autocomplete with automatic selection": the first plant found is the active
  // option, ArrowDown/ArrowUp move, Enter chooses, Escape closes the list (then clears the
  // field). Choosing submits the plant's code through the exact-code form the page has without
  // JavaScript, so the server sets the plant the one way it always did.
  function input() { return document.getElementById("plant-code"); }
  function listbox() { return document.getElementById("plant-listbox"); }
  function options() { var list = listbox(); return list ? Array.prototype.slice.call(list.querySelectorAll("[role=option]")) : []; }
  function expanded() { var list = listbox(); return !!list && !list.hidden && options().length > 0; }

  function activate(option) {
    var field = input();
    // The state is aria-selected alone (styled by it): htmx settles the class attribute of
    // swapped content back to the server's after the swap.
    options().forEach(function (o) { o.setAttribute("aria-selected", o === option ? "true" : "false"); });
    if (option) {
      field.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      field.removeAttribute("aria-activedescendant");
    }
  }
  function open(show) {
    var field = input(), list = listbox();
    if (!field || !list) { return; }
    var on = show && options().length > 0;
    list.hidden = !on;
    field.setAttribute("aria-expanded", on ? "true" : "false");
    if (!on) { activate(null); }
  }
  function choose(option) {
    var field = input();
    field.value = option.getAttribute("data-code");
    open(false);
    field.form.requestSubmit();
  }
  function active() { return options().filter(function (o) { return o.getAttribute("aria-selected") === "true"; })[0]; }
  function move(step) {
    var all = options();
    if (!all.length) { return; }
    if (!expanded()) { open(true); }
    var index = all.indexOf(active());
    activate(all[(index + step + all.length) % all.length]);
  }

  // The typed text goes to the search as ``q`` (the field's own name is the form's plant_code).
  document.addEventListener("htmx:configRequest", function (event) {
    var field = input();
    if (field && event.detail.elt === field) { event.detail.parameters = { q: field.value }; }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "plant-results") { return; }
    var field = input(), list = listbox(), status = document.getElementById("plant-search-status");
    if (status && list) { status.textContent = list.getAttribute("data-status") || ""; }
    // An answer that arrives after the operator left the field stays closed.
    open(document.activeElement === field);
    if (expanded()) { activate(options()[0]); }
  });
  document.addEventListener("keydown", function (event) {
    var field = input();
    if (!field || event.target !== field) { return; }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      move(event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter" && expanded()) {
      event.preventDefault();
      choose(active() || options()[0]);
    } else if (event.key === "Escape") {
      if (expanded()) { open(false); } else { field.value = ""; }
      event.preventDefault();  // this Escape was the field's (other Escape handlers check it)
    }
  }, true);  // capture: before the page's other keydown handlers
  // A pointer chooses too; mousedown, so the field keeps the focus until then.
  document.addEventListener("mousedown", function (event) {
    var option = event.target.closest && event.target.closest("#plant-listbox [role=option]");
    if (option) { event.preventDefault(); choose(option); }
  });
  document.addEventListener("focusout", function (event) {
    if (event.target === input()) { open(false); }
  });

  // Shortcuts: a single key, never while typing in a field, nor with Ctrl, Alt or Meta held.
  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  function focusOn(element) {
    if (!element) { return; }
    element.scrollIntoView({ block: "nearest" });
    element.focus();
  }
  var SHORTCUTS = {
    "/": function () { focusOn(input()); },
    "p": function () { focusOn(input()); },
    "c": function () { var b = document.querySelector("#plant-check button[type=submit]"); if (b && !b.disabled) { b.click(); } },
    "i": function () { focusOn(document.getElementById("iv-summary")); },
    "b": function () {
      var details = document.getElementById("callback-schedule");
      if (details) { details.open = true; focusOn(document.getElementById("due_at")); }
    },
    "t": function () { var link = document.getElementById("call-back"); if (link) { link.click(); } },
    "?": function () { var help = document.getElementById("shortcuts-help"); if (help && !help.open) { help.showModal(); } }
  };
  document.addEventListener("keydown", function (event) {
    if (!screen()) { return; }
    // Ctrl+Enter in the summary opens the intervention (the form's own checks still apply).
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.hasAttribute && event.target.hasAttribute("data-submit-on-ctrl-enter")) {
      event.preventDefault();
      event.target.form.requestSubmit();
      return;
    }
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey || typing(event.target)) { return; }
    var help = document.getElementById("shortcuts-help");
    if (help && help.open) { return; }
    var action = SHORTCUTS[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });
  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("[data-shortcuts-open]");
    if (opener) { SHORTCUTS["?"](); }
  });
})();
