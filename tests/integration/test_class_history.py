"""The year's promotion writes the pupil's class history ("Quá trình học") through the one place a
class changes (lms.people.placement), as the pupils' list import does: the time in last year's class
ends on that year's last day with why — promoted to which class, retained in which — and the time in
the new class starts on the new year's first day. Before, a promoted pupil's page still showed last
year's class as open and the new one with no start."""
import re

from sqlalchemy import func, select


def history(client, student_id: int) -> list[str]:
    page = client.get(f"/school/students/{student_id}").get_data(as_text=True)
    block = page.split('id="class-history"')[1].split("</ul>")[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", li)).strip() for li in re.findall(r"<li[^>]*>(.*?)</li>", block)]


def test_promotion_writes_each_pupils_class_history(world, client, dbs):
    from lms.gradebook.models import TermRecord
    from lms.people.models import ClassSpell
    from tests.factories import fill_year

    a = world.a
    an, binh, chau = (a.students[c].id for c in ("HSA001", "HSA002", "HSA003"))
    with dbs() as s:
        # An passes; Bình fails Toán and Ngữ văn (waits for re-tests); Châu missed 50 sessions (retained).
        fill_year(s, a, marks={("HSA002", "toan"): "3", ("HSA002", "ngu_van"): "3"})
        s.scalars(select(TermRecord).where(TermRecord.student_id == chau, TermRecord.term == 2)).one() \
            .absent_unexcused = 50
        s.commit()
    client.login("admin.a")
    assert client.post("/school/years", {"name": "2027-2028", "term1_start": "05/09/2027", "term1_end": "16/01/2028",
                                         "term2_start": "18/01/2028", "term2_end": "29/05/2028"}).status_code == 302
    with dbs() as s:
        from lms.people.models import SchoolYear
        nxt = s.scalars(select(SchoolYear).where(SchoolYear.school_id == a.school.id,
                                                 SchoolYear.name == "2027-2028")).one().id
    for grade, name in ((7, "7A1"), (6, "6A1")):
        assert client.post(f"/school/classes?year={nxt}", {"grade": str(grade), "name": name,
                                                            "homeroom_teacher_id": "0"}).status_code == 302
    binh_before = history(client, binh)
    assert client.post(f"/school/years/{nxt}/promotion", {}).status_code == 302

    promoted = history(client, an)
    assert promoted[0] == "2027-2028: lớp 7A1, từ 05/09/2027"
    assert promoted[1].startswith("2026-2027: lớp 6A1, ")
    assert promoted[1].endswith("đến 29/05/2027 — lên lớp 7A1 năm học 2027-2028")
    assert len(promoted) == 2          # last year's class once: its ended line, not also as still open
    assert history(client, chau)[0] == "2027-2028: lớp 6A1, từ 05/09/2027"
    assert history(client, chau)[1].endswith("đến 29/05/2027 — ở lại lớp, năm học 2027-2028 học lớp 6A1")
    assert history(client, binh) == binh_before   # waiting for her re-tests: nothing changes yet

    with dbs() as s:
        spells = s.scalar(select(func.count()).select_from(ClassSpell).where(ClassSpell.school_id == a.school.id))
    assert client.post(f"/school/years/{nxt}/promotion", {}).status_code == 302    # twice writes nothing more
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(ClassSpell)
                        .where(ClassSpell.school_id == a.school.id)) == spells
