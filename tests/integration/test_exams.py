"""The exam engine through its routes: attempts a pupil can trust (server time, sequence numbers,
one device, safe submit, overdue finishing), key confidentiality, overrides, review rules, manual
grading, regrading and the grade book."""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from lms.auth.models import User
from lms.core.timeutil import utcnow
from lms.exams.models import Attempt, AttemptEvent, AttemptSlot, Exam, QuestionVersion, Response, SlotGrade
from lms.people.models import School
from lms.exams import drawing
from tests.factories import make_bank, make_exam


def _ticket(client, attempt_id) -> str:
    """The attempt ticket the exam page gives its owner ('' when the page is not theirs)."""
    page = client.get(f"/attempts/{attempt_id}")
    found = re.search(r'data-ticket="([^"]+)"', page.get_data(as_text=True)) if page.status_code == 200 else None
    return found.group(1) if found else ""


def _json(client, url, data, ticket=None):
    headers = {"X-CSRFToken": client.token(), "Accept": "application/json"}
    if url.endswith("/save"):  # what attempt.js sends: the page's ticket instead of the session
        attempt_id = int(url.split("/")[2])
        tickets = client.__dict__.setdefault("tickets", {})
        if ticket is None and attempt_id not in tickets:
            tickets[attempt_id] = _ticket(client, attempt_id)
        headers["X-Attempt-Ticket"] = ticket if ticket is not None else tickets[attempt_id]
    return client.http.post(url, json=data, headers=headers)


def _exam_and_bank(dbs, world, **settings):
    with dbs() as s:
        b = make_bank(s, world.a)
        exam = make_exam(s, world.a, b.questions[:4] + ([b.essay] if settings.pop("essay", False) else []), **settings)
        s.commit()
        return exam.id, [q.id for q in b.questions], b.essay.id


def _start(client, exam_id) -> int:
    response = client.post(f"/exams/{exam_id}", {})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _slots(dbs, attempt_id):
    with dbs() as s:
        return [(slot.position, slot.question.qtype, slot.version.data, slot.layout)
                for slot in s.scalars(select(AttemptSlot).where(AttemptSlot.attempt_id == attempt_id)
                                      .order_by(AttemptSlot.position))]


def _right(data):
    return next(o["id"] for o in data["options"] if o["fraction"] == "1")


def _wrong(data):
    return next(o["id"] for o in data["options"] if o["fraction"] == "0")


def test_a_whole_attempt_saves_by_sequence_and_submits_once(world, client, dbs):
    exam_id, _qids, _essay = _exam_and_bank(dbs, world)
    client.login("hsa001")
    attempt_id = _start(client, exam_id)
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "Câu hỏi số" in page and "<math" in page  # $\frac{1}{2}$ as MathML
    slots = _slots(dbs, attempt_id)
    url = f"/attempts/{attempt_id}/save"
    first = slots[0]
    saved = _json(client, url, {"position": first[0], "value": _wrong(first[2]), "seq": 1})
    assert saved.status_code == 200 and saved.get_json()["status"] == "saved"
    again = _json(client, url, {"position": first[0], "value": _wrong(first[2]), "seq": 1})
    assert again.status_code == 200 and again.get_json()["status"] == "same"   # a retry is acknowledged
    newer = _json(client, url, {"position": first[0], "value": _right(first[2]), "seq": 3})
    assert newer.status_code == 200
    stale = _json(client, url, {"position": first[0], "value": _wrong(first[2]), "seq": 2})
    assert stale.status_code == 409 and stale.get_json()["value"] == _right(first[2]) and stale.get_json()["seq"] == 3
    clash = _json(client, url, {"position": first[0], "value": _wrong(first[2]), "seq": 3})
    assert clash.status_code == 409                                            # same number, other value
    bad = _json(client, url, {"position": first[0], "value": "not-an-option", "seq": 4})
    assert bad.status_code == 422 and "Phương án không có" in bad.get_json()["message"]
    for position, _qtype, data, _layout in slots[1:3]:
        assert _json(client, url, {"position": position, "value": _right(data), "seq": 1}).status_code == 200
    with dbs() as s:
        assert s.get(Response, s.scalars(select(Response.id).where(Response.attempt_id == attempt_id,
                                                                   Response.position == first[0])).one()).seq == 3
    done = _json(client, f"/attempts/{attempt_id}/submit", {"finals": [{"position": slots[3][0],
                                                                       "value": _wrong(slots[3][2]), "seq": 1}]})
    assert done.status_code == 200 and done.get_json()["status"] == "finished"
    twice = _json(client, f"/attempts/{attempt_id}/submit", {"finals": []})
    assert twice.status_code == 200
    late = _json(client, url, {"position": first[0], "value": _wrong(first[2]), "seq": 9})
    assert late.status_code == 410
    with dbs() as s:
        attempt = s.get(Attempt, attempt_id)
        assert (attempt.state, attempt.total_e4, attempt.max_e4, attempt.score10) == ("finished", 30000, 40000, 75)
        assert s.scalar(select(func.count()).select_from(AttemptEvent).where(
            AttemptEvent.attempt_id == attempt_id, AttemptEvent.kind == "submit")) == 1
        assert s.scalar(select(func.count()).select_from(Response).where(Response.attempt_id == attempt_id)) == 4
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "7,5 / 10" in result and "Đáp án đúng" not in result  # the default review keeps the key for later


def test_an_exam_start_keeps_the_browser_s_sign_in_device_cookie(app, world, make_client, dbs):
    """The exam's device token and the sign-in's known-device cookie are two cookies: starting an
    exam once replaced the one that keeps the pupil's own browser out of a guesser's lockout."""
    from lms.auth import views_devices
    from lms.auth.services import sign_in_key

    exam_id, _qids, _essay = _exam_and_bank(dbs, world)
    pupil = make_client()
    pupil.login("hsa001")
    _start(pupil, exam_id)
    with app.test_request_context():
        cookie = pupil.http.get_cookie(views_devices.cookie_name())
        known = views_devices.read({views_devices.cookie_name(): cookie.value})
        mine = views_devices.digest(sign_in_key("hsa001", "a"))
    assert known is not None and mine in known[1]
    assert cookie.expires is not None and cookie.expires > utcnow() + timedelta(days=300)   # not the exam's 7 days


