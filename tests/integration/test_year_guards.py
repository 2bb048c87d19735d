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


def _field_error(response, field: str) -> str:
    found = re.search(rf'id="{field}-error">([^<]*)<', response.get_data(as_text=True))
    return found.group(1) if found else ""


def test_terms_outside_their_year_or_overlapping_are_refused_on_their_field(world, client, dbs):
    """The tester's year: HK I 05/09–06/09/2027 and HK II 07/09/2027–27/12/2029 for "2027-2028"."""
    client.login("admin.a")
    absurd = client.post("/school/years", {"name": "2027-2028", "term1_start": "05/09/2027", "term1_end": "06/09/2027",
                                           "term2_start": "07/09/2027", "term2_end": "27/12/2029"})
    assert absurd.status_code == 422 and "31/08/2028" in _field_error(absurd, "term2_end")
    for term1, term2, field, said in (
            (("05/01/2028", "16/05/2028"), ("18/05/2028", "29/06/2028"), "term1_start", "01/07/2027"),
            (("05/09/2026", "16/01/2027"), ("18/01/2027", "29/05/2027"), "term1_start", "01/07/2027"),
            (("05/09/2027", "16/01/2028"), ("10/01/2028", "29/05/2028"), "term2_start", "16/01/2028"),
            (("05/09/2027", "16/01/2028"), ("18/01/2028", "10/01/2028"), "term2_end", "")):
        refused = client.post("/school/years", {"name": "2027-2028", "term1_start": term1[0], "term1_end": term1[1],
                                                "term2_start": term2[0], "term2_end": term2[1]})
        assert refused.status_code == 422 and _field_error(refused, field) and said in _field_error(refused, field), \
            (term1, term2)
    with dbs() as s:
        assert s.scalars(select(SchoolYear).where(SchoolYear.name == "2027-2028")).first() is None
    # Far from the Ministry's frame: saved, with a warning naming the term and its length.
    odd = client.post("/school/years", {"name": "2027-2028", "term1_start": "05/09/2027", "term1_end": "20/10/2027",
                                        "term2_start": "21/10/2027", "term2_end": "29/05/2028"}, follow_redirects=True)
    text = _text(odd)
    assert odd.status_code == 200 and "Học kỳ I dài 6,6 tuần" in text and "Học kỳ II dài 31,7 tuần" in text


