"""A question's Markdown and LaTeX read as text wherever math cannot be drawn — the bank's list, the
fixed list's bank, the statistics workbook — and a unit after a number in a Word file is upright.
Before, "**Cho** hàm số" kept its asterisks, a name given by the file kept its `$2^{4}$`, and
"20 m²" from Word became the variable m squared, drawn in italics."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from lms.auth.models import User
from lms.core.timeutil import utcnow
from lms.exams import bank
from lms.people.models import School
from tests.factories import choice_data, make_bank, make_exam
from tests.integration.test_exam_statistics import _sit

TEXT = "**Cho** hàm số $y = x^{2}$. Tính giá trị của _y_ khi $x = \\dfrac{1}{2}$."


def test_markdown_and_latex_read_as_text_in_lists_and_in_the_statistics_workbook(world, client, dbs):
    with dbs() as s:
        owner, school = s.get(User, world.a.teacher.id), s.get(School, world.a.school.id)
        category = make_bank(s, world.a, count=1).category
        category_id = category.id

        def add(text, name=""):
            return bank.save_question(s, owner, "teacher", school, bank.QuestionInput(
                category_id=category.id, qtype="single_choice", text=text, name=name,
                data=choice_data([("$\\frac{1}{4}$", 100), ("$\\frac{1}{2}$", 0)]), default_mark="1"), now=utcnow())

        questions = [add(TEXT), add("Tính $2^{4}$.", name="Lũy thừa $2^{4}$ và **bình phương**")]
        add("# Câu hỏi phụ\n\n> Đọc đoạn trích sau rồi trả lời.")
        exam_id = make_exam(s, world.a, questions, shuffle_questions=False, publish=True).id
        s.commit()
    client.login("gv.a")
    listed = client.get(f"/bank?category={category_id}").get_data(as_text=True)
    assert "Lũy thừa $2^{4}$" not in listed and "**bình phương**" not in listed
    picked = client.get(f"/exams/{exam_id}/questions").get_data(as_text=True)
    bank_rows = re.search(r'id="bank-pick".*?</table>', picked, re.S).group(0)
    assert "Câu hỏi phụ Đọc đoạn trích sau rồi trả lời." in bank_rows and "#" not in bank_rows and "&gt;" not in bank_rows
    chosen = re.search(r'id="chosen".*?</table>', picked, re.S).group(0)
    assert "Cho hàm số y = x². Tính giá trị của y khi x = 1/2." in chosen and "**" not in chosen
    assert "Lũy thừa 2⁴ và bình phương" in chosen
    _sit(dbs, exam_id, {"HSA001": [True, False], "HSA002": [False, True]})
    book = load_workbook(io.BytesIO(client.get(f"/exams/{exam_id}/statistics.xlsx").data))
    texts = [row[1] for row in list(book["Cau hoi"].iter_rows(values_only=True))[1:]]
    assert texts[0] == "Cho hàm số y = x². Tính giá trị của y khi x = 1/2.", texts
    assert not [t for t in texts if re.search(r"[$*_\\]", t)], texts


def test_a_square_metre_from_word_is_a_unit_upright_and_x_squared_stays_a_variable(world, make_client, dbs):
    from docx import Document

    d = Document()
    p = d.add_paragraph("Câu 1. Một mảnh vườn hình chữ nhật có diện tích 20 m")
    p.add_run("2").font.superscript = True
    p.add_run(" và chiều rộng 4 m. Với x")
    p.add_run("2").font.superscript = True
    p.add_run(" = 25, chiều dài bằng bao nhiêu mét?")
    d.add_paragraph("A. 4\tB. 5\tC. 16\tD. 24")
    d.add_paragraph("ĐÁP ÁN")
    d.add_paragraph("1-B")
    buf = io.BytesIO()
    d.save(buf)
    with dbs() as s:
        category = make_bank(s, world.a, count=1).category.id
        s.commit()
    teacher = make_client()
    teacher.login("gv.a")
    page = teacher.post("/bank/import", {"file": (io.BytesIO(buf.getvalue()), "dien-tich.docx"), "fmt": "auto",
                                         "category_id": str(category), "level": "1", "topic": "", "mark": "1"},
                        content_type="multipart/form-data").get_data(as_text=True)
    assert re.search(r'<msup><mi mathvariant="normal">(?:m|&#x0*6[dD];)</mi>', page), page   # m² upright
    assert re.search(r"<msup><mi>x</mi>(?:<mrow>)?<mn>2</mn>", page)                       # x² a variable
