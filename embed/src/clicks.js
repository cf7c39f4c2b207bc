// surveyapp click recorder: loaded by the loader only when the workspace has click maps on
// and tracking is allowed. Each click becomes a "$click" event (through the loader's
// track(), so it is batched in the event outbox): the page path, a short CSS selector,
// the position inside the element (0-1) and on the page, and whether it was a dead click
// (a non-interactive element, and nothing on the page changed within a second).
// With "#surveyapp-heatmap=<token>" in the URL (the analyst's "Open on my site" link) it
// records nothing and loads the heatmap toolbar instead.
(function (w, d) {
  var track = w.__surveyappTrack;
  if (!track || w.__surveyappClicks) return;
  w.__surveyappClicks = 1;
  if (/[#&]surveyapp-heatmap=/.test(w.location.hash)) {
    var me = d.currentScript, el = d.createElement("script");
    el.src = (me && me.src || "").replace(/clicks\.js.*$/, "heatmap.js");
    el.async = true;
    return d.head.appendChild(el);
  }
  var interactive = "a,button,input,select,textarea,label,summary,[role=button],[role=link],[tabindex],[onclick]";

  function selector(el) {
    var parts = [];
    for (; el && el.nodeType == 1 && el != d.body && parts.length < 5; el = el.parentElement) {
      var s = el.tagName.toLowerCase();
      if (el.id) { parts.unshift(s + "#" + el.id); break; }
      var cls = (el.getAttribute("class") || "").trim().split(/\s+/).filter(Boolean).slice(0, 2);
      if (cls.length) s += "." + cls.join(".");
      var parent = el.parentElement;
      var same = parent ? [].filter.call(parent.children, function (x) { return x.tagName == el.tagName; }) : [];
      if (same.length > 1) s += ":nth-of-type(" + (same.indexOf(el) + 1) + ")";
      parts.unshift(s);
    }
    return parts.join(" > ") || "body";
  }
  function share(x) { return Math.round(Math.min(Math.max(x, 0), 1) * 1000) / 1000; }

  d.addEventListener("click", function (e) {
    var el = e.target;
    if (!el || el.nodeType != 1 || el.closest("surveyapp-widget")) return;
    var r = el.getBoundingClientRect();
    var props = {
      path: w.location.pathname, selector: selector(el),
      x: r.width ? share((e.clientX - r.left) / r.width) : 0,
      y: r.height ? share((e.clientY - r.top) / r.height) : 0,
      px: share(e.pageX / d.documentElement.scrollWidth), py: Math.round(e.pageY), dead: 0,
      device: w.innerWidth < 640 ? "mobile" : w.innerWidth < 1024 ? "tablet" : "desktop",
    };
    if (el.closest(interactive)) return track("$click", props);
    var changed = 0, href = w.location.href;
    var watch = new MutationObserver(function () { changed = 1; });
    watch.observe(d.body, { subtree: true, childList: true, attributes: true, characterData: true });
    setTimeout(function () {
      watch.disconnect();
      props.dead = changed || w.location.href != href ? 0 : 1;
      track("$click", props);
    }, 1000);
  }, true);
})(window, document);
