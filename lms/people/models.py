"""Departments, schools, roles, school years, classes, subjects, courses, students and guardians."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (Boolean, CheckConstraint, Date, ForeignKey, Integer, String, false,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.timeutil import utcnow
from lms.db import Base, UTCDateTime


class Level(StrEnum):
    PRIMARY = "TH"        # Tiểu học, grades 1–5
    LOWER = "THCS"        # Trung học cơ sở, grades 6–9
    UPPER = "THPT"        # Trung học phổ thông, grades 10–12


LEVEL_GRADES = {Level.PRIMARY: range(1, 6), Level.LOWER: range(6, 10), Level.UPPER: range(10, 13)}


def level_of_grade(grade: int) -> Level:
    return next(level for level, grades in LEVEL_GRADES.items() if grade in grades)




class Role(StrEnum):
    ADMIN = "admin"
    TEACHER = "teacher"
    ACCOUNTANT = "accountant"
    STUDENT = "student"
    PARENT = "parent"


STAFF_ROLES = (Role.ADMIN, Role.TEACHER, Role.ACCOUNTANT)


class Assessment(StrEnum):
    SCORE = "score"
    COMMENT = "comment"


class Department(Base):
    """A province or district department of education (Sở / Phòng GD&ĐT)."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))  # "province" | "district"
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    # The place its documents are dated at ("An Giang, ngày …"); empty: taken from the name.
    place_name: Mapped[str | None] = mapped_column(String(60))

    parent = relationship("Department", remote_side=[id])
    schools = relationship("School", back_populates="department")


class School(Base):
    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    levels: Mapped[str] = mapped_column(String(20))  # comma-separated Level values
    tax_code: Mapped[str | None] = mapped_column(String(14))
    address: Mapped[str | None] = mapped_column(String(300))
    # The place its documents are dated at ("Long Xuyên, ngày …"); empty: the address's last part.
    place_name: Mapped[str | None] = mapped_column(String(60))
    # Who signs the school's documents: the principal, or a deputy "KT. HIỆU TRƯỞNG".
    principal_name: Mapped[str | None] = mapped_column(String(120))
    deputy_signer_name: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    bank_bin: Mapped[str | None] = mapped_column(String(6))
    bank_account_number: Mapped[str | None] = mapped_column(String(19))
    bank_account_name: Mapped[str | None] = mapped_column(String(100))
    payment_contact_name: Mapped[str | None] = mapped_column(String(120))
    payment_contact_phone: Mapped[str | None] = mapped_column(String(20))
    payment_contact_email: Mapped[str | None] = mapped_column(String(254))
    # An online period counts as delivered once this share of the class has opened its lesson.
    online_open_percent: Mapped[int] = mapped_column(Integer, default=50, server_default="50")
    # Admins and accountants of the school must sign in with an authenticator app as well.
    require_staff_totp: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The school's logo in the top bar: a stored upload's name (lms/people/branding.py), or none.
    logo: Mapped[str | None] = mapped_column(String(120))

    department = relationship(Department, back_populates="schools")

    @property
    def level_list(self) -> list[Level]:
        return [Level(v) for v in self.levels.split(",") if v]

    @property
    def grades(self) -> list[int]:
        return [g for level in self.level_list for g in LEVEL_GRADES[level]]


