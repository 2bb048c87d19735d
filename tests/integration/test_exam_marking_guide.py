"""The marker reads an essay's marking guide beside each pupil's answer — in the grading queue and
on the pupil's paper — and it is the guide of the version that pupil answered, rendered (its
formulas as math), not the question's newest text. Before, the queue showed the newest version's
guide once above the table, as raw text, and the paper showed none."""
from __future__ import annotations

import re

from lms.auth.models import User
from lms.exams import bank
from lms.exams.models import Question
from lms.people.models import School
from lms.core.timeutil import utcnow
from tests.integration.test_exams import _exam_and_bank, _json, _right, _slots, _start


def test_the_guide_of_the_answered_version_is_beside_each_answer(world, client, make_client, dbs):
    exam_id, _qids, essay_id = _exam_and_bank(dbs, world, essay=True)
    with dbs() as s:   # the guide the pupil's version carries, with a formula
        question = s.get(Question, essay_id)
        data = dict(question.current.data, guide="Quy đồng mẫu: $\\frac{1}{2} + \\frac{1}{3} = \\frac{5}{6}$ (1 điểm).")
        bank.save_question(s, s.get(User, world.a.teacher.id), "teacher", s.get(School, world.a.school.id),
                           bank.QuestionInput(question.category_id, "essay", question.current.text, data,
                                              default_mark="2"), now=utcnow(), question=question)
        s.commit()
    client.login("hsa001")
    attempt_id = _start(client, exam_id)
    for position, qtype, data, _layout in _slots(dbs, attempt_id):
        value = "Mẫu chung là 6." if qtype == "essay" else _right(data)
        _json(client, f"/attempts/{attempt_id}/save", {"position": position, "value": value, "seq": 1})
    _json(client, f"/attempts/{attempt_id}/submit", {"finals": []})
    with dbs() as s:   # the teacher rewrites the guide after the pupil answered: a new version
        question = s.get(Question, essay_id)
        bank.save_question(s, s.get(User, world.a.teacher.id), "teacher", s.get(School, world.a.school.id),
                           bank.QuestionInput(question.category_id, "essay", question.current.text,
                                              dict(question.current.data, guide="Hướng dẫn của đề sau."),
                                              default_mark="2"), now=utcnow(), question=question)
        s.commit()
    teacher = make_client()
    teacher.login("gv.a")
    queue = teacher.get(f"/exams/{exam_id}/grading").get_data(as_text=True)
    row = next(r for r in re.findall(r"<tr>.*?</tr>", queue, re.S) if "Mẫu chung là 6." in r)
    guide = re.search(r"<td [^>]*data-guide>(.*?)</td>", row, re.S).group(1)
    assert "Quy đồng mẫu" in guide and "<math" in guide and "$" not in guide
    assert "Hướng dẫn của đề sau." not in queue
    paper = teacher.get(f"/exams/{exam_id}/attempts/{attempt_id}").get_data(as_text=True)
    shown = re.findall(r"<div [^>]*data-guide>(.*?)</div></div>", paper, re.S)
    assert len(shown) == 1 and "Quy đồng mẫu" in shown[0] and "<math" in shown[0]
