"""What a window of an attempt left open asks when it comes back into view: the answers the server
holds with their sequence numbers (static/js/attempt.js compares them with its own and shows those
changed in another window). Read by the page's ticket, like the save: none without it, and a ticket
opens only its own attempt."""
from __future__ import annotations

from tests.integration.test_exams import _exam_and_bank, _json, _right, _slots, _start, _ticket, _wrong


def test_a_window_coming_back_reads_the_answers_the_server_holds(world, client, make_client, dbs):
    exam_id, _qids, _essay = _exam_and_bank(dbs, world)
    client.login("hsa001")
    attempt_id = _start(client, exam_id)
    position, _qtype, data, _layout = _slots(dbs, attempt_id)[0]
    ticket = _ticket(client, attempt_id)
    for seq in (1, 2):   # two saves, the second from another window
        assert _json(client, f"/attempts/{attempt_id}/save", {"position": position, "value": _right(data), "seq": seq},
                     ticket=ticket).status_code == 200
    read = client.http.get(f"/attempts/{attempt_id}/answers", headers={"X-Attempt-Ticket": ticket})
    assert read.status_code == 200 and read.headers["Cache-Control"] == "no-store"
    assert read.get_json() == {"answers": {str(position): {"seq": 2, "value": _right(data)}}}
    assert client.http.get(f"/attempts/{attempt_id}/answers").status_code == 401
    other = make_client()
    other.login("hsa002")
    other_attempt = _start(other, exam_id)
    assert other.http.get(f"/attempts/{other_attempt}/answers",
                          headers={"X-Attempt-Ticket": ticket}).status_code == 401


def test_the_other_device_page_names_the_exam_its_subject_and_the_class(world, client, make_client, dbs):
    """A pupil who opens the attempt on a second device is asked whether to move it there: the page
    says which exam (title, subject, class, which attempt) — before, only "open on another device"."""
    import re

    from lms.exams.models import Exam

    exam_id, _qids, _essay = _exam_and_bank(dbs, world)
    with dbs() as s:
        exam = s.get(Exam, exam_id)
        title, subject = exam.title, exam.subject.name
        class_name = exam.courses[0].course.school_class.name
    client.login("hsa001")
    attempt_id = _start(client, exam_id)
    phone = make_client()
    phone.login("hsa001")
    page = phone.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert 'id="other-device"' in page and 'id="takeover"' in page
    said = " ".join(re.sub(r"<[^>]+>", " ", re.search(r'id="other-device-exam">(.*?)</p>', page, re.S).group(1)).split())
    assert said == f"{title} · {subject} · Lớp {class_name} · lần làm thứ 1"


def test_a_refused_save_tells_the_pupil_what_happened_and_what_to_do(world, client, make_client, dbs):
    """Every refusal of the autosave, as the pupil reads it: what happened, in plain Vietnamese,
    and what to do — "Số thứ tự lưu không hợp lệ" or "Không có câu này trong bài làm" said neither."""
    exam_id, _qids, _essay = _exam_and_bank(dbs, world)
    client.login("hsa001")
    attempt_id = _start(client, exam_id)
    position, _qtype, data, _layout = _slots(dbs, attempt_id)[0]
    url = f"/attempts/{attempt_id}/save"

    def said(response) -> str:
        return response.get_json()["message"]

    reload_ = "Em hãy tải lại trang"
    assert reload_ in said(_json(client, url, {"position": position, "value": _right(data), "seq": 0}))
    assert reload_ in said(_json(client, url, {"position": position, "value": _right(data), "seq": "một"}))
    assert said(_json(client, url, {"position": 99, "value": "x", "seq": 1})) == \
        "Câu trả lời chưa lưu được vì câu này không có trong bài làm của em. Em hãy tải lại trang."
    assert _json(client, url, {"position": position, "value": _right(data), "seq": 2}).status_code == 200
    assert "vừa được đổi ở một cửa sổ hoặc thẻ khác" in said(
        _json(client, url, {"position": position, "value": _wrong(data), "seq": 1}))
    phone = make_client()
    phone.login("hsa001")
    phone.post(f"/attempts/{attempt_id}/takeover", {})
    moved = _json(client, url, {"position": position, "value": _right(data), "seq": 3})
    assert moved.status_code == 409 and "tải lại trang này để chuyển bài về đây" in said(moved)
    ticket = _ticket(phone, attempt_id)
    _json(phone, f"/attempts/{attempt_id}/submit", {"finals": []})
    over = _json(phone, url, {"position": position, "value": _right(data), "seq": 4}, ticket=ticket)
    assert over.status_code == 410 and "Em xem kết quả ở trang bài thi" in said(over)
