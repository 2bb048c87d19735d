// The register: keep the counts above the roster in step with the taps.
(function () {
  "use strict";
  var form = document.getElementById("register-form");
  if (!form) { return; }
  function recount() {
    var counts = { "": 0, P: 0, K: 0, M: 0 };
    form.querySelectorAll(".roster-row").forEach(function (row) {
      var checked = row.querySelector("input[type=radio]:checked");
      var value = checked ? checked.value : "";
      counts[value] = (counts[value] || 0) + 1;
    });
    document.querySelectorAll("#register-counts [data-count]").forEach(function (el) {
      el.textContent = String(counts[el.getAttribute("data-count")] || 0);
    });
  }
  form.addEventListener("change", recount);
  recount();
}());
