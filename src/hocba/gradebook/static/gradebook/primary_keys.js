// The primary class summary's tables, filled with the keyboard as in a spreadsheet: entering
// a cell selects its value; Enter / Shift+Enter and the arrow keys move between cells of the
// same table (keys.js); Tab works as usual. Saving stays the form's "Lưu" button, so the page
// works the same without this file.
(function () {
  "use strict";
  document.querySelectorAll("table.pr-keys").forEach(function (table) {
    table.querySelectorAll(".gb-input").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });
    window.hocbaKeys(table);
  });
}());
