// Builder preview: draws the draft with the real widget renderer, inline; saves nothing.
// It starts with the page and follows the question forms as people type (#27): each
// question's fields (title, help text, labels, choices, ...) are copied into the previewed
// definition and the survey is drawn again, at the question being edited.
(function () {
  "use strict";
  var script = document.currentScript;
  var button = document.getElementById("preview-start");
  var mount = document.getElementById("preview-mount");
  if (!button || !mount) return;
  var survey = JSON.parse(document.getElementById("preview-data").textContent);
  var timer = null;

  function render(startAt) {
    var shown = survey;
    if (startAt) {
      // Start at the edited question: the questions before it are left out of this drawing.
      var at = survey.questions.findIndex(function (q) { return q.id === startAt; });
      if (at > 0) {
        shown = Object.assign({}, survey, {
          questions: survey.questions.slice(at),
          logic: (survey.logic || []).filter(function (r) {
            return survey.questions.findIndex(function (q) { return q.id === r.from; }) >= at;
          }),
        });
      }
    }
    // The renderer focuses the survey (as a respondent needs); the editor keeps its focus.
    var focused = document.activeElement;
    window.__surveyappRender({
      survey: shown, answers: {}, attributes: {}, mount: mount,
      save: function () {}, close: function () {}, optOut: function () {},
    });
    keep = focused && focused !== document.body && !mount.contains(focused) ? focused : null;
    keepUntil = Date.now() + 500;
    if (keep && document.activeElement !== keep) keep.focus({ preventScroll: true });
  }

  // The renderer moves focus into the survey shortly after drawing it: for half a second,
  // focus arriving there goes back to the field being edited (a click in the preview ends it).
  var keep = null, keepUntil = 0;
  mount.addEventListener("focusin", function () {
    if (keep && Date.now() < keepUntil) keep.focus({ preventScroll: true });
  });
  mount.addEventListener("pointerdown", function () { keepUntil = 0; });

  function choices(text) {
    return text.split("\n").map(function (line) { return line.trim(); }).filter(Boolean)
      .map(function (line, i) {
        var bar = line.indexOf("|");
        return bar > 0 ? { id: line.slice(0, bar).trim(), label: line.slice(bar + 1).trim() }
          : { id: "choice_" + (i + 1), label: line };
      });
  }

  // A question form's fields are named "q-<id>-<field>".
  function follow(event) {
    var form = event.target.form;
    var item = form && form.closest("li[id^='q-']");
    if (!item) return;
    var qid = item.id.slice(2);
    var question = survey.questions.find(function (q) { return q.id === qid; });
    if (!question) return;
    Array.prototype.forEach.call(form.elements, function (el) {
      var prefix = "q-" + qid + "-";
      if (!el.name || el.name.indexOf(prefix) !== 0) return;
      var key = el.name.slice(prefix.length);
      if (key === "csrf_token") return;
      var value = el.type === "checkbox" ? el.checked
        : key === "choices" ? choices(el.value)
        : el.type === "number" ? (el.value === "" ? undefined : Number(el.value)) : el.value;
      if (value === "" || value === undefined) delete question[key];
      else question[key] = value;
    });
    clearTimeout(timer);
    timer = setTimeout(function () { render(qid); }, 200);
  }

  function start() {
    render(null);
    // A question just added (?open=<id>) keeps its text field focused (see builder.js).
    var opened = new URLSearchParams(location.search).get("open");
    var field = opened && document.getElementById("q-" + opened + "-title");
    if (field) field.focus({ preventScroll: true });
    document.addEventListener("input", follow);
    document.addEventListener("change", follow);
  }

  button.addEventListener("click", function () { clearTimeout(timer); render(null); });
  if (window.__surveyappRender) return start();
  var el = document.createElement("script");
  el.src = script.getAttribute("data-renderer");
  el.onload = start;
  document.head.appendChild(el);
})();
