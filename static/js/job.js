// A background job's progress, polled once a second until it ends.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var bar = document.getElementById("job-progress");
  var count = document.getElementById("job-count");
  var state = document.getElementById("job-state");
  var message = document.getElementById("job-message");
  var result = document.getElementById("job-result");
  function update(data) {
    bar.max = Math.max(data.total, 1);
    bar.value = data.done;
    // "1/1 student", "12/38 students": both forms are on the page and the total chooses.
    var template = data.total === 1 ? count.dataset.templateOne : count.dataset.template;
    count.textContent = template.replace("{d}", data.done).replace("{t}", data.total);
    state.textContent = state.getAttribute("data-" + data.status) || data.status;
    message.textContent = data.message || "";
    box.dataset.status = data.status;
    if (data.result) { result.hidden = false; result.textContent = data.result_label; }
  }
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        update(data);
        if (data.status === "queued" || data.status === "running") { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  if (box.dataset.status === "queued" || box.dataset.status === "running") { poll(); }
})();