def test_a_saved_year_is_corrected_or_deleted_while_nothing_contradicts_it(world, client, dbs):
    from datetime import date, datetime

    from lms.core.timeutil import local_to_utc
    from lms.courses.models import Lesson
    from lms.gradebook.models import GradeEntry
    from lms.people.models import Term

    client.login("admin.a")
    nxt = _next_year(client, dbs, world)
    assert client.get(f"/school/years/{nxt}/edit").status_code == 200
    moved = client.post(f"/school/years/{nxt}/edit", {"term1_start": "06/09/2027", "term1_end": "15/01/2028",
                                                      "term2_start": "17/01/2028", "term2_end": "27/05/2028"})
    assert moved.status_code == 302
    with dbs() as s:
        year = s.get(SchoolYear, nxt)
        assert (year.start_date, year.end_date) == (date(2027, 9, 6), date(2028, 5, 27))
        assert [(t.start_date, t.end_date) for t in s.scalars(select(Term).where(Term.school_year_id == nxt)
                                                              .order_by(Term.number))] == [
            (date(2027, 9, 6), date(2028, 1, 15)), (date(2028, 1, 17), date(2028, 5, 27))]
    bad = client.post(f"/school/years/{nxt}/edit", {"term1_start": "06/09/2027", "term1_end": "15/01/2028",
                                                    "term2_start": "10/01/2028", "term2_end": "27/12/2029"})
    assert bad.status_code == 422 and _field_error(bad, "term2_start")
    # The current year holds marks and lessons: moving a term past them is refused with the reason.
    year_id = world.a.year.id
    with dbs() as s:
        s.add(GradeEntry(school_id=world.a.school.id, course_id=world.a.course.id,
                         student_id=world.a.students["HSA001"].id, term=2, kind="tx", position=1, score10=80,
                         updated_at=local_to_utc(datetime(2027, 1, 20, 9), "Asia/Ho_Chi_Minh")))
        s.add(Lesson(school_id=world.a.school.id, course_id=world.a.course.id, title="Phân số",
                     publish_at=local_to_utc(datetime(2026, 9, 7, 9), "Asia/Ho_Chi_Minh")))
        s.commit()
    late = client.post(f"/school/years/{year_id}/edit", {"term1_start": "05/09/2026", "term1_end": "23/01/2027",
                                                         "term2_start": "25/01/2027", "term2_end": "29/05/2027"})
    assert late.status_code == 422
    assert "1 điểm của học kỳ II đã nhập từ 20/01/2027" in _field_error(late, "term2_start")
    early = client.post(f"/school/years/{year_id}/edit", {"term1_start": "10/09/2026", "term1_end": "16/01/2027",
                                                          "term2_start": "18/01/2027", "term2_end": "29/05/2027"})
    assert early.status_code == 422 and "07/09/2026" in _field_error(early, "term1_start")
    with dbs() as s:
        assert s.get(SchoolYear, year_id).start_date == date(2026, 9, 5)
    # Deleting: a page first says what goes, or why it cannot; only its confirmation deletes. The
    # live year and a year with classes are refused, naming what they hold; an empty one goes.
    live = client.get(f"/school/years/{year_id}/delete")
    assert live.status_code == 200 and "là năm học hiện tại" in _text(live)
    assert "confirm-delete" not in live.get_data(as_text=True)
    assert client.post(f"/school/years/{year_id}/delete", {"confirm": "1"}).status_code == 422
    asked = client.get(f"/school/years/{nxt}/delete")
    assert "Sẽ xoá hẳn năm học" in _text(asked) and "Học kỳ I" in _text(asked)
    assert 'id="confirm-delete"' in asked.get_data(as_text=True)
    assert client.post(f"/school/years/{nxt}/delete", {}).status_code == 422     # no confirmation: nothing goes
    with dbs() as s:
        assert s.get(SchoolYear, nxt) is not None
    assert client.post(f"/school/years/{nxt}/delete", {"confirm": "1"}).status_code == 302
    with dbs() as s:
        assert s.get(SchoolYear, nxt) is None and s.get(SchoolYear, year_id) is not None
    again = _next_year(client, dbs, world)
    assert client.post("/school/classes?year=%d" % again, {"grade": 6, "name": "6A9",
                                                           "homeroom_teacher_id": 0}).status_code == 302
    page = client.get(f"/school/years/{again}/delete")
    assert "đã có dữ liệu (1 lớp)" in _text(page) and "confirm-delete" not in page.get_data(as_text=True)
    kept = client.post(f"/school/years/{again}/delete", {"confirm": "1"})
    assert kept.status_code == 422 and "đã có dữ liệu (1 lớp)" in _text(kept)
    with dbs() as s:
        assert s.get(SchoolYear, again) is not None


def test_promotion_is_offered_and_done_only_into_the_live_year_and_the_next(world, client, dbs):
    """/school/years offered "Lên lớp" on every year but the live one — a year long over (its
    pupils placed long ago) too. It is offered, and done, only where it places anyone: the year
    after the live one (prepared while this one runs) and the live year (after summer re-tests);
    any other is refused saying why."""
    client.login("admin.a")
    for first in (2024, 2025, 2027, 2028):
        made = client.post("/school/years", {"name": f"{first}-{first + 1}", "term1_start": f"{first}-09-05",
                                             "term1_end": f"{first + 1}-01-16", "term2_start": f"{first + 1}-01-18",
                                             "term2_end": f"{first + 1}-05-29"})
        assert made.status_code == 302, first
    with dbs() as s:
        ids = {y.name: y.id for y in s.scalars(select(SchoolYear).where(SchoolYear.school_id == world.a.school.id))}
    page = client.get("/school/years").get_data(as_text=True)
    assert set(re.findall(r'id="promote-([0-9-]+)"', page)) == {"2026-2027", "2027-2028"}
    for name, why in (("2025-2026", "đã qua (năm học hiện tại là 2026-2027)"), ("2028-2029", "chưa tới lượt"),
                      ("2024-2025", "Chưa có năm học trước")):
        shown = client.get(f"/school/years/{ids[name]}/promotion")
        assert shown.status_code == 200 and why in _text(shown) and 'id="promote"' not in shown.get_data(as_text=True)
        refused = client.post(f"/school/years/{ids[name]}/promotion", {})
        assert refused.status_code == 422 and why in _text(refused), name
    assert client.post(f"/school/years/{ids['2027-2028']}/promotion", {}).status_code == 302
