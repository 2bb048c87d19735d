"""Importing questions through the pages, on SQLite and PostgreSQL: preview first, nothing saved
until confirmed, a broken file saves nothing and names its lines; Word images are kept."""
import io
import re

from sqlalchemy import func, select

from lms.exams.models import Question, QuestionCategory
from tests.factories import make_bank
from tests.unit.files import PNG
from tests.unit.test_word_format import FULL, _docx

GIFT = """$CATEGORY: $course$/top/Toán 6/Số tự nhiên

::Cộng:: 2 + 3 = ? {=5 ~4 ~6}

::Đúng sai:: 0 là số tự nhiên. {T}

::Số:: Nửa của 5? {#2.5:0.05}
"""
AIKEN = "Thủ đô của Việt Nam là\nA. Huế\nB. Hà Nội\nC. Đà Nẵng\nANSWER: B\n"


def teacher(make_client):
    client = make_client()
    client.login("gv.a")
    return client


def _category(dbs, world) -> int:
    with dbs() as s:
        bank = make_bank(s, world.a, count=1)
        s.commit()
        return bank.category.id


def _count(dbs, category_id=None) -> int:
    with dbs() as s:
        stmt = select(func.count()).select_from(Question)
        return s.scalar(stmt)


def _upload(client, category_id, name, data, fmt="auto"):
    return client.post("/bank/import", {"file": (io.BytesIO(data), name), "fmt": fmt, "category_id": str(category_id),
                                        "level": "2", "topic": "Chương 1", "mark": "0,5"},
                       content_type="multipart/form-data")


def _confirm(client, page: str):
    token = re.search(r'name="token"[^>]*value="([0-9a-f]+)"', page).group(1)
    return client.post("/bank/import/confirm", {"token": token})


def test_word_text_preview_then_confirm_with_sections_as_categories(world, make_client, dbs):
    category_id = _category(dbs, world)
    before = _count(dbs)
    client = teacher(make_client)
    preview = _upload(client, category_id, "đề kiểm tra.txt", FULL.encode("utf-8"))
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Đọc được 7 câu hỏi" in page and "Lưu 7 câu hỏi vào ngân hàng" in page
    assert page.count('data-position="') == 7 and "<math" in page
    assert _count(dbs) == before                       # nothing saved before the confirmation
    response = _confirm(client, page)
    assert response.status_code == 302
    assert "Đã nhập 7 câu hỏi" in client.get(response.headers["Location"]).get_data(as_text=True)
    with dbs() as s:
        children = {c.name: c.id for c in s.scalars(select(QuestionCategory).where(QuestionCategory.parent_id == category_id))}
        assert set(children) == {"PHẦN I. TRẮC NGHIỆM", "PHẦN II. ĐÚNG SAI", "PHẦN III. TRẢ LỜI NGẮN", "PHẦN IV. TỰ LUẬN"}
        imported = list(s.scalars(select(Question).where(Question.category_id.in_(children.values()))
                                  .order_by(Question.id)))
        assert [q.qtype for q in imported] == ["single_choice", "single_choice", "multiple_choice", "tf_cluster",
                                               "numerical", "short_answer", "essay"]
        assert {(q.level, q.topic, q.default_mark_e4) for q in imported} == {(2, "Chương 1", 5000)}
        assert imported[0].current.general_feedback == "{1; 2; 3} có ba phần tử."
    # The same token cannot be used twice.
    again = _confirm(client, page)
    assert "Phiên nhập đã hết hạn" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert _count(dbs) == before + 7


