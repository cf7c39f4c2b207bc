// Question types number, slider, date, contact and statement (surveyapp/surveys/
// questions_input.py has their rules): a chunk the renderer fetches only for a survey that
// holds one of them (renderer.js: CHUNKS, __surveyapp_q). Each is drawn with native
// controls, so the keyboard path is the browser's own (arrows on a slider, typing or the
// date picker's keys), and a right-to-left survey lays them out right to left.
// A body is [element, read(), draws its own buttons]; read() throws the message to show.
var Q = window.__surveyapp_q = window.__surveyapp_q || {};
var FIELDS = { name: ["text", "name"], email: ["email", "email"], phone: ["tel", "tel"], company: ["text", "organization"] };
var LABELS = { name: "Name", email: "E-mail", phone: "Phone", company: "Company" };
var EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/, PHONE = /^\+?[0-9 ()./-]{5,30}$/;

function fmt(text, vars) { return text.replace(/\{(\w+)\}/g, function (m, k) { return vars[k]; }); }
function say(t, key, en, vars) { return fmt(t[key] || en, vars || {}); }

// A number on the question's grid: min, max and step (from min, or from 0 without one).
function checked(q, t, v) {
  var lo = q.min != null ? q.min : -Infinity, hi = q.max != null ? q.max : Infinity, st = q.step, base = q.min || 0;
  var bad = !isFinite(v) || v < lo || v > hi || st && Math.abs((v - base) / st - Math.round((v - base) / st)) > 1e-9;
  if (bad) throw say(t, "number_range", "Enter a number from {min} to {max}.", { min: isFinite(lo) ? lo : "…", max: isFinite(hi) ? hi : "…" }) +
    (st && st != 1 ? " " + say(t, "number_step", "Steps of {step}.", { step: st }) : "");
  return v;
}
function enter(el, go) { el.addEventListener("keydown", function (e) { if (e.key == "Enter") { e.preventDefault(); go(); } }); return el; }
function unit(q, h) { return q.unit ? h("span", { class: "u", part: "unit" }, [q.unit]) : null; }

Q.number = function (q, value, t, go, h) {
  var el = h("input", { type: "number", inputmode: "decimal", "aria-label": q.title, min: q.min, max: q.max, step: q.step || "any", placeholder: q.placeholder });
  el.value = value == null ? "" : String(value);
  return [h("div", { class: "in", part: "number" }, [enter(el, go), unit(q, h)]), function () {
    return el.value.trim() == "" ? (el.validity.badInput ? checked(q, t, NaN) : null) : checked(q, t, +el.value);
  }];
};

Q.slider = function (q, value, t, go, h) {
  var moved = value != null, out = h("output", { part: "slider-value" });
  var el = h("input", { type: "range", min: q.min, max: q.max, step: q.step || 1, "aria-label": q.title });
  el.value = String(value != null ? value : (q.min + q.max) / 2);
  function show() { out.textContent = moved ? el.value + (q.unit ? " " + q.unit : "") : "–"; el.setAttribute("aria-valuetext", out.textContent); }
  ["input", "pointerdown", "keydown"].forEach(function (n) { el.addEventListener(n, function (e) { if (e.key == "Enter") return go(); if (!e.key || /Arrow|Page|Home|End/.test(e.key)) { moved = true; setTimeout(show); } }); });
  show();
  var labels = (q.lower_label || q.upper_label) && h("div", { class: "l", "aria-hidden": "true" }, [h("span", 0, [q.lower_label || q.min]), h("span", 0, [q.upper_label || q.max])]);
  return [h("div", { part: "slider" }, [h("div", { class: "in" }, [el, out]), labels]), function () { return moved ? checked(q, t, +el.value) : null; }];
};

Q.date = function (q, value, t, go, h) {
  var el = h("input", { type: "date", "aria-label": q.title, min: q.min, max: q.max });
  el.value = value || "";
  return [h("div", { class: "in", part: "date" }, [enter(el, go)]), function () {
    var v = el.value;
    if (!v) { if (el.validity.badInput) throw say(t, "date_invalid", "Enter a date."); return null; }
    if (q.min && v < q.min || q.max && v > q.max) throw say(t, "date_range", "Enter a date from {min} to {max}.", { min: q.min || "…", max: q.max || "…" });
    return v;
  }];
};

Q.contact = function (q, value, t, go, h) {
  var inputs = {}, rows = (q.fields || ["email"]).map(function (f) {
    var el = inputs[f] = h("input", { type: FIELDS[f][0], autocomplete: FIELDS[f][1], maxlength: f == "email" ? "254" : "200", dir: f == "email" || f == "phone" ? "ltr" : "auto" });
    enter(el, go).value = (value || {})[f] || "";
    return h("label", { class: "cf", part: "contact-field" }, [h("span", 0, [t["contact_" + f] || LABELS[f]]), el]);
  });
  return [h("div", { role: "group", "aria-label": q.title }, rows), function () {
    var out = {}, any;
    for (var f in inputs) {
      var v = inputs[f].value.trim();
      if (!v) { if (q.required) throw t.required; continue; }
      if (f == "email" && !EMAIL.test(v)) throw say(t, "email_invalid", "Enter an e-mail address like name@example.com.");
      if (f == "phone" && !PHONE.test(v)) throw say(t, "phone_invalid", "Enter a phone number (digits, spaces, + and -).");
      out[f] = v; any = 1;
    }
    return any ? out : null;
  }];
};

// A statement: its text (title and description), a button (and a link it opens); the record
// is "clicked" for the button, else "seen" (the renderer stores that when it shows one that
// is not required, so leaving here still counts as having seen it).
Q.statement = function (q, value, t, go, h) {
  var v = value == "clicked" || q.required ? value || null : "seen", attrs = { class: "n", part: "submit", onclick: function () { v = "clicked"; go(); } };
  var cta = q.link ? h("a", Object.assign(attrs, { href: q.link, target: "_blank", rel: "noopener noreferrer" }), [q.button_label])
    : h("button", Object.assign(attrs, { type: "button" }), [q.button_label]);
  var skip = !q.required && h("button", { class: "why", type: "button", part: "skip", onclick: function () { v = "seen"; go(); } }, [t.next]);
  return [h("div", { class: "f" }, [cta, skip]), function () { return v; }, true];
};
