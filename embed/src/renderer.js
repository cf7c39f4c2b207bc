// surveyapp renderer: draws one survey inside a Shadow DOM, so the host page's CSS cannot
// change it and its CSS cannot leak. Styles are a constructed stylesheet (no <style>
// element, no style attributes: nothing a strict Content-Security-Policy blocks); the host
// page themes it only through --surveyapp-* custom properties and ::part() names.
// It never takes focus from the page: a survey that appears is announced (aria-live) and
// focus moves in when the visitor asks (Alt+Shift+S, Tab or a click); keyboard only works
// everywhere (focus trap, Escape, focus returned), motion respects the user's setting,
// right-to-left languages are laid out right to left. Budget: 10 KB gzip.
// Branching (logic.js) follows surveyapp/surveys/definition.py (next_question): both are
// run against tests/fixtures/branching_cases.json.
import { empty, next, pagesOf, recall } from "./logic.js";

var CSS = `:host{all:initial!important;position:fixed!important;z-index:2147483647!important;display:block!important;visibility:visible!important;opacity:1!important;transform:none!important;filter:none!important}
.w{box-sizing:border-box;width:min(380px,calc(100vw - 24px));max-height:calc(100vh - 24px);overflow:auto;background:var(--bg);color:var(--fg);font:15px/1.45 var(--surveyapp-font,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif);border-radius:var(--surveyapp-radius,12px);box-shadow:0 10px 30px rgba(0,0,0,.25);padding:18px 18px 14px;border:1px solid var(--line);animation:in .2s ease-out;text-align:start;container-type:inline-size}
.w *{box-sizing:border-box;font:inherit;color:inherit;margin:0;letter-spacing:normal;text-transform:none}
@keyframes in{from{opacity:0;transform:translateY(8px)}}
@media (prefers-reduced-motion:reduce){.w{animation:none}.w *{transition:none!important}}
.w h2{font-weight:600;font-size:16px;margin:0 28px 10px 0}
[dir=rtl] h2{margin:0 0 10px 28px}
p.d{opacity:.8;margin-bottom:10px;font-size:14px}
.x{position:absolute;top:8px;inset-inline-end:8px;background:none;border:0;width:32px;height:32px;border-radius:6px;cursor:pointer;font-size:20px;line-height:1}
.s{display:flex;flex-wrap:wrap;gap:4px}
.s.g{display:grid;grid-auto-flow:column;grid-auto-columns:1fr;gap:3px}
.s.g button{min-width:0}
@container (max-width:320px){.s.g{grid-auto-flow:row;grid-template-columns:repeat(6,1fr)}.s.g.t{grid-template-columns:repeat(5,1fr)}}
.s button{flex:1 0 28px;min-width:28px;height:36px;border:1px solid var(--line);border-radius:6px;background:var(--bg2);cursor:pointer}
.s.st button{border:0;background:none;font-size:26px;color:#f5a623;flex:0 0 auto}
.s button[aria-pressed=true]{background:var(--brand);color:#fff;border-color:var(--brand)}
.s.st button[aria-pressed=true]{background:none;color:#f5a623}
.l{display:flex;justify-content:space-between;font-size:12px;opacity:.75;margin-top:4px}
label.c{display:flex;gap:8px;align-items:flex-start;padding:6px 4px;cursor:pointer;border-radius:6px}
input[type=text],.in input,.cf input,textarea{width:100%;border:1px solid var(--line);border-radius:6px;padding:8px;background:var(--bg2)}
.in{display:flex;gap:8px;align-items:center}.in [type=range]{padding:0;border:0}.cf span{display:block;font-size:13px;margin-top:6px}a.n{text-decoration:none}
textarea{min-height:90px;resize:vertical}
.f{display:flex;justify-content:flex-end;align-items:center;gap:8px;margin-top:12px}
.f span{margin-inline-end:auto;font-size:12px;opacity:.7;order:-1}
.n{background:var(--brand);color:#fff;border:0;border-radius:6px;padding:8px 16px;cursor:pointer;font-weight:600}
button:focus-visible,input:focus-visible,textarea:focus-visible,a:focus-visible{outline:3px solid var(--brand);outline-offset:2px}
.e{color:#c0262d;font-size:13px;margin-top:6px}
.why{background:none;border:0;padding:0;font-size:12px;text-decoration:underline;cursor:pointer;opacity:.75}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:480px){.w{width:100vw;border-radius:12px 12px 0 0}}`;