def test_a_broken_file_saves_nothing_and_names_each_line(world, make_client, dbs):
    category_id = _category(dbs, world)
    before = _count(dbs)
    client = teacher(make_client)
    broken = "Câu 1. Hỏi\nA. x\nC. y\nCâu 2. Không có đáp án\nA. a\nB. b\n".encode("utf-8")
    response = _upload(client, category_id, "loi.txt", broken)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Tệp có 2 lỗi" in page
    assert "Dòng 3:" in page and "Dòng 4:" in page and 'name="token"' not in page
    gift_error = _upload(client, category_id, "loi.gift", b"::Q:: 2 + 2 {=4 ~3\n")
    assert gift_error.status_code == 422 and "Dòng 1" in gift_error.get_data(as_text=True)
    not_utf8 = _upload(client, category_id, "cu.txt", b"C\xe2u 1. H\xd2i")   # an old 8-bit Vietnamese encoding
    assert not_utf8.status_code == 422 and "UTF-8" in not_utf8.get_data(as_text=True)
    assert _count(dbs) == before


def test_gift_aiken_and_utf16_files(world, make_client, dbs):
    category_id = _category(dbs, world)
    client = teacher(make_client)
    page = _upload(client, category_id, "moodle.gift", GIFT.encode("utf-8")).get_data(as_text=True)
    assert "Đọc được 3 câu hỏi (GIFT (Moodle))" in page
    assert "Toán 6 / Số tự nhiên" in page and "$course$" not in page and "top/" not in page  # Moodle's context hidden
    assert _confirm(client, page).status_code == 302
    page = _upload(client, category_id, "aiken.txt", AIKEN.encode("utf-16")).get_data(as_text=True)
    assert "Đọc được 1 câu hỏi (Aiken)" in page
    assert _confirm(client, page).status_code == 302
    with dbs() as s:
        names = set(s.scalars(select(Question.qtype).where(Question.school_id == world.a.school.id)))
        assert {"single_choice", "true_false", "numerical"} <= names
        nested = s.scalars(select(QuestionCategory).where(QuestionCategory.name == "Số tự nhiên")).one()
        assert nested.parent.name == "Toán 6" and nested.parent.parent_id == category_id    # the nesting kept


def test_word_images_are_kept_and_served_only_to_signed_in_users(world, make_client, dbs, app):
    category_id = _category(dbs, world)

    def build(d):
        d.add_paragraph("Câu 1. Hình bên là hình gì?")
        d.add_paragraph().add_run().add_picture(io.BytesIO(PNG))
        for i, text in enumerate(["A. Tam giác", "B. Hình vuông"]):
            d.add_paragraph().add_run(text).underline = i == 0

    client = teacher(make_client)
    page = _upload(client, category_id, "hình.docx", _docx(build)).get_data(as_text=True)
    src = re.search(r'<img src="(/question-images/[^"]+)"', page).group(1)
    assert client.get(src).status_code == 200
    assert _confirm(client, page).status_code == 302
    with dbs() as s:
        question = s.scalars(select(Question).where(Question.name == "Hình bên là hình gì?")).one()
        assert src in question.current.text
    pupil = make_client()
    pupil.login("hsb001")                                    # any signed-in user who was shown it
    assert pupil.get(src).status_code == 200
    assert make_client().get(src).status_code in (302, 401)
    assert client.get("/question-images/../../secret.png").status_code == 404


def test_export_to_word_and_gift_comes_back_the_same(world, make_client, dbs):
    from lms.exams import importing
    from lms.exams.formats import gift

    category_id = _category(dbs, world)
    client = teacher(make_client)
    page = _upload(client, category_id, "đề.txt", FULL.encode("utf-8")).get_data(as_text=True)
    assert _confirm(client, page).status_code == 302
    word = client.get(f"/bank/categories/{category_id}/export.docx")
    assert word.status_code == 200 and word.mimetype.endswith("wordprocessingml.document")
    again = importing.plan_import("xuat.docx", word.data)
    assert again.errors == []
    kinds = [q.qtype for q in again.questions]
    # The bank's own single-choice and essay questions from make_bank come first, then the seven imported.
    assert kinds[-7:] == ["single_choice", "single_choice", "multiple_choice", "tf_cluster", "numerical",
                          "short_answer", "essay"]
    by_label = {q.text: q for q in again.questions}
    cluster = by_label["Cho tập hợp A = {1; 2; 3}."]
    assert [s["answer"] for s in cluster.data["statements"]] == [True, False, True, False]
    gift_text = client.get(f"/bank/categories/{category_id}/export.gift").get_data(as_text=True)
    parsed = gift.parse(gift_text)
    assert {q.qtype for q in parsed} >= {"single_choice", "multiple_choice", "true_false", "numerical", "short_answer",
                                         "essay"}
    chosen = next(q for q in parsed if q.text.startswith("Kết quả của $2^3$"))
    assert [a.fraction for a in chosen.answers] == [1.0, 0.0, 0.0, 0.0]
    other = make_client()
    other.login("gv.b")
    assert other.get(f"/bank/categories/{category_id}/export.docx").status_code == 404


