// "Are you sure?" for dangerous forms, without inline handlers (the CSP forbids them):
// <form data-confirm="Delete this?"> (or a submit button with data-confirm) asks first.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var button = event.submitter;
  var message = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);

// <select data-autosubmit> submits its form when changed (a <noscript> button covers no-JS).
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) {
    field.form.requestSubmit();
  }
});