def test_concurrent_submits_make_exactly_one_transition_and_one_grading(app, world, make_client, dbs):
    exam_id, _qids, _essay = _exam_and_bank(dbs, world)
    first = make_client()
    first.login("hsa001")
    attempt_id = _start(first, exam_id)
    cookies = first.http.get_cookie("lms_device").value
    token = first.token()
    barrier = threading.Barrier(12)
    codes = []

    def press():
        other = make_client()
        other.http = app.test_client()
        other.http.set_cookie("lms_device", cookies)
        with first.http.session_transaction() as source:
            data = dict(source)
        with other.http.session_transaction() as target:
            target.update(data)
        barrier.wait()
        r = other.http.post(f"/attempts/{attempt_id}/submit", json={"finals": []},
                            headers={"X-CSRFToken": token, "Accept": "application/json"})
        codes.append(r.status_code)

    threads = [threading.Thread(target=press) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(code == 200 for code in codes), codes
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(AttemptEvent).where(
            AttemptEvent.attempt_id == attempt_id, AttemptEvent.kind == "submit")) == 1
        slots = s.scalar(select(func.count()).select_from(AttemptSlot).where(AttemptSlot.attempt_id == attempt_id))
        assert s.scalar(select(func.count()).select_from(SlotGrade).where(SlotGrade.attempt_id == attempt_id)) == slots
        assert s.scalar(select(func.count()).select_from(Attempt).where(Attempt.exam_id == exam_id)) == 1


def test_the_server_decides_time_and_overdue_attempts_finish_at_the_deadline(world, client, dbs):
    from lms.exams import attempts

    exam_id, _qids, _essay = _exam_and_bank(dbs, world, minutes=10)
    start = utcnow()
    with time_machine.travel(start, tick=False):
        client.login("hsa001")
        attempt_id = _start(client, exam_id)
        slots = _slots(dbs, attempt_id)
        assert _json(client, f"/attempts/{attempt_id}/save",
                     {"position": slots[0][0], "value": _right(slots[0][2]), "seq": 1}).status_code == 200
    with time_machine.travel(start + timedelta(minutes=10, seconds=30), tick=False):
        # within the network allowance: still saved
        assert _json(client, f"/attempts/{attempt_id}/save",
                     {"position": slots[1][0], "value": _right(slots[1][2]), "seq": 1}).status_code == 200
    with time_machine.travel(start + timedelta(minutes=11, seconds=5), tick=False):
        late = _json(client, f"/attempts/{attempt_id}/save",
                     {"position": slots[2][0], "value": _right(slots[2][2]), "seq": 1})
        assert late.status_code == 410
    with dbs() as s:
        attempt = s.get(Attempt, attempt_id)
        assert attempt.state == "finished" and attempt.auto_finished
        assert attempt.finished_at == attempt.deadline                 # not the time of the access
        assert attempt.total_e4 == 20000                                # the two saved answers, nothing else
        assert s.scalar(select(func.count()).select_from(Response).where(Response.attempt_id == attempt_id)) == 2
    # The scheduled job does the same for attempts nobody comes back to.
    other = client.__class__(client.app)
    with time_machine.travel(start, tick=False):
        other.login("hsa002")
        second = _start(other, exam_id)
        slots = _slots(dbs, second)
        _json(other, f"/attempts/{second}/save", {"position": slots[0][0], "value": _right(slots[0][2]), "seq": 1})
    with dbs() as s:
        assert attempts.finish_overdue(s, start + timedelta(minutes=10, seconds=59)) == 0  # allowance not over
        assert attempts.finish_overdue(s, start + timedelta(minutes=12)) == 1
        s.commit()
        attempt = s.get(Attempt, second)
        assert (attempt.state, attempt.finished_at, attempt.total_e4) == ("finished", attempt.deadline, 10000)


def test_the_close_time_cuts_the_limit_and_a_long_exam_submits_at_minute_149(world, client, dbs):
    exam_id, _qids, _essay = _exam_and_bank(dbs, world, minutes=150, closes_in=600)
    start = utcnow()
    with time_machine.travel(start, tick=False):
        client.login("hsa001")
        attempt_id = _start(client, exam_id)
        slots = _slots(dbs, attempt_id)
    # The page's heartbeat (every 30 s; here every 20 minutes) keeps the session alive; the CSRF token
    # of the page loaded at the start is still good at minute 149.
    token = client.token()
    for minute in range(20, 150, 20):
        with time_machine.travel(start + timedelta(minutes=minute), tick=False):
            r = client.http.post(f"/attempts/{attempt_id}/events", json={"events": [{"kind": "focus_lost"}]},
                                 headers={"X-CSRFToken": token, "Accept": "application/json"})
            assert r.status_code == 200 and r.get_json()["state"] == "in_progress"
    with time_machine.travel(start + timedelta(minutes=149), tick=False):
        r = client.http.post(f"/attempts/{attempt_id}/submit",
                             json={"finals": [{"position": slots[0][0], "value": _right(slots[0][2]), "seq": 1}]},
                             headers={"X-CSRFToken": token, "Accept": "application/json"})
        assert r.status_code == 200 and r.get_json()["status"] == "finished"
    with dbs() as s:
        exam = s.get(Exam, exam_id)
        assert s.get(Attempt, attempt_id).deadline == start + timedelta(minutes=150)
        exam.close_at = start + timedelta(minutes=30)  # a close time before the limit ends wins
        s.commit()
    other = client.__class__(client.app)
    with time_machine.travel(start, tick=False):
        other.login("hsa002")
        second = _start(other, exam_id)
    with dbs() as s:
        assert s.get(Attempt, second).deadline == start + timedelta(minutes=30)


def test_one_device_at_a_time_and_the_switch_is_logged(app, world, make_client, dbs):
    exam_id, _qids, _essay = _exam_and_bank(dbs, world)
    laptop = make_client()
    laptop.login("hsa001")
    attempt_id = _start(laptop, exam_id)
    slots = _slots(dbs, attempt_id)
    phone = make_client()
    phone.login("hsa001")
    assert "đang mở trên thiết bị khác" in phone.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert _ticket(phone, attempt_id) == ""  # the other device's page gives no ticket
    no_ticket = _json(phone, f"/attempts/{attempt_id}/save", {"position": slots[0][0], "value": "x", "seq": 1})
    assert no_ticket.status_code == 401 and no_ticket.get_json()["status"] == "signed_out"
    # Even the laptop's own ticket is refused on the phone: the upsert checks the device cookie.
    refused = _json(phone, f"/attempts/{attempt_id}/save", {"position": slots[0][0], "value": _right(slots[0][2]),
                                                           "seq": 1}, ticket=_ticket(laptop, attempt_id))
    assert refused.status_code == 409 and refused.get_json()["status"] == "device"
    assert _json(laptop, f"/attempts/{attempt_id}/save",
                 {"position": slots[0][0], "value": _wrong(slots[0][2]), "seq": 1}).status_code == 200
    assert phone.post(f"/attempts/{attempt_id}/takeover", {}).status_code == 302
    page = phone.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert 'data-seq="1"' in page and "checked" in page   # resumes with every saved answer
    moved = _json(laptop, f"/attempts/{attempt_id}/save", {"position": slots[1][0], "value": _right(slots[1][2]), "seq": 1})
    assert moved.status_code == 409 and moved.get_json()["status"] == "device"
    with dbs() as s:
        kinds = [e.kind for e in s.scalars(select(AttemptEvent).where(AttemptEvent.attempt_id == attempt_id))]
        assert kinds.count("device_switch") == 1