def test_a_word_exam_keeps_its_math_and_an_unreadable_equation_is_shown_on_its_question(world, make_client, dbs):
    from pathlib import Path

    files = Path(__file__).parents[1] / "files" / "exams"
    category_id = _category(dbs, world)
    before = _count(dbs)
    client = teacher(make_client)
    broken = _upload(client, category_id, "vật lý.docx", (files / "vat-ly-ky-hieu.docx").read_bytes())
    page = broken.get_data(as_text=True)
    assert broken.status_code == 422 and "Đoạn 8:" in page and "Lưu " not in page
    card = page[page.index('data-position="3"'):]
    assert "question-errors" in card[:1500] and "MathType" in card[:1500]   # on question 3, where it stands
    assert "R = 10 Ω" in page and "<math" in page                         # the questions read are previewed
    assert _count(dbs) == before
    good = _upload(client, category_id, "toán.docx", (files / "toan-dai-so-omml.docx").read_bytes())
    page = good.get_data(as_text=True)
    assert good.status_code == 200 and "Đọc được 9 câu hỏi" in page and "<mfrac>" in page and "$" not in page
    assert _confirm(client, page).status_code == 302
    with dbs() as s:
        texts = {q.name: q.current.text for q in s.scalars(select(Question))}
        # Each question named from its own text, its formulas as text (never "Câu 1" for all of them).
        assert texts["Kết quả của phép tính 1/2 + 3/4 là:"] == r"Kết quả của phép tính $\frac{1}{2} + \frac{3}{4}$ là:"
        assert not [name for name in texts if re.fullmatch(r"Câu \d+", name)]


def test_a_midterm_with_an_essay_part_imports_whole_and_an_error_shows_on_its_own_question(world, make_client, dbs):
    """A tester's Toán 8 midterm: its TỰ LUẬN sub-parts "a) … b) …" failed the whole file, the error
    was shown on PHẦN I's Câu 1, and the marking guide under ĐÁP ÁN turned essay 2 into a short answer."""
    from pathlib import Path

    data = (Path(__file__).parents[1] / "files" / "exams" / "toan8-giua-ki1-tu-luan.docx").read_bytes()
    category_id = _category(dbs, world)
    client = teacher(make_client)
    broken = _upload(client, category_id, "de.txt", b"PHAN I. TRAC NGHIEM\nCau 1. Hoi\nA. x\nB. y\n"
                     b"PHAN II. DUNG SAI\nCau 1. Ba y\na) 1\nb) 2\nc) 3\nDAP AN\nPHAN I\n1-A\nPHAN II\n1-DSD\n")
    page = broken.get_data(as_text=True)
    assert broken.status_code == 422
    first = page[page.index('data-position="1"'):]
    assert "question-errors" not in first[:first.index("</div></div>")]             # not on PHẦN I's Câu 1
    own = page[page.index('data-line="6"'):]
    assert "bốn ý a), b), c), d)" in own[:own.index("</div></div>")]                # on its own card
    good = _upload(client, category_id, "toán 8.docx", data)
    page = good.get_data(as_text=True)
    assert good.status_code == 200 and "Đọc được 11 câu hỏi" in page
    assert _confirm(client, page).status_code == 302
    with dbs() as s:
        imported = [q for q in s.scalars(select(Question).join(QuestionCategory).where(
            QuestionCategory.parent_id == category_id)) if q.qtype == "essay"]
        essays = [q.current for q in imported]
        assert len(essays) == 2 and not any("điểm)" in v.text for v in essays)
        assert {q.default_mark_e4 for q in imported} == {20000}   # "(2,0 điểm)" by each essay's number
        assert any("b) $x^{3}" in v.text for v in essays)
        assert {v.data["guide"][:10] for v in essays} == {"a) (x − 3)", "Tứ giác có"}


