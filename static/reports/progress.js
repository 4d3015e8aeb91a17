// Progress bars of reports that are queued or running: poll their state every two seconds and
// reload the page once one of them has finished, so that its figures and files appear.
(function () {
  "use strict";
  function start() {
    var holder = document.querySelector("[data-report-status-url]");
    if (!holder) return;
    var url = holder.getAttribute("data-report-status-url");
    var pending = Array.prototype.filter.call(
      document.querySelectorAll("progress.report-progress"),
      function (bar) { return bar.dataset.state === "queued" || bar.dataset.state === "running"; }
    );
    if (!pending.length) return;
    var ids = pending.map(function (bar) { return bar.dataset.report; });
    function poll() {
      fetch(url + "?ids=" + ids.join(","), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        .then(function (states) {
          var finished = false;
          pending.forEach(function (bar) {
            var state = states[bar.dataset.report];
            if (!state) return;
            bar.value = state.progress;
            var label = document.querySelector('.report-progress-label[data-report="' + bar.dataset.report + '"]');
            if (label) label.textContent = state.progress + " %";
            if (state.state === "done" || state.state === "failed") finished = true;
          });
          if (finished) window.location.reload();
          else window.setTimeout(poll, 2000);
        })
        .catch(function () { window.setTimeout(poll, 10000); });
    }
    window.setTimeout(poll, 1000);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
