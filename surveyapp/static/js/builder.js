// Survey editor (#27): a branching rule may only jump forward, so the "Go to" list offers
// only the questions after the one chosen in "After question" (and the end). The service
// refuses a backward jump anyway; this keeps people from choosing one.
(function () {
  "use strict";
  var source = document.getElementById("logic-source");
  var target = document.getElementById("logic-target");
  if (!source || !target) return;
  var order = Array.prototype.map.call(source.options, function (o) { return o.value; });
  function forwardOnly() {
    var from = order.indexOf(source.value);
    var firstAllowed = null;
    Array.prototype.forEach.call(target.options, function (o) {
      var at = order.indexOf(o.value);
      var allowed = at === -1 || at > from; // -1: "End of the survey"
      o.disabled = !allowed;
      o.hidden = !allowed;
      if (allowed && firstAllowed === null) firstAllowed = o;
    });
    if (target.selectedOptions.length && target.selectedOptions[0].disabled && firstAllowed) {
      target.value = firstAllowed.value;
    }
  }
  source.addEventListener("change", forwardOnly);
  forwardOnly();
})();

// A question just added (?open=<id>) opens (the server marks it open) scrolled into view
// with its text field focused.
(function () {
  "use strict";
  var opened = new URLSearchParams(location.search).get("open");
  var item = opened && document.getElementById("q-" + opened);
  if (!item) return;
  var field = item.querySelector("details[open] form input:not([type=hidden]), details[open] form textarea");
  item.scrollIntoView({ block: "start" });
  if (field) field.focus({ preventScroll: true });
})();
