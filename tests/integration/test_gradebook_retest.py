"""A re-test (KT lại) mark is only for a pupil whose year result needs a re-test: the grid shows
the cell only for them, and both the grid's save and the Excel import refuse a KT lại mark for any
other pupil, naming line, pupil, column and why (one rule: book.retest_open)."""
from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from lms.gradebook.models import GradeEntry
from tests.factories import fill_year
from tests.sheets import saved


def _with_retest(world, dbs):
    with dbs() as s:   # Bình has 3,0 in Toán: a re-test; An has 8,0: none
        fill_year(s, world.a, marks={("HSA002", "toan"): "3"})
        s.commit()


def test_the_import_refuses_a_retest_mark_for_a_pupil_without_a_retest(world, client, dbs):
    _with_retest(world, dbs)
    client.login("gv.a")
    an, binh = world.a.students["HSA001"], world.a.students["HSA002"]
    page = client.get(f"/courses/{world.a.course.id}/grades?term=2").get_data(as_text=True)
    assert f'name="c-{binh.id}-kl1"' in page and f'name="c-{an.id}-kl1"' not in page
    wb = load_workbook(io.BytesIO(client.get(f"/courses/{world.a.course.id}/grades.xlsx?term=2").data))
    sheet = wb.active
    header = next(r for r in sheet.iter_rows() if any(c.value == "KT lại" for c in r))
    column = next(c.column - 1 for c in header if c.value == "KT lại")
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=header[0].row + 1)}
    rows["HSA001"][column].value = 5
    rows["HSA002"][column].value = 6.5
    refused = client.post(f"/courses/{world.a.course.id}/grades/import?term=2",
                          {"file": (io.BytesIO(saved(wb)), "so-diem.xlsx")}, content_type="multipart/form-data")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert an.full_name in text and "không phải kiểm tra lại: kết quả cả năm môn này là 8,0" in text
    # The grid's own save follows the same rule; the pupil with a re-test gets his mark.
    grid = client.post(f"/courses/{world.a.course.id}/grades?term=2", {f"c-{an.id}-kl1": "5"})
    assert grid.status_code == 422 and "không phải kiểm tra lại" in grid.get_data(as_text=True)
    assert client.post(f"/courses/{world.a.course.id}/grades?term=2", {f"c-{binh.id}-kl1": "6,5"}).status_code == 302
    with dbs() as s:
        assert [(e.student_id, e.score10) for e in s.scalars(select(GradeEntry).where(GradeEntry.kind == "kl"))] \
            == [(binh.id, 65)]