def test_no_key_reaches_a_pupil_before_the_review_allows_it(app, world, client, make_client, dbs):
    """Markers planted in option feedback, general feedback, the grading guide and another pupil's
    answer never appear on any page or JSON answer a pupil can reach during the attempt."""
    from lms.exams import bank

    markers = ["KHOA-PHAN-HOI", "KHOA-LOI-GIAI", "KHOA-HUONG-DAN", "KHOA-BAI-BAN-KHAC", "KHOA-DAP-SO"]
    with dbs() as s:
        b = make_bank(s, world.a, count=2)
        q = b.questions[0]
        data = {**q.current.data, "options": [dict(o, feedback=markers[0]) for o in q.current.data["options"]]}
        bank.save_question(s, s.get(User, world.a.teacher.id), "teacher", s.get(School, world.a.school.id),
                           bank.QuestionInput(category_id=b.category.id, qtype="single_choice", text=q.current.text,
                                              data=data, general_feedback=markers[1], level=1), now=utcnow(), question=q)
        b.essay.current.data = {**b.essay.current.data, "guide": markers[2]}
        numeric = bank.save_question(s, s.get(User, world.a.teacher.id), "teacher", s.get(School, world.a.school.id),
                                     bank.QuestionInput(category_id=b.category.id, qtype="numerical", text="Bao nhiêu?",
                                                        data={"answers": [{"value": "97531", "tolerance": "0",
                                                                           "fraction": "1", "feedback": markers[4]}],
                                                              "max_length": 20}, level=1), now=utcnow())
        exam = make_exam(s, world.a, [q, b.essay, numeric])
        s.commit()
        exam_id = exam.id
    other = make_client()
    other.login("hsa002")
    other_attempt = _start(other, exam_id)
    essay_pos = next(p for p, t, _d, _l in _slots(dbs, other_attempt) if t == "essay")
    _json(other, f"/attempts/{other_attempt}/save", {"position": essay_pos, "value": markers[3], "seq": 1})
    _json(other, f"/attempts/{other_attempt}/submit", {"finals": []})
    client.login("hsa001")
    attempt_id = _start(client, exam_id)
    bodies = []
    ids = {"attempt_id": attempt_id, "exam_id": exam_id, "student_id": world.a.students["HSA001"].id}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or "<token>" in rule.rule:
            continue
        if any(arg not in ids for arg in rule.arguments):
            continue
        url = rule.build({a: ids[a] for a in rule.arguments})[1]
        bodies.append((url, client.get(url).get_data(as_text=True)))
    for position, _qtype, _data, _layout in _slots(dbs, attempt_id):
        for url, data in ((f"/attempts/{attempt_id}/save", {"position": position, "value": None, "seq": 1}),
                          (f"/attempts/{attempt_id}/events", {"events": []})):
            bodies.append((url, _json(client, url, data).get_data(as_text=True)))
    assert len(bodies) > 10
    for url, body in bodies:
        for marker in markers + ["97531", '"fraction"']:
            assert marker not in body, (url, marker)


def test_pupils_reach_only_their_own_attempts(world, client, make_client, dbs):
    exam_id, _qids, _essay = _exam_and_bank(dbs, world)
    other = make_client()
    other.login("hsa002")
    theirs = _start(other, exam_id)
    client.login("hsa001")
    for url in (f"/attempts/{theirs}", f"/attempts/{theirs}/result"):
        assert client.get(url).status_code == 404
    for url in (f"/attempts/{theirs}/events", f"/attempts/{theirs}/submit"):
        assert _json(client, url, {"position": 1, "value": None, "seq": 1}).status_code == 404
    assert client.post(f"/attempts/{theirs}/takeover", {}).status_code == 404
    # The save takes no session: only the ticket the owner's page was given, for that attempt.
    mine = _start(client, exam_id)
    my_ticket = _ticket(client, mine)
    attempt_id, user_id, seed, sequential, lang, mac = my_ticket.split(".")
    save = f"/attempts/{theirs}/save"
    for ticket in ("", my_ticket, ".".join([str(theirs), user_id, seed, sequential, lang, mac]),
                   ".".join([attempt_id, user_id, seed, sequential, "en", mac]), my_ticket[:-1] + "0"):
        refused = _json(client, save, {"position": 1, "value": None, "seq": 1}, ticket=ticket)
        assert refused.status_code == 401 and refused.get_json()["status"] == "signed_out", ticket
    assert _json(client, f"/attempts/{mine}/save", {"position": 1, "value": None, "seq": 1},
                 ticket=my_ticket[:-1] + ("1" if my_ticket[-1] == "0" else "0")).status_code == 401
    with dbs() as s:
        assert s.scalar(select(func.count(Response.id)).where(Response.attempt_id == theirs)) == 0
    teacher = make_client()
    teacher.login("gv.a")
    assert teacher.get(f"/attempts/{theirs}").status_code == 403  # pupils' pages are for pupils


def test_overrides_extra_time_and_attempts_and_the_access_code(world, client, make_client, dbs):
    from lms.exams import services

    exam_id, _qids, _essay = _exam_and_bank(dbs, world, minutes=20, access_code="lop6a1")
    client.login("hsa001")
    wrong = client.post(f"/exams/{exam_id}", {"access_code": "sai"})
    assert wrong.status_code == 422 and "Mã truy cập không đúng" in wrong.get_data(as_text=True)
    ok = client.post(f"/exams/{exam_id}", {"access_code": "LOP6A1"})
    attempt_id = int(ok.headers["Location"].rsplit("/", 1)[1])
    _json(client, f"/attempts/{attempt_id}/submit", {"finals": []})
    again = client.post(f"/exams/{exam_id}", {"access_code": "lop6a1"}, follow_redirects=True)
    assert "dùng hết 1 lần" in again.get_data(as_text=True)
    with dbs() as s:
        exam = s.get(Exam, exam_id)
        services.save_override(s, s.get(User, world.a.teacher.id), "teacher", exam, services.OverrideInput(
            student_id=world.a.students["HSA001"].id, extra_minutes=15, extra_attempts=1, reason="Khuyết tật vận động"))
        s.commit()
    second = client.post(f"/exams/{exam_id}", {"access_code": "lop6a1"})
    assert second.status_code == 302
    with dbs() as s:
        attempt = s.scalars(select(Attempt).where(Attempt.exam_id == exam_id, Attempt.number == 2)).one()
        assert attempt.deadline - attempt.started_at == timedelta(minutes=35)


def test_ip_rules():
    from lms.core.errors import ValidationError
    from lms.exams.attempt_rules import ip_allowed, parse_ip_ranges

    rules = parse_ip_ranges("192.168.\n10.1.0.0/20, 10.2.3.10-20\n203.0.113.7")
    assert ip_allowed(rules, "192.168.5.4") and ip_allowed(rules, "10.1.15.200") and ip_allowed(rules, "10.2.3.15")
    assert ip_allowed(rules, "203.0.113.7") and not ip_allowed(rules, "10.2.3.21") and not ip_allowed(rules, "8.8.8.8")
    assert ip_allowed([], "8.8.8.8") and not ip_allowed(rules, None)
    for bad in ("300.1.1.1", "10.1.2.30-20", "abc", "10.0.0.0/40"):
        with pytest.raises(ValidationError):
            parse_ip_ranges(bad)


