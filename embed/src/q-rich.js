// Question types ranking, matrix, picture choice and file upload (surveyapp/surveys/
// questions_rich.py has their rules): a chunk the renderer fetches only for a survey that
// holds one of them (renderer.js: CHUNKS, __surveyapp_q). A body is [element, read(), draws
// its own buttons]; read() throws the message to show. Keyboard paths: a ranking's items
// move with their up/down buttons (or Alt+Arrow keys on them), announced in a live region,
// and can be dragged; matrix cells and pictures are native radios/checkboxes (arrow keys
// within a row or a radio group); the file picker is the browser's. Layout follows dir, so
// a right-to-left survey lays them out right to left.
var Q = window.__surveyapp_q = window.__surveyapp_q || {};

function fmt(text, vars) { return text.replace(/\{(\w+)\}/g, function (m, k) { return vars[k]; }); }
function say(t, key, en, vars) { return fmt(t[key] || en, vars || {}); }
function uid() { return "q" + Math.random().toString(36).slice(2); }
var CSS = ".rk{list-style:none;padding:0;margin:0}.rk li{display:flex;align-items:center;gap:8px;padding:6px 8px;border:1px solid var(--line);border-radius:6px;margin-bottom:6px;background:var(--bg2);cursor:grab}" +
  ".rk li>span+span{flex:1}.rn{font-weight:600;min-width:1.4em}.rk button{border:1px solid var(--line);background:var(--bg);color:inherit;border-radius:4px;padding:2px 8px;cursor:pointer}.rk button:disabled{opacity:.35}" +
  ".mxw{overflow-x:auto}.mx{border-collapse:collapse;width:100%;font-size:13px}.mx th,.mx td{padding:4px;text-align:center;font-weight:normal}.mx tbody th{text-align:start}" +
  ".pg{display:grid;grid-template-columns:repeat(auto-fill,minmax(110px,1fr));gap:8px}.pc{border:1px solid var(--line);border-radius:6px;padding:6px;cursor:pointer}.pc img{width:100%;display:block;border-radius:4px;margin-bottom:4px}.pc:has(:checked){outline:2px solid var(--brand)}";
function box(h, attrs, kids) { return h("div", attrs, [h("style", 0, [CSS])].concat(kids)); }

Q.ranking = function (q, value, t, go, h) {
  var order = (value && value.length == q.items.length ? value : q.items.map(function (i) { return i.id; })).slice();
  if (!value && q.randomize) order.sort(function () { return Math.random() - .5; });
  var touched = !!value, label = {}, live = h("p", { class: "sr", "aria-live": "assertive" }), list = h("ol", { class: "rk", part: "ranking", "aria-label": q.title });
  q.items.forEach(function (i) { label[i.id] = i.label; });
  var rows = {}, dragged;
  function move(id, by, btn) {
    var at = order.indexOf(id), to = at + by;
    if (to < 0 || to >= order.length) return;
    order.splice(at, 1); order.splice(to, 0, id); touched = true; draw();
    live.textContent = say(t, "rank_moved", "{item}: position {n} of {total}", { item: label[id], n: to + 1, total: order.length });
    if (btn) (rows[id].querySelector(btn.className == "up" && to == 0 ? ".dn" : btn.className == "dn" && to == order.length - 1 ? ".up" : "." + btn.className) || btn).focus();
  }
  function keys(id) { return function (e) { if (e.altKey && /Arrow(Up|Down)/.test(e.key)) { e.preventDefault(); move(id, e.key == "ArrowUp" ? -1 : 1, e.target); } }; }
  q.items.forEach(function (i) {
    var up = h("button", { type: "button", class: "up", "aria-label": say(t, "rank_up", "Move {item} up", { item: i.label }), onclick: function () { move(i.id, -1, up); }, onkeydown: keys(i.id) }, ["▲"]);
    var dn = h("button", { type: "button", class: "dn", "aria-label": say(t, "rank_down", "Move {item} down", { item: i.label }), onclick: function () { move(i.id, 1, dn); }, onkeydown: keys(i.id) }, ["▼"]);
    rows[i.id] = h("li", { draggable: "true", part: "rank-item",
      ondragstart: function (e) { dragged = i.id; e.dataTransfer.setData("text/plain", i.id); },
      ondragover: function (e) { e.preventDefault(); },
      ondrop: function (e) { e.preventDefault(); if (dragged && dragged != i.id) move(dragged, order.indexOf(i.id) - order.indexOf(dragged)); dragged = null; },
    }, [h("span", { class: "rn", "aria-hidden": "true" }), h("span", { dir: "auto" }, [i.label]), up, dn]);
  });
  function draw() {
    order.forEach(function (id, n) {
      var li = rows[id];
      li.firstChild.textContent = n + 1;
      li.querySelector(".up").disabled = n == 0;
      li.querySelector(".dn").disabled = n == order.length - 1;
      list.append(li);
    });
  }
  draw();
  return [box(h, 0, [list, live]), function () { return touched || q.required ? order.slice() : null; }];
};

