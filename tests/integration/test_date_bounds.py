"""Dates outside 1900–2100 in a query string or a form: 9999-12-31 parses, but the page's next
month or the week's end after it overflowed (HTTP 500), and a homework due in year 9999 was saved
and its edit page then answered 500. One bound (lms.core.inputs) for every date read."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.courses.models import Assignment
from tests.integration.test_homework import form_data


@pytest.mark.parametrize("value", ["9999-12", "0001-01", "1899-12", "2101-01"])
def test_a_month_out_of_range_is_this_month(world, make_client, value):
    admin = make_client()
    admin.login("admin.a")
    class_id = world.a.school_class.id
    assert admin.get(f"/attendance/classes/{class_id}/month?month={value}").status_code == 200
    assert admin.get(f"/contact-book/report?month={value}").status_code == 200


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01"])
def test_a_day_or_week_out_of_range_is_today(world, make_client, value):
    teacher = make_client()
    teacher.login("gv.a")
    class_id, course_id = world.a.school_class.id, world.a.course.id
    assert teacher.get(f"/classes/{class_id}/homework-load?week={value}").status_code == 200
    assert teacher.get(f"/attendance/classes/{class_id}?day={value}").status_code == 200
    live = teacher.get(f"/homework/load?course_ids={course_id}&due_at={value}T23:59&minutes=30")
    assert live.status_code == 200 and live.get_json() == {"lines": []}


@pytest.mark.parametrize("due", ["9999-12-31T20:00", "0001-01-01T20:00"])
def test_homework_due_out_of_range_is_refused_and_nothing_saved(world, make_client, dbs, due):
    teacher = make_client()
    teacher.login("gv.a")
    with dbs() as s:
        before = s.scalar(select(func.count(Assignment.id)))
    response = teacher.post("/homework/new", form_data(world, due_at=due, publish=""))
    assert response.status_code == 422
    assert "Ngày phải trong khoảng năm 1900–2100." in response.get_data(as_text=True)
    with dbs() as s:
        assert s.scalar(select(func.count(Assignment.id))) == before


@pytest.mark.parametrize("since,until", [("0001-01-01", "2026-12-08"), ("2026-11-01", "9999-12-31")])
def test_the_audit_trail_at_the_ends_of_the_calendar_says_so(world, make_client, since, until):
    """The audit trail read its dates by strptime: 0001-01-01 (a day before it) and 9999-12-31 (the
    day after it) overflowed into a 500, on the page and in its Excel file."""
    admin = make_client()
    admin.login("admin.a")
    page = admin.get(f"/school/audit?from={since}&to={until}")
    assert page.status_code == 200
    assert "không phải ngày" in page.get_data(as_text=True)
    assert admin.get(f"/school/audit.xlsx?from={since}&to={until}&reads=1").status_code == 200


@pytest.mark.parametrize("url,status", [("/reports/cashless?period=9999-12", 422), ("/reports/official?period=9999-12", 422),
                                        ("/reports/official?period=0001", 422),
                                        ("/reports/cashless.xlsx?period=9999-12", 404)])
def test_a_report_period_past_the_calendar_is_refused(world, make_client, url, status):
    """'9999-12' named a month whose next month is year 10000: a 500 on both reports and the
    cashless file; now refused like any period that is not one (the page 422, its file 404, as
    `?period=abc`)."""
    admin = make_client()
    admin.login("admin.a")
    assert admin.get(url).status_code == status
    assert admin.get(url.replace("9999-12", "abc").replace("0001", "abc")).status_code == status