def test_essay_grading_release_and_the_grade_book(world, client, make_client, dbs):
    exam_id, _qids, essay_id = _exam_and_bank(dbs, world, essay=True, gradebook_term=1, gradebook_key="tx3")
    client.login("hsa001")
    attempt_id = _start(client, exam_id)
    slots = _slots(dbs, attempt_id)
    for position, qtype, data, _layout in slots:
        value = "Quy đồng mẫu rồi cộng tử." if qtype == "essay" else _right(data)
        _json(client, f"/attempts/{attempt_id}/save", {"position": position, "value": value, "seq": 1})
    _json(client, f"/attempts/{attempt_id}/submit", {"finals": []})
    waiting = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "đang chờ thầy cô chấm" in waiting
    teacher = make_client()
    teacher.login("gv.a")
    queue = teacher.get(f"/exams/{exam_id}/grading").get_data(as_text=True)
    assert "Quy đồng mẫu rồi cộng tử." in queue and "1 bài chờ chấm" in queue
    essay_pos = next(p for p, t, _d, _l in slots if t == "essay")
    bad = teacher.post(f"/exams/{exam_id}/grading", {f"mark-{attempt_id}-{essay_pos}": "3"}, follow_redirects=True)
    assert "Điểm từ 0 đến 2" in bad.get_data(as_text=True)
    teacher.post(f"/exams/{exam_id}/grading", {f"mark-{attempt_id}-{essay_pos}": "1,5",
                                               f"comment-{attempt_id}-{essay_pos}": "Thiếu ví dụ."})
    with dbs() as s:
        attempt = s.get(Attempt, attempt_id)
        assert (attempt.state, attempt.total_e4, attempt.max_e4, attempt.score10) == ("finished", 55000, 60000, 92)
    page = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "9,2 / 10" in page and "Đáp án đúng" not in page and "Thiếu ví dụ." not in page
    teacher.post(f"/exams/{exam_id}/release", {})
    page = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Đáp án đúng" in page and "Thiếu ví dụ." in page and "Lời giải" in page
    assert teacher.post(f"/exams/{exam_id}/results", {"action": "gradebook"}).status_code == 302
    with dbs() as s:
        from lms.gradebook.models import GradeEntry

        entry = s.scalars(select(GradeEntry).where(GradeEntry.student_id == world.a.students["HSA001"].id)).one()
        assert (entry.kind, entry.position, str(entry.score), entry.source_type, entry.source_id) == \
            ("tx", 3, "9.2", "exam", exam_id)
    grid = teacher.get(f"/courses/{world.a.course.id}/grades?term=1").get_data(as_text=True)
    assert f'href="/exams/{exam_id}/results"' in grid  # the mark links to its source


def test_a_key_correction_regrades_with_the_list_of_changes_and_never_touches_answers(world, client, make_client, dbs):
    from lms.exams import bank

    exam_id, qids, _essay = _exam_and_bank(dbs, world, gradebook_term=1, gradebook_key="tx2")
    client.login("hsa001")
    attempt_id = _start(client, exam_id)
    slots = _slots(dbs, attempt_id)
    target = slots[0]
    _json(client, f"/attempts/{attempt_id}/save", {"position": target[0], "value": _wrong(target[2]), "seq": 1})
    _json(client, f"/attempts/{attempt_id}/submit", {"finals": []})
    teacher = make_client()
    teacher.login("gv.a")
    teacher.post(f"/exams/{exam_id}/results", {"action": "gradebook"})
    with dbs() as s:
        slot = s.scalars(select(AttemptSlot).where(AttemptSlot.attempt_id == attempt_id,
                                                   AttemptSlot.position == target[0])).one()
        question = slot.question
        chosen = _wrong(target[2])
        data = {**question.current.data, "options": [dict(o, fraction="1" if o["id"] == chosen else "0")
                                                     for o in question.current.data["options"]]}
        bank.save_question(s, s.get(User, world.a.teacher.id), "teacher", s.get(School, world.a.school.id),
                           bank.QuestionInput(category_id=question.category_id, qtype="single_choice",
                                              text=question.current.text, data=data, level=question.level),
                           now=utcnow(), question=question)
        s.commit()
        question_id = question.id
        versions = s.scalar(select(func.count()).select_from(QuestionVersion).where(QuestionVersion.question_id == question_id))
        assert versions == 2  # the version the attempt showed stays
    dry = teacher.get(f"/exams/{exam_id}/results?regrade={question_id}").get_data(as_text=True)
    assert "1 bài sẽ đổi điểm" in dry and "Nguyễn Văn An" in dry and "0,0 → 2,5" in dry
    done = teacher.post(f"/exams/{exam_id}/results", {"action": "regrade", "question_id": question_id},
                        follow_redirects=True).get_data(as_text=True)
    assert "1 bài thay đổi điểm" in done and "Sổ điểm đã được cập nhật" in done
    with dbs() as s:
        attempt = s.get(Attempt, attempt_id)
        assert attempt.score10 == 25
        assert s.scalars(select(Response).where(Response.attempt_id == attempt_id)).one().value == f'"{chosen}"'
        from lms.gradebook.models import GradeChange, GradeEntry

        assert str(s.scalars(select(GradeEntry)).one().score) == "2.5"
        assert s.scalars(select(GradeChange)).one().new_value == "2.5"  # the grade book says it changed


def test_blueprint_previews_refuses_short_cells_and_draws_least_used_first(world, make_client, dbs):
    from random import Random

    from lms.exams import services

    with dbs() as s:
        b = make_bank(s, world.a, count=8)
        teacher = s.get(User, world.a.teacher.id)
        school = s.get(School, world.a.school.id)
        exam = make_exam(s, world.a, b.questions[:1], publish=False)
        services.set_rules(s, teacher, "teacher", school, exam, [
            services.RuleInput(category_id=b.category.id, count=2, mark="0,5", level=1),
            services.RuleInput(category_id=b.category.id, count=4, mark="1", level=2)])
        s.commit()
        exam_id, category_id = exam.id, b.category.id
    client = make_client()
    client.login("gv.a")
    page = client.get(f"/exams/{exam_id}/blueprint").get_data(as_text=True)
    assert "thiếu 2" in page  # 8 questions: 2 at each level
    refused = client.post(f"/exams/{exam_id}/publish", {}, follow_redirects=True).get_data(as_text=True)
    assert "Ma trận còn thiếu câu: dòng 2 thiếu 2 câu" in refused
    with dbs() as s:
        exam = s.get(Exam, exam_id)
        services.set_rules(s, s.get(User, world.a.teacher.id), "teacher", s.get(School, world.a.school.id), exam, [
            services.RuleInput(category_id=category_id, count=1, mark="1", level=level, qtype="single_choice")
            for level in (1, 2, 3, 4)])
        preview = services.preview(s, exam)
        assert preview.ok and preview.total_e4 == 40000 and preview.questions == 4
        # Least used first: two questions per level, so eight draws give each question four uses.
        from lms.exams.models import Question

        for i in range(8):
            drawn = drawing.draw(s, exam, Random(i))
            for q, _mark, _rule in drawn:
                q.usage_count += 1
            s.flush()
        counts = sorted(q.usage_count for q in s.scalars(select(Question).where(Question.category_id == category_id,
                                                                              Question.qtype == "single_choice")))
        assert counts == [4] * 8
        s.rollback()
    assert "Rút thử" in client.get(f"/exams/{exam_id}/blueprint?sample=1").get_data(as_text=True)


