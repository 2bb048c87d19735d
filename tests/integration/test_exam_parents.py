"""Parents see their child's exam results once the teacher releases them, where they read the
child's marks (/children/<id>/grades — the pupil's own /grades too): before, a released exam's
result reached the pupil only, and the parents not at all."""
from __future__ import annotations

import re

from tests.integration.test_exam_fixes import _exam_with_marks, _sit


def _released_table(page: str) -> str:
    found = re.search(r'id="released-exams">(.*?)</table>', page, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()) if found else ""


def test_a_parent_sees_the_child_s_result_once_the_teacher_releases_it(world, make_client, dbs):
    pupil = make_client()
    pupil.login("hsa001")
    exam_id = _exam_with_marks(dbs, world, ["2,5", "2,5", "2,5", "2,5"])
    _sit(pupil, dbs, exam_id, right=3)
    mother = make_client()
    mother.login("0912000001")            # the mother of HSA001 and HSA002
    an, binh = world.a.students["HSA001"].id, world.a.students["HSA002"].id
    page = mother.get(f"/children/{an}/grades").get_data(as_text=True)
    assert "Chưa có kết quả bài thi nào được công bố." in page      # not released yet
    teacher = make_client()
    teacher.login("gv.a")
    assert teacher.post(f"/exams/{exam_id}/release", {}).status_code == 302
    row = _released_table(mother.get(f"/children/{an}/grades").get_data(as_text=True))
    assert "Kiểm tra 15 phút" in row and "Toán" in row and row.endswith("7,5")
    # Her other child did not sit it; another family's parent cannot open the child's page.
    assert _released_table(mother.get(f"/children/{binh}/grades").get_data(as_text=True)) == ""
    father = make_client()
    father.login("0912000002")
    assert father.get(f"/children/{an}/grades").status_code == 404
    # The pupil reads the same on their own grades page.
    assert _released_table(pupil.get("/grades").get_data(as_text=True)).endswith("7,5")


def test_an_essay_still_being_marked_says_so_instead_of_a_score(world, make_client, dbs):
    from lms.auth.models import User
    from lms.exams import services
    from tests.factories import make_bank, make_exam
    from tests.integration.test_exams import _json, _right, _slots, _start

    with dbs() as s:
        b = make_bank(s, world.a, count=2)
        exam = make_exam(s, world.a, [*b.questions, b.essay])
        services.release_results(s, s.get(User, world.a.teacher.id), "teacher", exam, exam.open_at)
        s.commit()
        exam_id = exam.id
    pupil = make_client()
    pupil.login("hsa001")
    attempt_id = _start(pupil, exam_id)
    finals = [{"position": p, "value": _right(data) if qtype != "essay" else "Quy đồng rồi cộng tử số.", "seq": 1}
              for p, qtype, data, _l in _slots(dbs, attempt_id)]
    assert _json(pupil, f"/attempts/{attempt_id}/submit", {"finals": finals}).status_code == 200
    mother = make_client()
    mother.login("0912000001")
    row = _released_table(mother.get(f"/children/{world.a.students['HSA001'].id}/grades").get_data(as_text=True))
    assert "Kiểm tra 15 phút" in row and "Giáo viên đang chấm" in row