var POS = {
  "bottom-right": "bottom:12px;right:12px", "bottom-left": "bottom:12px;left:12px",
  "top-right": "top:12px;right:12px", "top-left": "top:12px;left:12px",
  "center": "top:50%;left:50%;transform:translate(-50%,-50%)",
};
var RTL = /^(ar|he|fa|ur|ps|yi)\b/;
// The widget's words come with the survey, in its languages (surveyapp/widget_strings.py,
// with the survey's own overrides); English only when a caller has none.
var EN = { next: "Next", submit: "Submit", close: "Close survey", required: "Please answer this question.",
  other: "Other", count: "{n} of {total}", survey: "Survey", hint: "Press Alt+Shift+S to answer.",
  why: "Why this survey?", why_title: "Why am I seeing this?",
  why_body: "{site} asks a few questions to learn how to improve. It records that this survey was shown and the answers you give, with the page address and your browser language, on its own servers. You can stop it here.",
  stop: "Don't show me surveys or track me", back: "Back", thanks: "Thank you!", privacy: "Your privacy" };
function fmt(text, vars) { return text.replace(/\{(\w+)\}/g, function (m, k) { return vars[k]; }); }
// The palette: the host page may set any of these on the surveyapp-widget element.
var LIGHT = "--bg:var(--surveyapp-background,#fff);--bg2:var(--surveyapp-surface,#f7f7fa);--fg:var(--surveyapp-text,#1d2130);--line:var(--surveyapp-border,#d9dbe3)";
var DARK = "--bg:var(--surveyapp-background,#1f2430);--bg2:var(--surveyapp-surface,#2a3040);--fg:var(--surveyapp-text,#eef0f4);--line:var(--surveyapp-border,#3a4254)";
var host, root, lastFocus, enter;
// Question types this file does not draw come in chunks (build.mjs: CHUNKS, type -> file?v=hash),
// fetched from beside this file only when a survey holds one. A chunk registers
// __surveyapp_q[type] = function (q, value, t, go, h, ctx) -> [element, read(), draws its own button];
// read() may throw a message to show instead of moving on.
var src = (document.currentScript || {}).src || "", Q = window.__surveyapp_q = window.__surveyapp_q || {}, asked = {};

// Alt+Shift+S (the key, whatever the layout types): focus moves into the survey.
document.addEventListener("keydown", function (e) {
  if (host && enter && e.altKey && e.shiftKey && e.code == "KeyS") { e.preventDefault(); enter(); }
}, true);
function inside() { return root && root.activeElement; }
function sheet(text) {
  try {
    var css = new CSSStyleSheet();
    css.replaceSync(text);
    root.adoptedStyleSheets = [css];
  } catch (e) { root.append(h("style", 0, [text])); } // browsers without constructable sheets
}

function h(tag, attrs, kids) {
  var el = document.createElement(tag);
  for (var k in attrs || {}) {
    if (k.slice(0, 2) == "on") el.addEventListener(k.slice(2), attrs[k]);
    else if (attrs[k] != null) el.setAttribute(k, attrs[k]);
  }
  (kids || []).forEach(function (c) { if (c != null) el.append(c); });
  return el;
}

function fill(el, kids) { el.replaceChildren.apply(el, kids.filter(function (k) { return k != null; })); }

function pickLocale(s) {
  var want = (navigator.language || "").replace("_", "-"), locales = s.locales || [];
  return locales.indexOf(want) > -1 ? want : locales.indexOf(want.split("-")[0]) > -1 ? want.split("-")[0] : s.default_locale || "en";
}
function localise(q, loc) {
  var t = (q.translations || {})[loc] || (q.translations || {})[loc.split("-")[0]];
  if (!t) return q;
  var out = Object.assign({}, q, t);
  // (labels of the lists' entries; a picture keeps its image and alt)
  ["choices", "items", "rows", "columns"].forEach(function (k) { if (q[k] && t[k]) out[k] = q[k].map(function (c) { return Object.assign({}, c, { label: t[k][c.id] || c.label }); }); });
  return out;
}

