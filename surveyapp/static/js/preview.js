// Builder preview: draws the draft with the real widget renderer, inline; saves nothing.
(function () {
  var script = document.currentScript;
  var button = document.getElementById("preview-start");
  if (!button) return;
  function start() {
    var survey = JSON.parse(document.getElementById("preview-data").textContent);
    window.__surveyappRender({
      survey: survey, answers: {}, attributes: {}, mount: document.getElementById("preview-mount"),
      save: function () {}, close: function () {}, optOut: function () {},
    });
    button.textContent = "Restart the preview";
  }
  button.addEventListener("click", function () {
    if (window.__surveyappRender) return start();
    var el = document.createElement("script");
    el.src = script.getAttribute("data-renderer");
    el.onload = start;
    document.head.appendChild(el);
  });
})();
