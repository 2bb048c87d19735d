// Small page helpers; no inline scripts anywhere (the CSP forbids them).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      var target = document.getElementById(copy.getAttribute("data-copy"));
      if (target && navigator.clipboard) {
        navigator.clipboard.writeText(target.textContent.trim()).then(function () {
          var original = copy.textContent;
          copy.textContent = copy.getAttribute("data-copied") || "✓";
          setTimeout(function () { copy.textContent = original; }, 1500);
        });
      }
    }
  });
  document.addEventListener("submit", function (event) {
    var button = event.submitter || event.target.querySelector("[data-confirm]");
    if (button && button.hasAttribute && button.hasAttribute("data-confirm")) {
      if (!window.confirm(button.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    }
  });
})();

// Reading time of a lesson: while the page is visible, report the seconds spent every 30 s
// (the server credits no more than really elapsed).
(function () {
  "use strict";
  var box = document.getElementById("lesson-progress");
  if (!box || !box.dataset.timeUrl) { return; }
  var visibleSince = document.visibilityState === "visible" ? Date.now() : null;
  function report(useBeacon) {
    if (visibleSince === null) { return; }
    var seconds = Math.round((Date.now() - visibleSince) / 1000);
    visibleSince = document.visibilityState === "visible" ? Date.now() : null;
    if (seconds < 1) { return; }
    var data = new FormData();
    data.append("seconds", String(seconds));
    data.append("csrf_token", box.dataset.csrf);
    if (useBeacon && navigator.sendBeacon) {
      navigator.sendBeacon(box.dataset.timeUrl, data);
    } else {
      fetch(box.dataset.timeUrl, { method: "POST", body: data, credentials: "same-origin" }).catch(function () {});
    }
  }
  setInterval(function () { report(false); }, 30000);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { visibleSince = Date.now(); } else { report(true); }
  });
  window.addEventListener("pagehide", function () { report(true); });
})();

// A table too wide for the screen scrolls inside its box; the box then takes keyboard focus (so
// arrow keys scroll it) and is announced by the table's caption or the heading above it.
(function () {
  "use strict";
  // A table the template did not put in a scroll box gets one, so no page scrolls sideways.
  document.querySelectorAll("main table").forEach(function (table) {
    if (table.closest(".table-responsive")) { return; }
    var box = document.createElement("div");
    box.className = "table-responsive";
    table.parentNode.insertBefore(box, table);
    box.appendChild(table);
  });
  var boxes = document.querySelectorAll(".table-responsive");
  if (!boxes.length) { return; }
  function nameOf(box) {
    var caption = box.querySelector("caption");
    if (caption) { return caption.textContent.trim(); }
    var table = box.querySelector("table");
    if (table && table.getAttribute("aria-label")) { return table.getAttribute("aria-label"); }
    for (var node = box.previousElementSibling; node; node = node.previousElementSibling) {
      if (/^H[1-6]$/.test(node.tagName)) { return node.textContent.trim(); }
    }
    var heading = document.querySelector("main h1");
    return heading ? heading.textContent.trim() : "";
  }
  function update(box) {
    if (box.scrollWidth > box.clientWidth + 1) {
      if (!box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", nameOf(box));
        box.dataset.scrollFocus = "1";
      }
    } else if (box.dataset.scrollFocus) {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
      delete box.dataset.scrollFocus;
    }
  }
  boxes.forEach(update);
  if (window.ResizeObserver) {
    var observer = new ResizeObserver(function (entries) {
      entries.forEach(function (entry) { update(entry.target); });
    });
    boxes.forEach(function (box) { observer.observe(box); });
  }
})();

// A refused form: the summary of what to fix takes the focus, so it is read out first.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary") || document.getElementById("grade-issues");
  if (summary) { summary.focus(); }
})();