def test_marks_and_marking_guides_written_in_the_file_are_previewed_and_kept(world, make_client, dbs):
    """"Câu 1 (0,5 điểm)" gives that question 0,5 points in the bank (the form's 0,5 is only the
    default of the others: here 2 points); the preview shows each question's marks and an essay's
    marking guide, which before it did not."""
    from tests.unit.test_word_marks import TEXT

    category_id = _category(dbs, world)
    client = teacher(make_client)
    preview = client.post("/bank/import", {"file": (io.BytesIO(TEXT.encode()), "de.txt"), "fmt": "auto",
                                           "category_id": str(category_id), "level": "1", "topic": "", "mark": "2"},
                          content_type="multipart/form-data")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    marks = [" ".join(re.sub(r"<[^>]+>", "", m).split()) for m in re.findall(r"<span data-marks[^>]*>(.*?)</span>", page)]
    assert marks == ["(0,5 điểm)", "(1 điểm)", "(0,25 điểm)", "(2 điểm, mặc định)", "(2 điểm)", "(2 điểm, mặc định)"]
    guides = re.findall(r"<div [^>]*data-guide>(.*?)</div></div>", page, re.S)
    assert len(guides) == 2 and "Viết sai dấu trừ 0,5 điểm." in guides[0] and "<math" in guides[0]
    assert "dùng góc so le trong" in guides[1]
    assert _confirm(client, page).status_code == 302
    with dbs() as s:
        stored = {q.current.text.splitlines()[0][:12]: (q.default_mark_e4, q.current.data.get("guide", "")[:8])
                  for q in s.scalars(select(Question).join(QuestionCategory)
                                     .where(QuestionCategory.parent_id == category_id))}
    assert stored == {"Kết quả của ": (5000, ""), "Số nào là số": (10000, ""), "Số 0 là số t": (2500, ""),
                      "Tính 2,5 + 1": (20000, ""), "Phân tích $x": (20000, "$(x - 3)"), "Chứng minh t": (20000, "Kẻ đường")}


def test_the_import_s_messages_are_in_the_reader_s_language(world, make_client, dbs):
    """The Word parser's and GIFT's messages were Vietnamese only, whatever language was chosen."""
    from docx import Document

    category_id = _category(dbs, world)
    client = teacher(make_client)
    client.get("/language/en")
    d = Document()
    d.add_paragraph("Câu 1. Giá trị của 2 + 2 là:")
    d.add_paragraph("A. 3")
    d.add_paragraph("C. 4")
    d.add_paragraph("Câu 2. Số nào là số nguyên tố?")
    d.add_paragraph("A. 4\tB. 6\tC. 7\tD. 9")
    d.add_paragraph("Câu 2. Lặp lại")
    d.add_paragraph("ĐÁP ÁN")
    d.add_paragraph("Câu 2. Ta có 7 chỉ có hai ước nên 7 là số nguyên tố.")
    d.add_paragraph("9-A")
    buffer = io.BytesIO()
    d.save(buffer)
    page = _upload(client, category_id, "de.docx", buffer.getvalue()).get_data(as_text=True)
    assert "Question 1: the options must be in the order A, B, C… (found A, C)" in page
    assert ("Question 2: no right answer — the answer section (paragraph 8) has only a worked solution of this "
            "question, not its answer") in page
    assert "Question 2 already appears at paragraph 4" in page
    assert "the answer key has question 9 but the exam has no such question" in page
    assert "phương án" not in page and "đáp án" not in page.replace("ĐÁP ÁN", "")
    gift = _upload(client, category_id, "loi.gift", b"::Q:: 1 + 1 {=2 ~}\n").get_data(as_text=True)
    assert "an answer is empty" in gift
    client.get("/language/vi")
    page = _upload(client, category_id, "de.docx", buffer.getvalue()).get_data(as_text=True)
    assert "Câu 1: các phương án phải theo thứ tự A, B, C… (thấy A, C)" in page


