// Polls a background job's status and updates its progress bar until it finishes.
(function () {
  document.querySelectorAll(".job[data-url]").forEach(function (box) {
    var bar = box.querySelector("progress");
    var msg = box.querySelector(".job-message");
    var link = box.querySelector(".job-download");
    var delay = 700;
    function poll() {
      fetch(box.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (job) {
          bar.value = job.progress;
          msg.textContent = job.message;
          if (job.status === "succeeded") {
            if (link) link.hidden = false;
            if (box.dataset.reload) window.location.replace(window.location.pathname + "#analysis");
            return;
          }
          if (job.status === "failed") { box.classList.add("failed"); return; }
          delay = Math.min(delay * 1.3, 5000);
          setTimeout(poll, delay);
        })
        .catch(function () { setTimeout(poll, 5000); });
    }
    poll();
  });
})();