// ---- question bodies: each returns [element, read()] where read() gives the answer
function scale(q, value, pick, t) {
  var lo = q.type == "nps" ? 0 : 1, hi = { nps: 10, csat: 5, ces: 7 }[q.type] || q.scale || 5;
  var stars = q.type == "rating" && q.style != "numbers", btns = [], box;
  for (var i = lo; i <= hi; i++) (function (n) {
    btns.push(h("button", {
      type: "button", part: "scale-button", "aria-pressed": String(value == n), "aria-label": fmt(t.count, { n: n, total: hi }),
      onclick: function () { value = n; btns.forEach(function (b, j) { b.setAttribute("aria-pressed", String(j + lo == n || stars && j + lo <= n)); }); pick(); },
    }, [stars ? "★" : String(n)]));
  })(i);
  if (stars && value) btns.forEach(function (b, j) { b.setAttribute("aria-pressed", String(j + lo <= value)); });
  // 10 and 11 points: one row of equal cells, or two deliberate rows (0-5 / 6-10) when narrow.
  var wide = hi - lo > 8 ? " g" + (hi - lo == 9 ? " t" : "") : "";
  box = h("div", { class: "s" + (stars ? " st" : wide), part: "scale", role: "group", "aria-label": q.title }, btns);
  var labels = (q.lower_label || q.upper_label) && h("div", { class: "l", "aria-hidden": "true" }, [h("span", 0, [q.lower_label || ""]), h("span", 0, [q.upper_label || ""])]);
  return [h("div", 0, [box, labels]), function () { return value; }, true];
}
function choices(q, value, t) {
  var multi = q.type == "multiple_choice", name = "q" + Math.random().toString(36).slice(2);
  var picked = [].concat(value || []), otherText = "";
  picked.forEach(function (p) { if (String(p).indexOf("other:") == 0) otherText = p.slice(6); });
  var list = q.choices.slice(), inputs = [];
  if (q.randomize) list.sort(function () { return Math.random() - .5; });
  if (q.other) list.push({ id: "other", label: t.other });
  var other = q.other && h("input", { type: "text", "aria-label": t.other, maxlength: "500", value: otherText });
  var rows = list.map(function (c) {
    var inp = h("input", { type: multi ? "checkbox" : "radio", name: name, value: c.id });
    inp.checked = picked.indexOf(c.id) > -1 || (c.id == "other" && !!otherText);
    inputs.push(inp);
    return h("label", { class: "c", part: "choice" }, [inp, h("span", 0, [c.label])]);
  });
  var box = h("div", { role: multi ? "group" : "radiogroup", "aria-label": q.title }, rows.concat(other ? [other] : []));
  return [box, function () {
    var out = inputs.filter(function (i) { return i.checked; }).map(function (i) {
      return i.value == "other" ? { other: other.value } : i.value;
    });
    return multi ? out : out[0];
  }];
}
function text(q, value) {
  var el = h(q.long ? "textarea" : "input", { type: q.long ? null : "text", "aria-label": q.title, maxlength: String(q.max_length || 2000), placeholder: q.placeholder });
  el.value = value || "";
  return [el, function () { return el.value.trim() || null; }];
}
function consent(q, value) {
  var inp = h("input", { type: "checkbox" });
  inp.checked = value === true;
  return [h("label", { class: "c" }, [inp, h("span", 0, [q.description || q.title])]), function () { return inp.checked; }];
}

