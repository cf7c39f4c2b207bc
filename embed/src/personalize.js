// surveyapp personalize: surveyapp("personalize", slot, cb, {attributes}) -- fetched by the
// loader on the first call (its own chunk, so pages without personalization never load it).
// Asks /api/v1/client/<key>/personalize/<slot> with the widget's user id (after identify) or
// its anonymous id, the consent state, location.pathname and the attributes given; DNT and
// Global Privacy Control are sent too, so the server answers the default and records
// nothing. One request per visitor, slot, page and attributes for the page's life (calls in
// flight share it); cb(decision) or cb(null) when offline, unknown or not live; an error in
// cb is logged, never thrown into the page. A decision whose slot carries a relevance
// question has decision.ask(element): a one-question micro-survey (1-5) after the element.
// Budget: 2 KB gzip. Styles are a constructed stylesheet in a Shadow DOM, like renderer.js.
((w, d) => {
  var cache = {};
  var CSS = `:host{all:initial!important;display:block!important}
.r{box-sizing:border-box;margin:8px 0;font:14px/1.4 var(--surveyapp-font,system-ui,sans-serif);color:var(--surveyapp-text,#1d2130)}
.r *{box-sizing:border-box;font:inherit;color:inherit}
.s{display:flex;gap:4px;flex-wrap:wrap;margin-top:4px}
.s button{flex:0 0 36px;height:36px;border:1px solid var(--surveyapp-border,#d9dbe3);border-radius:6px;background:var(--surveyapp-surface,#f7f7fa);cursor:pointer}
.s button:hover,.s button:focus-visible{outline:3px solid var(--surveyapp-brand,#4f46e5)}
.l{display:flex;justify-content:space-between;max-width:196px;font-size:12px;opacity:.75}`;

  function post(api, path, body) {
    return fetch(api + path, { method: "POST", body: JSON.stringify(body) })
      .then((r) => r.ok ? r.json() : null);
  }
  function safe(cb, v) {
    try { if (cb) cb(v); } catch (e) { console.error("surveyapp: personalize callback", e); }
  }

  var q = w.__surveyappS()[3];
  function personalize(args) {
    var s = w.__surveyappS(), api = s[0], st = s[1], dnt = s[2];
    var slot = String(args[0]), cb = args[1], attrs = (args[2] || {}).attributes || {};
    var who = { user_id: dnt ? undefined : st.u, anonymous_id: st.x, consent: st.o ? false : st.c,
      dnt: dnt || undefined };
    var body = Object.assign({ page: w.location.pathname, attributes: attrs }, who);
    var path = "/personalize/" + encodeURIComponent(slot);
    var k = JSON.stringify([path, body, !!st.o]);
    var p = cache[k] = cache[k] || post(api, path, body).then((r) => {
      if (!r || !r.variant) return null;
      var q = r.relevance;
      if (q && !q.answered) r.ask = (el) => ask(api, path, who, r, q, el);
      return r;
    }).catch(() => { delete cache[k]; return null; }); // offline: a later call asks again
    p.then((r) => safe(cb, r));
  }
  // The loader's queue: what was asked before this chunk arrived, then every later call.
  q.push = (a) => { personalize(a); };
  q.splice(0).forEach(personalize);

  function ask(api, path, who, r, q, el) {
    if (r.asked || !el || !el.after) return;
    r.asked = 1;
    var host = d.createElement("surveyapp-relevance"), root = host.attachShadow({ mode: "open" });
    try { var sheet = new CSSStyleSheet(); sheet.replaceSync(CSS); root.adoptedStyleSheets = [sheet]; } catch (e) {}
    var box = d.createElement("div"), text = d.createElement("p"), row = d.createElement("div"),
      ends = d.createElement("div");
    box.className = "r"; row.className = "s"; ends.className = "l";
    box.setAttribute("role", "group");
    text.id = "q"; text.textContent = q.question;
    box.setAttribute("aria-labelledby", "q");
    [q.low, q.high].forEach((t) => { var e = d.createElement("span"); e.textContent = t; ends.appendChild(e); });
    [1, 2, 3, 4, 5].forEach((n) => {
      var b = d.createElement("button");
      b.type = "button"; b.textContent = n;
      b.setAttribute("aria-label", n + " / 5");
      b.onclick = () => {
        post(api, path + "/relevance", Object.assign({ version: r.version, score: n }, who)).catch(Object);
        q.answered = 1;
        box.textContent = q.thanks;
        box.setAttribute("role", "status");
      };
      row.appendChild(b);
    });
    box.append(text, row, ends);
    root.appendChild(box);
    el.after(host);
  }
})(window, document);
