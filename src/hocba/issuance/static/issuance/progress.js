// The progress of a background signing job (issue 5 §5): polls the job's JSON every second
// and moves the <progress> bar; without this file the page shows the state when it loaded
// and a reload refreshes it.
(function () {
  "use strict";
  var box = document.getElementById("tien-do");
  if (!box || !window.fetch) { return; }
  var bar = document.getElementById("tien-do-thanh");
  var text = document.getElementById("tien-do-chu");

  var title = document.getElementById("tien-do-tieu-de");

  // The words come from the page (data-*), so they follow the page's language.
  function show(p) {
    bar.max = p.total;
    bar.value = p.done + p.failed;
    bar.textContent = p.done + "/" + p.total;
    text.textContent = p.done + "/" + p.total + " " + box.dataset.signedText + " · " +
      p.failed + " " + box.dataset.failedText + " · " +
      (p.finished ? box.dataset.doneText : p.state_label);
    if (p.finished) {
      text.className = "job-done";
      if (title) { title.textContent = title.dataset.doneTitle; }
      // Failures are listed on the page: load it once more to show them.
      if (p.failed && box.dataset.finished !== "1") { window.location.reload(); }
    }
  }

  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (p) { show(p); if (!p.finished) { window.setTimeout(poll, 1000); } })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
}());
