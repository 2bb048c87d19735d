// Grade-book entry grids: keyboard movement, pasting a column from Excel, checks as you type and
// the averages of Thông tư 22 recomputed live. The server recomputes everything on save; this is
// the same arithmetic in whole tenths (no floating point), so both always agree.
(function (root) {
  "use strict";

  var SCORE = /^\d{1,2}(?:[.,]\d+)?$/;

  // "8,5" → 85 tenths; "" → null; anything else → NaN.
  function parseScore(text) {
    var value = String(text || "").trim();
    if (!value) { return null; }
    if (!SCORE.test(value)) { return NaN; }
    var parts = value.replace(",", ".").split(".");
    var whole = parseInt(parts[0], 10);
    var decimals = parts.length > 1 ? parts[1].replace(/0+$/, "") : "";
    if (decimals.length > 1) { return NaN; }
    var tenths = whole * 10 + (decimals ? parseInt(decimals, 10) : 0);
    return tenths > 100 ? NaN : tenths;
  }

  function fold(text) {
    return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/gi, "d")
      .toLowerCase().replace(/\./g, "").trim();
  }

  // Đ / CĐ as typed → true / false; "" → null; anything else → NaN.
  function parsePass(text) {
    var value = fold(text);
    if (!value) { return null; }
    if (value === "d" || value === "dat") { return true; }
    if (value === "cd" || value === "chua dat") { return false; }
    return NaN;
  }

  // The primary (TT27) grid's cells, as lms/gradebook/primary.py reads them: a level T / H / C (or
  // its words), a periodic test a whole number from 1 to 10; "" is an empty cell.
  var PRIMARY_LEVELS = ["t", "htt", "hoan thanh tot", "h", "ht", "hoan thanh", "c", "cht", "chua hoan thanh"];
  var CELL_RULES = {
    level: function (text) { var v = fold(text); return !v || PRIMARY_LEVELS.indexOf(v) >= 0; },
    test: function (text) {
      var v = String(text || "").trim();
      return !v || (/^[0-9]+$/.test(v) && Number(v) >= 1 && Number(v) <= 10);
    }
  };

  // Half up to one decimal of numerator/denominator, both in tenths-consistent integers.
  function roundDiv(numerator, denominator) {
    return Math.floor((2 * numerator + denominator) / (2 * denominator));
  }

  // ĐTBmhk in tenths: (Σ tx + 2 gk + 3 ck) / (n + 5); null while a mark is missing.
  function semesterAverage(regular, midterm, final) {
    var all = regular.concat([midterm, final]);
    if (all.some(function (v) { return v === null || isNaN(v); })) { return null; }
    var total = regular.reduce(function (a, b) { return a + b; }, 0) + 2 * midterm + 3 * final;
    return roundDiv(total, regular.length + 5);
  }

  // ĐTBmcn in tenths from the two rounded semester averages.
  function yearAverage(first, second) {
    if (first === null || second === null) { return null; }
    return roundDiv(first + 2 * second, 3);
  }

  // A comment subject's semester: true when every assessment is Đạt, false when one is not.
  function commentSemester(marks) {
    if (marks.some(function (v) { return v === false; })) { return false; }
    if (marks.some(function (v) { return v === null || (typeof v === "number" && isNaN(v)); })) { return null; }
    return true;
  }

  var api = { parseScore: parseScore, parsePass: parsePass, semesterAverage: semesterAverage,
              yearAverage: yearAverage, commentSemester: commentSemester };
  if (typeof module !== "undefined" && module.exports) { module.exports = api; return; }

  function show(tenths, sep) {
    if (tenths === null) { return ""; }
    return Math.floor(tenths / 10) + sep + (tenths % 10);
  }

  // ---------------------------------------------------------------- the page
  var grids = root.document.querySelectorAll("table.kb-grid, table.grade-grid");
  if (!grids.length) { return; }
  var dirty = false;
  var submitting = false;

  // The cells the keyboard moves between: on a phone, only the column shown (app.js, data-phone-pick).
  function cellsOf(row) {
    return Array.prototype.slice.call(row.querySelectorAll("input:not([type=hidden]):not([readonly]), select"))
      .filter(function (cell) { return !(cell.closest(".phone-off") && cell.offsetParent === null); });
  }

  function rowsOf(table) {
    return Array.prototype.slice.call(table.tBodies[0].rows).filter(function (r) { return cellsOf(r).length; });
  }

  function move(input, dRow, dCol) {
    var table = input.closest("table");
    var rows = rowsOf(table);
    var row = input.closest("tr");
    var r = rows.indexOf(row);
    var c = cellsOf(row).indexOf(input);
    var target = null;
    if (dRow) {
      var next = rows[r + dRow];
      if (next) { target = cellsOf(next)[Math.min(c, cellsOf(next).length - 1)]; }
    } else {
      target = cellsOf(row)[c + dCol];
    }
    if (target) {
      target.focus();
      if (target.select) { target.select(); }
    }
    return target;
  }

  function markDirty() {
    dirty = true;
    var note = root.document.getElementById("dirty-note");
    if (note) { note.hidden = false; }
  }

  function check(input, table) {
    var rule = input.dataset && CELL_RULES[input.dataset.check];
    if (rule) {
      // Its own reason with the value typed, in the words the server refuses it with on save.
      var value = input.value.trim();
      var template = table.dataset["msg" + input.dataset.check.charAt(0).toUpperCase() + input.dataset.check.slice(1)];
      if (rule(value)) { markCell(input, null); return; }
      markCell(input, null);
      markCell(input, (template || "").replace("{v}", value));
      return;
    }
    if (!input.classList.contains("grade-cell")) { return; }
    var comment = table.dataset.comment === "1";
    var value = comment ? parsePass(input.value) : parseScore(input.value);
    var bad = typeof value === "number" && isNaN(value);
    var hint = root.document.getElementById("grade-cell-error");
    markCell(input, bad ? (hint ? hint.textContent : "") : null);
  }

  // The one way a refused cell is marked, as gradebook/_cell.html renders it after a refused save:
  // aria-invalid, and described by its own reason shown next to it (`<cell id>-error`).
  // message null clears the mark.
  function markCell(input, message) {
    var cell = input.closest("td");
    var note = input.id ? root.document.getElementById(input.id + "-error") : null;
    if (message === null) {
      if (!input.hasAttribute("aria-invalid")) { return; }
      input.classList.remove("is-invalid");
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
      if (cell) { cell.classList.remove("cell-bad"); }
      if (note) { note.remove(); }
      return;
    }
    input.classList.add("is-invalid");
    if (cell) { cell.classList.add("cell-bad"); }
    if (!input.id) { return; }
    if (!note) {
      note = root.document.createElement("span");
      note.className = "cell-error";
      note.id = input.id + "-error";
      input.insertAdjacentElement("afterend", note);
      note.textContent = message;
    } else if (!input.hasAttribute("aria-invalid")) {
      note.textContent = message;
    }
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", note.id);
  }

  function recompute(row, table) {
    if (!table.classList.contains("grade-grid")) { return; }
    var comment = table.dataset.comment === "1";
    var sep = table.dataset.sep || ",";
    var regular = [];
    var midterm = null;
    var final = null;
    var marks = [];
    row.querySelectorAll("input.grade-cell").forEach(function (input) {
      var kind = input.dataset.kind;
      if (kind === "kl") { return; }
      var value = comment ? parsePass(input.value) : parseScore(input.value);
      marks.push(value);
      if (kind === "tx") { regular.push(value); } else if (kind === "gk") { midterm = value; } else { final = value; }
    });
    var semOut = row.querySelector(".avg-sem");
    var yearOut = row.querySelector(".avg-year");
    if (comment) {
      var result = commentSemester(marks);
      var text = result === null ? "" : (result ? table.dataset.pass : table.dataset.fail);
      if (semOut) { semOut.textContent = text; }
      if (yearOut) { yearOut.textContent = text; }
      return;
    }
    var sem = semesterAverage(regular, midterm, final);
    if (semOut) { semOut.textContent = show(sem, sep); }
    if (yearOut) {
      var first = parseScore(row.dataset.hk1 || "");
      yearOut.textContent = show(yearAverage(isNaN(first) ? null : first, sem), sep);
    }
  }

  grids.forEach(function (table) {
    table.addEventListener("keydown", function (event) {
      var input = event.target;
      if (!input.matches("input, select")) { return; }
      // Arrows leave the cell from its edge; a selected (just entered) cell counts as both edges.
      var atStart = input.selectionStart === 0;
      var atEnd = input.value !== undefined && input.selectionEnd === input.value.length;
      if (event.key === "Enter" || (event.key === "ArrowDown" && input.tagName !== "SELECT")) {
        event.preventDefault();
        move(input, 1, 0);
      } else if (event.key === "ArrowUp" && input.tagName !== "SELECT") {
        event.preventDefault();
        move(input, -1, 0);
      } else if (event.key === "ArrowLeft" && (atStart || input.tagName === "SELECT" || input.selectionStart === null)) {
        if (move(input, 0, -1)) { event.preventDefault(); }
      } else if (event.key === "ArrowRight" && (atEnd || input.tagName === "SELECT" || input.selectionStart === null)) {
        if (move(input, 0, 1)) { event.preventDefault(); }
      }
    });
    table.addEventListener("input", function (event) {
      markDirty();
      check(event.target, table);
      recompute(event.target.closest("tr"), table);
    });
    table.addEventListener("change", markDirty);
    // A column (or block) copied from Excel arrives as lines of tab-separated cells.
    table.addEventListener("paste", function (event) {
      var input = event.target;
      var text = (event.clipboardData || root.clipboardData).getData("text");
      if (!input.matches("input") || !/[\t\n]/.test(text.replace(/\r?\n$/, ""))) { return; }
      event.preventDefault();
      var lines = text.replace(/\r/g, "").replace(/\n$/, "").split("\n");
      var rows = rowsOf(table);
      var r0 = rows.indexOf(input.closest("tr"));
      var c0 = cellsOf(input.closest("tr")).indexOf(input);
      lines.forEach(function (line, i) {
        var row = rows[r0 + i];
        if (!row) { return; }
        line.split("\t").forEach(function (value, j) {
          var cell = cellsOf(row)[c0 + j];
          if (cell && cell.tagName === "INPUT") {
            cell.value = value.trim();
            check(cell, table);
          }
        });
        recompute(row, table);
      });
      markDirty();
    });
    rowsOf(table).forEach(function (row) {
      row.querySelectorAll("input.grade-cell, input[data-check]").forEach(function (input) { check(input, table); });
    });
  });

  // A link of the refused-cells summary moves the focus into its cell, not just the view.
  root.document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.cell-link");
    if (!link) { return; }
    var target = root.document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!target) { return; }
    event.preventDefault();
    target.focus();
    if (target.select) { target.select(); }
  });

  root.document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function () { submitting = true; });
  });
  root.addEventListener("beforeunload", function (event) {
    if (dirty && !submitting) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})(typeof window !== "undefined" ? window : this);
