"""Every save of an answer is kept — its time and its value — and shown on the pupil's paper to the
teacher, for a dispute over what a pupil answered and when ("I chose C before the bell")."""
from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from sqlalchemy import select

from lms.core.timeutil import school_tz, utc_to_local, utcnow
from lms.exams import qtypes
from lms.exams.models import ResponseSave
from tests.integration.test_exams import _exam_and_bank, _json, _slots, _start


def _letter(slot, option_id) -> str:
    public = qtypes.TYPES[slot[1]].public(slot[2], slot[3])
    return "ABCD"[[o["id"] for o in public["options"]].index(option_id)]


def _shown(moment) -> str:
    return utc_to_local(moment, school_tz()).strftime("%d/%m/%Y %H:%M:%S")


def test_every_save_is_kept_with_its_time_and_shown_on_the_paper(world, client, make_client, dbs):
    exam_id, _qids, _essay = _exam_and_bank(dbs, world, essay=True, shuffle_options=True)
    pupil = make_client()
    start = utcnow().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        pupil.login("hsa001")
        attempt_id = _start(pupil, exam_id)
    slots = _slots(dbs, attempt_id)
    choice = next(slot for slot in slots if slot[1] == "single_choice")
    essay = next(slot for slot in slots if slot[1] == "essay")
    options = [o["id"] for o in choice[2]["options"]]
    url = f"/attempts/{attempt_id}/save"
    # The pupil picks one option, changes their mind twice, then clears it; a retry and an older save
    # that arrives late (another window) change nothing and are not history.
    moves = [(37, options[1], 1), (95, options[2], 2), (96, options[2], 2), (170, options[0], 4),
             (171, options[3], 3), (250, "", 5)]
    for seconds, value, seq in moves:
        with time_machine.travel(start + timedelta(seconds=seconds), tick=False):
            _json(pupil, url, {"position": choice[0], "value": value, "seq": seq})
    with time_machine.travel(start + timedelta(seconds=300), tick=False):
        assert _json(pupil, url, {"position": essay[0], "value": "Quy đồng mẫu số", "seq": 1}).status_code == 200
    with time_machine.travel(start + timedelta(seconds=420), tick=False):
        assert _json(pupil, url, {"position": essay[0], "value": "Quy đồng mẫu số rồi cộng các tử số.",
                                  "seq": 2}).status_code == 200
        assert _json(pupil, f"/attempts/{attempt_id}/submit", {"finals": []}).status_code == 200
    with dbs() as s:
        kept = [(r.seq, r.saved_at) for r in s.scalars(select(ResponseSave).where(
            ResponseSave.attempt_id == attempt_id, ResponseSave.position == choice[0]).order_by(ResponseSave.id))]
    assert kept == [(1, start + timedelta(seconds=37)), (2, start + timedelta(seconds=95)),
                    (4, start + timedelta(seconds=170)), (5, start + timedelta(seconds=250))]

    client.login("gv.a")
    page = client.get(f"/exams/{exam_id}/attempts/{attempt_id}").get_data(as_text=True)
    cards = {int(m.group(1)): m.group(0) for m in re.finditer(r'id="paper-(\d+)".*?</section>', page, re.S)}
    card = cards[choice[0]]
    assert 'data-saves="4"' in card and "Lịch sử lưu: 4 lần" in card
    rows = re.findall(r'<td class="text-nowrap">([^<]+)</td>\s*<td class="text-break">(.*?)</td>', card, re.S)
    assert [(when, re.sub(r"<[^>]+>", "", what).strip()) for when, what in rows] == [
        (_shown(start + timedelta(seconds=37)), _letter(choice, options[1])),
        (_shown(start + timedelta(seconds=95)), _letter(choice, options[2])),
        (_shown(start + timedelta(seconds=170)), _letter(choice, options[0])),
        (_shown(start + timedelta(seconds=250)), "(bỏ trống)")]
    essay_card = cards[essay[0]]
    assert "Lịch sử lưu: 2 lần" in essay_card and "Quy đồng mẫu số</td>" in essay_card
    assert _shown(start + timedelta(seconds=420)) in essay_card

    other = make_client()
    other.login("gv.b")
    assert other.get(f"/exams/{exam_id}/attempts/{attempt_id}").status_code == 404


