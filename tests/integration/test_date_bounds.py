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
