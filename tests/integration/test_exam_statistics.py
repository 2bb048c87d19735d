"""The item-analysis page of an exam: figures from finished attempts, option counts and flags,
odd data (one attempt, everyone the same) without a crash, and the Excel download."""
import io

from openpyxl import load_workbook
from sqlalchemy import select

from lms.core.timeutil import utcnow
from lms.exams import analysis, attempts
from lms.exams.models import Exam
from lms.people.models import Student
from tests.factories import make_bank, make_exam


def _sit(dbs, exam_id, answers: dict[str, list[bool]]):
    """Each pupil answers the exam's questions in item order: True right, False wrong."""
    with dbs() as s:
        exam = s.get(Exam, exam_id)
        order = [item.question_id for item in exam.items]
        for code, rights in answers.items():
            student = s.scalars(select(Student).where(Student.student_code == code)).one()
            attempt = attempts.start_attempt(s, student, exam, now=utcnow(), device="d")
            for slot in attempt.slots:
                options = slot.version.data["options"]
                right = rights[order.index(slot.question_id)]
                pick = next(o["id"] for o in options if (o["fraction"] == "1") == right)
                attempts.save_response(s, attempt, slot.position, pick, 1, device="d", now=utcnow())
            attempts.submit_attempt(s, attempt, now=utcnow(), device="d")
        s.commit()


def _exam(dbs, world) -> int:
    with dbs() as s:
        bank = make_bank(s, world.a, count=4)
        exam = make_exam(s, world.a, bank.questions, shuffle_questions=True)
        s.commit()
        return exam.id


def test_statistics_of_three_pupils(world, client, dbs):
    exam_id = _exam(dbs, world)
    _sit(dbs, exam_id, {"HSA001": [True, True, True, False], "HSA002": [True, True, False, False],
                        "HSA003": [True, False, False, True]})
    with dbs() as s:
        result = analysis.analyse(s, s.get(Exam, exam_id))
    assert result.attempts == 3
    facilities = [round(slot.stats["facility"], 4) for slot in result.slots]
    assert facilities == [1.0, round(2 / 3, 4), round(1 / 3, 4), round(1 / 3, 4)]
    assert result.slots[0].flags == ["easy"]
    assert "negative" in result.slots[3].flags          # only the weakest pupil got it right
    assert round(result.test["mean"], 4) == round(7 / 3, 4)   # marks 3, 2 and 2 of 4 one-point questions
    assert [result.slots[0].chosen[o[0]] for o in result.slots[0].options if o[2]] == [3]
    client.login("gv.a")
    page = client.get(f"/exams/{exam_id}/statistics").get_data(as_text=True)
    assert "Tính trên 3 bài làm" in page and 'data-flag="easy"' in page and 'data-flag="negative"' in page
    assert "100,0 %" in page and "66,7 %" in page
    book = load_workbook(io.BytesIO(client.get(f"/exams/{exam_id}/statistics.xlsx").data))
    rows = list(book["Cau hoi"].iter_rows(values_only=True))
    assert len(rows) == 5 and rows[1][5] == 100.0
    assert all("$" not in row[1] for row in rows[1:]) and rows[1][1].startswith("Câu hỏi số ")   # readable math
    assert any("1/2" in row[1] for row in rows[1:])     # $\frac{1}{2}$


def test_odd_data_does_not_crash(world, client, dbs):
    exam_id = _exam(dbs, world)
    client.login("gv.a")
    assert "Chưa có bài làm nào" in client.get(f"/exams/{exam_id}/statistics").get_data(as_text=True)
    _sit(dbs, exam_id, {"HSA001": [True, True, False, False]})            # one attempt
    page = client.get(f"/exams/{exam_id}/statistics")
    assert page.status_code == 200 and "Tính trên 1 bài làm" in page.get_data(as_text=True)
    _sit(dbs, exam_id, {"HSA002": [True, True, False, False], "HSA003": [True, True, False, False]})  # all the same
    with dbs() as s:
        result = analysis.analyse(s, s.get(Exam, exam_id))
    assert result.test["sd"] == 0 and result.slots[0].stats["discrimination_index"] is None
    assert client.get(f"/exams/{exam_id}/statistics").status_code == 200
    assert client.get(f"/exams/{exam_id}/statistics.xlsx").status_code == 200
    other = type(client)(client.app)
    other.login("gv.b")
    assert other.get(f"/exams/{exam_id}/statistics").status_code == 404


