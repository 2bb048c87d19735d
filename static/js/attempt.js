// The attempt page. Every answer change is written to a journal in this browser first, then saved
// on its own with a sequence number one higher than the last; the server keeps only newer numbers.
// Offline, the journal keeps everything and it is replayed when the connection returns (or when the
// page is reopened). The clock shown is the server's time left, corrected on every answer.
// Each window or tab keeps its own journal (one window never replays another's older answers); a
// window coming back into view asks the server for the answers it holds and shows, on each question
// changed in another window meanwhile, the newer answer and says so.
(function () {
  "use strict";
  var root = document.getElementById("attempt");
  if (!root) { return; }
  var PREFIX = "lms-attempt-" + root.dataset.attempt;
  var KEY = PREFIX + "-" + tabId();
  var ORPHAN_MS = 120000;   // a journal not touched for this long belongs to a window that is gone
  var csrf = root.dataset.csrf;
  var badge = document.getElementById("save-state");
  var alertBox = document.getElementById("attempt-alert");
  var questions = {};
  var journal = load();
  var pending = {};
  var sending = false, offline = false, closed = false, moved = false, submitting = false;
  var refused = {};   // position -> why the server refused its last answer, until a save of it succeeds
  var replaced = "";  // a save refused as older than another window's: said on the badge until the next answer
  var events = [];
  var clock = window.performance && performance.now ? function () { return performance.now(); } : Date.now;
  var endAt = clock() + Number(root.dataset.timeLeft) * 1000;
  var timers = {};

  function tabId() {
    // This window's name for its journal: kept across a reload of the window, new in another one.
    try {
      var id = window.sessionStorage.getItem("lms-attempt-tab");
      if (!id) {
        id = Math.random().toString(36).slice(2, 10) + Date.now().toString(36);
        window.sessionStorage.setItem("lms-attempt-tab", id);
      }
      return id;
    } catch (e) { return "main"; }
  }
  function readJournal(key) {
    var kept;
    try { kept = JSON.parse(window.localStorage.getItem(key)); } catch (e) { kept = null; }
    if (!kept) { return null; }
    // {at, open, answers}; an older page kept the answers alone under the attempt's own key.
    return kept.answers ? kept : { at: 0, open: false, answers: kept };
  }
  function load() {
    var own = readJournal(KEY);
    var answers = own ? own.answers : {};
    // The journal of a window that was closed (or not heard of for a while) with answers not yet
    // sent is taken over; another open window's journal is its own.
    try {
      for (var i = window.localStorage.length - 1; i >= 0; i--) {
        var key = window.localStorage.key(i);
        if (key === KEY || (key !== PREFIX && key.indexOf(PREFIX + "-") !== 0)) { continue; }
        var other = readJournal(key);
        if (other && other.open && Date.now() - other.at < ORPHAN_MS) { continue; }
        Object.keys((other && other.answers) || {}).forEach(function (p) {
          if (!answers[p] || answers[p].seq < other.answers[p].seq) { answers[p] = other.answers[p]; }
        });
        window.localStorage.removeItem(key);
      }
    } catch (e) { /* no storage: memory only */ }
    return answers;
  }
  function store(open) {
    try {
      window.localStorage.setItem(KEY, JSON.stringify({ at: Date.now(), open: open !== false, answers: journal }));
    } catch (e) { /* private mode: memory only */ }
  }
  function forget() {
    // The attempt is over: every window's journal of it goes.
    try {
      for (var i = window.localStorage.length - 1; i >= 0; i--) {
        var key = window.localStorage.key(i);
        if (key === PREFIX || key.indexOf(PREFIX + "-") === 0) { window.localStorage.removeItem(key); }
      }
    } catch (e) { /* nothing kept */ }
  }
  function say(text, kind) {
    alertBox.textContent = text;
    alertBox.className = "alert alert-" + (kind || "warning");
    alertBox.hidden = !text;
  }

  // ---------------------------------------------------------------- reading and writing answers
  function inputs(q, suffix) {
    return q.el.querySelectorAll("[name='q-" + q.position + (suffix || "") + "']");
  }
  function read(q) {
    var value = null;
    switch (q.qtype) {
      case "single_choice":
      case "true_false":
        inputs(q).forEach(function (i) { if (i.checked) { value = i.value; } });
        if (q.qtype === "true_false" && value !== null) { value = value === "true"; }
        return value;
      case "multiple_choice":
        value = [];
        inputs(q).forEach(function (i) { if (i.checked) { value.push(i.value); } });
        return value.sort();
      case "tf_cluster":
        value = {};
        q.el.querySelectorAll("[data-statement]").forEach(function (row) {
          row.querySelectorAll("input").forEach(function (i) { if (i.checked) { value[row.dataset.statement] = i.value === "true"; } });
        });
        return value;
      case "matching":
        value = {};
        q.el.querySelectorAll("[data-left]").forEach(function (row) {
          var select = row.querySelector("select");
          if (select.value) { value[row.dataset.left] = select.value; }
        });
        return value;
      case "description":
        return null;
      default:
        var field = q.el.querySelector("[name='q-" + q.position + "']");
        return field ? field.value : "";
    }
  }
  function write(q, value) {
    switch (q.qtype) {
      case "single_choice":
      case "true_false":
        inputs(q).forEach(function (i) { i.checked = value !== null && String(value) === i.value; });
        break;
      case "multiple_choice":
        inputs(q).forEach(function (i) { i.checked = (value || []).indexOf(i.value) >= 0; });
        break;
      case "tf_cluster":
        q.el.querySelectorAll("[data-statement]").forEach(function (row) {
          var chosen = (value || {})[row.dataset.statement];
          row.querySelectorAll("input").forEach(function (i) { i.checked = chosen !== undefined && String(chosen) === i.value; });
        });
        break;
      case "matching":
        q.el.querySelectorAll("[data-left]").forEach(function (row) {
          row.querySelector("select").value = (value || {})[row.dataset.left] || "";
        });
        break;
      case "description":
        break;
      default:
        var field = q.el.querySelector("[name='q-" + q.position + "']");
        if (field) { field.value = value || ""; }
    }
  }
  function answered(q) {
    var value = read(q);
    if (value === null || value === "") { return false; }
    if (Array.isArray(value)) { return value.length > 0; }
    if (typeof value === "object") { return Object.keys(value).length > 0; }
    return true;
  }

  // ---------------------------------------------------------------- saving
  function state() {
    var waiting = Object.keys(pending).length;
    if (moved) {
      badge.className = "badge text-bg-danger";
      badge.textContent = root.dataset.msgDevice;
    } else if (offline) {
      badge.className = "badge text-bg-warning";
      badge.textContent = root.dataset.msgOffline;
    } else if (Object.keys(refused).length) {
      badge.className = "badge text-bg-danger";
      badge.textContent = root.dataset.msgRefusedBadge.replace("{list}", Object.keys(refused)
        .map(function (p) { return questions[p].number; }).join(", "));
    } else if (waiting) {
      badge.className = "badge text-bg-secondary";
      badge.textContent = root.dataset.msgSaving;
    } else if (replaced) {
      badge.className = "badge text-bg-warning";
      badge.textContent = replaced;
    } else if (Object.keys(questions).some(function (p) { return questions[p].seq > 0; })) {
      // "All saved" only once the server holds an answer: one it acknowledged, or one it had at load.
      badge.className = "badge text-bg-success";
      badge.textContent = root.dataset.msgSaved;
    } else {
      badge.className = "badge text-bg-light border";
      badge.textContent = root.dataset.msgNone;
    }
    navState();
  }
  function post(url, data) {
    return fetch(url, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(data),
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf,
                 "X-Attempt-Ticket": root.dataset.ticket }
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) { return { status: r.status, body: body }; });
    });
  }
  function sync(body) {
    if (body && typeof body.time_left === "number") { endAt = clock() + body.time_left * 1000; }
  }
  function staleNote(q, text, kind) {
    // Said where the pupil just clicked too: the page's alert may be scrolled out of sight.
    var name = kind === "danger" ? "refused-note" : "stale-note";
    var note = q.el.querySelector("." + name);
    if (!note && text) {
      note = document.createElement("div");
      note.className = name + " alert alert-" + (kind || "warning") + " small py-1 mt-2";
      note.setAttribute("role", "status");
      q.el.appendChild(note);
    }
    if (note) { note.textContent = text; note.hidden = !text; }
  }
  function changed(q) {
    if (replaced) { replaced = ""; say(""); }
    staleNote(q, "");
    var entry = journal[q.position];
    var base = Math.max(q.seq, entry ? entry.seq : 0);
    journal[q.position] = { value: read(q), seq: base + 1 };
    store();
    pending[q.position] = true;
    state();
    flush();
  }
  function flush() {
    if (sending || closed || moved || submitting) { return; }
    var position = Object.keys(pending)[0];
    if (position === undefined) { state(); return; }
    var entry = journal[position];
    if (!entry) { delete pending[position]; flush(); return; }
    sending = true;
    state();
    post(root.dataset.saveUrl, { position: Number(position), value: entry.value, seq: entry.seq }).then(function (r) {
      sending = false;
      sync(r.body);
      var q = questions[position];
      if (r.status === 200) {
        offline = false;
        q.seq = Math.max(q.seq, r.body.seq);
        if (refused[position]) {
          if (alertBox.textContent === refused[position]) { say(""); }
          delete refused[position];
          staleNote(q, "", "danger");
        }
        if (journal[position] && journal[position].seq <= r.body.seq) {
          delete journal[position];
          delete pending[position];
          store();
        }
      } else if (r.status === 409 && r.body.status === "stale") {
        offline = false;
        q.seq = r.body.seq;
        write(q, r.body.value);
        delete journal[position];
        delete pending[position];
        store();
        replaced = root.dataset.msgStale.replace("{n}", q.number);
        say(replaced);
        staleNote(q, replaced);
      } else if (r.status === 409 && r.body.status === "device") {
        moved = true;
        say(root.dataset.msgDevice, "danger");
      } else if (r.status === 410) {
        closed = true;
        forget();
        window.location.assign(r.body.result || root.dataset.resultUrl);
        return;
      } else if (r.status === 409 || r.status === 422) {
        delete pending[position];
        delete journal[position];
        store();
        refused[position] = root.dataset.msgRefused.replace("{n}", q.number).replace("{message}", r.body.message || "");
        staleNote(q, refused[position], "danger");
        say(refused[position], "danger");
      } else if (r.status === 401 || r.status === 400) {
        // Signed out, or the form token no longer matches: the answer stays in the journal and is
        // sent again once the pupil has signed in again (in another tab).
        offline = true;
        say(r.body.message || root.dataset.msgSignedOut, "danger");
        setTimeout(flush, 15000);
      } else {
        offline = true;  // a server error: keep it and try again
        setTimeout(flush, 5000);
      }
      state();
      flush();
    }).catch(function () {
      sending = false;
      offline = true;
      state();
      setTimeout(flush, 5000);
    });
  }

  // A window coming back into view: the answers changed in another window meanwhile are shown,
  // each said on its question (an unsent answer of this window that is older is dropped).
  function refresh() {
    if (closed || moved || submitting || !root.dataset.answersUrl) { return; }
    fetch(root.dataset.answersUrl, { credentials: "same-origin", cache: "no-store",
                                     headers: { "Accept": "application/json", "X-Attempt-Ticket": root.dataset.ticket } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body || !body.answers) { return; }
        var told = [];
        Object.keys(body.answers).forEach(function (position) {
          var q = questions[position], held = body.answers[position], mine = journal[position];
          if (!q || held.seq <= q.seq || (mine && mine.seq > held.seq)) { return; }
          q.seq = held.seq;
          if (mine || timers[position]) { clearTimeout(timers[position]); delete timers[position]; delete journal[position]; delete pending[position]; }
          if (JSON.stringify(read(q)) === JSON.stringify(held.value)) { return; }
          write(q, held.value);
          var text = root.dataset.msgStale.replace("{n}", q.number);
          staleNote(q, text);
          told.push(text);
        });
        if (told.length) {
          store();
          replaced = told[0];
          say(told.join(" "));
          state();
        }
      }).catch(function () { /* offline: the next save or the next look tells */ });
  }

  // ---------------------------------------------------------------- questions, pages, navigation
  var perPage = Number(root.dataset.perPage);
  var pages = Number(root.dataset.pages);
  var page = 0;
  var prev = document.getElementById("prev-page"), next = document.getElementById("next-page");
  function showPage(p) {
    page = Math.max(0, Math.min(pages - 1, p));
    if (perPage) {
      Object.keys(questions).forEach(function (k) { questions[k].el.hidden = Number(questions[k].el.dataset.page) !== page; });
    }
    var label = document.getElementById("page-label");
    if (label) { label.textContent = label.dataset.template.replace("{p}", page + 1).replace("{n}", pages); }
    // No way back from the first page nor on from the last: a button that does nothing is not offered.
    if (prev) { prev.disabled = page === 0; }
    if (next) { next.disabled = page === pages - 1; }
    navState();
  }
  // After a change of page the focus goes to the question asked for (or the page's first), not left
  // on a button below the new questions; the page label (a live region) says which page it is.
  function focusQuestion(el) {
    var head = el.querySelector(".part-title, .question-head") || el;
    head.setAttribute("tabindex", "-1");
    head.focus();
  }
  function firstOnPage() { return document.querySelector("section.question:not([hidden])"); }
  function navState() {
    document.querySelectorAll(".qnav").forEach(function (b) {
      var q = questions[b.dataset.target];
      b.classList.toggle("btn-secondary", answered(q));
      b.classList.toggle("btn-outline-secondary", !answered(q));
      b.classList.toggle("border-warning", !!pending[q.position]);
      b.classList.toggle("qnav-current", Number(b.dataset.page) === page);
      // What the colours say, said to screen readers too.
      b.setAttribute("aria-label", answered(q) ? b.dataset.labelAnswered : b.dataset.labelOpen);
      if (Number(b.dataset.page) === page && perPage) { b.setAttribute("aria-current", "page"); } else { b.removeAttribute("aria-current"); }
    });
  }
  document.querySelectorAll("section.question").forEach(function (el) {
    var q = { el: el, position: el.dataset.position, qtype: el.dataset.qtype, seq: Number(el.dataset.seq),
              number: el.dataset.number };
    questions[q.position] = q;
    var kept = journal[q.position];
    if (kept && kept.seq > q.seq) {
      write(q, kept.value);     // newer than the server's: replay it
      pending[q.position] = true;
    } else if (kept) {
      delete journal[q.position];
    }
    el.addEventListener("change", function () { changed(q); });
    el.addEventListener("input", function (event) {
      if (!event.target.matches("input[type=text], textarea")) { return; }
      clearTimeout(timers[q.position]);
      timers[q.position] = setTimeout(function () { changed(q); }, 800);
    });
  });
  store();
  document.querySelectorAll(".qnav").forEach(function (b) {
    b.addEventListener("click", function () {
      showPage(Number(b.dataset.page));
      var el = document.getElementById("question-" + b.dataset.target);
      el.scrollIntoView();
      focusQuestion(el);
    });
  });
  function turn(step) {
    showPage(page + step);
    window.scrollTo(0, 0);
    var first = firstOnPage();
    if (first) { focusQuestion(first); }
  }
  if (prev) { prev.addEventListener("click", function () { turn(-1); }); }
  if (next) { next.addEventListener("click", function () { turn(1); }); }
  showPage(0);

  // ---------------------------------------------------------------- the clock, signals, heartbeat
  var timer = document.getElementById("timer");
  // The time left is read out at 15, 5 and 1 minute only: a live timer would talk every second.
  var announcer = document.getElementById("timer-announce");
  var thresholds = [15, 5, 1].map(function (m) { return { minutes: m, said: false }; });
  var firstTick = true;
  var timeSaid = "";
  // "1 minute" or "5 minutes": the page carries both forms of a counted message (data-template-one
  // and data-template; Vietnamese writes the same twice) and the count chooses.
  function counted(dataset, key, n) {
    var one = dataset[key + "One"];
    return (n === 1 && one ? one : dataset[key]);
  }
  function minutesLeft(n) { return counted(announcer.dataset, "template", n).replace("{m}", n); }
  function announce(left) {
    var crossed = null;
    thresholds.forEach(function (t) {
      if (t.said || left > t.minutes * 60) { return; }
      t.said = true;
      crossed = t;   // thresholds run 15, 5, 1: the last one crossed is the real time left
      // A threshold already behind when the page opened is not read out late (the next one is).
      if (firstTick && left <= t.minutes * 60 - 30) { return; }
      if (announcer && left > 0) { announcer.textContent = minutesLeft(crossed.minutes); }
    });
    firstTick = false;
    if (!crossed || left <= 0 || !announcer) { return; }
    // Shown on screen too, the real time left in whole minutes (a 1-minute exam opens with "1
    // minute", never "5"; a page opened with 10 minutes left says 10, not the 15 it has passed),
    // replacing the last time warning but never a message about something else.
    var text = minutesLeft(Math.ceil(left / 60));
    if (alertBox.hidden || alertBox.textContent === timeSaid) { say(text); timeSaid = text; }
  }
  function tick() {
    var ms = endAt - clock();
    var left = Math.max(0, Math.ceil(ms / 1000));
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    timer.textContent = (h ? h + ":" + (m < 10 ? "0" : "") : "") + m + ":" + (s < 10 ? "0" : "") + s;
    timer.classList.toggle("text-danger", left <= 300);
    announce(left);
    if (ms <= 0 && !submitting && !closed) { say(root.dataset.msgClosed, "danger"); submit(true); }
  }
  setInterval(tick, 250);
  tick();
  function signal(kind) { events.push({ kind: kind }); }
  function heartbeat() {
    if (closed || submitting) { return; }
    var sent = events.splice(0, events.length);
    post(root.dataset.eventsUrl, { events: sent }).then(function (r) {
      sync(r.body);
      if (r.body && r.body.state && r.body.state !== "in_progress") {
        closed = true;
        forget();
        window.location.assign(r.body.result || root.dataset.resultUrl);
      } else if (r.body && r.body.device_ok === false) {
        moved = true;
        say(root.dataset.msgDevice, "danger");
        state();
      }
    }).catch(function () { events = sent.concat(events); });
  }
  setInterval(heartbeat, 30000);
  // The server's clock, polled every few seconds (one read, by the ticket): extra time or a new
  // window given by the teacher during the attempt reaches this timer at once.
  // The deadline this page was written with: a change answered by any poll, the first one too, is
  // the teacher's (compared as instants, whatever offset the server wrote).
  var deadline = Date.parse(root.dataset.deadline) || null;
  function localTime(iso) {
    // dd/MM/yyyy HH:mm in the school's time zone, as the page writes it.
    var parts = {};
    new Intl.DateTimeFormat("en-GB", { timeZone: root.dataset.tz, day: "2-digit", month: "2-digit", year: "numeric",
                                       hour: "2-digit", minute: "2-digit", hour12: false })
      .formatToParts(new Date(iso)).forEach(function (p) { parts[p.type] = p.value; });
    return parts.day + "/" + parts.month + "/" + parts.year + " " + parts.hour + ":" + parts.minute;
  }
  function poll() {
    if (!closed) { store(); }   // this window is still open: its journal is its own
    if (closed || submitting || offline) { return; }
    fetch(root.dataset.clockUrl, { credentials: "same-origin", cache: "no-store",
                                   headers: { "Accept": "application/json", "X-Attempt-Ticket": root.dataset.ticket } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body) { return; }
        sync(body);
        var answered = Date.parse(body.deadline) || null;
        if (deadline !== null && answered !== null && answered !== deadline) {
          var end = document.getElementById("deadline-label");
          if (end) { end.textContent = localTime(body.deadline); }
          say(root.dataset.msgNewTime, "info");
          thresholds.forEach(function (t) { t.said = body.time_left <= t.minutes * 60; });
        }
        if (answered !== null) { deadline = answered; }
        if (body.state && body.state !== "in_progress") {
          closed = true;
          forget();
          window.location.assign(root.dataset.resultUrl);
        }
      }).catch(function () { /* offline: the journal keeps answering; the next poll corrects */ });
  }
  setInterval(poll, Number(root.dataset.clockEvery) || 4000);
  poll();
  document.addEventListener("visibilitychange", function () {
    signal(document.visibilityState === "hidden" ? "hidden" : "visible");
    if (document.visibilityState === "visible") { refresh(); }
  });
  window.addEventListener("blur", function () { signal("focus_lost"); });
  window.addEventListener("focus", function () { signal("focus_back"); refresh(); });
  window.addEventListener("pagehide", function () { if (!closed) { store(false); } });
  window.addEventListener("online", function () {
    signal("online");
    offline = false;
    if (submitting && !closed) { submit(false); } else { flush(); }   // after time-up: submit now, with the journal
  });
  window.addEventListener("offline", function () { signal("offline"); offline = true; state(); });
  document.addEventListener("fullscreenchange", function () { signal(document.fullscreenElement ? "fullscreen_enter" : "fullscreen_exit"); });
  var full = document.getElementById("fullscreen");
  if (full && document.documentElement.requestFullscreen) {
    full.addEventListener("click", function () { document.documentElement.requestFullscreen().catch(function () {}); });
  } else if (full) { full.hidden = true; }

  // ---------------------------------------------------------------- submitting
  var panel = document.getElementById("submit-panel");
  document.getElementById("open-submit").addEventListener("click", function () {
    var missing = Object.keys(questions).map(function (k) { return questions[k]; })
      .filter(function (q) { return q.number !== "0" && !answered(q); })
      .map(function (q) { return q.number; });
    document.getElementById("unanswered").textContent = missing.length
      ? counted(root.dataset, "msgUnanswered", missing.length).replace("{n}", missing.length)
          .replace("{list}", missing.join(", "))
      : root.dataset.msgAll;
    panel.hidden = false;
    panel.scrollIntoView();
  });
  document.getElementById("cancel-submit").addEventListener("click", function () { panel.hidden = true; });
  document.getElementById("confirm-submit").addEventListener("click", function () { submit(false); });

  // The submission is retried every few seconds until the server answers, whatever the browser's
  // online/offline events say: a network returning after time-up must still bring the answers kept
  // in the journal (they go with it as `finals`) within the allowance after the deadline.
  var timedOut = false, submitSending = false, submitRetry = null;
  function submit(byClock) {
    if (byClock) { timedOut = true; }
    if (submitSending || closed || moved) { return; }
    clearTimeout(submitRetry);
    submitRetry = null;
    submitting = true;
    submitSending = true;
    Object.keys(timers).forEach(function (k) { clearTimeout(timers[k]); delete timers[k]; changedQuiet(questions[k]); });
    var finals = Object.keys(journal).map(function (k) { return { position: Number(k), value: journal[k].value, seq: journal[k].seq }; });
    function again() {
      submitSending = false;
      offline = true;
      state();
      say(root.dataset.msgOfflineSubmit, "danger");
      submitRetry = setTimeout(function () { submit(false); }, 5000);
    }
    post(root.dataset.submitUrl, { finals: finals, timed_out: timedOut }).then(function (r) {
      if (r.status === 200 || r.status === 410) {
        closed = true;
        forget();
        window.location.assign((r.body && r.body.result) || root.dataset.resultUrl);
      } else if (r.status === 409) {
        submitSending = false;
        moved = true;
        say(r.body.message || root.dataset.msgDevice, "danger");
        state();
      } else {
        again();
      }
    }).catch(again);
  }
  function changedQuiet(q) {
    // A text answer typed in the last second before submitting goes with the submission.
    var entry = journal[q.position];
    var value = read(q);
    if (entry && JSON.stringify(entry.value) === JSON.stringify(value)) { return; }
    journal[q.position] = { value: value, seq: Math.max(q.seq, entry ? entry.seq : 0) + 1 };
    store();
  }
  window.addEventListener("beforeunload", function (event) {
    if (Object.keys(pending).length && !closed) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  state();
  flush();
  root.dataset.ready = "1";   // every answer is now watched (browser tests wait for this)
})();