def test_sequential_navigation_is_enforced_on_the_server(world, client, dbs):
    exam_id, _qids, _essay = _exam_and_bank(dbs, world, per_page=2, navigation="sequential", shuffle_questions=False)
    client.login("hsa001")
    attempt_id = _start(client, exam_id)
    slots = _slots(dbs, attempt_id)
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert page.count('class="card mb-3 question"') == 2
    ahead = _json(client, f"/attempts/{attempt_id}/save", {"position": slots[2][0], "value": _right(slots[2][2]), "seq": 1})
    assert ahead.status_code == 409 and ahead.get_json()["status"] == "page"
    assert client.post(f"/attempts/{attempt_id}/page", {"page": 1}).status_code == 302
    assert _json(client, f"/attempts/{attempt_id}/save", {"position": slots[2][0], "value": _right(slots[2][2]),
                                                          "seq": 1}).status_code == 200
    back = _json(client, f"/attempts/{attempt_id}/save", {"position": slots[0][0], "value": _right(slots[0][2]), "seq": 1})
    assert back.status_code == 409


def test_editing_a_used_question_makes_a_new_version_and_attempts_keep_theirs(world, client, make_client, dbs):
    exam_id, qids, _essay = _exam_and_bank(dbs, world)
    client.login("hsa001")
    attempt_id = _start(client, exam_id)
    teacher = make_client()
    teacher.login("gv.a")
    with dbs() as s:
        question = s.get(__import__("lms.exams.models", fromlist=["Question"]).Question, qids[0])
        ids = [o["id"] for o in question.current.data["options"]]
    form = {"category_id": "", "text": "Nội dung đã sửa", "level": "1", "grade": "0", "default_mark": "1",
            "status": "ready", "opt_id": ids, "opt_text": ["Một", "Hai", "Ba", "Bốn"],
            "opt_fraction": ["100", "0", "0", "0"], "opt_feedback": ["", "", "", ""], "opt_correct": ids[1],
            "shuffle": "1"}
    with dbs() as s:
        form["category_id"] = str(s.get(__import__("lms.exams.models", fromlist=["Question"]).Question, qids[0]).category_id)
    assert teacher.post(f"/bank/questions/{qids[0]}/edit", form).status_code == 302
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "Nội dung đã sửa" not in page
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(QuestionVersion).where(QuestionVersion.question_id == qids[0])) == 2
    bad = dict(form, opt_fraction=["50", "0", "0", "0"], opt_correct="")
    response = teacher.post(f"/bank/questions/{qids[0]}/edit", bad)
    assert response.status_code == 422 and "đúng một phương án" in response.get_data(as_text=True)


def test_teachers_see_the_live_monitor_with_signals(world, client, make_client, dbs):
    exam_id, _qids, _essay = _exam_and_bank(dbs, world)
    client.login("hsa001")
    attempt_id = _start(client, exam_id)
    _json(client, f"/attempts/{attempt_id}/events", {"events": [{"kind": "focus_lost"}, {"kind": "fullscreen_exit"},
                                                                 {"kind": "rm -rf"}]})
    teacher = make_client()
    teacher.login("gv.a")
    page = teacher.get(f"/exams/{exam_id}/monitor").get_data(as_text=True)
    assert "Nguyễn Văn An" in page and "Rời cửa sổ × 1" in page and "Thoát toàn màn hình × 1" in page
    data = teacher.get(f"/exams/{exam_id}/monitor?format=json").get_json()
    assert any(r["state"] == "in_progress" for r in data)
    log = teacher.get(f"/exams/{exam_id}/attempts/{attempt_id}/events").get_data(as_text=True)
    assert "rm -rf" not in log and "Bắt đầu" in log
    outsider = make_client()
    outsider.login("gv.b")
    assert outsider.get(f"/exams/{exam_id}/monitor").status_code == 404


def test_the_question_editor_and_bank_pages(world, make_client, dbs):
    teacher = make_client()
    teacher.login("gv.a")
    with dbs() as s:
        subject_id = world.a.subject.id
    assert teacher.post("/bank/categories", {"subject_id": subject_id, "name": "Hình học", "parent_id": 0}).status_code == 302
    page = teacher.get("/bank").get_data(as_text=True)
    assert "Hình học" in page
    with dbs() as s:
        from lms.exams.models import QuestionCategory

        category_id = s.scalars(select(QuestionCategory.id)).one()
    editor = teacher.get(f"/bank/questions/new/tf_cluster?category={category_id}").get_data(as_text=True)
    assert editor.count('name="st_text"') == 4
    more = teacher.post("/bank/questions/new/single_choice", {"category_id": category_id, "text": "x", "more": "1",
                                                              "level": 1, "grade": 0, "default_mark": "1"})
    assert more.status_code == 200 and more.get_data(as_text=True).count('name="opt_text"') == 6
    ok = teacher.post("/bank/questions/new/numerical", {
        "category_id": category_id, "text": "Tính $1 + 1,5$", "level": 2, "grade": 6, "default_mark": "0,5",
        "status": "ready", "num_id": ["", ""], "num_value": ["2,5", ""], "num_tolerance": ["0", "0"],
        "num_fraction": ["100", "100"], "num_feedback": ["Đúng rồi", ""]})
    assert ok.status_code == 302
    view = teacher.get(ok.headers["Location"]).get_data(as_text=True)
    assert "<math" in view and "Trả lời số" in view
    other = make_client()
    other.login("gv.b")
    assert other.get(ok.headers["Location"]).status_code == 404


def test_the_fixed_list_page_offers_the_bank_and_adds_a_question(world, client, dbs):
    """The page's own tab name once hid its pager: the page failed and the bank list was empty."""
    exam_id, question_ids, essay_id = _exam_and_bank(dbs, world, publish=False)
    client.login("gv.a")
    page = client.get(f"/exams/{exam_id}/questions")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'id="tab-items"' in text and 'nav-link active" id="tab-items"' in text
    offered = set(re.findall(r'name="add" value="(\d+)"', text))
    assert offered == {str(q) for q in question_ids[4:] + [essay_id]}
    added = question_ids[4]
    form = {"question_id": [str(q) for q in question_ids[:4]], "mark": ["1"] * 4,
            "keep": [str(q) for q in question_ids[:4]], "add": [str(added)], f"add-mark-{added}": "0,5"}
    assert client.post(f"/exams/{exam_id}/questions", form).status_code == 302
    with dbs() as s:
        from lms.exams.models import Exam

        items = {i.question_id: i.mark_e4 for i in s.get(Exam, exam_id).items}
    assert set(items) == set(question_ids[:5]) and items[added] == 5000