def _no_overlap(path) -> None:
    """On each booklet's first page the "Mã đề" box and the title's words do not overlap."""
    import re
    import subprocess

    html = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"], capture_output=True,
                          check=True).stdout.decode()
    words = [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)]
    code = [w for w in words if w[4] == "Mã"][0]
    box = (code[0], code[1], max(w[2] for w in words if abs(w[1] - code[1]) < 2 and w[0] >= code[0]), code[3])
    title = [w for w in words if w[4] in ("ĐỀ", "KIỂM", "TRA", "GIỮA", "HỌC", "KỲ", "TOÁN", "LỚP", "2018)")]
    assert title
    for x0, y0, x1, y1, _w in title:
        assert x1 <= box[0] or x0 >= box[2] or y1 <= box[1] or y0 >= box[3], ("overlap", _w)


def test_printed_versions_have_their_codes_questions_and_keys(world, client, dbs, tmp_path):
    import subprocess

    from lms.exams import printing
    from lms.exams.models import Attempt, AttemptSlot, ExamPaper

    exam_id = _exam(dbs, world)
    with dbs() as s:   # a long title, as teachers write them: it must not run under the "Mã đề" box
        s.get(Exam, exam_id).title = "Đề kiểm tra giữa học kỳ I môn Toán lớp 6 năm học 2026 - 2027 (chương trình GDPT 2018)"
        s.commit()
    client.login("gv.a")
    form = client.get(f"/exams/{exam_id}/print")
    assert form.status_code == 200 and "Chưa có mã đề nào" in form.get_data(as_text=True)
    bad = client.post(f"/exams/{exam_id}/print", {"count": "99", "first_code": "101"})
    assert "Nhập số mã đề cần tạo: từ 1 đến 24 (đã nhập “99”)." in bad.get_data(as_text=True)
    assert client.post(f"/exams/{exam_id}/print", {"count": "3", "first_code": "201"}).status_code == 302
    response = client.get(f"/exams/{exam_id}/print.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    path = tmp_path / "de.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode()
    for code in ("201", "202", "203"):
        assert f"Mã đề {code}" in text
    layout = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout.decode()
    assert layout.count("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") == 3            # the national name on one line
    pages = text.split("\f")
    for code in ("201", "202", "203"):                                          # numbered per booklet
        booklet = [p for p in pages if f"Mã đề {code} · Trang" in p]
        assert booklet and all(f"Trang {i + 1}/{len(booklet)}" in p for i, p in enumerate(booklet)), code
    _no_overlap(path)
    assert text.count("Câu hỏi số 1:") == 3 and "PHIẾU TRẢ LỜI" in text and "ĐÁP ÁN THEO MÃ ĐỀ" in text
    with dbs() as s:
        papers = printing.papers_of(s, s.get(Exam, exam_id))
        first = printing.printed(s.get(Exam, exam_id), papers)
        # Each key letter is the right option's, in this version's order.
        for q in first[0].questions:
            assert q.key == "ABCD"[next(i for i, o in enumerate(q.options) if o.startswith("Đúng"))]
        keys = [[q.key for q in v.questions] for v in first]
        assert len({tuple(k) for k in keys}) > 1                  # options shuffled per code when shuffling is on
    single = tmp_path / "202.pdf"
    single.write_bytes(client.get(f"/exams/{exam_id}/print.pdf?code=202").data)
    text = subprocess.run(["pdftotext", str(single), "-"], capture_output=True, check=True).stdout.decode()
    assert "Mã đề 202" in text and "Mã đề 201" not in text

    # Sat online on the same versions: the pupils get the codes in turn, with the printed order.
    assert client.post(f"/exams/{exam_id}/print/online", {"on": "1"}).status_code == 302
    _sit(dbs, exam_id, {"HSA001": [True] * 4, "HSA002": [True] * 4, "HSA003": [False] * 4})
    with dbs() as s:
        rows = s.execute(select(Attempt.paper_id, ExamPaper.code).join(ExamPaper, ExamPaper.id == Attempt.paper_id)
                         .where(Attempt.exam_id == exam_id).order_by(Attempt.id)).all()
        assert [code for _p, code in rows] == ["201", "202", "203"]
        attempt = s.scalars(select(Attempt).where(Attempt.exam_id == exam_id).order_by(Attempt.id)).first()
        slots = list(s.scalars(select(AttemptSlot).where(AttemptSlot.attempt_id == attempt.id)
                               .order_by(AttemptSlot.position)))
        assert [i.question_id for i in papers[0].items] == [sl.question_id for sl in slots]
        assert [i.layout for i in papers[0].items] == [sl.layout for sl in slots]
        assert attempt.score10 == 100
    refused = client.post(f"/exams/{exam_id}/print", {"count": "2", "first_code": "301"})
    assert "không tạo lại được" in client.get(refused.headers.get("Location", f"/exams/{exam_id}/print")).get_data(as_text=True) \
        or "không tạo lại được" in refused.get_data(as_text=True)
    with dbs() as s:
        assert [[q.key for q in v.questions] for v in printing.printed(s.get(Exam, exam_id), printing.papers_of(s, s.get(Exam, exam_id)))] == keys
    other = type(client)(client.app)
    other.login("gv.b")
    assert other.get(f"/exams/{exam_id}/print").status_code == 404
    assert other.get(f"/exams/{exam_id}/print.pdf").status_code == 404


def _words(path, page: int = 1) -> list[tuple[float, float, float, float, str]]:
    """The words of one page of a PDF with their boxes (pdftotext -bbox), in reading order."""
    import re
    import subprocess

    html = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path), "-"],
                          capture_output=True, check=True).stdout.decode()
    return [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)]


