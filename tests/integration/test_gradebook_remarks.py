"""Remarks saved on the TT22 grid are said in the save's message (a remark-only save read
"0 điểm mới, 0 điểm sửa, 0 điểm xoá", as if nothing was saved), and a remark that would read as a
spreadsheet formula is refused like every printed text (core/official.printed_text_problem)."""
from __future__ import annotations

from sqlalchemy import select

from lms.gradebook.models import GradeRemark
from tests.integration.test_gradebook_primary import primary  # noqa: F401  (fixture)
from tests.sheets import saved


def test_a_remark_only_save_says_so_and_a_formula_remark_is_refused(world, client, dbs):
    client.login("gv.a")
    url = f"/courses/{world.a.course.id}/grades?term=1"
    an = world.a.students["HSA001"].id
    saved = client.post(url, {f"r-{an}": "Tiến bộ rõ"}, follow_redirects=True).get_data(as_text=True)
    assert "0 điểm mới, 0 điểm sửa, 0 điểm xoá, 1 nhận xét thay đổi" in saved
    refused = client.post(url, {f"r-{an}": "=1+1"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "phải bắt đầu bằng chữ hoặc số" in text
    with dbs() as s:
        assert [r.text for r in s.scalars(select(GradeRemark))] == ["Tiến bộ rõ"]


def test_primary_and_homeroom_remarks_follow_the_same_rule(world, client, dbs):
    from lms.gradebook.models import TermRecord

    client.login("gv.a")
    an = world.a.students["HSA001"].id
    refused = client.post(f"/classes/{world.a.school_class.id}/conduct?term=1", {f"m-{an}": "@SUM(A1)"})
    assert refused.status_code == 422 and "phải bắt đầu bằng chữ hoặc số" in refused.get_data(as_text=True)
    with dbs() as s:
        assert s.scalars(select(TermRecord)).first() is None


def test_a_primary_remark_starting_with_a_formula_sign_is_refused(primary, client):  # noqa: F811
    client.login("gv.p")
    khoi = primary.students["HSP001"].id
    refused = client.post(f"/courses/{primary.courses['toan']}/primary?checkpoint=gk1",
                          {f"l-{khoi}": "T", f"m-{khoi}": "=HYPERLINK(\"x\")"})
    assert refused.status_code == 422 and "phải bắt đầu bằng chữ hoặc số" in refused.get_data(as_text=True)


def test_remark_changes_are_in_the_correction_history(world, client, dbs):
    """A remark changed or removed is a correction like a mark (whole, however long; remarks
    hold up to 500 characters and the history's values held 12); saving it unchanged is none."""
    from lms.gradebook.models import GradeChange

    client.login("gv.a")
    url = f"/courses/{world.a.course.id}/grades?term=1"
    an = world.a.students["HSA001"].id
    first, second = "Tiến bộ rõ trong học kỳ này", "Chăm chỉ, cần cẩn thận hơn khi trình bày bài " * 8
    second = second.strip()
    for text in (first, first, second, second, ""):
        assert client.post(url, {f"r-{an}": text}).status_code == 302
    with dbs() as s:
        changes = [(c.what, c.old_value, c.new_value) for c in s.scalars(select(GradeChange).order_by(GradeChange.id))]
    assert changes == [("1:nx", first, second), ("1:nx", second, "")]
    history = client.get(f"/courses/{world.a.course.id}/grades/history").get_data(as_text=True)
    assert "HK I – Nhận xét" in history and first in history and "1:nx" not in history


def test_a_primary_remark_change_is_in_the_correction_history(primary, client, dbs):  # noqa: F811
    from lms.gradebook.models import GradeChange

    client.login("gv.p")
    khoi = primary.students["HSP001"].id
    url = f"/courses/{primary.courses['toan']}/primary?checkpoint=gk1"
    assert client.post(url, {f"l-{khoi}": "T", f"m-{khoi}": "Tốt"}).status_code == 302
    assert client.post(url, {f"l-{khoi}": "T", f"m-{khoi}": "Hoàn thành tốt các bài"}).status_code == 302
    with dbs() as s:
        changes = [(c.what, c.old_value, c.new_value) for c in s.scalars(select(GradeChange))]
    assert changes == [("gk1:nx", "Tốt", "Hoàn thành tốt các bài")]


def _export_with(client, world, term: int, edit) -> bytes:
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(client.get(f"/courses/{world.a.course.id}/grades.xlsx?term={term}").data))
    edit(wb.active)
    return saved(wb)


def _upload(client, world, term: int, data: bytes, **extra):
    import io

    return client.post(f"/courses/{world.a.course.id}/grades/import?term={term}",
                       {"file": (io.BytesIO(data), "so-diem.xlsx"), **extra}, content_type="multipart/form-data")


def test_the_import_preview_refuses_a_formula_remark_as_the_confirmation_would(world, client, dbs):
    """Remarks "@abc", "+Tốt", "-Chăm" in a file: the preview said "Tệp hợp lệ" and offered to
    confirm, and only the confirmation refused (422). The preview runs the save's own check
    (book.check_remark) and names each cell's line, column and reason."""
    import re

    client.login("gv.a")

    def edit(ws):
        header = [c.value for c in ws[1]]
        col = header.index("Nhận xét")
        for row, text in zip(list(ws.iter_rows(min_row=2))[:3], ("@abc", "+Tốt", "-Chăm")):
            row[col].value = text
        ws.cell(row=2, column=header.index("TX1") + 1).value = 8

    page = _upload(client, world, 1, _export_with(client, world, 1, edit))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)))
    assert page.status_code == 422 and "Tệp hợp lệ" not in text and 'name="token"' not in page.get_data(as_text=True)
    assert "tệp có 3 ô bị từ chối" in text
    for line, value in ((2, "@abc"), (3, "+Tốt"), (4, "-Chăm")):
        assert re.search(rf"\b{line} [^|]*?Nhận xét \([A-Z]+\) {re.escape(value)} [^|]*?phải bắt đầu bằng chữ hoặc số",
                         text), (line, text)
    with dbs() as s:
        assert s.scalars(select(GradeRemark)).first() is None


