// surveyapp loader: fetches the environment's config, evaluates targeting, tracks events
// and keeps every write in an outbox (localStorage) until the server has it. The survey
// renderer is loaded only when a survey is about to show. Budget: 3 KB gzip.
//
// Snippet:
//   <script>window.surveyapp=window.surveyapp||function(){(surveyapp.q=surveyapp.q||[]).push(arguments)}</script>
//   <script async src="https://HOST/embed/v1/loader.js" data-key="pk_..."></script>
// API: surveyapp("identify", id, attrs) ("track", name, props) ("setConsent", bool)
//      ("optOut") ("reset") ("experiment", key, function (variant) {...})

(function (w, d) {
  var script = d.currentScript;
  var key = script && script.getAttribute("data-key");
  // Link pages: data-survey shows that survey at once, inline in data-mount.
  var linkId = script && +script.getAttribute("data-survey");
  if (!key || w.__surveyapp) return;
  w.__surveyapp = 1;
  var base = script.src.replace(/\/embed\/v1\/loader\.js.*$/, "");
  var api = base + "/api/v1/client/" + key;
  var prefix = "sa_" + key + "_";
  var nav = navigator;
  var dnt = nav.doNotTrack == "1" || nav.globalPrivacyControl === true;

  function load(k, fallback) {
    try { var v = localStorage.getItem(prefix + k); return v ? JSON.parse(v) : fallback; }
    catch (e) { return fallback; }
  }
  function save(k, v) { try { localStorage.setItem(prefix + k, JSON.stringify(v)); } catch (e) {} }
  function uuid() {
    return crypto.randomUUID ? crypto.randomUUID() : "10000000-1000-4000-8000-100000000000"
      .replace(/[018]/g, function (c) { return (c ^ crypto.getRandomValues(new Uint8Array(1))[0] & 15 >> c / 4).toString(16); });
  }
  function now() { return Date.now(); }

  // u: user id, a: attributes, c: consent (true/false/undefined), o: opted out,
  // v: per survey {n: displays, a: answered}, l: last display time, x: anonymous id,
  // p: survey in progress {s, r, a}
  var st = load("s", {});
  st.v = st.v || {};
  st.x = st.x || uuid();
  var session = uuid();
  var box = load("q", []); // outbox of [method, path, body]
  var events = [];
  var cfg, timer, busy, backoff = 1000, current, triggers = [], early = [];

  function persist() { save("s", st); }

  // ---- outbox: every write survives network errors and reloads; retries are idempotent
  function send(method, path, body) {
    // Answering a link survey one opened is consent to store those answers.
    body.consent = linkId && path[1] != "e" ? true : st.c;
    box.push([method, path, body]);
    save("q", box);
    flush();
  }
  function flush() {
    if (busy || !box.length) return;
    busy = 1;
    var item = box[0];
    fetch(api + item[1], {
      method: item[0], body: JSON.stringify(item[2]), keepalive: true,
      headers: { "Content-Type": "application/json" },
    }).then(function (r) {
      if (r.status > 499 || r.status == 429) throw r;
      box.shift(); // stored, or refused for good (4xx): never retried forever
      save("q", box);
      busy = 0; backoff = 1000;
      flush();
    }).catch(function () {
      busy = 0;
      setTimeout(flush, backoff = Math.min(backoff * 2, 60000));
    });
  }

  function tracking() { return !st.o && !dnt && (cfg && cfg.consent_mode == "not_required" || st.c); }

  function track(name, props) {
    if (st.o) return;
    if (tracking() || !cfg) {
      events.push({ id: uuid(), name: name, properties: props || {}, timestamp: new Date().toISOString(),
        session_id: session, user_id: st.u });
      clearTimeout(timer);
      timer = setTimeout(drain, 2000);
    }
    fire("event", name);
  }
  function drain() {
    if (events.length && tracking()) send("POST", "/events", { events: events.splice(0, 100) });
    events = tracking() ? events : [];
  }

  var commands = {
    identify: function (id, attrs) {
      st.u = id == null ? st.u : String(id);
      st.a = Object.assign(st.a || {}, attrs);
      persist();
      if (st.u && !st.o) send("POST", "/identify", { user_id: st.u, attributes: attrs || {} });
      evaluate();
    },
    track: track,
    setConsent: function (granted) {
      st.c = !!granted; persist();
      if (st.u) send("POST", "/identify", { user_id: st.u, consent: st.c });
      evaluate();
    },
    optOut: function () {
      commands.setConsent(false); st.o = 1; persist(); close();
    },
    reset: function () { st = { v: {}, x: uuid() }; persist(); close(); },
    // Sticky variant from the server (a hash of the user or anonymous id and the key); the
    // server stores the exposure once. cb(null) when not running or unreachable. The
    // variant becomes the attribute "experiment:<key>", so a survey can target one variant.
    experiment: function (k, cb) {
      fetch(api + "/experiments/" + encodeURIComponent(k), {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ user_id: st.u, anonymous_id: st.x, consent: st.o ? false : st.c }),
      }).then(function (r) { return r.json(); }).then(function (r) { return r.variant; }, function () {})
        .then(function (v) {
          if (v) { (st.a = st.a || {})["experiment:" + k] = v; persist(); evaluate(); }
          if (cb) cb(v || null);
        });
    },
  };
  function call(args) { var f = commands[args[0]]; if (f) f.apply(null, [].slice.call(args, 1)); }

  // ---- targeting
  function urlMatches(rule) {
    var loc = w.location, v = rule.value, m = rule.match;
    return [loc.href, loc.pathname + loc.search + loc.hash].some(function (u) {
      return m == "exact" ? u == v || u.replace(/\/$/, "") == v.replace(/\/$/, "") :
        m == "contains" ? u.indexOf(v) > -1 :
        m == "starts_with" ? u.indexOf(v) == 0 :
        new RegExp(v).test(u);
    });
  }
  function attrMatches(f) {
    var a = (st.a || {})[f.key], v = f.value;
    return f.op == "exists" ? a != null : f.op == "not_exists" ? a == null :
      f.op == "neq" ? a != v : f.op == "contains" ? String(a).indexOf(v) > -1 :
      f.op == "gt" ? a > v : f.op == "lt" ? a < v : a == v;
  }
  function bucket(id) { // stable 0-99 per visitor and survey
    var h = 0, s = st.x + id;
    for (var i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
    return Math.abs(h) % 100;
  }
  function eligible(s) {
    var t = s.targeting || {}, seen = st.v[s.id] || {}, lim = t.display_limit || { mode: "until_answered" };
    var urls = t.urls || [], inc = urls.filter(function (r) { return !r.exclude; });
    var sch = t.schedule || {}, wait = (t.recontact_days != null ? t.recontact_days : cfg.recontact_days) * 864e5;
    return !(inc.length && !inc.some(urlMatches)) &&
      !urls.some(function (r) { return r.exclude && urlMatches(r); }) &&
      (t.attributes || []).every(attrMatches) &&
      bucket(s.id) < (t.sampling == null ? 100 : t.sampling) &&
      !(lim.mode == "once" && seen.n || lim.mode == "until_answered" && seen.a ||
        lim.mode == "times" && seen.n >= lim.times) &&
      !(st.l && now() - st.l < wait && !(st.p && st.p.s == s.id)) &&
      !(sch.start && now() < Date.parse(sch.start)) && !(sch.end && now() > Date.parse(sch.end));
  }

  // ---- triggers: armed per page, re-armed on SPA route changes
  function fire(type, arg) {
    if (!cfg) return type == "event" && early.push(arg); // replayed once the config is here
    // Page views use the surveys armed for this page; other triggers check the page as it
    // is now (an event may follow a route change that has not been evaluated yet).
    (type == "page_view" ? triggers.map(function (t) { return t.s; }) : cfg.surveys).forEach(function (s) {
      var g = (s.targeting || {}).trigger || { type: "page_view" };
      if (g.type == type && (type != "event" || g.name == arg) &&
          (type != "click" || arg.closest && arg.closest(g.selector)) &&
          (type != "scroll" || arg >= (g.percent || 50))) show(s);
    });
  }
  function allowed() { return !st.o && (cfg.consent_mode != "required" || st.c); }
  function evaluate() {
    if (!cfg) return;
    triggers.forEach(function (t) { clearTimeout(t.t); });
    triggers = allowed() ? cfg.surveys.filter(eligible).map(function (s) {
      var g = (s.targeting = s.targeting || {}).trigger || {};
      return { s: s, t: g.type == "delay" && setTimeout(function () { show(s); }, (g.seconds || 0) * 1000) };
    }) : [];
    fire("page_view");
  }

  // ---- showing: the renderer is fetched only now
  function show(s, mount) {
    if (current || !mount && (!allowed() || !eligible(s))) return;
    current = s;
    var seen = st.v[s.id] = st.v[s.id] || { n: 0 };
    seen.n++; st.l = now();
    var progress = st.p && st.p.s == s.id ? st.p : (st.p = { s: s.id, r: uuid(), a: {} });
    persist();
    var display = uuid();
    send("POST", "/displays", { id: display, survey_id: s.id, version: s.version, user_id: st.u });
    var ctx = {
      survey: s, answers: progress.a, mount: mount,
      attributes: Object.assign({}, st.a, mount && Object.fromEntries(new URLSearchParams(w.location.search))),
      save: function (answers, finished) {
        progress.a = answers;
        if (finished) { seen.a = 1; st.p = null; }
        persist();
        send("PUT", "/responses/" + progress.r, {
          survey_id: s.id, version: s.version, answers: answers, finished: finished, user_id: st.u,
          display_id: display, meta: { url: w.location.href, locale: nav.language,
            device: w.innerWidth < 640 ? "phone" : "desktop", hidden: ctx.hidden },
        });
      },
      close: close,
      optOut: function () { commands.optOut(); },
    };
    if (w.__surveyappRender) w.__surveyappRender(ctx);
    else js("renderer", function () { if (current == s) w.__surveyappRender(ctx); });
  }
  function js(name, f) {
    var el = d.createElement("script");
    el.src = base + "/embed/v1/" + name + ".js";
    el.onload = f;
    d.head.appendChild(el);
  }
  function fail() { d.documentElement.setAttribute("data-surveyapp", "unavailable"); }
  function close() {
    current = null;
    if (w.__surveyappClose) w.__surveyappClose();
  }

  // ---- single-page apps: history and hash changes re-evaluate URL targeting
  function route() { if (!linkId) setTimeout(evaluate, 0); }
  ["pushState", "replaceState"].forEach(function (m) {
    var orig = history[m];
    history[m] = function () { var r = orig.apply(this, arguments); route(); return r; };
  });
  w.addEventListener("popstate", route);
  w.addEventListener("hashchange", route);
  d.addEventListener("click", function (e) { fire("click", e.target); }, true);
  d.addEventListener("mouseout", function (e) { if (!e.relatedTarget && e.clientY <= 0) fire("exit_intent"); });
  w.addEventListener("scroll", function () {
    var el = d.documentElement;
    fire("scroll", 100 * (w.scrollY + w.innerHeight) / el.scrollHeight);
  }, { passive: true });
  w.addEventListener("pagehide", function () {
    if (events.length && tracking() && nav.sendBeacon) {
      // The beacon is best effort; the same events (same ids) also stay in the outbox.
      var body = { events: events.slice(0, 100), consent: st.c };
      drain();
      nav.sendBeacon(api + "/events", JSON.stringify(body));
    }
  });

  // ---- start: replay queued calls, then fetch config (the browser's HTTP cache revalidates with the ETag)
  var queued = (w.surveyapp && w.surveyapp.q) || [];
  w.surveyapp = function () { call(arguments); };
  for (var name in commands) w.surveyapp[name] = commands[name];
  queued.forEach(call);
  fetch(api + "/config").then(function (r) { return r.json(); }).then(function (c) {
    cfg = c;
    drain();
    var ls = linkId && c.surveys.filter(function (s) { return s.id == linkId; })[0];
    if (linkId) return ls ? show(ls, d.querySelector(script.getAttribute("data-mount"))) : fail();
    evaluate();
    early.forEach(function (name) { fire("event", name); });
    // Click maps: the recorder is a separate chunk, fetched only when the workspace has
    // them on and tracking is allowed; its clicks go through track() and the outbox.
    if (tracking()) fetch(api + "/clicks").then(function (r) { return r.json(); }).then(function (c) {
      if (c.enabled) { w.__surveyappTrack = track; js("clicks"); }
    });
  }).catch(function () { if (linkId && !current) fail(); }).then(flush);
})(window, document);