def test_a_shared_category_is_usable_by_the_colleague_only(app, world, make_client, dbs):
    from lms.auth.services import create_user
    from lms.people import services as people
    from tests.conftest import PASSWORD

    with dbs() as s:
        b = make_bank(s, world.a, count=1)
        colleague = create_user(s, app.extensions["lms_auth"], username="gv2.a", full_name="Đồng Nghiệp", password=PASSWORD)
        people.grant_role(s, colleague, s.get(School, world.a.school.id), "teacher")
        s.commit()
        category_id, question_id, colleague_id = b.category.id, b.questions[0].id, colleague.id
    other = make_client()
    other.login("gv2.a")
    assert other.get(f"/bank/questions/{question_id}").status_code == 404
    owner = make_client()
    owner.login("gv.a")
    owner.post(f"/bank/categories/{category_id}", {"action": "share", "share": [str(colleague_id)]})
    assert other.get(f"/bank/questions/{question_id}").status_code == 200
    assert other.get(f"/bank/questions/{question_id}/edit").status_code == 403  # used, not edited
    owner.post(f"/bank/categories/{category_id}", {"action": "share", "share": [str(colleague_id)],
                                                   f"edit-{colleague_id}": "1"})
    assert other.get(f"/bank/questions/{question_id}/edit").status_code == 200
    assert re.search("chia sẻ", other.get("/bank").get_data(as_text=True))


def test_the_usual_autosave_skips_flask_on_postgresql_and_everything_else_takes_the_full_route(
        app, backend, world, make_client, dbs):
    """lms.exams.autosave answers saves, retries and stale saves by itself on PostgreSQL (reading
    the attempt's questions the first time); a bad value, a position the attempt lacks, a forged
    ticket or another device reach the route (counted behind the WSGI layer), and every answer is
    the one the route gives."""
    from lms.exams import saving

    exam_id, _qids, _essay = _exam_and_bank(dbs, world)
    laptop = make_client()
    laptop.login("hsa001")
    attempt_id = _start(laptop, exam_id)
    slots = _slots(dbs, attempt_id)
    url = f"/attempts/{attempt_id}/save"
    routed, fast = [], app.wsgi_app
    inner = fast.wsgi_app
    fast.wsgi_app = lambda environ, start: (routed.append(environ["PATH_INFO"]), inner(environ, start))[1]

    def save(position, value, seq, client=laptop, **kw):
        kw.setdefault("ticket", _ticket(client, attempt_id))
        before = routed.count(url)
        response = _json(client, url, {"position": position, "value": value, "seq": seq}, **kw)
        return response, routed.count(url) > before

    saving._SLOTS._data.clear()  # nothing read yet in this process
    first, via_route = save(slots[0][0], _wrong(slots[0][2]), 1)
    assert first.get_json()["status"] == "saved" and via_route is (backend == "sqlite")
    missing, via_route = save(99, "x", 1)
    assert (missing.status_code, missing.get_json()["status"], via_route) == (422, "invalid", True)
    newer, via_route = save(slots[0][0], _right(slots[0][2]), 2)
    assert newer.status_code == 200 and newer.get_json() == {"status": "saved", "seq": 2, "message": ""}
    assert via_route is (backend == "sqlite")
    assert "no-store" in newer.headers["Cache-Control"] and "default-src" in newer.headers["Content-Security-Policy"]
    same, via_route = save(slots[0][0], _right(slots[0][2]), 2)
    assert (same.status_code, same.get_json()["status"], via_route) == (200, "same", backend == "sqlite")
    stale, via_route = save(slots[0][0], _wrong(slots[0][2]), 1)
    assert stale.status_code == 409 and via_route is (backend == "sqlite")
    assert stale.get_json() == {"status": "stale", "seq": 2, "value": _right(slots[0][2]),
                                "message": "Câu trả lời của câu này vừa được đổi ở một cửa sổ hoặc thẻ khác. Trang đã "
                                           "hiện câu trả lời mới nhất; muốn đổi thì em chọn lại."}
    bad, via_route = save(slots[0][0], "not-an-option", 3)
    assert (bad.status_code, bad.get_json()["status"], via_route) == (422, "invalid", True)
    laptop.get("/language/en")
    english, _via = save(slots[0][0], _wrong(slots[0][2]), 1)  # a page opened in English: English message
    assert english.get_json()["message"] == ("The answer to this question was just changed in another window or tab. "
                                             "The page now shows the latest answer; choose again if you want to change it.")
    forged, via_route = save(slots[1][0], _right(slots[1][2]), 1, ticket=_ticket(laptop, attempt_id)[:-1] + "x")
    assert forged.status_code == 401 and via_route
    phone = make_client()
    phone.login("hsa001")
    moved, via_route = save(slots[1][0], _right(slots[1][2]), 1, client=phone, ticket=_ticket(laptop, attempt_id))
    assert moved.status_code == 409 and moved.get_json()["status"] == "device" and via_route
    with dbs() as s:
        stored = {r.position: (r.seq, r.value) for r in s.scalars(select(Response).where(Response.attempt_id == attempt_id))}
    assert stored == {slots[0][0]: (2, f'"{_right(slots[0][2])}"')}


def test_bank_search_ignores_accents_and_takes_like_wildcards_literally(world, dbs):
    from lms.exams import bank

    with dbs() as s:
        make_bank(s, world.a)
        teacher, school = s.get(User, world.a.teacher.id), s.get(School, world.a.school.id)

        def found(q):
            return len(s.scalars(bank.questions_query(s, teacher, "teacher", school, bank.BankFilter(q=q))).all())

        everything = found("")
        assert everything > 0 and found("%") == 0 and found("_") == 0
        assert 0 < found("cau") <= everything  # "Câu …" without its accent


def test_the_pupils_exam_list_answers_on_every_database_and_lists_each_exam_once(world, client, dbs):
    """On PostgreSQL the list compared whole exam rows (DISTINCT over a JSON column): 500 for every
    pupil. An exam set for two of the pupil's courses is listed once."""
    from lms.exams.models import ExamCourse
    from lms.people import services as people
    from lms.people.models import SchoolClass, Subject

    with dbs() as s:
        b = make_bank(s, world.a)
        exam = make_exam(s, world.a, b.questions[:2], title="Kiểm tra chung hai môn")
        school = s.get(School, world.a.school.id)
        literature = s.scalars(select(Subject).where(Subject.school_id == school.id, Subject.code == "ngu_van")).one()
        second = people.save_course(s, s.get(User, world.a.admin.id), school,
                                    school_class=s.get(SchoolClass, world.a.school_class.id), subject=literature,
                                    teacher_id=world.a.teacher.id)
        s.add(ExamCourse(exam_id=exam.id, course_id=second.id))
        s.commit()
    client.login("hsa001")
    page = client.get("/exams")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count("Kiểm tra chung hai môn") == 1


