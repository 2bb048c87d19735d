"""Promotion (lên lớp) into the next school year, prepared while this one still runs: each pupil
of last year's classes goes where the year's results send them.

- Grades 6–12 (TT22 Điều 12–14): "Lên lớp" (after re-tests and summer training, when recorded)
  → the chosen class of the next grade; "Ở lại lớp" → the chosen class of the same grade; a pupil
  still waiting for a re-test or for summer training stays where they are until it is recorded.
- Grades 1–5 (TT27 Điều 9): Hoàn thành xuất sắc / tốt / Hoàn thành → next grade; Chưa hoàn thành
  waits for the principal's decision after the support plan.
- Grades 5, 9 and 12 completing their programme leave the school's classes.
- A pupil already enrolled in the next year is left as is (running it twice changes nothing).

Each move is written to the pupil's class history through `lms.people.placement`, the one place a
class changes: the time in last year's class ends on that year's last day ("lên lớp 7A1 năm học
2026-2027", "ở lại lớp, năm học 2026-2027 học lớp 6A1", "hoàn thành chương trình trung học cơ sở")
and the time in the new class starts on the new year's first day."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.core import audit
from lms.core.errors import NotFound, ValidationError
from lms.gradebook import tt22, tt27
from lms.gradebook.homeroom import build_summary, is_primary, primary_summary
from lms.i18n import lazy_gettext as _l
from lms.people import placement
from lms.people.models import Enrollment, School, SchoolClass, SchoolYear, Student

PROMOTED, RETAINED, PENDING, COMPLETED, ENROLLED = "promoted", "retained", "pending", "completed", "enrolled"
LAST_GRADES = (5, 9, 12)


@dataclass
class Move:
    student: Student
    what: str              # one of the constants above
    to_class: SchoolClass | None = None


@dataclass
class ClassMoves:
    school_class: SchoolClass
    up: SchoolClass | None            # where promoted pupils go
    stay: SchoolClass | None          # where retained pupils go
    moves: list[Move] = field(default_factory=list)

    def count(self, what: str) -> int:
        return sum(1 for m in self.moves if m.what == what)


def previous_year(session: Session, year: SchoolYear) -> SchoolYear | None:
    return session.scalars(select(SchoolYear).where(SchoolYear.school_id == year.school_id,
                                                    SchoolYear.start_date < year.start_date)
                           .order_by(SchoolYear.start_date.desc())).first()


def _guess(classes: list[SchoolClass], grade: int, old: SchoolClass) -> SchoolClass | None:
    """6A1 → 7A1 (and 6A1 → 6A1 for the retained) when such a class exists."""
    prefix = str(old.grade)
    name = str(grade) + old.name[len(prefix):] if old.name.startswith(prefix) else None
    same = [c for c in classes if c.grade == grade]
    return next((c for c in same if c.name == name), same[0] if len(same) == 1 else None)


def outcome_of(row, primary: bool, grade: int) -> str:
    if primary:
        if row.result in (tt27.HTXS, tt27.HTT, tt27.HT):
            return COMPLETED if grade in LAST_GRADES else PROMOTED
        return PENDING
    o = row.outcome
    final = o.final if o is not None else None
    if final == tt22.LEN_LOP:
        return COMPLETED if grade in LAST_GRADES else PROMOTED
    if final == tt22.O_LAI_LOP:
        return RETAINED
    return PENDING


def plan(session: Session, school: School, target: SchoolYear, choices: dict[str, int] | None = None
         ) -> tuple[SchoolYear | None, list[ClassMoves]]:
    """Where each pupil of the previous year goes in `target`. `choices` maps "up-<class id>" and
    "stay-<class id>" to a class id of the target year (else the obvious class, e.g. 6A1 → 7A1)."""
    if target.school_id != school.id:
        raise NotFound(_l("Không tìm thấy."))
    source = previous_year(session, target)
    if source is None:
        return None, []
    new_classes = list(session.scalars(select(SchoolClass).where(SchoolClass.school_year_id == target.id)
                                       .order_by(SchoolClass.grade, SchoolClass.name)))
    by_id = {c.id: c for c in new_classes}
    enrolled = set(session.scalars(select(Enrollment.student_id).where(Enrollment.school_year_id == target.id)))
    out = []
    for old in session.scalars(select(SchoolClass).where(SchoolClass.school_year_id == source.id)
                               .order_by(SchoolClass.grade, SchoolClass.name)):
        choices = choices or {}
        up = by_id.get(choices.get(f"up-{old.id}") or 0) or _guess(new_classes, old.grade + 1, old)
        stay = by_id.get(choices.get(f"stay-{old.id}") or 0) or _guess(new_classes, old.grade, old)
        primary = is_primary(old)
        summary = primary_summary(session, old, "cn") if primary else build_summary(session, old, 0)
        moves = ClassMoves(old, up, stay)
        for row in summary.rows:
            if row.student.id in enrolled:
                moves.moves.append(Move(row.student, ENROLLED))
                continue
            what = outcome_of(row, primary, old.grade)
            moves.moves.append(Move(row.student, what, up if what == PROMOTED else stay if what == RETAINED else None))
        out.append(moves)
    return source, out


COMPLETED_TEXT = {5: _l("hoàn thành chương trình tiểu học"), 9: _l("hoàn thành chương trình trung học cơ sở"),
                  12: _l("hoàn thành chương trình trung học phổ thông")}


def _why(move: Move, old: SchoolClass, target: SchoolYear) -> str | None:
    """How the pupil's time in last year's class ends, in the words of their class history; None
    for a pupil who stays where they are (still waiting) or was already placed."""
    if move.what == PROMOTED and move.to_class is not None:
        return str(_l("lên lớp %(c)s năm học %(y)s", c=move.to_class.name, y=target.name))
    if move.what == RETAINED and move.to_class is not None:
        return str(_l("ở lại lớp, năm học %(y)s học lớp %(c)s", y=target.name, c=move.to_class.name))
    if move.what == COMPLETED:
        return str(COMPLETED_TEXT[old.grade])
    return None


def promote(session: Session, actor: User, school: School, target: SchoolYear, choices: dict[str, int]
            ) -> dict[str, int]:
    """Enrol the previous year's promoted and retained pupils in their classes of `target`.
    Refused whole (nothing enrolled) when a pupil to move has no class to go to."""
    from lms.people.services import promotion_refusal, years_of

    if refusal := promotion_refusal(years_of(session, school), target):   # a year over, or not yet its turn
        raise ValidationError(refusal)
    source, classes = plan(session, school, target, choices)
    if source is None:
        raise ValidationError(_l("Chưa có năm học trước năm học %(y)s.", y=target.name))
    for moves in classes:
        for what, goes in ((PROMOTED, moves.up), (RETAINED, moves.stay)):
            if moves.count(what) and goes is None:
                raise ValidationError(_l("Chọn lớp năm học %(y)s cho học sinh %(w)s của lớp %(c)s.", y=target.name,
                                         w=_l("lên lớp") if what == PROMOTED else _l("ở lại lớp"),
                                         c=moves.school_class.name),
                                      field=f"{'up' if what == PROMOTED else 'stay'}-{moves.school_class.id}")
    counts = {PROMOTED: 0, RETAINED: 0}
    for moves in classes:
        for move in moves.moves:
            why = _why(move, moves.school_class, target)
            if why is None:
                continue
            placement.close(session, school.id, move.student.id, moves.school_class.id, on=source.end_date, reason=why)
            if move.what in counts:
                placement.enter(session, school.id, move.student.id, move.to_class, on=target.start_date)
                counts[move.what] += 1
    session.flush()
    audit.record(session, "pupils_promoted", actor_id=actor.id, school_id=school.id, subject_type="school_year",
                 subject_id=target.id, detail=f"{counts[PROMOTED]} up, {counts[RETAINED]} stay")
    return counts
