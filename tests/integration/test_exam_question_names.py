"""Questions imported before names came from their text kept the number their file gave them
("Câu 3", "Bài 2:"): that names a place in one file, not the question, so wherever a question is
listed it reads as its own first words instead — and its editor offers no such name to keep."""
from __future__ import annotations

from lms.auth.models import User
from lms.core.timeutil import utcnow
from lms.exams import bank
from lms.people.models import School
from tests.factories import choice_data, make_exam


def _question(s, world, name, text):
    owner = s.get(User, world.a.teacher.id)
    school = s.get(School, world.a.school.id)
    category = bank.save_category(s, owner, "teacher", school, subject_id=world.a.subject.id, name="Đề cũ 2024")
    return bank.save_question(s, owner, "teacher", school, bank.QuestionInput(
        category_id=category.id, qtype="single_choice", name=name, text=text, level=1, default_mark="2,5",
        data=choice_data([("$7$", 100), ("$1$", 0), ("$25$", 0), ("$-7$", 0)])), now=utcnow())


def test_a_question_named_only_by_its_number_is_listed_by_its_own_words(world, client, dbs):
    with dbs() as s:
        old = _question(s, world, "Câu 3", "Kết quả của phép tính $2^{4} - 3^{2}$ là:")
        numbered = _question(s, world, "Bài 12:", "Số nào là số nguyên tố nhỏ nhất có hai chữ số?")
        named = _question(s, world, "Luỹ thừa cơ bản", "Tính $5^{2}$.")
        exam = make_exam(s, world.a, [old, numbered, named], title="Kiểm tra luỹ thừa")
        s.commit()
        ids, exam_id = (old.id, numbered.id, named.id), exam.id
    client.login("gv.a")
    pages = {"bank": client.get("/bank").get_data(as_text=True),
             "question": client.get(f"/bank/questions/{ids[0]}").get_data(as_text=True),
             "items": client.get(f"/exams/{exam_id}/questions").get_data(as_text=True),
             "results": client.get(f"/exams/{exam_id}/results").get_data(as_text=True)}
    for where, page in pages.items():
        assert ">Câu 3<" not in page and "Câu 3 " not in page and "Bài 12:" not in page, where
    assert 'id="question-title">Kết quả của phép tính 2⁴ - 3² là:' in pages["question"]
    for where in ("items",):
        assert "Kết quả của phép tính 2⁴ - 3² là:" in pages[where], where
        assert "Số nào là số nguyên tố nhỏ nhất có hai chữ số?" in pages[where] and "Luỹ thừa cơ bản" in pages[where]
    assert "Kết quả của phép tính" in pages["bank"] and "Luỹ thừa cơ bản" in pages["bank"]
    editor = client.get(f"/bank/questions/{ids[0]}/edit").get_data(as_text=True)
    assert 'value="Câu 3"' not in editor and 'id="name"' in editor
