"""Grading attempts (automatically at submit, by hand for essays), regrading after a key
correction, what a pupil may review and when, each pupil's result by the exam's grading method,
and filling a grade-book column."""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.core import audit
from lms.core.errors import Collector, NotFound, ValidationError
from lms.core.numbers import local_decimal
from lms.exams.qtypes.base import text_html
from lms.core.notify import notify
from lms.exams import attempt_rules as rules
from lms.exams import qtypes
from lms.exams.models import (Attempt, AttemptSlot, AttemptState, Exam, Question, QuestionVersion, Response, ResponseSave,
                              SlotGrade)
from lms.exams.permissions import pupils_of_exam, require_exam
from lms.i18n import lazy_gettext as _l
from lms.people.models import Course, Student

TEN = Decimal(10)


def score10_of(total_e4: int, max_e4: int) -> int:
    """The 10-point score in tenths: 10 × total / max, one decimal, half up."""
    if max_e4 <= 0:
        return 0
    score = (TEN * Decimal(total_e4) / Decimal(max_e4)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return int(score * 10)


def score_decimal(tenths: int | None) -> Decimal | None:
    return None if tenths is None else (Decimal(tenths) / 10).quantize(Decimal("0.1"))


def marks_besides_score(attempt: Attempt) -> tuple[int, int] | None:
    """The marks earned out of the paper's total, to show beside the score on 10 — only when they
    say something the score does not (a paper out of 10 whose marks are the score is said once)."""
    if attempt.total_e4 is None or not attempt.max_e4:
        return None
    if attempt.max_e4 == 100000 and attempt.score10 is not None and attempt.total_e4 == attempt.score10 * 1000:
        return None
    return attempt.total_e4, attempt.max_e4


def current_grades(session: Session, attempt_ids: list[int]) -> dict[tuple[int, int], SlotGrade]:
    """The newest grade of each slot."""
    if not attempt_ids:
        return {}
    newest = select(func.max(SlotGrade.id)).where(SlotGrade.attempt_id.in_(attempt_ids)).group_by(
        SlotGrade.attempt_id, SlotGrade.position)
    return {(g.attempt_id, g.position): g for g in session.scalars(select(SlotGrade).where(SlotGrade.id.in_(newest)))}


def _value(response: Response | None):
    return json.loads(response.value) if response is not None else None


def _totals(session: Session, attempt: Attempt, now: datetime) -> None:
    """Sum the current grades; the attempt is finished once nothing waits for a teacher."""
    slots = list(session.scalars(select(AttemptSlot).where(AttemptSlot.attempt_id == attempt.id)))
    grades = current_grades(session, [attempt.id])
    pending = any(grades.get((attempt.id, s.position)) is None or grades[(attempt.id, s.position)].mark_e4 is None
                  for s in slots if s.mark_e4)
    total = sum(g.mark_e4 or 0 for g in grades.values())
    was_waiting = attempt.state == AttemptState.SUBMITTED and attempt.needs_grading
    attempt.needs_grading = pending
    attempt.total_e4 = None if pending else total
    attempt.score10 = None if pending else score10_of(total, attempt.max_e4)
    if attempt.state == AttemptState.SUBMITTED and not pending:
        attempt.state = AttemptState.FINISHED
        if was_waiting and attempt.student.user is not None:
            notify(session, [attempt.student.user], "exam_graded", {"exam": attempt.exam.title},
                   f"/attempts/{attempt.id}/result", attempt.school_id)
    session.flush()


def grade_attempt(session: Session, attempt: Attempt, now: datetime) -> None:
    """Automatic grading at submit; essays wait for a teacher."""
    slots = list(session.scalars(select(AttemptSlot).where(AttemptSlot.attempt_id == attempt.id)))
    responses = {r.position: r for r in session.scalars(select(Response).where(Response.attempt_id == attempt.id))}
    for slot in slots:
        if not slot.mark_e4:
            continue
        version = session.get(QuestionVersion, slot.graded_version_id or slot.version_id)
        fraction = qtypes.grade(slot.question.qtype, version.data, _value(responses.get(slot.position)))
        session.add(SlotGrade(attempt_id=attempt.id, position=slot.position,
                              fraction_e4=None if fraction is None else qtypes.mark_e4(fraction, 10000),
                              mark_e4=None if fraction is None else qtypes.mark_e4(fraction, slot.mark_e4),
                              source="auto", graded_at=now))
    session.flush()
    _totals(session, attempt, now)


def parse_mark(text: str, max_e4: int) -> int:
    try:
        value = Decimal((text or "").strip().replace(",", "."))
    except InvalidOperation:
        raise ValidationError(_l("“%(v)s” không phải là số điểm.", v=text), field="mark") from None
    if not value.is_finite() or value < 0 or value * 10000 > max_e4:
        raise ValidationError(_l("Điểm từ 0 đến %(m)s (đã nhập “%(v)s”).",
                                 m=local_decimal((Decimal(max_e4) / 10000).normalize()), v=text.strip()[:20]),
                              field="mark")
    return int((value * 10000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def grade_manually(session: Session, actor: User, role: str, attempt: Attempt, position: int, mark: str,
                   comment: str, now: datetime) -> SlotGrade | None:
    """A teacher's mark and comment for one answer (essays, or overriding an automatic mark).
    The same mark and comment again changes nothing (None)."""
    require_exam(actor, role, attempt.exam)
    if attempt.state not in (AttemptState.SUBMITTED, AttemptState.FINISHED):
        raise ValidationError(_l("Chỉ chấm được bài đã nộp."))
    slot = session.scalars(select(AttemptSlot).where(AttemptSlot.attempt_id == attempt.id,
                                                     AttemptSlot.position == position)).first()
    if slot is None or not slot.mark_e4:
        raise ValidationError(_l("Không có câu này trong bài làm."))
    value = parse_mark(mark, slot.mark_e4)
    comment = (comment or "").strip()[:2000]
    current = current_grades(session, [attempt.id]).get((attempt.id, position))
    if current is not None and current.source == "manual" and current.mark_e4 == value and current.comment == comment:
        return None
    grade = SlotGrade(attempt_id=attempt.id, position=position, fraction_e4=value * 10000 // slot.mark_e4,
                      mark_e4=value, source="manual", comment=comment, graded_by=actor.id,
                      graded_at=now)
    session.add(grade)
    session.flush()
    _totals(session, attempt, now)
    return grade


def grade_queue(session: Session, actor: User, role: str, exam: Exam, marks: dict[tuple[int, int], tuple[str, str]],
                now: datetime) -> int:
    """The grading queue's marks and comments: (attempt id, position) → (mark, comment). Every
    refused mark is said at once, each on its box (field "mark-<attempt>-<position>") naming the
    pupil and the question; one refused mark saves none (the caller rolls back). Returns how many
    grades were written."""
    found, done = Collector(), 0
    for (attempt_id, position), (mark, comment) in marks.items():
        attempt = session.get(Attempt, attempt_id)
        if attempt is None or attempt.exam_id != exam.id:
            raise NotFound(_l("Không có bài làm này."))
        slot = next((s for s in attempt.slots if s.position == position), None)
        where = _l("%(p)s, câu “%(q)s”", p=attempt.student.full_name,
                   q=slot.question.title if slot is not None else position)
        try:
            if grade_manually(session, actor, role, attempt, position, mark, comment, now) is not None:
                done += 1
        except ValidationError as exc:
            problem = ValidationError(_l("%(w)s: %(e)s", w=where, e=exc.message), field=f"mark-{attempt_id}-{position}")
            problem.short = exc.message    # under the box, beside the pupil's row and the question's title
            found.problems.append(problem)
    found.done()
    return done


@dataclass
class QueueItem:
    attempt: Attempt
    slot: AttemptSlot
    response: object
    grade: SlotGrade | None
    guide: str = ""             # the marking guide of the version this pupil answered, as HTML


@dataclass
class QueueGroup:
    question: Question
    items: list[QueueItem] = field(default_factory=list)

    @property
    def waiting(self) -> int:
        return sum(1 for i in self.items if i.grade is None or i.grade.mark_e4 is None)


def grading_queue(session: Session, exam: Exam) -> list[QueueGroup]:
    """Per manually graded question, every submitted answer with its current mark."""
    attempts = {a.id: a for a in session.scalars(select(Attempt).where(
        Attempt.exam_id == exam.id, Attempt.state.in_((AttemptState.SUBMITTED, AttemptState.FINISHED))))}
    manual = [t for t, qt in qtypes.TYPES.items() if not qt.auto]
    slots = list(session.scalars(select(AttemptSlot).join(Question).where(
        AttemptSlot.attempt_id.in_(list(attempts) or [0]), Question.qtype.in_(manual)).order_by(AttemptSlot.question_id)))
    responses = {(r.attempt_id, r.position): r for r in session.scalars(select(Response).where(
        Response.attempt_id.in_(list(attempts) or [0])))}
    grades = current_grades(session, list(attempts))
    groups: dict[int, QueueGroup] = {}
    guides: dict[int, str] = {}   # version id → its guide as HTML, rendered once for every pupil who had it
    for slot in slots:
        group = groups.setdefault(slot.question_id, QueueGroup(slot.question))
        version_id = slot.graded_version_id or slot.version_id
        if version_id not in guides:
            version = session.get(QuestionVersion, version_id)
            guide = qtypes.TYPES[slot.question.qtype].guide(version.data)
            guides[version_id] = text_html(guide) if guide else ""
        group.items.append(QueueItem(attempts[slot.attempt_id], slot,
                                     _value(responses.get((slot.attempt_id, slot.position))),
                                     grades.get((slot.attempt_id, slot.position)), guides[version_id]))
    for group in groups.values():
        group.items.sort(key=lambda i: i.attempt.student.sort_name)
    return list(groups.values())


# ---------------------------------------------------------------- regrading

@dataclass
class Change:
    attempt: Attempt
    old_e4: int | None
    new_e4: int
    old_score: int | None
    new_score: int


Plan = list[tuple[Attempt, list[tuple[AttemptSlot, int, int]]]]


def _regrade_plan(session: Session, exam: Exam, question: Question) -> tuple[Plan, dict[int, int]]:
    """The attempts whose marks on this question change with its newest key (slot, new mark,
    new fraction), and every graded attempt's current total, read in a fixed number of queries."""
    version = session.get(QuestionVersion, question.current_version_id)
    attempts = {a.id: a for a in session.scalars(select(Attempt).where(
        Attempt.exam_id == exam.id, Attempt.state.in_((AttemptState.SUBMITTED, AttemptState.FINISHED))))}
    slots = list(session.scalars(select(AttemptSlot).where(AttemptSlot.attempt_id.in_(list(attempts) or [0]),
                                                           AttemptSlot.question_id == question.id)))
    responses = {(r.attempt_id, r.position): r for r in session.scalars(select(Response).where(
        Response.attempt_id.in_([s.attempt_id for s in slots] or [0])))}
    grades = current_grades(session, list(attempts))
    totals: dict[int, int] = defaultdict(int)
    for (attempt_id, _position), grade in grades.items():
        totals[attempt_id] += grade.mark_e4 or 0
    plan = defaultdict(list)
    for slot in slots:
        if not slot.mark_e4 or not qtypes.TYPES[question.qtype].auto:
            continue
        fraction = qtypes.grade(question.qtype, version.data, _value(responses.get((slot.attempt_id, slot.position))))
        new = qtypes.mark_e4(fraction, slot.mark_e4)
        old = grades.get((slot.attempt_id, slot.position))
        if old is None or old.mark_e4 != new:
            delta = new - ((old.mark_e4 or 0) if old is not None else 0)
            plan[slot.attempt_id].append((slot, new, qtypes.mark_e4(fraction, 10000), delta))
    return [(attempts[aid], items) for aid, items in plan.items()], totals


def _changes(plan, totals: dict[int, int]) -> list[Change]:
    changes = []
    for attempt, items in plan:
        new_total = totals[attempt.id] + sum(delta for _s, _n, _f, delta in items)
        changes.append(Change(attempt, attempt.total_e4, new_total, attempt.score10,
                              score10_of(new_total, attempt.max_e4)))
    return sorted(changes, key=lambda c: c.attempt.student.sort_name)


def regrade_preview(session: Session, actor: User, role: str, exam: Exam, question: Question) -> list[Change]:
    """A dry run: every attempt whose mark would change if graded by the question's newest key."""
    require_exam(actor, role, exam)
    return _changes(*_regrade_plan(session, exam, question))


def regrade(session: Session, actor: User, role: str, exam: Exam, question: Question, now: datetime) -> list[Change]:
    """Re-score every stored answer to this question with its newest key. Responses are never
    touched: new grade rows are added, and the attempt totals follow."""
    require_exam(actor, role, exam)
    plan, totals = _regrade_plan(session, exam, question)
    changes = _changes(plan, totals)
    for attempt, items in plan:
        for slot, new, fraction, _delta in items:
            slot.graded_version_id = question.current_version_id
            session.add(SlotGrade(attempt_id=attempt.id, position=slot.position, fraction_e4=fraction, mark_e4=new,
                                  source="regrade", graded_by=actor.id, graded_at=now,
                                  comment=str(_l("Chấm lại theo đáp án đã sửa"))))
        session.flush()
        _totals(session, attempt, now)
    audit.record(session, "exam_regraded", actor_id=actor.id, school_id=exam.school_id, subject_type="exam",
                 subject_id=exam.id, detail=f"question {question.id}: {len(changes)} attempts changed")
    return changes


# ---------------------------------------------------------------- results

def final_scores(session: Session, exam: Exam, student_id: int | None = None) -> dict[int, Decimal]:
    """Each pupil's result on 10 by the exam's grading method, over finished attempts (one
    pupil's only, given `student_id`)."""
    by_student: dict[int, list[Attempt]] = defaultdict(list)
    query = select(Attempt).where(Attempt.exam_id == exam.id, Attempt.state == AttemptState.FINISHED,
                                  Attempt.score10.is_not(None)).order_by(Attempt.number)
    if student_id is not None:
        query = query.where(Attempt.student_id == student_id)
    for a in session.scalars(query):
        by_student[a.student_id].append(a)
    out = {}
    for student_id, attempts in by_student.items():
        scores = [Decimal(a.score10) / 10 for a in attempts]
        if exam.grading_method == "first":
            value = scores[0]
        elif exam.grading_method == "last":
            value = scores[-1]
        elif exam.grading_method == "average":
            value = sum(scores, Decimal(0)) / len(scores)
        else:
            value = max(scores)
        out[student_id] = value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return out


def post_to_gradebook(session: Session, actor: User, role: str, exam: Exam, now: datetime) -> dict:
    """Fill the exam's grade-book column of every class from the pupils' results. Posting again
    updates what changed and says how many."""
    from lms.gradebook.book import post_marks

    require_exam(actor, role, exam)
    if not exam.gradebook_key or exam.gradebook_term not in (1, 2):
        raise ValidationError(_l("Chưa chọn cột điểm trong sổ điểm (ở phần cài đặt bài thi)."))
    scores = final_scores(session, exam)
    by_course: dict[int, dict[int, Decimal]] = defaultdict(dict)
    courses = {}
    for student, course in pupils_of_exam(session, exam):
        courses[course.id] = course
        if student.id in scores:
            by_course[course.id][student.id] = scores[student.id]
    totals = {"created": 0, "changed": 0, "unchanged": 0}
    for course_id, marks in by_course.items():
        result = post_marks(session, actor, role, courses[course_id], exam.gradebook_term, exam.gradebook_key, marks,
                            source_type="exam", source_id=exam.id, now=now)
        totals["created"] += result.created
        totals["changed"] += result.changed
        totals["unchanged"] += result.unchanged
    return totals


# ---------------------------------------------------------------- what the pupil may review

def review_rights(exam: Exam, attempt: Attempt, now: datetime) -> dict[str, bool]:
    """What the review shows now (see `attempt_rules.review_rights`)."""
    return rules.review_rights(exam, attempt.state, attempt.needs_grading, now)


@dataclass
class ReviewItem:
    number: int
    qtype: str
    html: str
    public: dict
    response: object
    right: object | None
    mark_e4: int | None
    max_e4: int
    feedback: list[str]
    comment: str
    right_html: str = ""        # the right answer in words, when `right` may be shown


def attempt_review(session: Session, attempt: Attempt, rights: dict[str, bool]) -> list[ReviewItem]:
    """The review page's content, carrying only what `rights` allow: no key, no mark, no feedback
    otherwise."""
    slots = list(session.scalars(select(AttemptSlot).where(AttemptSlot.attempt_id == attempt.id)
                                 .order_by(AttemptSlot.position)))
    responses = {r.position: r for r in session.scalars(select(Response).where(Response.attempt_id == attempt.id))}
    grades = current_grades(session, [attempt.id])
    items, number = [], 0
    for slot in slots:
        qt = qtypes.TYPES[slot.question.qtype]
        if slot.question.qtype != "description":
            number += 1
        version = session.get(QuestionVersion, slot.graded_version_id or slot.version_id)
        response = _value(responses.get(slot.position)) if rights["responses"] else None
        grade = grades.get((attempt.id, slot.position))
        feedback = []
        if rights["feedback"]:
            feedback = [text_html(text) for text in qt.feedback(version.data, _value(responses.get(slot.position)))]
            if version.general_feedback:
                feedback.append(text_html(version.general_feedback))
        public = qt.public(slot.version.data, slot.layout)
        items.append(ReviewItem(number if slot.question.qtype != "description" else 0, slot.question.qtype,
                                text_html(slot.version.text), public,
                                response, qt.right(version.data) if rights["correct"] else None,
                                grade.mark_e4 if grade and rights["score"] else None, slot.mark_e4, feedback,
                                grade.comment if grade and grade.source == "manual" and rights["feedback"] else "",
                                qt.right_html(version.data, public) if rights["correct"] else ""))
    return items


# ---------------------------------------------------------------- readiness checks

@dataclass
class ReadyRow:
    student: Student
    course: Course
    percent: Decimal | None     # best finished attempt, as a share of the marks
    state: str                  # ready | not_ready | waiting | not_done


@dataclass
class MissedQuestion:
    question_id: int
    text: str
    shown: int                  # finished attempts that had it
    missed: int                 # of those, not fully right

    @property
    def rate(self) -> Decimal:
        return (Decimal(self.missed) * 100 / Decimal(self.shown)).quantize(Decimal("1"), rounding=ROUND_HALF_UP)


@dataclass
class Readiness:
    rows: list[ReadyRow]
    counts: Counter
    missed: list[MissedQuestion]


def readiness(session: Session, exam: Exam) -> Readiness:
    """Before the lesson: who is ready (best result at least the exam's threshold), who is not,
    who has not done the check; and which questions were missed most, over finished attempts."""
    pupils = pupils_of_exam(session, exam)
    attempts = list(session.scalars(select(Attempt).where(Attempt.exam_id == exam.id)))
    best: dict[int, Decimal] = {}
    waiting: set[int] = set()
    finished_ids = []
    for a in attempts:
        if a.state == AttemptState.FINISHED and a.max_e4:
            finished_ids.append(a.id)
            share = Decimal(a.total_e4 or 0) * 100 / Decimal(a.max_e4)
            best[a.student_id] = max(best.get(a.student_id, Decimal(-1)), share)
        elif a.state == AttemptState.SUBMITTED:
            waiting.add(a.student_id)
    rows, counts = [], Counter()
    for student, course in pupils:
        share = best.get(student.id)
        if share is not None:
            state = "ready" if share >= exam.ready_percent else "not_ready"
        else:
            state = "waiting" if student.id in waiting else "not_done"
        counts[state] += 1
        rows.append(ReadyRow(student, course, share.quantize(Decimal("1"), rounding=ROUND_HALF_UP)
                             if share is not None else None, state))
    grades = current_grades(session, finished_ids)
    tally: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    texts: dict[int, str] = {}
    for slot in session.scalars(select(AttemptSlot).where(AttemptSlot.attempt_id.in_(finished_ids or [0]))):
        grade = grades.get((slot.attempt_id, slot.position))
        if grade is None or grade.fraction_e4 is None or slot.question.qtype == "description":
            continue
        tally[slot.question_id][0] += 1
        tally[slot.question_id][1] += 1 if grade.fraction_e4 < 10000 else 0
        texts.setdefault(slot.question_id, slot.version.text)
    missed = sorted((MissedQuestion(qid, texts[qid], shown, miss) for qid, (shown, miss) in tally.items()),
                    key=lambda m: (-m.missed * 10000 // max(m.shown, 1), -m.missed, m.question_id))
    return Readiness(rows, counts, missed)


# ---------------------------------------------------------------- one pupil's paper, for the teacher

@dataclass
class PaperItem:
    position: int
    number: int
    qtype: str
    html: str                   # the question as given (the version the attempt showed)
    public: dict                # its options in this pupil's order
    response: object
    right: object | None
    right_html: str
    mark_e4: int | None         # the current mark (None: not marked yet)
    max_e4: int
    source: str                 # auto | manual | regrade | ""
    comment: str
    grader: str
    saved_at: datetime | None   # when the answer was last saved
    saves: list[SavedAnswer]    # every save of it, oldest first
    guide: str = ""             # its marking guide, as HTML ("" when marked by its key)


@dataclass
class SavedAnswer:
    """One save of an answer, for the paper's history: when, and what it said as the pupil saw it."""
    at: datetime
    seq: int
    text: str


def save_history(session: Session, attempt_id: int) -> dict[int, list[tuple[datetime, int, str]]]:
    """Every save of the attempt's answers by position, oldest first: (time, sequence number, value)."""
    history: dict[int, list[tuple[datetime, int, str]]] = {}
    for row in session.execute(select(ResponseSave.position, ResponseSave.saved_at, ResponseSave.seq,
                                      ResponseSave.value).where(ResponseSave.attempt_id == attempt_id)
                               .order_by(ResponseSave.position, ResponseSave.saved_at, ResponseSave.seq,
                                         ResponseSave.id)):
        history.setdefault(row.position, []).append((row.saved_at, row.seq, row.value))
    return history


def teacher_paper(session: Session, actor: User, role: str, attempt: Attempt) -> list[PaperItem]:
    """A pupil's attempt as the teacher sees it: every question as given, the pupil's answer, the
    right answer, the mark and who gave it, and every save of the answer (time and value)."""
    require_exam(actor, role, attempt.exam)
    history = save_history(session, attempt.id)
    slots = list(session.scalars(select(AttemptSlot).where(AttemptSlot.attempt_id == attempt.id)
                                 .order_by(AttemptSlot.position)))
    responses = {r.position: r for r in session.scalars(select(Response).where(Response.attempt_id == attempt.id))}
    grades = current_grades(session, [attempt.id])
    items, number = [], 0
    for slot in slots:
        qt = qtypes.TYPES[slot.question.qtype]
        if qt.scored:
            number += 1
        version = session.get(QuestionVersion, slot.graded_version_id or slot.version_id)
        public = qt.public(slot.version.data, slot.layout)
        saved = responses.get(slot.position)
        grade = grades.get((attempt.id, slot.position))
        items.append(PaperItem(slot.position, number if qt.scored else 0, slot.question.qtype,
                               text_html(slot.version.text), public, _value(saved), qt.right(version.data),
                               qt.right_html(version.data, public), grade.mark_e4 if grade else None, slot.mark_e4,
                               grade.source if grade else "", grade.comment if grade else "",
                               grade.grader.full_name if grade and grade.grader else "",
                               saved.saved_at if saved else None,
                               changes([SavedAnswer(at, seq, qt.response_text(slot.version.data, public, json.loads(value)))
                                        for at, seq, value in history.get(slot.position, [])]),
                               text_html(qt.guide(version.data)) if qt.guide(version.data) else ""))
    return items


def changes(saves: list[SavedAnswer]) -> list[SavedAnswer]:
    """The saves that changed the answer as the pupil saw it: a retry or an autosave of an unchanged
    value (the database keeps every write) is not shown again, only the first time it was saved."""
    shown: list[SavedAnswer] = []
    for save in saves:
        if not shown or save.text != shown[-1].text:
            shown.append(save)
    return shown


def grade_paper(session: Session, actor: User, role: str, attempt: Attempt, marks: dict[int, tuple[str, str]],
                now: datetime) -> int:
    """The teacher's marks and comments from a pupil's paper: position → (mark, comment). Only
    what differs from the current grade is written (a new manual grade row each); returns how many.
    A bad mark refuses the whole paper; every bad mark is said at once, each naming its question."""
    current = current_grades(session, [attempt.id])
    numbers = {item.position: item.number for item in teacher_paper(session, actor, role, attempt)}
    done, found = 0, Collector()
    for position, (mark, comment) in sorted(marks.items()):
        if position not in numbers:
            raise ValidationError(_l("Không có câu này trong bài làm."))
        grade = current.get((attempt.id, position))
        comment = (comment or "").strip()
        if not (mark or "").strip():
            if comment and grade is None:
                found.add(_l("Câu %(n)s: nhập điểm cùng với nhận xét.", n=numbers[position]), f"mark-{position}")
                continue
            if not comment:
                continue
        slot_max = next((s.mark_e4 for s in attempt.slots if s.position == position), 0)
        try:
            value = parse_mark(mark, slot_max) if (mark or "").strip() else grade.mark_e4
            if grade is not None and grade.mark_e4 == value and grade.comment == comment:
                continue
            if grade_manually(session, actor, role, attempt, position, str(Decimal(value or 0) / 10000), comment,
                              now) is not None:
                done += 1
        except ValidationError as exc:
            found.add(_l("Câu %(n)s: %(e)s", n=numbers[position], e=exc.message), f"mark-{position}")
    found.done()
    return done
