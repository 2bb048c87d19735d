"""Remarks saved on the TT22 grid are said in the save's message (a remark-only save read
"0 điểm mới, 0 điểm sửa, 0 điểm xoá", as if nothing was saved), and a remark that would read as a
spreadsheet formula is refused like every printed text (core/official.printed_text_problem)."""
from __future__ import annotations

from sqlalchemy import select

from lms.gradebook.models import GradeRemark
from tests.integration.test_gradebook_primary import primary  # noqa: F401  (fixture)


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