Q.matrix = function (q, value, t, go, h) {
  var multi = q.multiple, inputs = [], picked = value || {};
  var head = h("tr", 0, [h("td")].concat(q.columns.map(function (c) { return h("th", { scope: "col" }, [c.label]); })));
  var body = q.rows.map(function (r) {
    var name = uid(), mine = [].concat(picked[r.id] || []);
    return h("tr", { role: multi ? "group" : "radiogroup", "aria-label": r.label }, [h("th", { scope: "row", dir: "auto" }, [r.label])].concat(q.columns.map(function (c) {
      var inp = h("input", { type: multi ? "checkbox" : "radio", name: name, value: c.id, "aria-label": r.label + ": " + c.label });
      inp.checked = mine.indexOf(c.id) > -1;
      inp.row = r.id;
      inputs.push(inp);
      return h("td", 0, [inp]);
    })));
  });
  var table = h("table", { class: "mx", part: "matrix", "aria-label": q.title }, [h("thead", 0, [head]), h("tbody", 0, body)]);
  return [box(h, { class: "mxw" }, [table]), function () {
    var out = {}, n = 0;
    inputs.forEach(function (i) {
      if (!i.checked) return;
      if (!out[i.row]) n++;
      out[i.row] = multi ? (out[i.row] || []).concat(i.value) : i.value;
    });
    if (q.required && n && n < q.rows.length) throw say(t, "matrix_rows", "Answer every row.");
    return n ? out : null;
  }];
};

Q.picture_choice = function (q, value, t, go, h) {
  var multi = q.multiple, name = uid(), inputs = [], picked = [].concat(value || []);
  var cells = q.choices.map(function (c) {
    var inp = h("input", { type: multi ? "checkbox" : "radio", name: name, value: c.id });
    inp.checked = picked.indexOf(c.id) > -1;
    inputs.push(inp);
    return h("label", { class: "pc", part: "picture" }, [h("img", { src: c.image, alt: c.alt, loading: "lazy" }), h("span", 0, [inp, " ", c.label])]);
  });
  return [box(h, 0, [h("div", { class: "pg", role: multi ? "group" : "radiogroup", "aria-label": q.title }, cells)]), function () {
    var out = inputs.filter(function (i) { return i.checked; }).map(function (i) { return i.value; });
    if (multi && out.length && q.min && out.length < q.min) throw say(t, "pick_min", "Choose at least {n}.", { n: q.min });
    if (multi && q.max && out.length > q.max) throw say(t, "pick_max", "Choose at most {n}.", { n: q.max });
    return multi ? out : out[0];
  }];
};

// The file goes to the server first (POST .../uploads/<survey>/<question>); the answer is
// the token it returns. ctx.url is the survey's definition URL on the same API.
Q.file_upload = function (q, value, t, go, h, ctx) {
  var token = value || null, busy, problem, status = h("p", { class: "d", "aria-live": "polite", part: "upload-status" });
  var el = h("input", { type: "file", accept: (q.types || []).join(","), "aria-label": q.title });
  function failed() { return say(t, "file_failed", "The file could not be uploaded. Please try again."); }
  el.addEventListener("change", function () {
    var f = el.files[0];
    token = problem = null;
    if (!f) return;
    if (f.size > q.max_size_mb * 1048576) { status.textContent = problem = say(t, "file_big", "The file is larger than {n} MB.", { n: q.max_size_mb }); return; }
    busy = 1; status.textContent = say(t, "file_sending", "Uploading {name}…", { name: f.name });
    var url = (ctx && ctx.url || "").replace(/\/surveys\/(\d+)\/\d+$/, "/uploads/$1/" + q.id) + "?name=" + encodeURIComponent(f.name);
    fetch(url, { method: "POST", body: f, headers: { "Content-Type": "application/octet-stream" } }).then(function (r) {
      return r.json().then(function (d) {
        busy = 0;
        if (d.token) { token = d.token; status.textContent = say(t, "file_done", "Uploaded: {name}", { name: d.name }); }
        else {
          var c = d.error && d.error.code;
          status.textContent = problem = c == "file_type_not_accepted" ? say(t, "file_type", "This kind of file is not accepted here.")
            : c == "file_too_large" ? say(t, "file_big", "The file is larger than {n} MB.", { n: q.max_size_mb })
            : (d.error && d.error.message) || d.reason || failed();
        }
      });
    }, function () { busy = 0; status.textContent = problem = failed(); });
  });
  return [h("div", { class: "in", part: "file" }, [el, status]), function () {
    if (busy) throw say(t, "file_wait", "Wait until the file is uploaded.");
    if (problem) throw problem;
    return token;
  }];
};
