"""The staff import's preview announces exactly what its confirmation saves."""


from lms.auth.models import User
from lms.people import imports
from lms.people.models import School
from tests.sheets import xlsx


def test_each_change_the_preview_announces_is_saved(world, dbs):
    data = xlsx([["Họ và tên", "Email", "Số điện thoại", "Vai trò"],
                 # the accents of the name corrected, and a phone given
                 ["Giáo Viện A", "gv.a@test.example", "0912 777 001", "Giáo viên"],
                 ["Kế Toán A", "kt.a@test.example", "", "Kế toán"]])
    with dbs() as s:
        school = s.get(School, world.a.school.id)
        plan = imports.plan_staff_import(s, school, "cb.xlsx", data, 100)
        assert plan.ok, plan.issues
        announced = {r.line: (r.action, [str(c) for c in r.changes]) for r in plan.rows}
        # The phone is invited (whoever holds it elsewhere), never set by the school.
        assert announced[2] == ("update", ["họ tên", "mời xác nhận 0912777001 (chờ chấp nhận)"]), announced
        imports.apply_staff_import(s, s.get(User, world.a.admin.id), school, plan)
        s.commit()
    with dbs() as s:
        teacher = s.get(User, world.a.teacher.id)
        assert teacher.full_name == "Giáo Viện A" and teacher.phone != "0912777001"
        # Read again, the same file changes nothing: nothing announced was left unsaved.
        again = imports.plan_staff_import(s, s.get(School, world.a.school.id), "cb.xlsx", data, 100)
        assert {r.line: r.action for r in again.rows}.get(2) == "unchanged", [(r.line, r.changes) for r in again.rows]
