// Survey report: draws each <figure data-chart> with Chart.js (vendored) from #chart-data,
// offers PNG/SVG/CSV downloads, and keeps "Latest responses" live by polling a small JSON
// feed with ETag/If-None-Match (an unchanged poll is a 304 with no body). When the feed says
// responses arrived, the charts, their tables and the figures around them are refreshed from
// the report page itself (at most every 5 s), so they never disagree with a reload.
(function () {
  "use strict";
  var COLORS = ["#4f46e5", "#0f766e", "#d97706", "#dc2626", "#7c3aed", "#0284c7", "#65a30d", "#db2777"];
  var dataEl = document.getElementById("chart-data");
  var specs = dataEl ? JSON.parse(dataEl.textContent) : {};

  function datasets(spec) {
    return spec.series.map(function (s, i) {
      var color = COLORS[i % COLORS.length];
      return {
        label: s.label, data: s.data, yAxisID: s.axis || "y", borderColor: color,
        backgroundColor: spec.type === "line" ? color : color + "cc", spanGaps: true,
        tension: 0.2, pointRadius: spec.type === "line" ? 2 : 0, hidden: !!s.hidden,
      };
    });
  }

  var whiteBackground = {
    id: "whiteBackground",
    beforeDraw: function (chart) {
      var ctx = chart.ctx;
      ctx.save();
      ctx.globalCompositeOperation = "destination-over";
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, chart.width, chart.height);
      ctx.restore();
    },
  };

  function draw(figure) {
    var spec = specs[figure.dataset.chart];
    var canvas = figure.querySelector("canvas");
    if (!spec || !canvas || typeof Chart === "undefined") return;
    var scales = { y: { beginAtZero: true } };
    if (spec.series.some(function (s) { return s.axis === "y1"; })) {
      scales.y1 = { position: "right", min: -100, max: 100, grid: { drawOnChartArea: false } };
    }
    if (spec.percent) scales.y.max = 100;
    var hscales = { x: { beginAtZero: true } };
    if (spec.horizontal) {
      // Every bar keeps its label: the box grows with the bars, long names are shortened
      // (the full name is in the tooltip and the table).
      hscales.y = { ticks: { autoSkip: false, callback: function (v) {
        var t = String(this.getLabelForValue(v));
        return t.length > 42 ? t.slice(0, 40) + "…" : t;
      } } };
      canvas.parentNode.style.height = Math.max(260, 30 * spec.labels.length * spec.series.length + 70) + "px";
    }
    figure.chart = new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets(spec) },
      options: {
        indexAxis: spec.horizontal ? "y" : "x", responsive: true, maintainAspectRatio: false,
        animation: false, scales: spec.horizontal ? hscales : scales,
        plugins: { legend: { display: spec.series.length > 1 } },
      },
      plugins: [whiteBackground],
    });
  }

  function filename(figure, ext) {
    return (document.title.split(" · ")[0] + "-" + figure.dataset.chart).replace(/[^\w-]+/g, "-").toLowerCase() + "." + ext;
  }

  function save(blob, name) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  function csv(figure) {
    var rows = Array.prototype.map.call(figure.querySelectorAll("table tr"), function (tr) {
      return Array.prototype.map.call(tr.children, function (cell) {
        var text = cell.textContent.trim().replace(/\s+/g, " ");
        if (/^[=+\-@]/.test(text) && isNaN(Number(text))) text = "'" + text;
        return '"' + text.replace(/"/g, '""') + '"';
      }).join(",");
    });
    return new Blob([rows.join("\r\n") + "\r\n"], { type: "text/csv" });
  }

  function esc(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  // A vector rendering of the same data (bars or lines with axes and labels), so the chart
  // can go into slides and documents without pixels.
  function svg(figure) {
    var spec = specs[figure.dataset.chart];
    var title = figure.querySelector("figcaption strong").textContent;
    var W = 720, H = 360, L = spec.horizontal ? 200 : 50, R = 20, T = 40, B = 60;
    var values = [];
    spec.series.forEach(function (s) { s.data.forEach(function (v) { if (v !== null && s.axis !== "y1") values.push(v); }); });
    var max = Math.max.apply(null, values.concat([1])), min = Math.min.apply(null, values.concat([0]));
    var out = ['<svg xmlns="http://www.w3.org/2000/svg" width="' + W + '" height="' + H + '" viewBox="0 0 ' + W + " " + H + '" font-family="sans-serif" font-size="11">',
      '<rect width="100%" height="100%" fill="#fff"/>', '<text x="' + L + '" y="20" font-size="14" font-weight="bold">' + esc(title) + "</text>"];
    var n = spec.labels.length || 1, pw = W - L - R, ph = H - T - B;
    function scale(v) { return (v - min) / ((max - min) || 1); }
    if (spec.type === "bar") {
      var k = spec.series.length, slot = (spec.horizontal ? ph : pw) / n, bw = slot * 0.8 / k;
      spec.series.forEach(function (s, si) {
        s.data.forEach(function (v, i) {
          if (v === null) return;
          var size = scale(v) * (spec.horizontal ? pw : ph), zero = scale(0) * (spec.horizontal ? pw : ph);
          var x, y, w, h;
          if (spec.horizontal) { y = T + i * slot + slot * 0.1 + si * bw; h = bw; x = L + Math.min(zero, size); w = Math.abs(size - zero); }
          else { x = L + i * slot + slot * 0.1 + si * bw; w = bw; y = T + ph - Math.max(zero, size); h = Math.abs(size - zero); }
          out.push('<rect x="' + x.toFixed(1) + '" y="' + y.toFixed(1) + '" width="' + w.toFixed(1) + '" height="' + h.toFixed(1) + '" fill="' + COLORS[si % COLORS.length] + '"><title>' + esc(spec.labels[i] + " – " + s.label + ": " + v) + "</title></rect>");
        });
      });
      spec.labels.forEach(function (label, i) {
        if (spec.horizontal) out.push('<text x="' + (L - 6) + '" y="' + (T + i * slot + slot / 2 + 4).toFixed(1) + '" text-anchor="end">' + esc(String(label).slice(0, 32)) + "</text>");
        else out.push('<text x="' + (L + i * slot + slot / 2).toFixed(1) + '" y="' + (T + ph + 16) + '" text-anchor="middle">' + esc(String(label).slice(0, 14)) + "</text>");
      });
    } else {
      spec.series.forEach(function (s, si) {
        if (s.axis === "y1") return;
        var pts = [];
        s.data.forEach(function (v, i) { if (v !== null) pts.push((L + (n > 1 ? i * pw / (n - 1) : pw / 2)).toFixed(1) + "," + (T + ph - scale(v) * ph).toFixed(1)); });
        out.push('<polyline fill="none" stroke-width="2" stroke="' + COLORS[si % COLORS.length] + '" points="' + pts.join(" ") + '"/>');
      });
      [0, Math.floor((n - 1) / 2), n - 1].forEach(function (i) {
        if (spec.labels[i] !== undefined) out.push('<text x="' + (L + (n > 1 ? i * pw / (n - 1) : pw / 2)).toFixed(1) + '" y="' + (T + ph + 16) + '" text-anchor="middle">' + esc(spec.labels[i]) + "</text>");
      });
    }
    out.push('<line x1="' + L + '" y1="' + (T + ph) + '" x2="' + (L + pw) + '" y2="' + (T + ph) + '" stroke="#999"/>');
    out.push('<text x="' + (L - 6) + '" y="' + (T + 4) + '" text-anchor="end">' + (spec.horizontal ? "" : esc(max)) + "</text>");
    spec.series.forEach(function (s, si) {
      out.push('<rect x="' + (L + si * 160) + '" y="' + (H - 22) + '" width="10" height="10" fill="' + COLORS[si % COLORS.length] + '"/><text x="' + (L + si * 160 + 14) + '" y="' + (H - 13) + '">' + esc(s.label) + "</text>");
    });
    out.push("</svg>");
    return new Blob([out.join("\n")], { type: "image/svg+xml" });
  }

  document.querySelectorAll("figure[data-chart]").forEach(function (figure) {
    draw(figure);
    figure.querySelectorAll("[data-download]").forEach(function (button) {
      button.addEventListener("click", function () {
        var kind = button.dataset.download;
        if (kind === "csv") return save(csv(figure), filename(figure, "csv"));
        if (kind === "svg") return save(svg(figure), filename(figure, "svg"));
        var canvas = figure.querySelector("canvas");
        canvas.toBlob(function (blob) { save(blob, filename(figure, "png")); }, "image/png");
      });
    });
  });

  // ---------------------------------------------------------------- tabs
  // The report's sections (#report-tabs) show one at a time; the address keeps the tab
  // (#tab-themes), and a link to something inside a tab (#export, #q-score) opens it.
  var tabs = document.getElementById("report-tabs");
  if (tabs) {
    var links = Array.prototype.slice.call(tabs.querySelectorAll("a"));
    var panels = links.map(function (a) { return document.getElementById(a.hash.slice(1)); });
    document.body.classList.add("js-tabs");
    var showTab = function (hash, scroll) {
      var target = hash && hash.length > 1 ? document.getElementById(hash.slice(1)) : null;
      var index = 0;
      panels.forEach(function (p, i) { if (p && target && (p === target || p.contains(target))) index = i; });
      panels.forEach(function (p, i) {
        if (!p) return;
        p.hidden = i !== index;
        if (i === index) links[i].setAttribute("aria-current", "page"); else links[i].removeAttribute("aria-current");
      });
      if (scroll && target && target !== panels[index]) target.scrollIntoView();
    };
    links.forEach(function (a) {
      a.addEventListener("click", function (e) {
        e.preventDefault();
        history.replaceState(null, "", a.hash);
        showTab(a.hash, false);
      });
    });
    window.addEventListener("hashchange", function () { showTab(location.hash, true); });
    showTab(location.hash, true);
  }

  // ---------------------------------------------------------------- live responses
  var table = document.getElementById("live-table");
  if (!table) return;
  var status = document.getElementById("live-status");
  var etag = null, delay = 4000, seen = 0;
  var titles = JSON.parse(table.dataset.titles || "{}");  // question id -> its text

  function cell(tr, text, cls) {
    var td = document.createElement("td");
    if (cls) td.className = cls;
    td.textContent = text;
    tr.appendChild(td);
    return td;
  }

  function row(r) {
    var tr = document.createElement("tr");
    tr.dataset.id = r.id;
    tr.className = "live-new";
    cell(tr, "just now");
    cell(tr, r.finished ? "completed" : "partial");
    var answers = cell(tr, "", "answers");
    Object.keys(r.answers).forEach(function (k) {
      var span = document.createElement("span"), b = document.createElement("b");
      b.textContent = titles[k] || k;
      b.title = k;
      span.appendChild(b);
      span.appendChild(document.createTextNode(": " + r.answers[k]));
      answers.appendChild(span);
      answers.appendChild(document.createTextNode(" "));
    });
    cell(tr, r.annotations.join("; ") || "–", "small live-annotations");
    cell(tr, r.device);
    return tr;
  }

  // ---------------------------------------------------------------- live charts
  var REFRESH_GAP = 5000, lastRefresh = Date.now(), refreshTimer = null;

  function scheduleRefresh() {
    if (refreshTimer) return;
    refreshTimer = setTimeout(refreshCharts, Math.max(0, lastRefresh + REFRESH_GAP - Date.now()));
  }

  function swap(target, source) {
    if (target && source) target.innerHTML = source.innerHTML;
  }

  function redraw(figure, doc, fresh) {
    var key = figure.dataset.chart, twin = doc.getElementById(figure.id);
    if (!fresh[key] || !twin) return;
    specs[key] = fresh[key];
    swap(figure.querySelector("table"), twin.querySelector("table"));
    if (figure.chart) {
      var off = {};  // themes someone switched on or off in the legend stay so
      figure.chart.data.datasets.forEach(function (d, i) { off[d.label] = !figure.chart.isDatasetVisible(i); });
      figure.chart.data.labels = fresh[key].labels;
      figure.chart.data.datasets = datasets(fresh[key]).map(function (d) {
        if (d.label in off) d.hidden = off[d.label];
        return d;
      });
      figure.chart.update();
    }
  }

  function refreshCharts() {
    refreshTimer = null;
    lastRefresh = Date.now();
    fetch(location.href, { headers: { Accept: "text/html" }, credentials: "same-origin", cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var dataNode = doc.getElementById("chart-data");
        if (!dataNode) return;
        var fresh = JSON.parse(dataNode.textContent);
        document.querySelectorAll("figure[data-chart]").forEach(function (figure) { redraw(figure, doc, fresh); });
        [".stats", "#comparison", "#breakdown"].forEach(function (sel) {
          swap(document.querySelector(sel), doc.querySelector(sel));
        });
        document.querySelectorAll("section.question .nps").forEach(function (nps) {
          var twin = doc.getElementById(nps.closest("section").id);
          swap(nps, twin && twin.querySelector(".nps"));
        });
        if (!status.hidden) status.textContent = status.textContent.split(";")[0] + "; counts and charts are up to date.";
      })
      .catch(function () { /* the next arrival tries again */ });
  }

  function shown(name) {
    var el = document.querySelector('[data-live="' + name + '"]');
    return el ? Number(el.textContent.replace(/[^\d]/g, "")) : null;
  }

  function apply(data) {
    if (table.dataset.empty && data.total > 0) {  // the first response: show the report
      location.reload();
      return;
    }
    var body = table.tBodies[0], added = 0;
    var changed = data.total !== shown("total") || data.finished !== shown("finished");
    data.responses.forEach(function (r) {
      var existing = body.querySelector('tr[data-id="' + r.id + '"]');
      if (existing) {
        existing.querySelector(".live-annotations").textContent = r.annotations.join("; ") || "–";
        existing.querySelectorAll("td")[1].textContent = r.finished ? "completed" : "partial";
      } else if (r.id > seen) {
        body.insertBefore(row(r), body.firstChild);
        added++;
      }
    });
    while (body.rows.length > 20) body.deleteRow(body.rows.length - 1);
    document.querySelectorAll("[data-live]").forEach(function (el) {
      var v = data[el.dataset.live];
      if (typeof v === "number") el.textContent = v.toLocaleString("en");
    });
    var empty = document.getElementById("live-empty");
    if (empty && body.rows.length) empty.hidden = true;
    seen = Math.max(seen, data.last_id || 0);
    if (added) {
      status.hidden = false;
      status.textContent = added + " new response" + (added === 1 ? "" : "s") + " arrived; counts are up to date, charts follow in a few seconds.";
    }
    if (added || changed) scheduleRefresh();
  }

  function poll() {
    var headers = { Accept: "application/json" };
    if (etag) headers["If-None-Match"] = etag;
    fetch(table.dataset.url, { headers: headers, credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        if (r.status === 304) return null;
        if (!r.ok) throw new Error(r.status);
        etag = r.headers.get("ETag");
        return r.json();
      })
      .then(function (data) { if (data) apply(data); delay = 4000; })
      .catch(function () { delay = Math.min(delay * 2, 60000); })
      .then(function () { setTimeout(poll, document.hidden ? Math.max(delay, 15000) : delay); });
  }

  Array.prototype.forEach.call(table.tBodies[0].rows, function (tr) { seen = Math.max(seen, Number(tr.dataset.id)); });
  setTimeout(poll, 1500);
})();