KEYLESS_SHORT = """PHẦN I. TRẮC NGHIỆM
Câu 1. 2 + 2 = ?
A. 3   B. 4   C. 5   D. 6
PHẦN II. ĐÚNG SAI
Câu 1. Cho A = {1; 2; 3}.
a) 1 ∈ A   b) 4 ∈ A   c) 2 ∈ A   d) 5 ∈ A
PHẦN III. TRẢ LỜI NGẮN
Câu 1. Tính $\\int_{0}^{2} 3x^{2}\\,dx$.
Câu 2. Giá trị của $\\sqrt{2,25}$ bằng bao nhiêu?
ĐÁP ÁN
PHẦN I: 1-B
PHẦN II: 1-ĐSĐS
PHẦN III
Câu 1. $\\int_{0}^{2} 3x^{2}\\,dx = x^{3}\\Big|_{0}^{2} = 8$
"""


def test_a_short_answer_without_a_key_is_refused_on_its_card_or_kept_as_essay_by_the_teacher(world, make_client, dbs):
    """Issue #29, tester finding 2: in a part headed TRẢ LỜI NGẮN, a question without a key (or with
    only a worked line in the answer section) became an essay without a word. Its type is the file's:
    the preview refuses it on its card, unless the teacher chooses to keep such questions as essays."""
    category_id = _category(dbs, world)
    before = _count(dbs)
    client = teacher(make_client)
    refused = _upload(client, category_id, "de.txt", KEYLESS_SHORT.encode("utf-8"))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'name="token"' not in page
    errors = re.search(r'id="import-errors">(.*?)</section>', page, re.S).group(1)
    assert re.search(r"Dòng 8:</strong> Câu 1: câu trả lời ngắn chưa có đáp án — ghi đáp án", errors)
    assert re.search(r"Dòng 9:</strong> Câu 2: câu trả lời ngắn chưa có đáp án", errors)
    assert "Tự luận" not in re.search(r'id="import-preview">(.*)', page, re.S).group(1).split("import-errors")[0]
    assert _count(dbs) == before
    # The teacher's choice: kept as essays (marked by hand), said in the preview, then saved so.
    kept = client.post("/bank/import", {"file": (io.BytesIO(KEYLESS_SHORT.encode("utf-8")), "de.txt"), "fmt": "auto",
                                        "category_id": str(category_id), "level": "2", "topic": "", "mark": "0,5",
                                        "keyless_as_essay": "y"}, content_type="multipart/form-data")
    page = kept.get_data(as_text=True)
    assert kept.status_code == 200, page
    note = " ".join(re.sub(r"<[^>]+>", " ", re.search(r'id="kept-as-essay">(.*?)</p>', page, re.S).group(1)).split())
    assert note == ("Câu trả lời ngắn chưa có đáp án, giữ thành câu tự luận (chấm tay) theo lựa chọn của thầy cô: "
                    "Câu 1 (dòng 8); Câu 2 (dòng 9).")
    assert _confirm(client, page).status_code == 302
    with dbs() as s:
        saved = s.scalars(select(Question).order_by(Question.id).offset(before)).all()
        assert [q.qtype for q in saved] == ["single_choice", "tf_cluster", "essay", "essay"]
