"""Where a transcript's data come from: the report card's class data (lms.gradebook.reportcards
assembles the grade book once; we call it), the pupil's profile and guardians, the study history
and the school's Ministry codes. Loads from the database; decides nothing."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.core.text import fold
from lms.gradebook import reportcards
from lms.gradebook.transcript.codes import CodeLists
from lms.gradebook.transcript.models import SchoolTranscriptSetup
from lms.gradebook.transcript.record import Identity, SchoolCodes, build_record
from lms.people.models import Enrollment, Guardianship, School, SchoolClass, SchoolYear, Student, level_of_grade

FATHER, MOTHER = "bo", "me"


def setup_of(session: Session, school: School) -> SchoolTranscriptSetup:
    """The school's Ministry codes and signing titles (a blank set-up until the admin fills it)."""
    setup = session.scalars(select(SchoolTranscriptSetup).where(SchoolTranscriptSetup.school_id == school.id)).first()
    if setup is None:
        setup = SchoolTranscriptSetup(school_id=school.id)
        session.add(setup)
        session.flush()
    return setup


def school_codes(school: School, setup: SchoolTranscriptSetup, grade: int) -> SchoolCodes:
    from lms.core.official import school_place

    # One place for every "…, ngày … tháng … năm" line of the school: its own setting (School
    # details), else its address — the report card's, the transcript's (diadanhphathanh) alike.
    place = school_place(school) or ""
    return SchoolCodes(school_code=setup.moet_school_code, department_code=setup.department_code,
                       level=level_of_grade(grade).value, place_of_issue=place, school_name=school.name)


def identities(session: Session, students: list[Student]) -> dict[int, Identity]:
    """Each pupil's identity page, with parents from the guardianships, in one query."""
    links: dict[int, list[Guardianship]] = {}
    for g in session.scalars(select(Guardianship).where(Guardianship.student_id.in_([s.id for s in students] or [0]))):
        links.setdefault(g.student_id, []).append(g)
    out = {}
    for s in students:
        father = mother = guardian = ""
        for g in links.get(s.id, []):
            relation = fold(g.relation)
            if relation == FATHER and not father:
                father = g.guardian.full_name
            elif relation == MOTHER and not mother:
                mother = g.guardian.full_name
            elif not guardian and relation not in (FATHER, MOTHER):
                guardian = g.guardian.full_name
        out[s.id] = Identity(
            # mahocsinh: the sector database's code once known, our student code until then.
            name=s.full_name, moet_code=s.moet_code or s.student_code, birth_date=s.birth_date, gender=s.gender,
            personal_id=s.personal_id, record_code=s.record_code, ethnicity=s.ethnicity, nationality=s.nationality,
            birth_place=s.place_of_birth, address=s.address,
            father=father, mother=mother, guardian=guardian if not (father or mother) else "")
    return out


def histories(session: Session, students: list[Student], year: SchoolYear, school: School,
              setup: SchoolTranscriptSetup) -> dict[int, list[dict]]:
    """Each pupil's years at this school up to `year` (the study history, quá trình học tập)."""
    rows = session.execute(select(Enrollment.student_id, SchoolYear.name, SchoolClass.name)
                           .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
                           .join(SchoolYear, SchoolYear.id == Enrollment.school_year_id)
                           .where(Enrollment.student_id.in_([s.id for s in students] or [0]),
                                  SchoolYear.start_date <= year.start_date)
                           .order_by(SchoolYear.start_date)).all()
    out: dict[int, list[dict]] = {s.id: [] for s in students}
    for student_id, year_name, class_name in rows:
        out[student_id].append({"namhoc": year_name, "tenlop": class_name,
                                "matruong": setup.moet_school_code, "tentruong": school.name})
    return out


@dataclass
class ClassSources:
    """Everything a class's transcripts are built from, loaded once."""
    data: reportcards.ClassData
    setup: SchoolTranscriptSetup
    codes: SchoolCodes
    identities: dict[int, Identity]
    histories: dict[int, list[dict]]
    subject_codes: dict[str, str]

    @property
    def students(self) -> list[Student]:
        return [r.student for r in self.data.summary.rows]

    def record(self, snapshot: dict, student_id: int, *, version: int, state: str, issue_date: date | None,
               code_lists: CodeLists) -> dict:
        return build_record(snapshot, self.identities[student_id], self.codes, subject_codes=self.subject_codes,
                            history=self.histories[student_id], version=version, state=state, issue_date=issue_date,
                            codes=code_lists)


def class_sources(session: Session, school_class: SchoolClass) -> ClassSources:
    data = reportcards.class_data(session, school_class)
    school = data.school
    setup = setup_of(session, school)
    students = [r.student for r in data.summary.rows]
    return ClassSources(data=data, setup=setup, codes=school_codes(school, setup, school_class.grade),
                        identities=identities(session, students),
                        histories=histories(session, students, data.year, school, setup),
                        subject_codes={c.subject.name: c.subject.code for c in data.summary.courses})
