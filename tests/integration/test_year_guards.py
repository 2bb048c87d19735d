"""Setting up next year refuses what a school would regret, saying why on the field: one homeroom
teacher for two classes, a class named like a formula, a date that does not exist; switching to a
year with no pupils and locking a half-filled term each need the admin's confirmation after being
told exactly what is missing."""
from __future__ import annotations

import re

from sqlalchemy import select

from lms.gradebook.models import TermLock
from lms.people.models import SchoolClass, SchoolYear


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _next_year(client, dbs, world) -> int:
    made = client.post("/school/years", {"name": "2027-2028", "term1_start": "2027-09-05",
                                         "term1_end": "2028-01-16", "term2_start": "2028-01-18",
                                         "term2_end": "2028-05-29"})
    assert made.status_code == 302
    with dbs() as s:
        return s.scalars(select(SchoolYear).where(SchoolYear.school_id == world.a.school.id,
                                                  SchoolYear.name == "2027-2028")).one().id


def test_a_date_that_does_not_exist_is_refused_in_words(world, client, dbs):
    client.login("admin.a")
    for typed, said in (("2027-02-30", "30/02/2027 không có: tháng 2 năm 2027 có 28 ngày."),
                        ("31/04/2027", "31/04/2027 không có: tháng 4 năm 2027 có 30 ngày."),
                        ("2027-13-01", "01/13/2027 không có: tháng phải từ 1 đến 12."),
                        ("mai", "“mai” không phải ngày")):
        refused = client.post("/school/years", {"name": "2027-2028", "term1_start": typed, "term1_end": "2028-01-16",
                                                "term2_start": "2028-01-18", "term2_end": "2028-05-29"})
        assert refused.status_code == 422 and said in _text(refused), typed
    ok = client.post("/school/years", {"name": "2027-2028", "term1_start": "05/09/2027", "term1_end": "2028-01-16",
                                       "term2_start": "2028-01-18", "term2_end": "2028-05-29"})
    assert ok.status_code == 302


def test_one_homeroom_teacher_per_class_and_no_formula_for_a_name(world, client, dbs):
    client.login("admin.a")
    nxt = _next_year(client, dbs, world)
    teacher = str(world.a.teacher.id)
    assert client.post(f"/school/classes?year={nxt}", {"grade": "7", "name": "7A1",
                                                        "homeroom_teacher_id": teacher}).status_code == 302
    twice = client.post(f"/school/classes?year={nxt}", {"grade": "6", "name": "6A1", "homeroom_teacher_id": teacher})
    assert twice.status_code == 422
    assert "đã chủ nhiệm lớp 7A1 năm học 2027-2028; mỗi giáo viên chủ nhiệm một lớp" in _text(twice)
    for bad in ("=1+1", "+6A", "@A", "-1", "6A1<script>"):
        refused = client.post(f"/school/classes?year={nxt}", {"grade": "6", "name": bad, "homeroom_teacher_id": "0"})
        assert refused.status_code == 422 and "không hợp lệ: bắt đầu bằng chữ hoặc số" in _text(refused), bad
    for good in ("6A1", "6 Chuyên Toán", "6/2"):
        assert client.post(f"/school/classes?year={nxt}", {"grade": "6", "name": good,
                                                            "homeroom_teacher_id": "0"}).status_code == 302, good
    with dbs() as s:
        names = set(s.scalars(select(SchoolClass.name).where(SchoolClass.school_year_id == nxt)))
        assert names == {"7A1", "6A1", "6 Chuyên Toán", "6/2"}


def test_switching_to_a_year_without_pupils_needs_its_own_confirmation(world, client, dbs):
    client.login("admin.a")
    nxt = _next_year(client, dbs, world)
    page = client.get(f"/school/years/{nxt}/current")
    assert 'id="switch-empty"' in page.get_data(as_text=True)
    refused = client.post(f"/school/years/{nxt}/current", {})
    assert refused.status_code == 422 and "Chưa chuyển: năm học 2027-2028 chưa có lớp nào" in _text(refused)
    with dbs() as s:
        assert not s.get(SchoolYear, nxt).is_current
    assert client.post(f"/school/years/{nxt}/current", {"empty_ok": "1"}).status_code == 302
    with dbs() as s:
        assert s.get(SchoolYear, nxt).is_current


def test_locking_a_half_filled_term_lists_what_is_missing_first(world, client, dbs):
    client.login("admin.a")
    year = world.a.year.id
    page = client.get("/school/gradebook").get_data(as_text=True)
    assert 'id="lock-gaps-1"' in page and "6A1 (0/" in page
    client.post(f"/school/gradebook/{year}/lock", {"term": "1"})
    shown = _text(client.get("/school/gradebook"))
    assert "Chưa khoá: sổ điểm Học kỳ I còn thiếu ở 1 lớp (6A1: 0/" in shown
    with dbs() as s:
        assert s.scalars(select(TermLock).where(TermLock.school_year_id == year)).first() is None
    assert client.post(f"/school/gradebook/{year}/lock", {"term": "1", "incomplete_ok": "1"}).status_code == 302
    with dbs() as s:
        assert s.scalars(select(TermLock).where(TermLock.school_year_id == year)).one().term == 1
