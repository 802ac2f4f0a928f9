/* The compose form's live count of an SMS as the gateway will send it (issue 20): the same rules
 * as notifications/sms_text.py (GSM 7-bit with its extension table, else UCS-2; 160/70 in one
 * SMS, 153/67 per concatenated part; an escape or surrogate pair never split across parts).
 * tests/notifications/test_compose_count.py runs both on the same strings. */
(function () {
  "use strict";
  var BASIC =
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENDED = "\f^{}\\[~]|€";
  var SINGLE = { gsm7: 160, ucs2: 70 };
  var PART = { gsm7: 153, ucs2: 67 };

  function septets(ch) {
    if (BASIC.indexOf(ch) >= 0) return 1;
    if (EXTENDED.indexOf(ch) >= 0) return 2;
    return 0;
  }

  /* {coding, units, parts} of text, as sms_text.sms_analyse. */
  function analyse(text) {
    var chars = Array.from(text);
    var gsm = chars.every(function (ch) { return septets(ch) > 0; });
    var coding = gsm ? "gsm7" : "ucs2";
    var costs = chars.map(function (ch) {
      return gsm ? septets(ch) : (ch.codePointAt(0) > 0xffff ? 2 : 1);
    });
    var units = costs.reduce(function (a, b) { return a + b; }, 0);
    var parts = 1, used = 0;
    if (units > SINGLE[coding]) {
      costs.forEach(function (cost) {
        if (used + cost > PART[coding]) { parts += 1; used = 0; }
        used += cost;
      });
    } else {
      used = units;
    }
    var room = units > SINGLE[coding] ? PART[coding] - used : SINGLE[coding] - units;
    return { coding: coding, units: units, parts: parts, left: room };
  }

  window.prontoSmsAnalyse = analyse;

  function update(field, output) {
    var info = analyse(field.value);
    var max = parseInt(output.dataset.maxParts || "3", 10);
    var template = info.parts > max ? output.dataset.tooLong : output.dataset.template;
    output.textContent = template
      .replace("{parts}", info.parts)
      .replace("{max}", max)
      .replace("{left}", info.left)
      .replace("{coding}", info.coding === "gsm7" ? output.dataset.gsm : output.dataset.ucs);
    output.classList.toggle("warning", info.parts > max);
  }

  function start() {
    document.querySelectorAll("[data-sms-count]").forEach(function (output) {
      var field = document.getElementById(output.dataset.smsCount);
      if (!field) return;
      field.addEventListener("input", function () { update(field, output); });
      update(field, output);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