def test_starts_of_one_exam_write_no_shared_row_and_never_deadlock(app, backend, world, dbs):
    """A start used to UPDATE the exam's question versions and questions (used, usage_count): with
    hundreds of pupils starting at once those row locks deadlocked. Now, once the first attempt
    has frozen the versions, a start waits on no lock another start holds."""
    from sqlalchemy import text

    from lms.exams import attempts
    from lms.extensions import db
    from lms.people.models import Student

    exam_id, qids, _essay = _exam_and_bank(dbs, world)
    with dbs() as s:
        pupils = [s.scalars(select(Student).where(Student.student_code == code)).one().id
                  for code in ("HSA001", "HSA002", "HSA003")]
        attempts.start_attempt(s, s.get(Student, pupils[0]), s.get(Exam, exam_id), now=utcnow(), device="d")
        s.commit()
        versions = [v for (v,) in s.execute(select(AttemptSlot.version_id).where(AttemptSlot.attempt_id == select(
            Attempt.id).where(Attempt.exam_id == exam_id).scalar_subquery()))]
    errors = []
    if backend == "postgresql":
        # Another start in the middle of its transaction, holding what an UPDATE of these rows holds.
        with app.app_context():
            blocker = db.engine.connect()
            blocker.begin()
            blocker.execute(text("SELECT id FROM questions WHERE id = ANY(:ids) FOR NO KEY UPDATE"), {"ids": qids})
            blocker.execute(text("SELECT id FROM question_versions WHERE id = ANY(:ids) FOR NO KEY UPDATE"),
                            {"ids": versions})
            try:
                with dbs() as s:
                    s.execute(text("SET LOCAL lock_timeout = '3s'"))
                    attempts.start_attempt(s, s.get(Student, pupils[1]), s.get(Exam, exam_id), now=utcnow(), device="d")
                    s.commit()
            finally:
                blocker.rollback()
                blocker.close()
    barrier = threading.Barrier(2)

    def start(student_id):
        try:
            with dbs() as s:
                barrier.wait()
                attempts.start_attempt(s, s.get(Student, student_id), s.get(Exam, exam_id), now=utcnow(), device="d")
                s.commit()
        except Exception as exc:  # noqa: BLE001 — the test reports any failure of a start
            errors.append(repr(exc))

    threads = [threading.Thread(target=start, args=(p,)) for p in pupils[1:]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(Attempt).where(Attempt.exam_id == exam_id)) == 3
        assert all(s.get(QuestionVersion, v).used for v in versions)
        attempts.count_usage(s, utcnow())
        s.commit()
        from lms.exams.models import Question

        assert sorted(s.get(Question, q).usage_count for q in qids[:4]) == [3, 3, 3, 3]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_the_first_starts_of_an_exam_at_the_same_moment_never_deadlock(app, backend, world, dbs, monkeypatch):
    """The very first starts of an exam freeze its question versions. Each used to write its
    slots first (a slot's foreign key share-locks its version, in the draw's order) and then lock
    the versions to freeze them: two such starts, each holding share locks the other's freeze
    waited for, deadlocked (bench/exam_start.py: 26 of 29 pupils got a 500). The two starts are
    held together right before the freeze, as the load lines them up."""
    from lms.exams import attempts
    from lms.people.models import Student

    exam_id, _qids, _essay = _exam_and_bank(dbs, world)
    with dbs() as s:
        pupils = [s.scalars(select(Student).where(Student.student_code == code)).one().id
                  for code in ("HSA001", "HSA002", "HSA003")]
    together = threading.Barrier(len(pupils), timeout=20)
    freeze = attempts.freeze_versions

    def held_freeze(session, version_ids):
        session.flush()            # whatever the start has written so far goes to the database
        together.wait()
        freeze(session, version_ids)

    monkeypatch.setattr(attempts, "freeze_versions", held_freeze)
    errors = []

    def start(student_id):
        try:
            with dbs() as s:
                attempts.start_attempt(s, s.get(Student, student_id), s.get(Exam, exam_id), now=utcnow(), device="d")
                s.commit()
        except Exception as exc:  # noqa: BLE001 — the test reports any failure of a start
            errors.append(repr(exc)[:300])

    threads = [threading.Thread(target=start, args=(p,)) for p in pupils]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(Attempt).where(Attempt.exam_id == exam_id)) == 3


def test_the_teacher_opens_one_pupil_s_paper_and_grades_or_comments_from_it(world, client, make_client, dbs):
    exam_id, _qids, _essay = _exam_and_bank(dbs, world, essay=True)
    pupil = make_client()
    pupil.login("hsa001")
    attempt_id = _start(pupil, exam_id)
    slots = _slots(dbs, attempt_id)
    choice = next(slot for slot in slots if slot[1] == "single_choice")
    url = f"/attempts/{attempt_id}/save"
    assert _json(pupil, url, {"position": choice[0], "value": _right(choice[2]), "seq": 1}).status_code == 200
    assert _json(pupil, url, {"position": choice[0], "value": _wrong(choice[2]), "seq": 2}).status_code == 200
    essay = next(p for p, qtype, _d, _l in slots if qtype == "essay")
    assert _json(pupil, url, {"position": essay, "value": "Quy đồng mẫu số rồi cộng tử số.", "seq": 1}).status_code == 200
    client.login("gv.a")
    paper = f"/exams/{exam_id}/attempts/{attempt_id}"
    running = client.get(paper).get_data(as_text=True)
    assert "Bài đang làm: chấm được sau khi học sinh nộp." in running and 'id="save-paper"' not in running
    assert _json(pupil, f"/attempts/{attempt_id}/submit", {"finals": []}).status_code == 200
    page = client.get(paper).get_data(as_text=True)
    assert "Bài làm của" in page and "Lịch sử lưu: 2 lần" in page and "Lưu lần cuối" in page     # each answer's saves
    assert "Quy đồng mẫu số rồi cộng tử số." in page and "Chờ chấm" in page and "Chấm tự động" in page
    assert page.count('class="card mb-3"') == len(slots) and "Đáp án đúng:" in page and "<math" in page
    assert "checked" in page                                                                   # the answer as given
    assert "Bắt đầu" in page and 'id="event-list"' in page and "Nộp bài" in page                 # events
    results = client.get(f"/exams/{exam_id}/results").get_data(as_text=True)
    assert paper in results                                                                     # reached from results
    bad = client.post(paper, {f"mark-{essay}": "9", f"comment-{essay}": "Tốt"})
    assert bad.status_code == 422 and f"Câu {essay}: Điểm từ 0 đến 2 (đã nhập “9”)." in bad.get_data(as_text=True)
    assert re.search(rf'name="mark-{essay}"[^>]*\s+value="9"', bad.get_data(as_text=True))   # what was typed stays
    done = client.post(paper, {f"mark-{essay}": "0,75", f"comment-{essay}": "Đúng cách, thiếu ví dụ",
                               f"mark-{choice[0]}": "0", f"comment-{choice[0]}": "Xem lại quy tắc"})
    assert done.status_code == 302
    with dbs() as s:
        attempt = s.get(Attempt, attempt_id)
        grades = s.scalars(select(SlotGrade).where(SlotGrade.attempt_id == attempt_id, SlotGrade.source == "manual")).all()
        assert sorted((g.position, g.mark_e4, g.comment) for g in grades) == sorted(
            [(essay, 7500, "Đúng cách, thiếu ví dụ"), (choice[0], 0, "Xem lại quy tắc")])
        assert attempt.state == "finished" and attempt.needs_grading is False
    again = client.post(paper, {f"mark-{essay}": "0,75", f"comment-{essay}": "Đúng cách, thiếu ví dụ"})
    assert "Đã lưu 0 điểm" in client.get(again.headers["Location"]).get_data(as_text=True)        # nothing changed
    other = make_client()
    other.login("gv.b")
    assert other.get(paper).status_code == 404


