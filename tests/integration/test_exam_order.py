"""A teacher puts an exam's questions in order without JavaScript: "↑"/"↓" by each question of a
fixed list are buttons of the list's form, so the marks typed and the ticks are kept and the list is
saved in its new order (which is the order pupils get, parts being runs of one category). A
blueprint exam offers no move (it would turn it into a fixed list). Before, there was no way to
reorder but removing and adding questions again."""
from __future__ import annotations

import re

from sqlalchemy import select

from lms.exams.models import ExamItem
from tests.factories import make_bank, make_exam
from tests.integration.test_exam_fixes import _form_of


def test_move_up_and_down_keeps_what_was_typed_and_saves_the_order(world, make_client, dbs):
    with dbs() as s:
        b = make_bank(s, world.a)
        exam = make_exam(s, world.a, b.questions[:3], publish=False)
        s.commit()
        exam_id, ids = exam.id, [q.id for q in b.questions[:3]]
    teacher = make_client()
    teacher.login("gv.a")
    page = teacher.get(f"/exams/{exam_id}/questions").get_data(as_text=True)
    assert f'value="up-{ids[0]}" disabled' in page and f'value="down-{ids[2]}" disabled' in page
    data = _form_of(page, "keep")
    data["mark"] = ["1", "2,5", "1"]                      # typed, not yet saved
    moved = teacher.post(f"/exams/{exam_id}/questions", {**data, "move": f"up-{ids[1]}"})
    assert moved.status_code == 302 and moved.headers["Location"].endswith(f"#item-{ids[1]}")

    def order():
        with dbs() as s:
            return [(i.question_id, i.mark_e4) for i in s.scalars(select(ExamItem).where(ExamItem.exam_id == exam_id)
                                                                  .order_by(ExamItem.position))]

    assert order() == [(ids[1], 25000), (ids[0], 10000), (ids[2], 10000)]
    page = teacher.get(f"/exams/{exam_id}/questions").get_data(as_text=True)
    assert "câu được chuyển lên một bậc" in page
    teacher.post(f"/exams/{exam_id}/questions", {**_form_of(page, "keep"), "move": f"down-{ids[1]}"})
    page = teacher.get(f"/exams/{exam_id}/questions").get_data(as_text=True)
    teacher.post(f"/exams/{exam_id}/questions", {**_form_of(page, "keep"), "move": f"down-{ids[2]}"})   # last: stays
    assert order() == [(ids[0], 10000), (ids[1], 25000), (ids[2], 10000)]
    rows = re.findall(r'<tr id="item-(\d+)"', teacher.get(f"/exams/{exam_id}/questions").get_data(as_text=True))
    assert [int(r) for r in rows] == ids
    with dbs() as s:   # a blueprint exam draws its own order: no move that would make it a fixed list
        from lms.exams.models import Exam

        s.get(Exam, exam_id).source = "blueprint"
        s.commit()
    assert 'name="move"' not in teacher.get(f"/exams/{exam_id}/questions").get_data(as_text=True)


def test_an_exams_marks_are_written_with_the_readers_decimal_mark(world, make_client, dbs):
    """The marks of an exam's questions and its total, in Vietnamese "2,5", in English "2.5" (before,
    "2,5" in English too, while the grade book wrote "8.5")."""
    from lms.exams import services
    from lms.auth.models import User
    from lms.people.models import School

    with dbs() as s:
        b = make_bank(s, world.a)
        exam = make_exam(s, world.a, b.questions[:2], publish=False)
        services.set_items(s, s.get(User, world.a.teacher.id), "teacher", s.get(School, world.a.school.id), exam,
                           [(b.questions[0].id, "2,5"), (b.questions[1].id, "0,25")])
        s.commit()
        exam_id = exam.id
    teacher = make_client()
    teacher.login("gv.a")

    def marks(page: str) -> list[str]:
        return re.findall(r'name="mark" value="([^"]*)"', page)

    page = teacher.get(f"/exams/{exam_id}/questions").get_data(as_text=True)
    assert marks(page) == ["2,5", "0,25"] and "Tổng điểm của đề là 2,75" in page
    teacher.get("/language/en")
    page = teacher.get(f"/exams/{exam_id}/questions").get_data(as_text=True)
    assert marks(page) == ["2.5", "0.25"] and "2.75" in page and "2,75" not in page
    data = _form_of(page, "keep")   # the English marks are read back as they are shown
    assert teacher.post(f"/exams/{exam_id}/questions", data).status_code == 302
    with dbs() as s:
        assert [i.mark_e4 for i in s.scalars(select(ExamItem).where(ExamItem.exam_id == exam_id)
                                             .order_by(ExamItem.position))] == [25000, 2500]
