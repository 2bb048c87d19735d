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
