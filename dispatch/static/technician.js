// The technician's steps (acknowledge, arrived, completed, notes, photos) are kept in a queue on
// the phone (IndexedDB, which holds the photos too) and sent in order when the network allows:
// each carries its own id (the server applies it once however often it arrives) and the phone's
// time when it was taken. A step the server refuses (4xx) is shown with the reason and dropped;
// one that could not reach it stays queued.
(function () {
  "use strict";
  var DB_NAME = "pronto-technician";
  var STORE = "steps";
  var LEGACY_KEY = "pronto-steps"; // the queue's place before photos (localStorage)
  var sending = false;
  var dbPromise = null;

  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore(STORE, {keyPath: "seq", autoIncrement: true});
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }
  function run(mode, work) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var tx = database.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(result && "result" in result ? result.result : result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }
  function load() { return run("readonly", function (store) { return store.getAll(); }); }
  function add(steps) {
    return run("readwrite", function (store) { steps.forEach(function (step) { store.add(step); }); })
      .then(show);
  }
  function remove(seq) {
    return run("readwrite", function (store) { store.delete(seq); }).then(show);
  }
  function migrateLegacy() {
    var legacy;
    try { legacy = JSON.parse(localStorage.getItem(LEGACY_KEY) || "[]"); } catch (e) { legacy = []; }
    if (!legacy.length) { return Promise.resolve(); }
    return add(legacy).then(function () { localStorage.removeItem(LEGACY_KEY); });
  }

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
    return load().then(function (queue) {
      var badge = document.getElementById("queue");
      if (badge) { badge.textContent = queue.length ? queue.length + " " + badge.dataset.label : ""; }
      var net = document.getElementById("network");
      if (net) {
        net.textContent = navigator.onLine ? "" : net.dataset.offline;
        net.className = navigator.onLine ? "" : "offline";
      }
      nextStepsShow(queue);
      return queue;
    });
  }
  // The steps valid next come first; the others are hidden. "Next" is after the steps still
  // queued on this phone (acknowledged offline: "arrived" is next), from the state the server
  // last said and each step's place in the state machine (the forms' data-sources/-target).
  function nextStepsShow(queue) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-next-steps]"), function (group) {
      var forms = Array.prototype.slice.call(group.querySelectorAll("form[data-sources]"));
      var byAction = {};
      forms.forEach(function (form) { byAction[form.dataset.step] = form; });
      var status = group.dataset.status;
      queue.forEach(function (step) {
        var form = byAction[step.action];
        if (String(step.intervention) === group.dataset.intervention && form &&
            form.dataset.sources.split(" ").indexOf(status) >= 0) {
          status = form.dataset.target;
        }
      });
      function valid(form) { return form.dataset.sources.split(" ").indexOf(status) >= 0; }
      forms.forEach(function (form) { form.hidden = !valid(form); });
      var ordered = forms.slice().sort(function (a, b) {
        return (valid(b) - valid(a)) || (Number(a.dataset.order) - Number(b.dataset.order));
      });
      // Moved only when the order changes: moving a form takes the focus out of it.
      if (ordered.some(function (form, index) { return form !== forms[index]; })) {
        ordered.forEach(function (form) { group.appendChild(form); });
      }
    });
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

  function request(step) {
    var url = "/api/interventions/" + step.intervention + "/steps/";
    var headers = {"X-CSRFToken": csrf(), "Accept": "application/json"};
    var fields = {
      step_id: step.step_id, action: step.action, client_time: step.client_time,
      closing_reason: step.closing_reason || "", note: step.note || ""
    };
    if (step.photo) {
      var form = new FormData();
      Object.keys(fields).forEach(function (name) { form.append(name, fields[name]); });
      form.append("photo", step.photo, step.photo_name || "photo.jpg");
      return fetch(url, {method: "POST", credentials: "same-origin", headers: headers, body: form});
    }
    headers["Content-Type"] = "application/json";
    return fetch(url, {method: "POST", credentials: "same-origin", headers: headers, body: JSON.stringify(fields)});
  }

  function send() {
    if (sending) { return; }
    sending = true;
    load().then(function (queue) {
      if (!queue.length) { return false; }
      var step = queue[0];
      return request(step).then(function (response) {
        if (response.status >= 500) { throw new Error("server " + response.status); }
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (response.ok && body.status) {
            // Before the step leaves the queue, so the next steps are worked out from here on.
            var status = document.getElementById("status");
            if (status) { status.dataset.code = body.status; }
            Array.prototype.forEach.call(document.querySelectorAll("[data-next-steps]"), function (group) {
              if (group.dataset.intervention === String(step.intervention)) { group.dataset.status = body.status; }
            });
          }
          return remove(step.seq).then(function () {
            if (response.ok) {
              log(step, "sent", (body.outcome || document.body.dataset.sent || "sent") + (body.flag ? " (" + body.flag + ")" : ""));
            } else {
              log(step, "refused", body.detail || fieldErrors(body));
            }
            return true;
          });
        });
      }).catch(function () {
        log(step, "queued", document.body.dataset.queued || "queued");
        return false;
      });
    }).then(function (more) {
      sending = false;
      if (more && navigator.onLine) { send(); }
    }, function () { sending = false; });
  }
  function fieldErrors(body) {
    return Object.keys(body).map(function (name) {
      return [].concat(body[name]).join(" ");
    }).join(" ") || JSON.stringify(body);
  }

  // A phone photo is several MB; it is shrunk on the phone (longest side at most the page's
  // data-photo-max-pixels, JPEG) before it is queued, so it fits the queue and a weak network.
  // A photo the browser cannot decode is queued as it is, and the server says if it refuses it.
  function shrink(file, maxPixels) {
    if (!window.createImageBitmap || !maxPixels) { return Promise.resolve(file); }
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, maxPixels / Math.max(bitmap.width, bitmap.height));
      if (scale === 1 && file.size < 1.5e6 && /^image\/(jpeg|png|webp)$/.test(file.type)) {
        bitmap.close();
        return file;
      }
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      bitmap.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });
  }

  function stepsOf(form) {
    var base = {intervention: form.dataset.intervention, client_time: new Date().toISOString()};
    var label = form.querySelector("button").textContent.trim();
    var files = form.elements.photos ? Array.prototype.slice.call(form.elements.photos.files) : [];
    var holder = form.closest("[data-photo-max-pixels]");
    var maxPixels = holder ? parseInt(holder.dataset.photoMaxPixels, 10) : 0;
    var note = form.elements.note ? form.elements.note.value : "";
    return Promise.all(files.map(function (file) { return shrink(file, maxPixels); })).then(function (photos) {
      var steps = photos.map(function (photo, index) {
        return Object.assign({}, base, {
          step_id: newId(), action: "photo", label: "📷 " + files[index].name, photo: photo,
          photo_name: files[index].name.replace(/\.[^.]*$/, "") + (photo.type === "image/jpeg" ? ".jpg" : ""),
          note: form.dataset.step === "photo" ? note : ""
        });
      });
      if (form.dataset.step !== "photo") {
        steps.push(Object.assign({}, base, {
          step_id: newId(), action: form.dataset.step, label: label,
          closing_reason: form.elements.closing_reason ? form.elements.closing_reason.value : "",
          note: note
        }));
      }
      return steps;
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-step]");
    if (!form) { return; }
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    stepsOf(form).then(function (steps) {
      return add(steps).then(function () {
        steps.forEach(function (step) { log(step, "queued", document.body.dataset.queued || "queued"); });
        form.reset();
        send();
      });
    }).catch(function (error) {
      window.alert(error && error.message ? error.message : String(error));
    }).then(function () { button.disabled = false; });
  });

  // While on duty, and if the technician chose to, the phone shares where it is so the control
  // room can send the nearest technician. Only the latest position matters: none is queued; one
  // that could not be sent is retried when the network returns.
  var SHARE_KEY = "pronto-share-position";
  var position = {watch: null, latest: null, sentAt: 0, sentFix: null};
  function positionStatus(text) {
    var status = document.getElementById("position-status");
    if (status) { status.textContent = text; }
  }
  function movedMetres(a, b) {
    var rad = Math.PI / 180, dLat = (b.latitude - a.latitude) * rad, dLon = (b.longitude - a.longitude) * rad;
    var h = Math.pow(Math.sin(dLat / 2), 2) +
      Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.pow(Math.sin(dLon / 2), 2);
    return 12742000 * Math.asin(Math.sqrt(h));
  }
  function positionSend() {
    var fix = position.latest;
    if (!fix || fix === position.sentFix) { return; }
    var status = document.getElementById("position-status");
    fetch("/api/me/position/", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf(), "Accept": "application/json"},
      body: JSON.stringify(fix)
    }).then(function (response) {
      if (!response.ok) { throw new Error("server " + response.status); }
      position.sentFix = fix; position.sentAt = Date.now();
      if (status) { positionStatus(status.dataset.shared + " " + new Date(fix.at).toLocaleTimeString()); }
    }).catch(function () {
      if (status) { positionStatus(status.dataset.waiting); }
    });
  }
  function positionWatch(on) {
    if (position.watch !== null) { navigator.geolocation.clearWatch(position.watch); position.watch = null; }
    if (!on || !navigator.geolocation || !document.body.dataset.onDuty) { return; }
    position.watch = navigator.geolocation.watchPosition(function (reading) {
      var fix = {
        latitude: Number(reading.coords.latitude.toFixed(6)), longitude: Number(reading.coords.longitude.toFixed(6)),
        accuracy_m: Math.round(reading.coords.accuracy || 0), at: new Date(reading.timestamp).toISOString()
      };
      var last = position.sentFix;
      position.latest = fix;
      if (!last || Date.now() - position.sentAt > 120000 || movedMetres(last, fix) > 250) { positionSend(); }
    }, function (error) {
      var status = document.getElementById("position-status");
      if (status && error.code === error.PERMISSION_DENIED) { positionStatus(status.dataset.denied); }
    }, {enableHighAccuracy: false, maximumAge: 60000, timeout: 30000});
  }
  document.addEventListener("change", function (event) {
    if (event.target.id !== "share-position") { return; }
    localStorage.setItem(SHARE_KEY, event.target.checked ? "1" : "");
    positionWatch(event.target.checked);
  });

  // Signing out on a shared phone: the pages kept for offline reading and the steps not yet
  // sent are this technician's; drop them before the form leaves (the answer's Clear-Site-Data
  // does the same, for the browsers that honour it).
  function forget() {
    var jobs = [];
    if (window.caches) {
      jobs.push(caches.keys().then(function (keys) {
        return Promise.all(keys.map(function (key) { return caches.delete(key); }));
      }));
    }
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({type: "sign-out"});
    }
    if (window.indexedDB) {
      if (dbPromise) { dbPromise.then(function (database) { database.close(); }, function () {}); }
      jobs.push(new Promise(function (resolve) {
        var request = indexedDB.deleteDatabase(DB_NAME);
        request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
      }));
    }
    localStorage.removeItem(SHARE_KEY);
    localStorage.removeItem(LEGACY_KEY);
    // Never keep the technician waiting on a stuck cache: leave after two seconds at most.
    return Promise.race([Promise.all(jobs), new Promise(function (resolve) { setTimeout(resolve, 2000); })]);
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id !== "sign-out" || form.dataset.forgotten) { return; }
    event.preventDefault();
    form.dataset.forgotten = "1";
    forget().then(function () { form.submit(); }, function () { form.submit(); });
  });

  window.addEventListener("online", function () { show(); send(); positionSend(); });
  window.addEventListener("offline", show);
  setInterval(send, 5000);
  document.addEventListener("DOMContentLoaded", function () {
    migrateLegacy().then(show).then(function (queue) {
      queue.forEach(function (step) { log(step, "queued", document.body.dataset.queued || "queued"); });
      send();
    });
    var share = localStorage.getItem(SHARE_KEY) === "1";
    var box = document.getElementById("share-position");
    if (box) { box.checked = share; }
    positionWatch(share);
    if ("serviceWorker" in navigator && document.body.dataset.sw) {
      navigator.serviceWorker.register(document.body.dataset.sw, {scope: "/m/"});
    }
  });
})();
