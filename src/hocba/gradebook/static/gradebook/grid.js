// The TT 22 gradebook grid (grid_core.js): one version per student row, and the row's
// average (ĐTBmhk, TT 22/2021 Điều 9.1.a) refreshed after each save.
(function () {
  "use strict";
  function row(input) { return input.closest("tr"); }

  window.hocbaGrid({
    table: "so-diem",
    versionOf: function (input) { return row(input).dataset.version; },
    setVersion: function (input, version) {
      row(input).dataset.version = String(version);
      row(input).querySelector("input[name^='v-']").value = String(version);
    },
    refreshRow: function (tr, answer) {
      var avg = tr.querySelector(".gb-avg");
      avg.textContent = answer.average || "";
      avg.title = answer.missing && answer.missing.length ?
        "Còn thiếu: " + answer.missing.join(", ") : "";
    }
  });
}());
