// The keyboard-first gradebook grid (issue 3, part 4), shared by the TT 22 grid (grid.js) and
// the primary TT 27 grid (primary_grid.js). Without these files the page is a plain form with a
// "Lưu" button; with them, each cell is saved as the teacher leaves it. Enter / Shift+Enter and
// the arrow keys move between cells (keys.js); Tab works as usual.
//
// A sheet says how its cells are versioned (optimistic locking on the server):
//   hocbaGrid({table: id, versionOf(input), setVersion(input, version),
//              refreshRow(row, answer)})   // refreshRow: optional, e.g. the row's average
window.hocbaGrid = function (sheet) {
  "use strict";
  var form = document.getElementById("gb-form");
  if (!form) { return; }
  var table = document.getElementById(sheet.table);
  var status = document.getElementById("gb-status");
  var saveUrl = form.dataset.saveUrl;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var queue = Promise.resolve();  // saves run one after another: each uses the last version

  function inputs(row) { return Array.prototype.slice.call(row.querySelectorAll(".gb-input")); }
  function showError(input, message) {
    var msg = input.parentNode.querySelector(".gb-msg");
    input.setAttribute("aria-invalid", "true");
    msg.textContent = message;
    input.focus();
    input.select();
  }

  function clearError(input) {
    input.removeAttribute("aria-invalid");
    input.parentNode.querySelector(".gb-msg").textContent = "";
  }

  function refreshRow(input, answer) {
    var row = input.closest("tr");
    sheet.setVersion(input, answer.version);
    if (sheet.refreshRow) { sheet.refreshRow(row, answer); }
    inputs(row).forEach(function (other) {
      var value = answer.row[other.dataset.field];
      // Bring in others' changes to cells (of the same version) this teacher is not editing.
      if (value !== undefined && other.value === other.dataset.saved &&
          document.activeElement !== other) {
        other.value = value;
        other.dataset.saved = value;
      }
    });
  }

  function post(input, value, version, reason) {
    var row = input.closest("tr");
    var body = new URLSearchParams();
    body.set("hoc_sinh", row.dataset.student);
    body.set("o", input.dataset.field);
    body.set("gia_tri", value);
    body.set("phien_ban", version);
    if (reason) { body.set("ly_do", reason); }
    return fetch(saveUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () {
        return { ok: false, error: "server", message: "Máy chủ trả lời lỗi " + response.status };
      });
    });
  }

  function handle(input, value, answer) {
    if (answer.ok) {
      clearError(input);
      if (answer.request) {
        input.value = answer.value;  // not applied until the principal approves
        input.dataset.saved = answer.value;
        input.classList.add("gb-pending");
        status.textContent = answer.message;
        return null;
      }
      if (input.value === value) { input.value = answer.value; }
      input.dataset.saved = answer.value;
      input.classList.add("gb-saved");
      refreshRow(input, answer);
      status.textContent = "Đã lưu.";
      return null;
    }
    if (answer.error === "conflict") {
      var overwrite = window.confirm(answer.message + "\n\nGhi đè bằng giá trị của bạn (" +
        (value || "trống") + ")?");
      sheet.setVersion(input, answer.version);
      if (overwrite) { return post(input, value, answer.version, ""); }
      input.value = answer.current;
      input.dataset.saved = answer.current;
      return null;
    }
    if (answer.error === "reason_required") {
      var reason = window.prompt(answer.message);
      if (reason) { return post(input, value, sheet.versionOf(input), reason); }
      input.value = input.dataset.saved;
      return null;
    }
    showError(input, answer.message);
    return null;
  }

  function save(input) {
    var value = input.value;
    // Enter saves and moves; the move's blur fires "change" too: one request is enough.
    if (value === input.dataset.saved || value === input.dataset.queued) { return queue; }
    input.dataset.queued = value;
    input.classList.remove("gb-saved");
    queue = queue.then(function () {
      return post(input, value, sheet.versionOf(input), "").then(function (answer) {
        var again = handle(input, value, answer);
        return again ? again.then(function (next) { handle(input, value, next); }) : null;
      }).then(function () { delete input.dataset.queued; });
    }).catch(function () {
      delete input.dataset.queued;
      showError(input, "Không lưu được: mất kết nối tới máy chủ. Hãy thử lại.");
    });
    return queue;
  }

  table.querySelectorAll(".gb-input").forEach(function (input) {
    input.dataset.saved = input.value;
    // Entering a cell selects its value, so typing replaces it, as in a spreadsheet. A click
    // places the caret after the focus event, so the click's mouseup selects again.
    input.addEventListener("focus", function () { input.select(); input.dataset.fresh = "1"; });
    input.addEventListener("mouseup", function (event) {
      if (input.dataset.fresh) {
        event.preventDefault();
        input.select();
        delete input.dataset.fresh;
      }
    });
    input.addEventListener("keydown", function () { delete input.dataset.fresh; });
    input.addEventListener("change", function () { save(input); });
    input.addEventListener("input", function () { clearError(input); });
  });

  // Enter saves the cell it leaves; moving with the keyboard is keys.js's.
  window.hocbaKeys(table, function (input) {
    if (input.value !== input.dataset.saved) { save(input); }
  });

  form.addEventListener("submit", function (event) {
    // With the script, "Lưu" saves what is still unsaved through the same endpoint.
    event.preventDefault();
    table.querySelectorAll(".gb-input").forEach(function (input) { save(input); });
    queue.then(function () {
      if (!table.querySelector("[aria-invalid=true]")) { status.textContent = "Đã lưu tất cả."; }
    });
  });
};
