// Moving between the cells (.gb-input) of a gradebook table with the keyboard, as in a
// spreadsheet: Enter / Shift+Enter and the arrow keys move between cells of the same table
// (Enter never submits the form); Left and Right leave a cell only from its edge or when its
// whole value is selected; Tab works as usual. Used by the grade grids (grid_core.js) and the
// primary class summary (primary_keys.js). onEnter(input), if given, runs before Enter moves.
window.hocbaKeys = function (table, onEnter) {
  "use strict";
  function cells(row) { return Array.prototype.slice.call(row.querySelectorAll(".gb-input")); }

  function move(input, dRow, dCol) {
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var row = input.closest("tr");
    var r = rows.indexOf(row) + dRow;
    if (r < 0 || r >= rows.length) { return; }
    var next = cells(rows[r])[cells(row).indexOf(input) + dCol];
    if (next) { next.focus(); next.select(); }
  }

  table.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("gb-input")) { return; }
    var length = String(input.value).length;
    var plain = input.type !== "number";  // number inputs have no caret position
    var atStart = !plain || (input.selectionStart === 0 && input.selectionEnd === 0);
    var atEnd = !plain || (input.selectionStart === length && input.selectionEnd === length);
    var whole = plain && input.selectionStart === 0 && input.selectionEnd === length;
    if (event.key === "Enter") {
      event.preventDefault();  // never submit the whole form from a cell
      if (onEnter) { onEnter(input); }
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
};