def test_more_blueprint_rows_keep_the_rows_already_typed(world, make_client, dbs):
    with dbs() as s:
        b = make_bank(s, world.a, count=8)
        exam = make_exam(s, world.a, b.questions[:1], publish=False)
        s.commit()
        exam_id, category_id = exam.id, b.category.id
    client = make_client()
    client.login("gv.a")
    typed = {"category": [str(category_id), ""], "topic": ["Phân số", ""], "level": ["2", ""],
             "qtype": ["single_choice", ""], "count": ["3", ""], "mark": ["0,5", "0,25"], "more": "1", "extra": "3"}
    page = client.http.post(f"/exams/{exam_id}/blueprint", data={**typed, "csrf_token": client.token()})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'<option value="{category_id}" selected>' in html and 'value="Phân số"' in html and 'value="3"' in html
    assert '<option value="2" selected>' in html and html.count('class="blank-rule"') == 6   # 3 more blank rows
    with dbs() as s:
        assert s.get(Exam, exam_id).rules == []                                                # nothing saved yet


def _doubled_words(html: str) -> list[str]:
    """Words said twice in a row in a page's text ("Nộp muộn muộn 1 ngày"), outside scripts."""
    text = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    # Blocks, cells, options and labels are read apart; inline pieces (badges, links) run on.
    text = re.sub(r"</?(p|div|td|th|tr|li|h\d|option|select|label|br|dt|dd|table|ul|ol|nav|section)\b[^>]*>", "\n", text)
    text = re.sub(r"<[^>]+>", " ", text)
    return [m.group(0) for m in re.finditer(r"(?i)(?<!\w)([^\W\d_]{2,})[ \t\u00a0]+\1(?!\w)", text)]


def test_exam_pages_read_without_doubled_words(world, client, make_client, dbs):
    exam_id, _qids, _essay = _exam_and_bank(dbs, world, essay=True)
    pupil = make_client()
    pupil.login("hsa001")
    pages = [f"/exams/{exam_id}", "/exams"]
    attempt_id = _start(pupil, exam_id)
    pages.append(f"/attempts/{attempt_id}")
    found = {url: _doubled_words(pupil.get(url).get_data(as_text=True)) for url in pages}
    assert _json(pupil, f"/attempts/{attempt_id}/submit", {"finals": []}).status_code == 200
    found[f"/attempts/{attempt_id}/result"] = _doubled_words(pupil.get(f"/attempts/{attempt_id}/result").get_data(as_text=True))
    client.login("gv.a")
    for url in (f"/exams/{exam_id}/manage", f"/exams/{exam_id}/edit", f"/exams/{exam_id}/questions",
                f"/exams/{exam_id}/blueprint", f"/exams/{exam_id}/overrides", f"/exams/{exam_id}/monitor",
                f"/exams/{exam_id}/grading", f"/exams/{exam_id}/results", f"/exams/{exam_id}/statistics",
                f"/exams/{exam_id}/print", f"/exams/{exam_id}/attempts/{attempt_id}", "/exams/manage", "/bank",
                "/bank/import"):
        found[url] = _doubled_words(client.get(url).get_data(as_text=True))
    assert {url: words for url, words in found.items() if words} == {}


def test_an_attempt_is_not_closed_before_its_allowance_and_a_late_submit_brings_the_offline_answers(
        world, client, make_client, dbs):
    """The network returns 10 s after the deadline: every way the server touches the attempt
    meanwhile (the page, its clock and heartbeat, the monitor, the scheduled job) leaves it open,
    and the page's submit then saves the answers it kept and finishes at the deadline with them."""
    from lms.exams import attempts

    exam_id, _qids, _essay = _exam_and_bank(dbs, world, minutes=1)
    start = utcnow()
    with time_machine.travel(start, tick=False):
        client.login("hsa001")
        attempt_id = _start(client, exam_id)
        slots = _slots(dbs, attempt_id)
        assert _json(client, f"/attempts/{attempt_id}/save",
                     {"position": slots[0][0], "value": _right(slots[0][2]), "seq": 1}).status_code == 200
        ticket = client.__dict__["tickets"][attempt_id]
    teacher = make_client()
    with time_machine.travel(start + timedelta(minutes=1, seconds=5), tick=False):
        assert client.get(f"/attempts/{attempt_id}").status_code == 200
        clock = client.http.get(f"/attempts/{attempt_id}/clock", headers={"X-Attempt-Ticket": ticket})
        assert clock.get_json()["state"] == "in_progress" and clock.get_json()["time_left"] == 0
        assert _json(client, f"/attempts/{attempt_id}/events", {"events": []}).get_json()["state"] == "in_progress"
        teacher.login("gv.a")
        teacher.get(f"/exams/{exam_id}/monitor")
        with dbs() as s:
            assert attempts.finish_overdue(s, utcnow()) == 0
            s.commit()
            assert s.get(Attempt, attempt_id).state == "in_progress"
    with time_machine.travel(start + timedelta(minutes=1, seconds=10), tick=False):
        finals = [{"position": p, "value": _right(d), "seq": 1} for p, _t, d, _l in slots[1:3]]
        done = _json(client, f"/attempts/{attempt_id}/submit", {"finals": finals, "timed_out": True})
        assert done.status_code == 200 and done.get_json()["status"] == "finished"
    with dbs() as s:
        attempt = s.get(Attempt, attempt_id)
        assert attempt.auto_finished and attempt.finished_at == attempt.deadline
        assert attempt.total_e4 == 30000                              # Câu 1 and the two kept offline
        assert s.scalar(select(func.count()).select_from(Response).where(Response.attempt_id == attempt_id)) == 3
