// Setting homework: as the teacher picks the classes, the due time and the estimate, show what
// that evening and that week already hold for each class (from /homework/load), and the school's
// limit.
(function () {
  "use strict";
  var panel = document.getElementById("homework-load");
  var form = document.getElementById("homework-form");
  if (!panel || !form) { return; }
  var list = document.getElementById("load-lines");
  function render(lines) {
    list.textContent = "";
    lines.forEach(function (line) {
      var li = document.createElement("li");
      li.setAttribute("data-over", line.over ? "yes" : "no");
      if (line.over) { li.className = "text-danger fw-semibold"; }
      li.textContent = line.text;
      if (line.week_url) {
        var link = document.createElement("a");
        link.href = line.week_url;
        link.textContent = panel.getAttribute("data-week-label") || "";
        li.appendChild(document.createTextNode(" · "));
        li.appendChild(link);
      }
      list.appendChild(li);
    });
  }
  var timer = null;
  function refresh() {
    var params = new URLSearchParams();
    var courses = form.querySelector("#course_ids");
    Array.prototype.forEach.call(courses ? courses.selectedOptions : [], function (o) { params.append("course_ids", o.value); });
    params.set("due_at", (form.querySelector("#due_at") || {}).value || "");
    params.set("minutes", (form.querySelector("#minutes") || {}).value || "");
    params.set("assignment", panel.getAttribute("data-assignment") || "");
    fetch(panel.getAttribute("data-url") + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { lines: [] }; })
      .then(function (data) { if (data.lines && data.lines.length) { render(data.lines); } })
      .catch(function () { /* the server-side panel stays as it was */ });
  }
  form.addEventListener("change", function (e) {
    if (["course_ids", "due_at", "minutes"].indexOf(e.target.id) >= 0) {
      clearTimeout(timer);
      timer = setTimeout(refresh, 250);
    }
  });
}());
