"""A grade-book-like page opened earlier never silently erases what a colleague saved meanwhile:
the save writes only the fields the user changed, and a field someone else changed since the page
was opened is refused, naming the pupil and the field and showing the newer value (remarks of the
TT22 grid, the primary TT27 grid, conduct and attendance)."""
from __future__ import annotations

from html.parser import HTMLParser

from sqlalchemy import select

from lms.gradebook.models import GradeRemark, PrimaryRecord, TermRecord
from tests.integration.test_gradebook_primary import primary  # noqa: F401  (fixture)


class _Form(HTMLParser):
    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        elif tag == "input" and self.inside and a.get("name") and a.get("name") != "csrf_token" \
                and a.get("type") not in ("file", "checkbox"):
            self.fields[a["name"]] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def _opened(client, url: str, form_id: str) -> dict[str, str]:
    """The form as a browser would post it, read from the page as rendered."""
    page = client.get(url)
    assert page.status_code == 200
    parser = _Form(form_id)
    parser.feed(page.get_data(as_text=True))
    assert parser.fields
    return parser.fields


def test_a_remark_saved_meanwhile_by_the_admin_survives_the_teachers_older_page(world, client, make_client, dbs):
    url = f"/courses/{world.a.course.id}/grades?term=1"
    an, binh, chau = (world.a.students[c].id for c in ("HSA001", "HSA002", "HSA003"))
    client.login("gv.a")
    teacher_form = _opened(client, url, "grade-form")
    admin = make_client()
    admin.login("admin.a")
    admin_form = _opened(admin, url, "grade-form")
    assert admin.post(url, {**admin_form, f"r-{an}": "Nhận xét của quản trị"}).status_code == 302
    # The teacher changes only Bình's remark on the page she opened before: An's stays.
    assert client.post(url, {**teacher_form, f"r-{binh}": "Chăm chỉ"}).status_code == 302
    with dbs() as s:
        remarks = {r.student_id: r.text for r in s.scalars(select(GradeRemark))}
    assert remarks == {an: "Nhận xét của quản trị", binh: "Chăm chỉ"}
    # Changing An's remark too, from that old page, is refused on that field; her other input is kept.
    refused = client.post(url, {**teacher_form, f"r-{an}": "Của giáo viên", f"r-{chau}": "Rất chăm chỉ"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "người khác vừa lưu “Nhận xét của quản trị”" in text and world.a.students["HSA001"].full_name in text
    again = _Form("grade-form")
    again.feed(text)
    assert again.fields[f"r-{an}"] == "Nhận xét của quản trị" and again.fields[f"r-{chau}"] == "Rất chăm chỉ"
    assert again.fields[f"r-{binh}"] == "Chăm chỉ"   # what is stored now, not the old page's empty field
    with dbs() as s:
        assert {r.student_id: r.text for r in s.scalars(select(GradeRemark))} == remarks
    # Saved again from the page as re-rendered, the user's kept input goes through.
    assert client.post(url, again.fields).status_code == 302
    with dbs() as s:
        assert {r.student_id: r.text for r in s.scalars(select(GradeRemark))} == {
            an: "Nhận xét của quản trị", binh: "Chăm chỉ", chau: "Rất chăm chỉ"}


def test_a_primary_level_saved_meanwhile_is_not_reverted(primary, client, make_client, dbs):  # noqa: F811
    course = primary.courses["toan"]
    url = f"/courses/{course}/primary?checkpoint=gk1"
    khoi, trang = primary.students["HSP001"].id, primary.students["HSP002"].id
    client.login("gv.p")
    assert client.post(url, {f"l-{khoi}": "T", f"t-{khoi}": "", f"m-{khoi}": "Tốt"}).status_code == 302
    teacher_form = _opened(client, url, "primary-form")
    admin = make_client()
    admin.login("admin.p")
    admin_form = _opened(admin, url, "primary-form")
    assert admin.post(url, {**admin_form, f"l-{khoi}": "H", f"m-{khoi}": "Hoàn thành"}).status_code == 302
    assert client.post(url, {**teacher_form, f"m-{trang}": "Cố gắng hơn"}).status_code == 302
    with dbs() as s:
        records = {r.student_id: (r.level, r.comment) for r in s.scalars(select(PrimaryRecord))}
    assert records[khoi] == ("H", "Hoàn thành") and records[trang][1] == "Cố gắng hơn"
    refused = client.post(url, {**teacher_form, f"l-{khoi}": "C"})
    assert refused.status_code == 422 and "người khác vừa lưu “H”" in refused.get_data(as_text=True)
    with dbs() as s:
        assert s.scalars(select(PrimaryRecord).where(PrimaryRecord.student_id == khoi)).one().level == "H"


def test_conduct_and_absences_saved_meanwhile_are_not_wiped(world, client, make_client, dbs):
    url = f"/classes/{world.a.school_class.id}/conduct?term=1"
    an, binh = world.a.students["HSA001"].id, world.a.students["HSA002"].id
    client.login("gv.a")
    teacher_form = _opened(client, url, "conduct-form")
    admin = make_client()
    admin.login("admin.a")
    admin_form = _opened(admin, url, "conduct-form")
    assert admin.post(url, {**admin_form, f"p-{an}": "4", f"m-{an}": "Nghỉ ốm có giấy"}).status_code == 302
    assert client.post(url, {**teacher_form, f"k-{binh}": "K"}).status_code == 302
    with dbs() as s:
        records = {r.student_id: r for r in s.scalars(select(TermRecord).where(TermRecord.term == 1))}
        assert (records[an].absent_excused, records[an].comment) == (4, "Nghỉ ốm có giấy")
        assert records[binh].conduct == "K"
    refused = client.post(url, {**teacher_form, f"p-{an}": "1", f"k-{binh}": "T"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "người khác vừa lưu “4”" in text and "Nghỉ có phép" in text
    with dbs() as s:
        assert s.get(TermRecord, records[an].id).absent_excused == 4


def test_a_quality_saved_meanwhile_is_not_reverted(primary, client, make_client, dbs):  # noqa: F811
    from lms.gradebook.models import PrimaryQuality
    from lms.gradebook.primary import QUALITY_CODES

    url = f"/classes/{primary.school_class.id}/qualities?checkpoint=ck1"
    khoi, trang = primary.students["HSP001"].id, primary.students["HSP002"].id
    first, second = QUALITY_CODES[0], QUALITY_CODES[1]
    client.login("gv.p")
    teacher_form = _opened(client, url, "quality-form")
    admin = make_client()
    admin.login("admin.p")
    assert admin.post(url, {**_opened(admin, url, "quality-form"), f"q-{khoi}-{first}": "T"}).status_code == 302
    assert client.post(url, {**teacher_form, f"q-{trang}-{second}": "Đ"}).status_code == 302
    with dbs() as s:
        levels = {(q.student_id, q.code): q.level for q in s.scalars(select(PrimaryQuality))}
    assert levels == {(khoi, first): "T", (trang, second): "D"}
    refused = client.post(url, {**teacher_form, f"q-{khoi}-{first}": "C"})
    assert refused.status_code == 422 and "người khác vừa lưu “T”" in refused.get_data(as_text=True)


def test_a_mark_saved_meanwhile_survives_an_older_page_that_changed_another_mark(world, client, make_client, dbs):
    """Marks go through the same check as remarks: a mark the teacher left alone on her older page
    is not written back over the admin's (nor refused), the one she changed is written."""
    from decimal import Decimal

    from lms.gradebook.models import GradeEntry

    url = f"/courses/{world.a.course.id}/grades?term=1"
    an, binh = world.a.students["HSA001"].id, world.a.students["HSA002"].id
    client.login("gv.a")
    assert client.post(url, {**_opened(client, url, "grade-form"), f"c-{an}-tx1": "6"}).status_code == 302
    teacher_form = _opened(client, url, "grade-form")
    admin = make_client()
    admin.login("admin.a")
    assert admin.post(url, {**_opened(admin, url, "grade-form"), f"c-{an}-tx1": "8,5"}).status_code == 302
    assert client.post(url, {**teacher_form, f"c-{binh}-tx1": "7"}).status_code == 302
    with dbs() as s:
        marks = {e.student_id: e.score for e in s.scalars(select(GradeEntry).where(GradeEntry.kind == "tx"))}
    assert marks == {an: Decimal("8.5"), binh: Decimal("7.0")}
    # Changing An's mark from that page is refused naming the newer mark, and the page shows it.
    refused = client.post(url, {**teacher_form, f"c-{an}-tx1": "4"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "người khác vừa lưu “8,5”" in text
    again = _Form("grade-form")
    again.feed(text)
    assert again.fields[f"c-{an}-tx1"] == "8,5"


def test_a_year_comment_saved_meanwhile_is_not_wiped(world, client, make_client, dbs):
    from lms.gradebook.models import YearRecord

    url = f"/classes/{world.a.school_class.id}/year-records"
    an, binh = world.a.students["HSA001"].id, world.a.students["HSA002"].id
    client.login("gv.a")
    teacher_form = _opened(client, url, "year-form")
    admin = make_client()
    admin.login("admin.a")
    assert admin.post(url, {**_opened(admin, url, "year-form"), f"m-{an}": "Ngoan, học tốt"}).status_code == 302
    assert client.post(url, {**teacher_form, f"m-{binh}": "Cần cố gắng"}).status_code == 302
    with dbs() as s:
        assert {r.student_id: r.homeroom_comment for r in s.scalars(select(YearRecord))} == {
            an: "Ngoan, học tốt", binh: "Cần cố gắng"}
    refused = client.post(url, {**teacher_form, f"m-{an}": "Của giáo viên"})
    assert refused.status_code == 422 and "người khác vừa lưu “Ngoan, học tốt”" in refused.get_data(as_text=True)
    with dbs() as s:
        assert s.scalars(select(YearRecord).where(YearRecord.student_id == an)).one().homeroom_comment == \
            "Ngoan, học tốt"


def test_each_save_reads_its_grid_once(world, primary, client, make_client, monkeypatch):  # noqa: F811
    """The check is made in the service on the grid it saves from: a save reads its grid once."""
    from lms.gradebook import book, homeroom
    from lms.gradebook import primary as tt27_pages

    reads = []

    def counted(module, name):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, **k: reads.append(name) or real(*a, **k))

    counted(book, "grid_of")
    counted(tt27_pages, "primary_grid")
    counted(tt27_pages, "quality_grid")
    counted(homeroom, "term_records")
    pages = [("gv.a", f"/courses/{world.a.course.id}/grades?term=1", "grade-form",
              f"r-{world.a.students['HSA001'].id}", "Chăm chỉ"),
             ("gv.a", f"/classes/{world.a.school_class.id}/conduct?term=1", "conduct-form",
              f"k-{world.a.students['HSA001'].id}", "T"),
             ("gv.p", f"/courses/{primary.courses['toan']}/primary?checkpoint=gk1", "primary-form",
              f"l-{primary.students['HSP001'].id}", "T"),
             ("gv.p", f"/classes/{primary.school_class.id}/qualities?checkpoint=ck1", "quality-form",
              f"q-{primary.students['HSP001'].id}-{tt27_pages.QUALITY_CODES[0]}", "T")]
    for login, url, form_id, name, value in pages:
        user = make_client()
        user.login(login)
        form = _opened(user, url, form_id)
        reads.clear()
        saved = user.post(url, {**form, name: value})
        assert saved.status_code == 302, url
        assert len(reads) == 1, (url, reads)