class Membership(Base):
    """A role of a user in a school. A user may hold several roles in several schools."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "school_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", back_populates="memberships")
    school = relationship(School, lazy="joined")


class DepartmentViewer(Base):
    """A department official's access to every school under a department: read-only, and for a
    department administrator (`role` "admin") also the accounts whose every role is in those schools
    (one-time password links, locking, ending sessions: a teacher who works in two of its schools)."""

    __tablename__ = "department_viewers"
    __table_args__ = (UniqueConstraint("user_id", "department_id"),
                      CheckConstraint("role IN ('viewer', 'admin')", name="role_known"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(10), default="viewer", server_default="viewer")

    department = relationship(Department, lazy="joined")


class SchoolYear(Base):
    __tablename__ = "school_years"
    __table_args__ = (UniqueConstraint("school_id", "name"),
                      CheckConstraint("start_date < end_date", name="dates_ordered"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(20))  # "2025-2026"
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)

    terms = relationship("Term", back_populates="school_year", order_by="Term.number",
                         cascade="all, delete-orphan", lazy="selectin")


class Term(Base):
    __tablename__ = "terms"
    __table_args__ = (UniqueConstraint("school_year_id", "number"),
                      CheckConstraint("number IN (1, 2)", name="number_1_or_2"),
                      CheckConstraint("start_date < end_date", name="dates_ordered"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)

    school_year = relationship(SchoolYear, back_populates="terms")


class SchoolClass(Base):
    __tablename__ = "classes"
    __table_args__ = (UniqueConstraint("school_year_id", "name"),
                      CheckConstraint("grade BETWEEN 1 AND 12", name="grade_range"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id", ondelete="CASCADE"),
                                                index=True)
    grade: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(30))
    homeroom_teacher_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                            index=True)

    school_year = relationship(SchoolYear)
    homeroom_teacher = relationship("User", lazy="joined")


class Subject(Base):
    __tablename__ = "subjects"
    __table_args__ = (UniqueConstraint("school_id", "level", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(4))
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(120))
    assessment: Mapped[str] = mapped_column(String(10))
    elective: Mapped[bool] = mapped_column(Boolean, default=False)

    grades = relationship("SubjectGrade", back_populates="subject", order_by="SubjectGrade.grade",
                          cascade="all, delete-orphan", lazy="selectin")

    def periods_for(self, grade: int) -> int | None:
        for row in self.grades:
            if row.grade == grade:
                return row.periods_per_year
        return None


class SubjectGrade(Base):
    """Periods per year of a subject in one grade (they differ: Công nghệ 35 in grade 6, 52 in 8)."""

    __tablename__ = "subject_grades"
    __table_args__ = (UniqueConstraint("subject_id", "grade"),
                      CheckConstraint("periods_per_year > 0", name="periods_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"))
    grade: Mapped[int] = mapped_column(Integer)
    periods_per_year: Mapped[int] = mapped_column(Integer)
    periodic_test: Mapped[bool] = mapped_column(Boolean, default=False)

    subject = relationship(Subject, back_populates="grades")


class Course(Base):
    """A class taking a subject with a teacher in a school year."""

    __tablename__ = "courses"
    __table_args__ = (UniqueConstraint("class_id", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"), index=True)
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    school_class = relationship(SchoolClass, lazy="joined")
    subject = relationship(Subject, lazy="joined")
    teacher = relationship("User", lazy="joined")


class Student(Base):
    __tablename__ = "students"
    __table_args__ = (UniqueConstraint("school_id", "student_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), unique=True)
    student_code: Mapped[str] = mapped_column(String(20))
    full_name: Mapped[str] = mapped_column(String(120))
    sort_name: Mapped[str] = mapped_column(String(255), index=True, default="")
    search_text: Mapped[str] = mapped_column(String(160), default="")  # folded name and code
    birth_date: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(3))  # "nam" | "nu"
    address: Mapped[str | None] = mapped_column(String(300))
    # The pupil's profile as the sector database (CSDL ngành) and the school's lists carry it; the
    # report card's identity page and the national transcript print it. All optional.
    moet_code: Mapped[str | None] = mapped_column(String(20))       # Mã định danh Bộ GD&ĐT
    personal_id: Mapped[str | None] = mapped_column(String(12))     # Số định danh cá nhân (12 digits)
    place_of_birth: Mapped[str | None] = mapped_column(String(200))  # Nơi sinh
    hometown: Mapped[str | None] = mapped_column(String(200))        # Quê quán
    ethnicity: Mapped[str | None] = mapped_column(String(40))        # Dân tộc
    nationality: Mapped[str | None] = mapped_column(String(40))      # Quốc tịch
    email: Mapped[str | None] = mapped_column(String(254))           # contact only, never a login
    phone: Mapped[str | None] = mapped_column(String(20))            # contact only, never a login
    # The lifelong learning-record code (mã hồ sơ học tập suốt đời, NĐ 88/2026), once the national
    # database has given one; the national transcript carries it.
    record_code: Mapped[str | None] = mapped_column(String(30))
    # Đối tượng chính sách (e.g. "Con thương binh", "Hộ nghèo") and số đăng bộ, the number of the
    # pupil's line in the school's register: the report card's identity page prints both.
    policy_status: Mapped[str | None] = mapped_column(String(100))
    registration_number: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the pupil's personal data was erased by pseudonymisation (lms/people/erasure.py).
    pseudonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The pupil's own answer (from age 7, Decree 13/2023 art. 20; Law 91/2025): whether what the
    # school sends about them may leave the platform (Zalo, SMS). None until they answer.
    own_consent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    own_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    own_consent_notice_version: Mapped[str | None] = mapped_column(String(20))

    user = relationship("User")
    guardianships = relationship("Guardianship", back_populates="student", cascade="all, delete-orphan")


class Enrollment(Base):
    __tablename__ = "enrollments"
    __table_args__ = (UniqueConstraint("student_id", "school_year_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id", ondelete="CASCADE"))

    student = relationship(Student, lazy="joined")
    school_class = relationship(SchoolClass, lazy="joined")


class ClassSpell(Base):
    """A pupil's time in a class: from when to when, and why it ended (“Chuyển đi ngoài tỉnh”,
    “chuyển sang lớp 6A2”). Kept when the enrolment itself goes — a pupil who left has no class this
    year, but their page still shows which class they were in and until when."""

    __tablename__ = "class_spells"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    started_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(200))

    school_class = relationship(SchoolClass, lazy="joined")


class Guardianship(Base):
    """A parent or guardian of a student, with the parent's consent to processing the child's data."""

    __tablename__ = "guardianships"
    __table_args__ = (UniqueConstraint("guardian_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str] = mapped_column(String(30))
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_notice_version: Mapped[str | None] = mapped_column(String(20))
    consent_method: Mapped[str | None] = mapped_column(String(20))
    # What the school's list says about this guardian beyond the account's name, phone and e-mail.
    second_phone: Mapped[str | None] = mapped_column(String(20))    # contact only, never a login
    occupation: Mapped[str | None] = mapped_column(String(100))     # Nghề nghiệp
    birth_year: Mapped[int | None] = mapped_column(Integer)         # Năm sinh

    guardian = relationship("User", lazy="joined")
    student = relationship(Student, back_populates="guardianships", lazy="joined")


class Invitation(Base):
    """A school asking an existing account to join it: as staff (`roles`), or as a guardian of one
    of its pupils (`student_id`, `relation`). Nothing is attached to the account until its owner,
    signed in, accepts: one school's staff can never pull another school's account into theirs.
    `invited_name` and `identifier` are what the school typed; the account's own name is never
    shown to the school."""

    __tablename__ = "invitations"
    __table_args__ = (CheckConstraint("kind IN ('staff', 'parent')", name="kind_known"),
                      CheckConstraint("kind = 'staff' OR student_id IS NOT NULL", name="parent_has_student"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    roles: Mapped[str | None] = mapped_column(String(60))  # staff: comma-separated Role values
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str | None] = mapped_column(String(30))
    # What the school's list says of a guardian (see Guardianship), recorded when they accept.
    second_phone: Mapped[str | None] = mapped_column(String(20))
    occupation: Mapped[str | None] = mapped_column(String(100))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    invited_name: Mapped[str] = mapped_column(String(120))
    identifier: Mapped[str] = mapped_column(String(254))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | accepted | declined | cancelled
    # Made for an account nobody had claimed yet (see accounts.unclaimed): it is answered only
    # through its own link, never merely by signing in to that account.
    unclaimed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The invitation's link (/join?t=…), handed to the person by the school: its SHA-256 only.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # How that link reached the person: "mail" or "sms" sent it to `identifier` itself, so using
    # it proves control of the identifier; None — the school holds it — proves nothing, and such a
    # link only lets a new person set the first password of the account this school made.
    delivered_via: Mapped[str | None] = mapped_column(String(10))

    school = relationship(School, lazy="joined")
    student = relationship(Student, lazy="joined")

    @property
    def role_list(self) -> list[str]:
        return [r for r in (self.roles or "").split(",") if r]