def _line_of(words, text: str):
    """The boxes of `text`'s words as they follow one another on the page."""
    wanted = text.split()
    for i in range(len(words) - len(wanted) + 1):
        if [w[4] for w in words[i:i + len(wanted)]] == wanted:
            return words[i:i + len(wanted)]
    raise AssertionError(f"{text!r} is not in the page's words in order")


def test_the_printed_headings_lines_stay_one_line_each_with_long_names(world, client, dbs, tmp_path):
    """Issue #29 (tester 29, finding 7): "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO TP. LONG XUYÊN" wrapped onto two
    lines in the printed booklet, and a long school name too. Each heading line's words share one
    baseline, stay inside the page and inside their column, and the two columns never overlap."""
    from lms.people.models import Department, School

    exam_id = _exam(dbs, world)
    department = "Phòng Giáo dục và Đào tạo TP. Long Xuyên"
    school = "Trường Trung học cơ sở và Trung học phổ thông Nguyễn Thị Minh Khai"
    with dbs() as s:
        s.get(Department, world.dept_a.id).name = department
        s.get(School, world.a.school.id).name = school
        s.commit()
    client.login("gv.a")
    assert client.post(f"/exams/{exam_id}/print", {"count": "1", "first_code": "101"}).status_code == 302
    path = tmp_path / "de.pdf"
    path.write_bytes(client.get(f"/exams/{exam_id}/print.pdf").data)
    words = _words(path)
    page_width = 595.3                                       # A4 in points
    lines = {name: _line_of(words, name.upper()) for name in (department, school)}
    nation = _line_of(words, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    motto = _line_of(words, "Độc lập - Tự do - Hạnh phúc")
    for line in [*lines.values(), nation, motto]:
        tops = {round(w[1], 1) for w in line}
        assert max(tops) - min(tops) < 0.5, (line[0][4], tops)          # one baseline: not wrapped
        assert line[0][0] >= 0 and line[-1][2] <= page_width, line[0][4]
    for line in lines.values():                                            # left of the national name
        assert line[-1][2] < min(nation[0][0], motto[0][0]), (line[-1], nation[0])
    assert lines[department][0][1] < lines[school][0][1]                 # the department above the school
