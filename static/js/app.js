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
