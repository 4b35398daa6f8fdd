// The primary class summary's tables, filled with the keyboard as in a spreadsheet: entering
// a cell selects its value; Enter / Shift+Enter and the arrow keys move between cells of the
// same table (Enter never submits the form); Tab works as usual. Saving stays the form's
// "Lưu" button, so the page works the same without this file.
(function () {
  "use strict";
  function cells(row) { return Array.prototype.slice.call(row.querySelectorAll(".gb-input")); }

  document.querySelectorAll("table.pr-keys").forEach(function (table) {
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);

    function move(input, dRow, dCol) {
      var row = input.closest("tr");
      var r = rows.indexOf(row) + dRow;
      var c = cells(row).indexOf(input) + dCol;
      if (r < 0 || r >= rows.length) { return; }
      var next = cells(rows[r])[c];
      if (next) { next.focus(); next.select(); }
    }

    table.querySelectorAll(".gb-input").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });

    table.addEventListener("keydown", function (event) {
      var input = event.target;
      if (!input.classList || !input.classList.contains("gb-input")) { return; }
      var length = String(input.value).length;
      var plain = input.type !== "number";  // number inputs have no caret position
      var atStart = !plain || (input.selectionStart === 0 && input.selectionEnd === 0);
      var atEnd = !plain || (input.selectionStart === length && input.selectionEnd === length);
      var whole = plain && input.selectionStart === 0 && input.selectionEnd === length;
      if (event.key === "Enter") {
        event.preventDefault();
        move(input, event.shiftKey ? -1 : 1, 0);
      } else if (event.key === "ArrowDown") {
        event.preventDefault();
        move(input, 1, 0);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        move(input, -1, 0);
      } else if (event.key === "ArrowRight" && (atEnd || whole)) {
        event.preventDefault();
        move(input, 0, 1);
      } else if (event.key === "ArrowLeft" && (atStart || whole)) {
        event.preventDefault();
        move(input, 0, -1);
      }
    });
  });
}());
