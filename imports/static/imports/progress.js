// The import page's progress bar: polls the job's JSON status and reloads
// the page (to show the result) once the job is no longer running.
(function () {
  "use strict";
  var box = document.querySelector("[data-import-status]");
  if (!box) return;
  var url = box.getAttribute("data-import-status");
  var bar = box.querySelector("progress");
  var done = box.querySelector("[data-import-done]");
  var delay = 700;

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (job) {
          bar.max = job.progress.total || 1;
          bar.value = job.progress.done;
          if (done) done.textContent = job.progress.done;
          if (job.status !== "queued" && job.status !== "running") {
            window.location.replace(box.getAttribute("data-import-page"));
            return;
          }
        }
        delay = Math.min(delay * 1.3, 5000);
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, delay);
})();
