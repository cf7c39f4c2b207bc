// surveyapp loader: fetches the environment's config, evaluates targeting, tracks events
// and keeps every write in an outbox (localStorage) until the server has it. The survey
// renderer is loaded only when a survey is about to show. Budget: 3 KB gzip.
//
// Snippet:
//   <script>window.surveyapp=window.surveyapp||function(){(surveyapp.q=surveyapp.q||[]).push(arguments)}</script>
//   <script async src="https://HOST/embed/v1/loader.js" data-key="pk_..."></script>
// API: surveyapp("identify", id, attrs) ("track", name, props) ("setConsent", bool)
//      ("optOut") ("reset") ("experiment", key, (variant) => {...})
//      ("personalize", slot, (decision) => {...}, {attributes}): personalize.js, lazily
//      ("yourData", userHash, (url) => {...}): a signed link to the person's own data
//      page; userHash = HMAC-SHA256(identity secret, user id), computed on your server

((w, d) => {
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
  function uuid() { // ids are idempotency keys: random, 8-64 of [A-Za-z0-9_-]
    return crypto.randomUUID ? crypto.randomUUID() : rnd() + now().toString(36) + rnd();
  }
  function rnd() { return Math.random().toString(36).slice(2); }
  function now() { return Date.now(); }

  // u: user id, a: attributes, c: consent (true/false/undefined), o: opted out,
  // v: per survey {n: displays, a: answered}, l: last display time, x: anonymous id,
  // p: survey in progress {s, r, a}, g: the identified person's segment keys,
  // n: consent notice version the person answered
  var st = load("s", {});
  st.v = st.v || {};
  st.x = st.x || uuid();
  if (dnt) delete st.u; // DNT / Global Privacy Control: the person is never identified
  var session = uuid();
  var events = [];
  var cfg, timer, busy = 0, backoff = 1000, current, triggers = [], early = [];
  // Browsers refuse keepalive requests over 64 KB (in flight, all of the page's together).
  var LIMIT = 6e4;

  function persist() { save("s", st); }

  // ---- outbox: every write survives network errors and reloads; retries are idempotent.
  // One storage key per write (sa_<key>_o<id> = [order, method, path, body]): a tab only
  // ever adds its own keys and removes a key once the server has the write, so no tab can
  // overwrite what another queued. Whichever tab flushes sends every tab's writes.
  var Q = prefix + "o", mem = {}, seq = 0;
  function put(k, v) { try { localStorage.setItem(k, JSON.stringify(v)); } catch (e) { mem[k] = v; } }
  function drop(k) { delete mem[k]; try { localStorage.removeItem(k); } catch (e) {} }
  function outbox() {
    var out = [], k, i;
    for (k in mem) out.push([k, mem[k]]);
    try {
      for (i = 0; i < localStorage.length; i++)
        if (!(k = localStorage.key(i)).indexOf(Q)) out.push([k, JSON.parse(localStorage.getItem(k))]);
    } catch (e) {}
    return out.sort((a, b) => a[1][0] - b[1][0]);
  }
  load("q", []).forEach((i) => { put(Q + uuid(), [0].concat(i)); }); // the single-key outbox before
  drop(prefix + "q");
  function bytes(v) { return new Blob([JSON.stringify(v)]).size; }

  function send(method, path, body) {
    // Answering a link survey one opened is consent to store those answers.
    body.consent = linkId && path[1] != "e" ? true : st.c;
    put(Q + uuid(), [now() * 1e3 + seq++ % 1e3, method, path, body]);
    flush();
  }
  // While the page is open, one write at a time, in order; while it goes away, all at once,
  // with keepalive as far as the browser's limit allows (what does not fit stays queued).
  var sending = {};
  function flush() {
    var hidden = d.visibilityState == "hidden", room = LIMIT;
    outbox().some((e) => {
      var k = e[0], item = e[1], n = bytes(item[3]);
      if (!sending[k] && !(busy && !hidden)) {
        sending[k] = ++busy;
        req(item[1], item[2], item[3], hidden && n < room && (room -= n)).then((r) => {
          var s = r.status;
          if (s > 499 || s == 429 || s == 408) throw r;
          // identify answers with the person's own segment keys (for segment targeting)
          if (item[2] == "/identify") r.json().then((j) => {
            if (j.segments) { st.g = j.segments; persist(); evaluate(); }
          }, Object);
          // Stored, or refused for good (any other 4xx): never retried forever.
          if (s > 399) console.warn("surveyapp: dropped a refused write", s, item[2]);
          drop(k); done(k); backoff = 1000;
          flush();
        }).catch(() => {
          done(k);
          setTimeout(flush, backoff = Math.min(backoff * 2, 60000));
        });
      }
      return !hidden;
    });
  }
  function done(k) { delete sending[k]; busy--; }

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
    // Batches of at most 100 events and LIMIT bytes (one larger event goes alone).
    for (var b = [], z = 0, e; tracking() && (e = events.shift()); b.push(e)) {
      var n = bytes(e) + 1;
      if (b.length > 99 || b.length && z + n > LIMIT - 99) { send("POST", "/events", { events: b }); b = []; z = 0; }
      z += n;
    }
    if (b.length) send("POST", "/events", { events: b });
    events = [];
  }

  var commands = {
    identify: (id, attrs) => {
      st.u = dnt || id == null ? st.u : String(id);
      st.a = Object.assign(st.a || {}, attrs);
      persist();
      if (st.u && !st.o) send("POST", "/identify", { user_id: st.u, attributes: attrs || {}, notice_version: st.n });
      evaluate();
    },
    track: track,
    setConsent: (granted) => {
      st.c = !!granted; persist();
      if (st.u) send("POST", "/identify", { user_id: st.u, consent: st.c, notice_version: st.n });
      evaluate();
    },
    optOut: () => {
      commands.setConsent(false); st.o = 1; persist(); close();
    },
    reset: () => { st = { v: {}, x: uuid() }; persist(); close(); },
    // Sticky variant from the server (a hash of the user or anonymous id and the key); the
    // server stores the exposure once. cb(null) when not running or unreachable. The
    // variant becomes the attribute "experiment:<key>", so a survey can target one variant.
    experiment: (k, cb) => {
      post("/experiments/" + encodeURIComponent(k), { user_id: st.u, anonymous_id: st.x, consent: !st.o && st.c })
        .then((r) => r.variant, () => {})
        .then((v) => {
          if (v) { (st.a = st.a || {})["experiment:" + k] = v; persist(); evaluate(); }
          if (cb) cb(v || null);
        });
    },
  };
  // Personalization is its own chunk (personalize.js, which takes over pq), fetched on
  // the first call; if it cannot load (offline), each call queued gets cb(null).
  var pq = [];
  w.__surveyappS = () => [api, st, dnt, pq];
  commands.personalize = function () {
    pq.push(arguments) < 2 && js("personalize.js", () => { pq.splice(0).forEach((a) => { a[1] && a[1](null); }); });
  };
  commands.yourData = (hash, cb) => {
    post("/privacy-link", { user_id: st.u, user_hash: hash })
      .then((r) => { cb(r.url || null); }, () => { cb(null); });
  };
  function req(method, path, body, keep) {
    // A text/plain body (the server reads it as JSON): a POST needs no CORS preflight.
    return fetch(api + path, { method: method, body: JSON.stringify(body), keepalive: keep });
  }
  function post(path, body) { return req("POST", path, body).then((r) => r.json()); }
  function call(args) { var f = commands[args[0]]; if (f) f.apply(null, [].slice.call(args, 1)); }

  // ---- targeting
  function urlMatches(rule) {
    var loc = w.location, v = rule.value, m = rule.match;
    return [loc.href, loc.pathname + loc.search + loc.hash].some((u) => {
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
    var urls = t.urls || [], inc = urls.filter((r) => !r.exclude);
    var sch = t.schedule || {}, wait = (t.recontact_days != null ? t.recontact_days : cfg.recontact_days) * 864e5;
    return !(inc.length && !inc.some(urlMatches)) &&
      !urls.some((r) => r.exclude && urlMatches(r)) &&
      (t.attributes || []).every(attrMatches) &&
      !((t.segments || []).length && !t.segments.some((k) => (st.g || []).indexOf(k) > -1)) &&
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
    (type == "page_view" ? triggers.map((t) => t.s) : cfg.surveys).forEach((s) => {
      var g = (s.targeting || {}).trigger || { type: "page_view" };
      if (g.type == type && (type != "event" || g.name == arg) &&
          (type != "click" || arg.closest && arg.closest(g.selector)) &&
          (type != "scroll" || arg >= (g.percent || 50))) show(s);
    });
  }
  function allowed() { return !st.o && (cfg.consent_mode != "required" || st.c); }
  function evaluate() {
    if (!cfg) return;
    triggers.forEach((t) => { clearTimeout(t.t); });
    triggers = allowed() ? cfg.surveys.filter(eligible).map((s) => {
      var g = (s.targeting = s.targeting || {}).trigger || {};
      return { s: s, t: g.type == "delay" && setTimeout(() => { show(s); }, (g.seconds || 0) * 1000) };
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
      // The config has what targeting needs; the renderer fetches the rest from url.
      survey: s, url: api + "/surveys/" + s.id + "/" + s.version, answers: progress.a, mount: mount,
      attributes: Object.assign({}, st.a, mount && Object.fromEntries(new URLSearchParams(w.location.search))),
      save: (answers, finished) => {
        progress.a = answers;
        if (finished) { seen.a = 1; st.p = null; }
        persist();
        send("PUT", "/responses/" + progress.r, {
          survey_id: s.id, version: s.version, answers: answers, finished: finished, user_id: st.u,
          display_id: display, meta: { url: w.location.href, locale: nav.language,
            device: w.innerWidth < 640 ? "phone" : "desktop", hidden: ctx.hidden },
        });
      },
      // Closed before the end (x, Escape): a display like any other, and the recontact
      // wait starts now; it is no longer a survey in progress to resume on the next page.
      close: () => { if (!seen.a) { st.p = null; st.l = now(); persist(); } close(); },
      optOut: () => { commands.optOut(); },
    };
    render(ctx);
  }
  function render(ctx) {
    if (w.__surveyappRender) w.__surveyappRender(ctx);
    // (a versioned URL: the server lets browsers keep it for a year)
    else js("renderer.js?v=" + RENDERER_VERSION, () => { if (current && w.__surveyappRender) w.__surveyappRender(ctx); });
  }
  // The workspace's consent notice, asked once (and again when its version changes) as a
  // one-question survey; the decision is sent with the notice version the person saw.
  function ask(n) {
    current = n;
    render({ notice: n.text, strings: n.strings, close: close, optOut: commands.optOut,
      save: (a) => { current = 0; st.n = n.version; commands.setConsent(a.c === true); } });
  }
  function js(name, f) {
    var el = d.createElement("script");
    el.src = base + "/embed/v1/" + name;
    el.onload = el.onerror = f;
    d.head.appendChild(el);
  }
  function fail() { d.documentElement.setAttribute("data-surveyapp", "unavailable"); }
  function close() {
    current = null;
    if (w.__surveyappClose) w.__surveyappClose();
  }

  // ---- single-page apps: history and hash changes re-evaluate URL targeting
  function route() { if (!linkId) setTimeout(evaluate, 0); }
  ["pushState", "replaceState"].forEach((m) => {
    var orig = history[m];
    history[m] = function () { var r = orig.apply(this, arguments); route(); return r; };
  });
  w.addEventListener("popstate", route);
  w.addEventListener("hashchange", route);
  d.addEventListener("click", (e) => { fire("click", e.target); }, true);
  d.addEventListener("mouseout", (e) => { if (!e.relatedTarget && e.clientY <= 0) fire("exit_intent"); });
  w.addEventListener("scroll", () => {
    var el = d.documentElement;
    fire("scroll", 100 * (w.scrollY + w.innerHeight) / el.scrollHeight);
  }, { passive: true });
  // Leaving the page: queued events go out now (with keepalive); the outbox keeps them too.
  d.addEventListener("visibilitychange", () => { if (d.visibilityState == "hidden") drain(); });
  w.addEventListener("online", flush);

  // ---- start: replay queued calls, then fetch config (the browser's HTTP cache revalidates with the ETag)
  var queued = (w.surveyapp && w.surveyapp.q) || [];
  w.surveyapp = function () { call(arguments); };
  for (var name in commands) w.surveyapp[name] = commands[name];
  queued.forEach(call);
  fetch(api + "/config").then((r) => r.json()).then((c) => {
    cfg = c;
    drain();
    var ls = linkId && c.surveys.filter((s) => s.id == linkId)[0];
    if (linkId) return ls ? show(ls, d.querySelector(script.getAttribute("data-mount"))) : fail();
    var n = c.consent_notice;
    if (n && c.consent_mode != "not_required" && !dnt && !st.o && (st.c == null || st.n && st.n != n.version)) ask(n);
    evaluate();
    early.forEach((name) => { fire("event", name); });
    // Click maps: the recorder is a separate chunk, fetched only when the workspace has
    // them on and tracking is allowed; its clicks go through track() and the outbox.
    if (tracking() && c.clicks) { w.__surveyappTrack = track; js("clicks.js"); }
  }).catch(() => { if (linkId && !current) fail(); }).then(flush);
})(window, document);