function render(ctx) {
  close();
  // From the widget, the survey's questions come now (one cacheable URL per version).
  if (ctx.url && !ctx.survey.questions) {
    return fetch(ctx.url).then(function (r) { return r.json(); }).then(function (d) {
      if (d.questions) { ctx.survey = d; render(ctx); }
    }, function () {});
  }
  // The loader's consent prompt: the workspace's notice as a one-question survey.
  if (ctx.notice) Object.assign(ctx, { answers: {}, attributes: {}, survey: { strings: ctx.strings,
    locales: Object.keys(ctx.strings || {}), questions: [{ id: "c", type: "consent", title: "", description: ctx.notice }] } });
  var want = (ctx.survey.questions || []).map(function (q) { return !Q[q.type] && CHUNKS[q.type]; }).filter(function (f, i, a) { return f && !asked[f] && a.indexOf(f) == i; });
  if (want.length) {
    var left = want.length;
    return want.forEach(function (f) {
      asked[f] = document.head.appendChild(h("script", { src: src.slice(0, src.lastIndexOf("/") + 1) + f, onload: done, onerror: done }));
    });
  }
  function done() { if (!--left) render(ctx); }
  // (a chunk that would not load: no survey, as when the renderer would not)
  if (ctx.survey.questions.some(function (q) { return CHUNKS[q.type] && !Q[q.type]; })) return document.documentElement.setAttribute("data-surveyapp", "unavailable");
  var s = ctx.survey, loc = pickLocale(s), all = s.strings || {};
  var t = Object.assign({}, EN, all[loc.split("-")[0]], all[loc]);
  if (ctx.notice) s.questions[0].title = t.privacy;
  // No prototype: a question id such as "constructor" is not answered until it is.
  var ap = s.appearance || {}, answers = Object.assign(Object.create(null), ctx.answers), hidden = {};
  s.questions.forEach(function (q) { if (q.type == "hidden" && Object.prototype.hasOwnProperty.call(ctx.attributes, q.id) && ctx.attributes[q.id] != null) hidden[q.id] = answers[q.id] = String(ctx.attributes[q.id]); });
  ctx.hidden = hidden;
  // Colours: the survey's brand and theme, unless the host page sets --surveyapp-*; "auto"
  // follows the visitor's dark mode.
  var brand = /^#[0-9a-f]{3,8}$/i.test(ap.brand_color) ? ap.brand_color : "#4f46e5";
  var vars = ":host{--brand:var(--surveyapp-brand," + brand + ");" + (ap.theme == "dark" ? DARK : LIGHT) + "}" +
    (ap.theme == "dark" || ap.theme == "light" ? "" : "@media (prefers-color-scheme:dark){:host{" + DARK + "}}");
  lastFocus = null;
  host = document.createElement("surveyapp-widget");
  // Placement lives in the shadow's own :host rule: important declarations inside a shadow
  // tree beat the host page's, even its !important ones on our element.
  var place = ctx.mount ? ":host{position:static!important}.w{width:100%;max-height:none;box-shadow:none}" :
    ":host{" + (POS[ap.position] || POS["bottom-right"]).replace(/;|$/g, "!important;") + "}";
  root = host.attachShadow({ mode: "open" });
  var live = h("div", { class: "sr", "aria-live": "polite" });
  var panel = h("div", { class: "w", part: "panel", role: "dialog", "aria-modal": "false", lang: loc, dir: RTL.test(loc) ? "rtl" : "ltr" });
  sheet(CSS + vars + place);
  root.append(panel, live);
  // Where focus was when the visitor moved into the survey: it goes back there on close.
  root.addEventListener("focusin", function (e) { if (!lastFocus && e.relatedTarget && !root.contains(e.relatedTarget)) lastFocus = e.relatedTarget; });
  enter = function () { var f = panel.querySelector(".s button,input,textarea,.n") || panel.querySelector(".x"); if (f) f.focus(); };
  (ctx.mount || document.body).appendChild(host);
  panel.addEventListener("keydown", function (e) {
    if (e.key == "Escape" && !ctx.mount) { ctx.close(); return; }
    if (e.key != "Tab") return;
    var f = panel.querySelectorAll("button,input,textarea,select,a[href]");
    var first = f[0], last = f[f.length - 1], active = root.activeElement;
    if (e.shiftKey && active == first) { last.focus(); e.preventDefault(); }
    else if (!e.shiftKey && active == last) { first.focus(); e.preventDefault(); }
  });

  var visible = s.questions.filter(function (q) { return q.type != "hidden"; });
  // Pages (s.pages): several questions at once on the link page (mounted), and in the
  // widget when the survey says so; otherwise one at a time along the same path.
  var paged = s.pages && (ctx.mount || s.pages.widget), pages = pagesOf(s), byId = {};
  s.questions.forEach(function (q) { byId[q.id] = q; });
  function lq(x) { return byId[x] && localise(byId[x], loc); }
  // Recall ({{id}}): text in, text out; h() puts it in a text node, never markup.
  function said(x) { return recall(x, s, answers, lq); }
  // Resume where a reloaded page left off: follow the path through the saved answers.
  var id = visible[0].id;
  while (id != "end" && answers[id] != null) id = next(s, id, answers);
  if (id == "end") id = visible[visible.length - 1].id;

  function closer() {
    return ctx.mount ? null : h("button", { class: "x", part: "close", type: "button", "aria-label": t.close, onclick: ctx.close }, ["×"]);
  }
  function step(qid) {
    var keep = inside() || ctx.mount; // (before the old step's controls are gone)
    var page = paged ? pages.filter(function (p) { return p.indexOf(qid) > -1; })[0] : [qid], many = page.length > 1;
    var n = paged ? pages.indexOf(page) + 1 : visible.indexOf(byId[qid]) + 1, total = paged ? pages.length : visible.length;
    var items = page.map(function (qid, k) {
      var q = Object.assign({}, lq(qid)), err = h("p", { class: "e", role: "alert" });
      q.title = said(q.title); q.description = said(q.description);
      // On a page a scale pick only marks the answer; the page's button moves on.
      var pick = many ? function () {} : go;
      var body = Q[q.type] ? Q[q.type](q, answers[qid], t, pick, h, ctx) : q.type == "open_text" ? text(q, answers[qid]) : q.choices ? choices(q, answers[qid], t) :
        q.type == "consent" ? consent(q, answers[qid]) : scale(q, answers[qid], function () { pick(); }, t);
      var tid = "sa-t" + (k || "");
      return { id: qid, q: q, body: body, err: err, el: h("div", { role: many ? "group" : null, "aria-labelledby": many ? tid : null }, [
        h("h2", { id: tid, part: "title", dir: "auto" }, [q.title]),
        q.description && q.type != "consent" ? h("p", { class: "d" }, [q.description]) : null, body[0], err]) };
    });
    var last = next(s, page[page.length - 1], answers) == "end";
    // A statement is "seen" once shown (kept if the visitor leaves here), "clicked" after.
    var shown = items.filter(function (it) { return it.q.type == "statement" && !it.q.required && answers[it.id] == null; });
    shown.forEach(function (it) { answers[it.id] = "seen"; });
    if (shown.length) ctx.save(Object.assign({}, answers), false);
    function go() {
      // A page is checked whole: every answer is read, each problem shown by its question.
      var bad = null, got = items.map(function (it) {
        it.err.textContent = "";
        try { var v = it.body[1](); } catch (m) { it.err.textContent = m; bad = bad || it; return; }
        if (it.q.required && empty(it.q, v) || /"other":" *"/.test(JSON.stringify(v))) { it.err.textContent = t.required; bad = bad || it; }
        return v;
      });
      if (bad) { if (many) (bad.el.querySelector(".s button,input,textarea,select") || bad.el).focus(); return; }
      items.forEach(function (it, k) { var v = got[k]; if (v == null || (Array.isArray(v) && !v.length)) delete answers[it.id]; else answers[it.id] = v; });
      var to = next(s, page[page.length - 1], answers);
      ctx.save(Object.assign({}, answers), to == "end");
      if (to == "end") thanks(); else step(to);
    }
    panel.setAttribute("aria-labelledby", "sa-t");
    fill(panel, [closer()].concat(items.map(function (it) { return it.el; }), [
      // Submit comes first in the tab order; the counter and "why" link sit left (CSS order).
      h("div", { class: "f" }, [
        items[0].body[2] && !many ? null : h("button", { class: "n", part: "submit", type: "button", onclick: go }, [last ? t.submit : t.next]),
        h("span", 0, [fmt(t.count, { n: n, total: total }), " · ",
          h("button", { class: "why", type: "button", dir: "auto", onclick: function () { why(qid); } }, [t.why])])])]));
    var focusable = panel.querySelector(".s button,input,textarea,.n");
    // Focus follows the visitor: it moves on from a step they answered in the survey (or on
    // a link page, where the survey is the page); a survey that appears on its own only says so.
    var say = fmt(t.count, { n: n, total: total }) + ": " + items[0].q.title;
    if (keep) { live.textContent = say; focusable.focus(); }
    else setTimeout(function () { live.textContent = t.survey + ": " + say + (/[.?!؟。？！]$/.test(say) ? " " : ". ") + t.hint; }, 300);
  }
  function why(back) {
    // Transparency: who asks, what is sent, and a way to say no for good.
    var site = location.hostname, keep = inside();
    fill(panel, [closer(), h("h2", { id: "sa-t", tabindex: "-1" }, [t.why_title]),
      h("p", { class: "d" }, [fmt(t.why_body, { site: site })]),
      h("div", { class: "f" }, [
        h("button", { class: "why", type: "button", onclick: function () { ctx.optOut(); ctx.close(); } },
          [t.stop]),
        h("button", { class: "n", type: "button", onclick: function () { step(back); } }, [t.back])])]);
    live.textContent = t.why_title;
    if (keep) panel.querySelector("h2").focus();
  }
  function thanks() {
    var ty = s.thank_you || {}, keep = inside();
    var heading = h("h2", { id: "sa-t", tabindex: "-1", dir: "auto" }, [said(ty.title) || t.thanks]);
    fill(panel, [closer(), heading, ty.body ? h("p", { class: "d" }, [said(ty.body)]) : null]);
    live.textContent = said(ty.title) || t.thanks;
    if (keep) (panel.querySelector(".x") || heading).focus();
    if (!ctx.mount) setTimeout(function () { if (panel.isConnected) ctx.close(); }, 6000);
  }
  step(id);
}

function close() {
  if (host) {
    // Focus goes back only if it is in the survey: closing on its own takes nothing away.
    var had = inside();
    host.remove();
    host = root = enter = null;
    if (had && lastFocus && lastFocus.focus) lastFocus.focus();
  }
}

window.__surveyappRender = render;
window.__surveyappClose = close;
