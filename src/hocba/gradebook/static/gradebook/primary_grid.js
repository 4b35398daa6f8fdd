// The primary (TT 27/2020) gradebook grid (grid_core.js) over the four assessment points. Each
// point is its own row on the server, with its own version: a cell sends the version of its
// point (data-v1 … data-v4 on the row, and the hidden input v-<student>-<point>).
(function () {
  "use strict";
  window.hocbaGrid({
    table: "so-theo-doi",
    versionOf: function (input) {
      return input.closest("tr").dataset["v" + input.dataset.point];
    },
    setVersion: function (input, version) {
      var row = input.closest("tr");
      var point = input.dataset.point;
      row.dataset["v" + point] = String(version);
      row.querySelector("input[name='v-" + row.dataset.student + "-" + point + "']").value =
        String(version);
    }
  });
}());