// A grid too wide for a phone (table[data-phone-pick]) shows one of its columns at a time there,
// chosen in a list above it; the header cells with data-col are the choices (an empty data-col is
// never shown on a phone), the others (the pupil, the average) always stay. Cells left out are
// only hidden: they are still sent with the form.
(function () {
  "use strict";
  document.querySelectorAll("table[data-phone-pick]").forEach(function (table, n) {
    if (!table.tHead || !table.tHead.rows.length) { return; }
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var choices = heads.filter(function (th) { return th.dataset.col; });
    if (!choices.length) { return; }
    var id = (table.id || "grid-" + n) + "-column";
    var wrap = document.createElement("div");
    wrap.className = "phone-pick mb-2";
    var label = document.createElement("label");
    label.className = "form-label small mb-1";
    label.htmlFor = id;
    label.textContent = table.dataset.phonePick;
    var select = document.createElement("select");
    select.className = "form-select form-select-sm";
    select.id = id;
    choices.forEach(function (th) {
      var option = document.createElement("option");
      option.value = th.dataset.col;
      option.textContent = th.textContent.trim();
      select.appendChild(option);
    });
    wrap.appendChild(label);
    wrap.appendChild(select);
    var box = table.closest(".table-responsive") || table;
    box.parentNode.insertBefore(wrap, box);
    function show(key) {
      var off = heads.map(function (th) { return th.dataset.col !== undefined && th.dataset.col !== key; });
      Array.prototype.forEach.call(table.rows, function (row) {
        if (row.cells.length !== heads.length) { return; }     // a row spanning the grid ("no pupils")
        Array.prototype.forEach.call(row.cells, function (cell, i) { cell.classList.toggle("phone-off", off[i]); });
      });
    }
    select.addEventListener("change", function () { show(select.value); });
    show(select.value);
  });
})();

// The top bar on one line: where its menu does not fit beside the school's name (a long name, an
// admin's many menus, English words), it folds behind the menu button as on a phone.
(function () {
  "use strict";
  var bar = document.querySelector(".lms-topbar");
  if (!bar) { return; }
  var inner = bar.querySelector(".container-fluid");
  var brand = bar.querySelector(".navbar-brand");
  var wide = bar.dataset.expand;          // navbar-expand-xl: the width from which the bar unfolds
  function lines(element) {
    var text = element.lastChild, range = document.createRange();
    if (!text || text.nodeType !== 3) { return 1; }
    range.selectNodeContents(text);
    var tops = {};
    Array.prototype.forEach.call(range.getClientRects(), function (r) { tops[Math.round(r.top)] = true; });
    return Object.keys(tops).length;
  }
  function fit() {
    bar.classList.add(wide);
    var unfolded = getComputedStyle(bar.querySelector(".navbar-toggler")).display === "none";
    // Too wide, or the school's name squeezed onto more than two lines.
    if (unfolded && (inner.scrollWidth > inner.clientWidth + 1 || lines(brand) > 2)) {
      bar.classList.remove(wide);
    }
  }
  fit();
  window.addEventListener("resize", fit);
})();

// A list table that becomes cards on a phone (table.table-stack): each cell carries its column's
// name (shown before the value there), and the table its roles, which a table drawn as blocks
// would otherwise lose for screen readers.
(function () {
  "use strict";
  document.querySelectorAll("table.table-stack").forEach(function (table) {
    if (!table.tHead || !table.tHead.rows.length) { return; }
    var names = Array.prototype.map.call(table.tHead.rows[0].cells, function (th) { return th.textContent.trim(); });
    table.setAttribute("role", "table");
    Array.prototype.forEach.call(table.querySelectorAll("thead, tbody, tfoot"), function (g) { g.setAttribute("role", "rowgroup"); });
    Array.prototype.forEach.call(table.rows, function (row) {
      row.setAttribute("role", "row");
      Array.prototype.forEach.call(row.cells, function (cell, i) {
        if (cell.parentNode.parentNode === table.tHead) { cell.setAttribute("role", "columnheader"); return; }
        cell.setAttribute("role", cell.tagName === "TH" ? "rowheader" : "cell");
        // A cell of buttons (td.stack-bare) needs no name before it.
        if (row.cells.length === names.length && names[i] && cell.tagName === "TD" &&
            !cell.classList.contains("stack-bare")) { cell.dataset.label = names[i]; }
      });
    });
  });
})();
