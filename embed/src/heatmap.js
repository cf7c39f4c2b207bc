// surveyapp heatmap toolbar: loaded by the click recorder when the page's URL has
// "#surveyapp-heatmap=<token>" (the click-map page's "Open on my site" link). It fetches
// this page's clicks from the app (authorised by the token alone) and draws them over the
// live elements: each element by its selector at its mean click position, or at the page
// position the clicks were recorded at when the element is not on the page now. Segment
// and device filters refetch; the rage and dead toggles show or hide those marks. All of it
// lives in a shadow root, so the site's CSS and ours never meet.
(function (w, d) {
  if (w.__surveyappHeatmap) return;
  w.__surveyappHeatmap = 1;
  var me = d.currentScript;
  var base = ((me && me.src) || "").replace(/\/embed\/v1\/heatmap\.js.*$/, "");
  var m = /surveyapp-heatmap=([^&]+)/.exec(w.location.hash);
  if (!m) return;
  var token = decodeURIComponent(m[1]);
  var state = { segment: "", device: "", rage: 1, dead: 1, data: null, path: w.location.pathname };

  var host = d.createElement("surveyapp-heatmap");
  host.setAttribute("style", "position:absolute;left:0;top:0;width:0;height:0;z-index:2147483647");
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML =
    "<style>" +
    ":host{all:initial}*{box-sizing:border-box;font:13px/1.3 system-ui,sans-serif;color:#111;letter-spacing:0}" +
    "#layer{position:absolute;left:0;top:0;pointer-events:none;overflow:hidden}" +
    ".spot{position:absolute;border-radius:50%;transform:translate(-50%,-50%);" +
    "background:radial-gradient(circle,rgba(255,40,0,.95) 0,rgba(255,140,0,.6) 35%,rgba(255,220,0,.25) 65%,rgba(255,220,0,0) 72%)}" +
    ".spot.rage.r{box-shadow:0 0 0 3px #d00 inset}.spot.dead.x{outline:3px dashed #555;outline-offset:-3px}" +
    ".n{position:absolute;left:50%;top:50%;transform:translate(-50%,-50%);background:#111;color:#fff;border-radius:9px;padding:0 5px;font-size:11px}" +
    "#bar{position:fixed;right:8px;bottom:8px;left:auto;max-width:calc(100vw - 16px);background:#fff;border:1px solid #888;" +
    "border-radius:8px;padding:8px;box-shadow:0 2px 12px rgba(0,0,0,.3);display:flex;flex-wrap:wrap;gap:6px 10px;align-items:center}" +
    "select,button{border:1px solid #888;border-radius:4px;background:#fff;padding:2px 4px;max-width:100%}" +
    "label{display:inline-flex;gap:4px;align-items:center}#msg{flex-basis:100%;color:#333}" +
    "</style><div id=layer></div><div id=bar role=region aria-label=\"Click heatmap\">" +
    "<strong>Click heatmap</strong>" +
    "<label>Segment <select id=segment><option value=\"\">Everyone</option></select></label>" +
    "<label>Device <select id=device><option value=\"\">All devices</option></select></label>" +
    "<label><input type=checkbox id=rage checked> Rage clicks</label>" +
    "<label><input type=checkbox id=dead checked> Dead clicks</label>" +
    "<button type=button id=close aria-label=\"Close the heatmap\">Close</button>" +
    "<span id=msg role=status aria-live=polite>Loading clicks…</span></div>";
  (d.body || d.documentElement).appendChild(host);
  function $(id) { return root.getElementById(id); }
  var layer = $("layer");

  function option(select, value, text) {
    var o = d.createElement("option");
    o.value = value; o.textContent = text;
    select.appendChild(o);
  }
  function say(text) { $("msg").textContent = text; }

  function load() {
    state.path = w.location.pathname;
    var q = "?token=" + encodeURIComponent(token) + "&path=" + encodeURIComponent(state.path) +
      (state.segment ? "&segment=" + encodeURIComponent(state.segment) : "") +
      (state.device ? "&device=" + encodeURIComponent(state.device) : "");
    say("Loading clicks…");
    fetch(base + "/api/v1/heatmap" + q, { credentials: "omit" }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, body: body }; });
    }).then(function (res) {
      if (!res.ok) { state.data = null; draw(); return say((res.body.error || {}).message || "The clicks could not be read."); }
      var first = !state.data && !$("segment").options[1];
      state.data = res.body;
      if (first) {
        res.body.segments.forEach(function (s) { option($("segment"), s.key, s.name); });
        res.body.devices.forEach(function (v) { option($("device"), v, v); });
      }
      draw();
    }, function () { say("The app could not be reached."); });
  }

  function draw() {
    var doc = d.documentElement;
    layer.textContent = "";
    layer.style.width = doc.scrollWidth + "px";
    layer.style.height = doc.scrollHeight + "px";
    var data = state.data;
    if (!data) return;
    var els = data.elements, top = 1, clicks = 0, shown = 0, off = 0;
    els.forEach(function (e) { top = Math.max(top, e.clicks); });
    els.forEach(function (e) {
      var x, y, where = "page", target = null;
      try { target = d.querySelector(e.selector); } catch (err) { target = null; }
      var r = target && target.getBoundingClientRect();
      if (r && (r.width || r.height)) {
        x = r.left + w.scrollX + (e.x == null ? 0.5 : e.x) * r.width;
        y = r.top + w.scrollY + (e.y == null ? 0.5 : e.y) * r.height;
        where = "element";
      } else if (e.page_x != null && e.page_y != null) {
        x = e.page_x * doc.scrollWidth; y = e.page_y;
      } else { off++; return; }
      var size = Math.round(24 + 56 * Math.sqrt(e.clicks / top));
      var spot = d.createElement("div");
      var rage = e.rage > 0, dead = e.flags.indexOf("dead clicks") >= 0;
      spot.className = "spot" + (rage ? " rage" : "") + (dead ? " dead" : "") +
        (rage && state.rage ? " r" : "") + (dead && state.dead ? " x" : "");
      spot.style.cssText = "left:" + x + "px;top:" + y + "px;width:" + size + "px;height:" + size +
        "px;opacity:" + (0.45 + 0.55 * e.clicks / top).toFixed(2);
      spot.setAttribute("data-selector", e.selector);
      spot.setAttribute("data-clicks", e.clicks);
      spot.setAttribute("data-placed", where);
      spot.title = e.selector + ": " + e.clicks + " clicks" + (e.rage ? ", " + e.rage + " rage" : "") +
        (e.dead ? ", " + e.dead + " dead" : "");
      var n = d.createElement("span");
      n.className = "n"; n.textContent = e.clicks;
      spot.appendChild(n);
      layer.appendChild(spot);
      clicks += e.clicks; shown++;
    });
    say(els.length ? shown + " elements, " + clicks + " clicks on " + data.path +
      (off ? " (" + off + " elements not on this page now)" : "") +
      (data.segment ? "; elements fewer than " + data.k_min + " members clicked are not shown" : "")
      : "No clicks on " + data.path + " for this choice.");
  }

  $("segment").addEventListener("change", function () { state.segment = this.value; load(); });
  $("device").addEventListener("change", function () { state.device = this.value; load(); });
  $("rage").addEventListener("change", function () { state.rage = this.checked; draw(); });
  $("dead").addEventListener("change", function () { state.dead = this.checked; draw(); });
  $("close").addEventListener("click", function () {
    host.remove();
    clearInterval(timer);
    history.replaceState(history.state, "", w.location.pathname + w.location.search);
  });
  w.addEventListener("resize", draw);
  // Single-page apps change the path without a load: follow it.
  var timer = setInterval(function () { if (w.location.pathname != state.path) load(); }, 800);
  load();
})(window, document);