def test_a_saved_answer_reads_as_the_pupil_saw_it_for_every_type():
    """The history's words for each type: the pupil's own letters, Đúng/Sai, the texts matched."""
    choice = {"options": [{"id": "o1", "text": "1"}, {"id": "o2", "text": "2"}, {"id": "o3", "text": "3"}]}
    layout = {"order": ["o3", "o1", "o2"]}
    public = qtypes.TYPES["single_choice"].public(choice, layout)
    assert qtypes.TYPES["single_choice"].response_text(choice, public, "o1") == "B"
    assert qtypes.TYPES["multiple_choice"].response_text(choice, public, ["o2", "o3"]) == "A, C"
    assert qtypes.TYPES["true_false"].response_text({}, {}, False) == "Sai"
    cluster = {"statements": [{"id": "s1", "text": "x", "answer": True}, {"id": "s2", "text": "y", "answer": False}]}
    assert qtypes.TYPES["tf_cluster"].response_text(cluster, qtypes.TYPES["tf_cluster"].public(cluster, {}),
                                                    {"s2": True}) == "b) Đúng"
    matching = {"pairs": [{"id": "p1", "left": "$2^{4}$", "right": "16"}, {"id": "p2", "left": "$3^{2}$", "right": "9"}],
                "distractors": [{"id": "d1", "right": "$\\frac{1}{2}$"}]}
    public = qtypes.TYPES["matching"].public(matching, qtypes.TYPES["matching"].layout(
        matching, __import__("random").Random(1), False))
    assert qtypes.TYPES["matching"].response_text(matching, public, {"p1": "p1", "p2": "d1"}) == "2⁴ → 16; 3² → 1/2"
    assert qtypes.TYPES["numerical"].response_text({}, {}, "3,75") == "3,75"
    assert qtypes.TYPES["essay"].response_text({}, {}, "") == ""


def test_the_history_shows_a_save_only_when_the_answer_changed(world, client, make_client, dbs):
    """Autosaves and retries of an unchanged answer are kept in the database but shown once; a
    true/false statement changed from Đúng to Sai shows as its own line."""
    from lms.auth.models import User
    from lms.exams import bank
    from lms.exams.qtypes.truefalse import DEFAULT_STEPS
    from lms.people.models import School
    from tests.factories import make_bank, make_exam

    with dbs() as s:
        b = make_bank(s, world.a, count=1)
        owner, school = s.get(User, world.a.teacher.id), s.get(School, world.a.school.id)
        cluster = bank.save_question(s, owner, "teacher", school, bank.QuestionInput(
            category_id=b.category.id, qtype="tf_cluster", text="Xét các khẳng định sau.",
            data={"statements": [{"id": f"s{i}", "text": f"Ý {i}", "answer": i % 2 == 0} for i in range(4)],
                  "steps": list(DEFAULT_STEPS)}, default_mark="1"), now=utcnow())
        exam = make_exam(s, world.a, [b.essay, cluster])
        s.commit()
        exam_id = exam.id
    pupil = make_client()
    pupil.login("hsa001")
    attempt_id = _start(pupil, exam_id)
    slots = {slot[1]: slot for slot in _slots(dbs, attempt_id)}
    url = f"/attempts/{attempt_id}/save"
    for seq, value in enumerate(["Quy đồng", "Quy đồng", "Quy đồng mẫu số", "Quy đồng mẫu số"], start=1):
        assert _json(pupil, url, {"position": slots["essay"][0], "value": value, "seq": seq}).status_code == 200
    for seq, value in enumerate([{"s0": True, "s1": True}, {"s0": True, "s1": True}, {"s0": True, "s1": False}], start=1):
        assert _json(pupil, url, {"position": slots["tf_cluster"][0], "value": value, "seq": seq}).status_code == 200
    with dbs() as s:
        assert len(s.scalars(select(ResponseSave).where(ResponseSave.attempt_id == attempt_id)).all()) == 7

    client.login("gv.a")
    page = client.get(f"/exams/{exam_id}/attempts/{attempt_id}").get_data(as_text=True)
    cards = {int(m.group(1)): m.group(0) for m in re.finditer(r'id="paper-(\d+)".*?</section>', page, re.S)}

    def shown(position):
        return [re.sub(r"<[^>]+>", "", what).strip() for what in re.findall(
            r'<td class="text-nowrap">[^<]+</td>\s*<td class="text-break">(.*?)</td>', cards[position], re.S)]

    assert shown(slots["essay"][0]) == ["Quy đồng", "Quy đồng mẫu số"]
    assert shown(slots["tf_cluster"][0]) == ["a) Đúng; b) Đúng", "a) Đúng; b) Sai"]
    assert "Lịch sử lưu: 2 lần" in cards[slots["essay"][0]]
