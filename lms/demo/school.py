"""A realistic, deterministic demo: one province department, a district below it, a THCS and a THPT.

Students and parents are written to a spreadsheet and loaded through the same import service an
admin uses, so the demo exercises the real path. Every demo account shares one password, hashed
once (demo only: real accounts get their own hash and set their own password).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.demo.billing import seed_billing
from lms.demo.courses import seed_courses
from lms.demo.exams import seed_exams
from lms.demo.gradebook import seed_gradebook
from lms.demo.homework import seed_homework
from lms.demo.contact import seed_contact_book
from lms.auth.models import User
from lms.auth.services import AuthSettings, create_user
from lms.core.timeutil import utcnow
from lms.core.storage import Area, Storage
from lms.people import accounts, imports, services
from lms.people.models import (Course, Department, DepartmentViewer, Role, School, Subject)
from lms.core.sheets import write_workbook

DEMO_PASSWORD = "hoc-tap-vui-ve-2026"
SEED = 20260905

SURNAMES = ["Nguyễn"] * 8 + ["Trần"] * 4 + ["Lê"] * 3 + ["Phạm"] * 2 + [
    "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Trương", "Đinh"]
MALE_MIDDLE = ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Gia", "Thành", "Hoàng", "Anh", "Tuấn", "Thanh", "Công"]
FEMALE_MIDDLE = ["Thị", "Ngọc", "Thu", "Thanh", "Bảo", "Khánh", "Phương", "Minh", "Gia", "Hoài", "Mỹ", "Kim"]
MALE_GIVEN = ["An", "Bảo", "Bình", "Cường", "Dũng", "Duy", "Đạt", "Hải", "Hiếu", "Hoàng", "Huy", "Hưng", "Khang",
              "Khoa", "Kiên", "Long", "Lâm", "Minh", "Nam", "Nghĩa", "Nhân", "Phát", "Phong", "Phúc", "Quân",
              "Quang", "Sơn", "Tài", "Thắng", "Thịnh", "Trí", "Trung", "Tuấn", "Việt", "Vinh", "Vũ", "Khôi", "Tùng"]
FEMALE_GIVEN = ["Anh", "Chi", "Diệp", "Dung", "Giang", "Hà", "Hân", "Hạnh", "Hoa", "Hương", "Huyền", "Lan", "Linh",
                "Mai", "My", "Ngân", "Ngọc", "Nhi", "Nhung", "Oanh", "Phương", "Quyên", "Tâm", "Thảo", "Thư",
                "Trang", "Trâm", "Uyên", "Vy", "Yến", "Khánh", "Ánh"]
STREETS = ["Trần Hưng Đạo", "Nguyễn Huệ", "Lê Lợi", "Hai Bà Trưng", "Lý Thái Tổ", "Hùng Vương", "Tôn Đức Thắng",
           "Nguyễn Trãi", "Phan Đình Phùng", "Võ Thị Sáu"]


@dataclass
class DemoLogin:
    role: str
    username: str     # what to type at the generic /login
    name: str
    note: str
    code: str = ""      # a pupil's code, which alone signs the pupil in at the school's address
    address: str = ""   # that address (/login?school=thcs-nd)


class _People:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.phones: set[str] = set()

    def phone(self) -> str:
        while True:
            number = self.rng.choice(["09", "08", "03", "07"]) + "".join(str(self.rng.randint(0, 9)) for _ in range(8))
            if number not in self.phones:
                self.phones.add(number)
                return number

    def male(self, surname: str | None = None) -> str:
        return f"{surname or self.rng.choice(SURNAMES)} {self.rng.choice(MALE_MIDDLE)} {self.rng.choice(MALE_GIVEN)}"

    def female(self, surname: str | None = None) -> str:
        return f"{surname or self.rng.choice(SURNAMES)} {self.rng.choice(FEMALE_MIDDLE)} {self.rng.choice(FEMALE_GIVEN)}"


SCHOOLS = [
    {"code": "THCS-ND", "name": "Trường THCS Nguyễn Du", "levels": ["THCS"], "tax_code": "1600123456",
     "address": "12 Trần Hưng Đạo, phường Mỹ Bình, TP. Long Xuyên, An Giang", "bank_bin": "970418",
     "account": "74010000123456", "account_name": "TRUONG THCS NGUYEN DU", "prefix": "thcs",
     "classes": [(6, "6A1", 36), (6, "6A2", 34), (9, "9A1", 38)], "code_prefix": "8910"},
    {"code": "THPT-LX", "name": "Trường THPT Long Xuyên", "levels": ["THPT"], "tax_code": "1600654321",
     "address": "5 Hùng Vương, phường Mỹ Long, TP. Long Xuyên, An Giang", "bank_bin": "970436",
     "account": "0111000654321", "account_name": "TRUONG THPT LONG XUYEN", "prefix": "thpt",
     "classes": [(10, "10A1", 40), (11, "11A1", 35), (12, "12A1", 32)], "code_prefix": "8920"},
    {"code": "TH-LL", "name": "Trường Tiểu học Lê Lợi", "levels": ["TH"], "tax_code": "1600789012",
     "address": "48 Lê Lợi, phường Mỹ Bình, TP. Long Xuyên, An Giang", "bank_bin": "970405",
     "account": "7100205123456", "account_name": "TRUONG TIEU HOC LE LOI", "prefix": "th",
     "classes": [(3, "3A", 31), (5, "5A", 30)], "code_prefix": "8930"},
]
TEACHERS = {
    "thcs": [("Trần Thị Mai", "toan"), ("Lê Văn Hùng", "ngu_van"), ("Phạm Thị Hồng", "khtn"),
             ("Nguyễn Thị Thu Hà", "ngoai_ngu_1"), ("Võ Minh Tuấn", "ls_dl"), ("Đặng Thị Lan", "gdcd"),
             ("Huỳnh Quốc Bảo", "tin_hoc"), ("Bùi Văn Sơn", "gdtc"), ("Ngô Thị Kim Oanh", "nghe_thuat")],
    "thpt": [("Nguyễn Văn Long", "toan"), ("Trương Thị Ngọc Ánh", "ngu_van"), ("Lý Thanh Tùng", "vat_li"),
             ("Hồ Thị Bích Ngọc", "hoa_hoc"), ("Đỗ Minh Khoa", "ngoai_ngu_1"), ("Phan Thị Thảo", "lich_su"),
             ("Dương Văn Phúc", "tin_hoc"), ("Lê Thị Hạnh", "sinh_hoc"), ("Trần Quốc Việt", "gdqp_an")],
    # Primary: each homeroom teacher teaches their class; specialists teach the rest.
    "th": [("Nguyễn Thị Hoa", "lop_3a"), ("Lê Thị Thanh Tâm", "lop_5a"), ("Trần Văn Bình", "ngoai_ngu_1"),
           ("Phạm Minh Trí", "tin_cn"), ("Võ Văn Mạnh", "gdtc"), ("Đỗ Thị Diễm", "nghe_thuat")],
}
# Subjects taught by a colleague of a neighbouring subject, as small schools do.
SHARED_SUBJECTS = {
    "thcs": {"cong_nghe": "tin_hoc", "gddp": "ls_dl"},
    "thpt": {"gdtc": "gdqp_an", "gddp": "lich_su"},
    "th": {},
}


# Left without a plan so that a teacher can try building one (the browser tests do).
EMPTY_COURSES = {("toan", "6A2")}


def seed_demo(session: Session, settings: AuthSettings, storage: Storage, upload_limits: dict[str, int],
              now: datetime | None = None, card_settings=None, signer=None, box=None,
              base_url: str = "http://127.0.0.1:5000") -> list[DemoLogin]:
    """Build the demo into an empty database. Returns the logins to print. `base_url`: the
    address the demo is served at (LMS_PUBLIC_BASE_URL), for the links its messages carry. Library files and
    hand-ins are kept in `storage` (lms.core.storage); with `card_settings` (lms.gradebook.reportcards.IssueSettings) the
    report cards of some of last year's classes are issued too. Receipts are signed by `signer`
    (the app's; a throwaway key when none is given)."""
    if signer is None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        from lms.core.signing import Signer
        signer = Signer(Ed25519PrivateKey.generate())

    now = now or utcnow()
    if session.scalar(select(func.count()).select_from(School)):
        raise RuntimeError("database already has schools")
    rng = random.Random(SEED)
    people = _People(rng)
    demo_hash = settings.hasher.hash(DEMO_PASSWORD)
    logins: list[DemoLogin] = []

    province = Department(name="Sở Giáo dục và Đào tạo tỉnh An Giang", kind="province")
    district = Department(name="Phòng Giáo dục và Đào tạo TP. Long Xuyên", kind="district", parent=province)
    session.add_all([province, district])
    session.flush()

    official = create_user(session, None, username="so.angiang", full_name="Châu Văn Thành",
                           email="thanh.cv@sgd.angiang.example", password_hash=demo_hash)
    session.add(DepartmentViewer(user_id=official.id, department_id=province.id))
    logins.append(DemoLogin("department", official.username, official.full_name, province.name))

    cross_family: dict = {}
    for index, spec in enumerate(SCHOOLS):
        school = School(code=spec["code"], name=spec["name"], levels=",".join(spec["levels"]),
                        department_id=(province if spec["prefix"] == "thpt" else district).id)
        session.add(school)
        session.flush()
        admin = create_user(session, None, username=f"admin.{spec['prefix']}", full_name=people.female() if index
                            else people.male(), email=f"hieutruong.{spec['prefix']}@demo.example",
                            phone=people.phone(), password_hash=demo_hash)
        services.grant_role(session, admin, school, Role.ADMIN)
        accountant = create_user(session, None, username=f"ketoan.{spec['prefix']}", full_name=people.female(),
                                 email=f"ketoan.{spec['prefix']}@demo.example", phone=people.phone(),
                                 password_hash=demo_hash)
        services.grant_role(session, accountant, school, Role.ACCOUNTANT)
        services.update_school(session, admin, school, services.SchoolDetails(
            name=spec["name"], levels=spec["levels"], tax_code=spec["tax_code"], address=spec["address"],
            phone=people.phone(), email=f"lienhe.{spec['prefix']}@demo.example", bank_bin=spec["bank_bin"],
            bank_account_number=spec["account"], bank_account_name=spec["account_name"],
            payment_contact_name=accountant.full_name, payment_contact_phone=accountant.phone,
            payment_contact_email=accountant.email, principal_name=admin.full_name))
        year = services.create_school_year(session, admin, school, name="2026-2027",
                                           term1=(date(2026, 9, 5), date(2027, 1, 16)),
                                           term2=(date(2027, 1, 18), date(2027, 5, 29)))
        services.add_programme_subjects(session, admin, school)

        teachers: dict[str, User] = {}
        for n, (name, subject_code) in enumerate(TEACHERS[spec["prefix"]], start=1):
            teacher = create_user(session, None, username=f"gv{n}.{spec['prefix']}", full_name=name,
                                  email=f"gv{n}.{spec['prefix']}@demo.example", phone=people.phone(),
                                  password_hash=demo_hash)
            services.grant_role(session, teacher, school, Role.TEACHER)
            teachers[subject_code] = teacher
        # The head teacher of the THCS also teaches: one person, two roles in one school.
        services.grant_role(session, admin, school, Role.TEACHER)

        homeroom = list(teachers.values())
        classes = []
        for (grade, class_name, _size), teacher in zip(spec["classes"], homeroom):
            classes.append(services.save_class(session, admin, school, year=year, grade=grade, name=class_name,
                                               homeroom_teacher_id=teacher.id))
        subjects = {s.code: s for s in session.scalars(select(Subject).where(Subject.school_id == school.id))}
        for school_class in classes:
            services.add_missing_courses(session, admin, school, school_class)
            if spec["prefix"] == "thpt":
                for code in ("vat_li", "hoa_hoc", "sinh_hoc", "tin_hoc"):  # the natural-science cluster
                    services.save_course(session, admin, school, school_class=school_class, subject=subjects[code],
                                         teacher_id=None)
            for course in session.scalars(select(Course).where(Course.class_id == school_class.id)):
                code = course.subject.code
                if code.startswith("hdtn") or (spec["prefix"] == "th" and code not in teachers):
                    owner = school_class.homeroom_teacher  # experiential activities; a primary class's own subjects
                else:
                    owner = teachers.get(code) or teachers[SHARED_SUBJECTS[spec["prefix"]][code]]
                course.teacher_id = owner.id
        session.flush()

        rows = _student_rows(rng, people, spec, cross_family)
        data = write_workbook("Học sinh", imports.STUDENT_HEADERS, rows)
        plan = imports.plan_student_import(session, school, year, "demo.xlsx", data, 10000)
        if not plan.ok:
            raise RuntimeError(f"demo import failed: {plan.issues[:3]}")
        # The school imported its list for the year's first day: each pupil's class history starts then.
        imports.apply_student_import(session, admin, school, year, plan, on=year.start_date)
        accounts.everyone_joined(session, school.id)  # the new parents used their invitation links
        _accept_invitations(session, cross_family)
        # A generator of its own: what the courses draw depends on the day, the people must not.
        seed_courses(session, school, admin, random.Random(SEED + index), Area(storage, "resources"), upload_limits, now,
                     skip=EMPTY_COURSES)
        seed_gradebook(session, school, admin, random.Random(SEED + 100 + index), now, settings=card_settings)
        seed_exams(session, school, admin, random.Random(SEED + 200 + index), now)
        seed_homework(session, school, random.Random(SEED + 300 + index), Area(storage, "homework"), now)
        seed_billing(session, school, accountant, random.Random(SEED + 400 + index), now, signer=signer, box=box,
                     admin=admin)
        seed_contact_book(session, school, admin, random.Random(SEED + 500 + index), now, box=box, base_url=base_url,
                          families={"cross": cross_family.get("phone"), "siblings": cross_family.get("siblings_phone")})

        logins += [DemoLogin("admin", admin.username, admin.full_name, f"{school.name} (+ giáo viên)"),
                   DemoLogin("accountant", accountant.username, accountant.full_name, school.name),
                   DemoLogin("teacher", homeroom[0].username, homeroom[0].full_name,
                             f"{school.name}, GVCN {classes[0].name}")]
        first = services.students_of_class(session, classes[0])[0]
        logins.append(DemoLogin("student", first.user.username, first.full_name, f"{school.name}, {classes[0].name}",
                                code=first.student_code,
                                address=f"/login?school={accounts.school_part(school)}"))

    # Every account the import created gets the demo password so that anyone can be tried.
    for user in session.scalars(select(User).where(User.password_hash.is_(None))):
        user.password_hash = demo_hash
    session.flush()
    cross = session.scalars(select(User).where(User.phone == cross_family["phone"])).one()
    # Parents sign in with their phone (their username is in the school's names: 0912….thcs-nd).
    logins.append(DemoLogin("parent", cross.phone, cross.full_name, "2 con, ở cả hai trường"))
    sibling_parent = session.scalars(select(User).where(User.phone == cross_family["siblings_phone"])).one()
    logins.append(DemoLogin("parent", sibling_parent.phone, sibling_parent.full_name,
                            "2 con cùng trường THCS"))
    return logins


def _accept_invitations(session: Session, cross_family: dict) -> None:
    """The family with a child in each secondary school: the second school's import invited the
    parents' accounts (a school never attaches another school's account), and they accepted."""
    from lms.people import accounts

    phones = cross_family.get("family", (None, None, None, None))[1::2]
    for user in session.scalars(select(User).where(User.phone.in_([p for p in phones if p]))):
        for invitation in accounts.pending_for(session, user):
            accounts.answer(session, user, invitation.id, True)


def _student_rows(rng: random.Random, people: _People, spec: dict, cross_family: dict) -> list[list[str]]:
    rows: list[list[str]] = []
    seq = 0
    families: list[tuple[str, str, str, str]] = []  # (father, father phone, mother, mother phone)
    for grade, class_name, size in spec["classes"]:
        birth_year = 2026 - grade - 6
        for i in range(size):
            seq += 1
            code = f"{spec['code_prefix']}{seq:06d}"
            male = rng.random() < 0.5
            reuse = families and rng.random() < 0.06 and spec["prefix"] == "thcs"
            if reuse:
                father, father_phone, mother, mother_phone = rng.choice(families)
                cross_family.setdefault("siblings_phone", mother_phone)
            else:
                surname = rng.choice(SURNAMES)
                father, mother = people.male(surname), people.female()
                father_phone, mother_phone = people.phone(), people.phone()
                families.append((father, father_phone, mother, mother_phone))
            if spec["prefix"] == "thpt" and class_name == "10A1" and i == 0:
                # One family with a child in each school: the older sibling of a THCS 9A1 pupil.
                father, father_phone, mother, mother_phone = cross_family["family"]
            surname = father.split(" ")[0]
            name = people.male(surname) if male else people.female(surname)
            birth = date(birth_year, rng.randint(1, 12), rng.randint(1, 28)).strftime("%d/%m/%Y")
            address = f"{rng.randint(1, 250)} {rng.choice(STREETS)}, TP. Long Xuyên"
            base = [code, name, birth, "Nam" if male else "Nữ", class_name, address]
            rows.append(base + [mother, "Mẹ", mother_phone, ""])
            if rng.random() < 0.55:
                rows.append([code, "", "", "", "", "", father, "Bố", father_phone, ""])
            if spec["prefix"] == "thcs" and class_name == "9A1" and "family" not in cross_family:
                cross_family["family"] = (father, father_phone, mother, mother_phone)
                cross_family["phone"] = mother_phone
    return rows