def test_year_comments_starting_with_a_formula_sign_are_refused(world, client, dbs):
    """The homeroom's year comment prints on the report card (section 3) and was saved as typed:
    "=HYPERLINK(…)", "+1 ngoan". It goes through the grids' one remark check."""
    from lms.gradebook.models import YearRecord

    client.login("gv.a")
    an, binh = world.a.students["HSA001"].id, world.a.students["HSA002"].id
    page = client.post(f"/classes/{world.a.school_class.id}/year-records",
                       {f"m-{an}": "=HYPERLINK(\"x\")", f"m-{binh}": "+1 ngoan"})
    assert page.status_code == 422 and page.get_data(as_text=True).count("phải bắt đầu bằng chữ hoặc số") >= 2
    with dbs() as s:
        assert s.scalars(select(YearRecord)).first() is None
    assert client.post(f"/classes/{world.a.school_class.id}/year-records", {f"m-{an}": "Ngoan, chăm học"}
                       ).status_code == 302


def test_a_file_that_changes_nothing_in_a_locked_term_is_said_so_without_asking_a_reason(world, client, make_client,
                                                                                       dbs):
    """The preview asked an admin for a correction reason before saying that the file changed
    nothing: the reason is asked only of a file that would write something."""
    client.login("gv.a")
    sid = world.a.students["HSA001"].id
    assert client.post(f"/courses/{world.a.course.id}/grades?term=1", {f"c-{sid}-tx1": "6", f"r-{sid}": "Chăm"}
                       ).status_code == 302
    admin = make_client()
    admin.login("admin.a")
    assert admin.post(f"/school/gradebook/{world.a.year.id}/lock", {"term": "1", "incomplete_ok": "1"}).status_code == 302
    same = _upload(admin, world, 1, _export_with(admin, world, 1, lambda ws: None))
    text = same.get_data(as_text=True)
    assert same.status_code == 200 and "Tệp không thay đổi điểm nào" in text and "lý do" not in text, text

    def change(ws):
        ws.cell(row=2, column=[c.value for c in ws[1]].index("TX1") + 1).value = 7

    changed = _upload(admin, world, 1, _export_with(admin, world, 1, change))
    assert changed.status_code == 422 and "nhập lý do sửa điểm" in changed.get_data(as_text=True)
    with_reason = _upload(admin, world, 1, _export_with(admin, world, 1, change), reason="Chấm phúc khảo")
    assert with_reason.status_code == 200 and 'name="token"' in with_reason.get_data(as_text=True)
