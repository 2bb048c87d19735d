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
