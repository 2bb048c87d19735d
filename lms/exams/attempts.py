"""The state changes of an attempt (domain/exams.md §6–11): starting it (drawn once, frozen),
saving an answer by the full rules, submitting (one guarded transition), finishing attempts left
open at their deadline with their last saved answers, moving to another device, the sequential
pages and the signals a page reports. Every transition is one conditional UPDATE.

The rules these apply are in `attempt_rules.py` (pure); the autosave's storage path and ticket in
`saving.py`.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.core import jobs
from lms.core.errors import Conflict, Forbidden, ValidationError
from lms.db import insert_objects
from lms.exams.qtypes.base import text_html
from lms.exams import attempt_rules as rules
from lms.exams import qtypes
from lms.exams.attempt_rules import ALLOWANCE, page_of
from lms.exams.drawing import compose, part_titles
from lms.exams.models import (Attempt, AttemptEvent, AttemptSlot, AttemptState, Exam, ExamPaper, ExamStatus, Override,
                              Question, QuestionVersion, Response)
from lms.exams.permissions import sits_exam
from lms.exams.results import grade_attempt
from lms.exams.saving import (WHY, LiveAttempt, SaveOutcome, closed, decode, elsewhere, read_answer, unsaved,
                              upsert)
from lms.i18n import lazy_gettext as _l
from lms.people.models import Student

OPEN_STATES = (AttemptState.IN_PROGRESS,)
EVENT_KINDS = {"focus_lost", "focus_back", "hidden", "visible", "fullscreen_exit", "fullscreen_enter", "offline",
               "online", "copy", "paste"}


def override_of(session: Session, exam: Exam, student: Student) -> Override | None:
    return session.scalars(select(Override).where(Override.exam_id == exam.id, Override.student_id == student.id)).first()


def refresh_deadlines(session: Session, exam: Exam, student_id: int) -> None:
    """An override changed: running attempts of that pupil get their new deadline."""
    student = session.get(Student, student_id)
    override = override_of(session, exam, student)
    for attempt in session.scalars(select(Attempt).where(Attempt.exam_id == exam.id, Attempt.student_id == student_id,
                                                         Attempt.state == AttemptState.IN_PROGRESS)):
        attempt.deadline = rules.deadline_for(exam, override, attempt.started_at)
    session.flush()


@dataclass
class Standing:
    """Where a pupil stands with an exam: what they may do now, and why not otherwise."""
    exam: Exam
    opens: datetime
    closes: datetime
    attempts: list[Attempt]
    allowed: int
    running: Attempt | None
    reason: str | None      # why no new attempt may start (None: it may)
    override: Override | None = None

    @property
    def can_start(self) -> bool:
        return self.running is None and self.reason is None


def standing(session: Session, exam: Exam, student: Student, now: datetime) -> Standing:
    return standings(session, [exam], student, now)[exam.id]


def standings(session: Session, exams: list[Exam], student: Student, now: datetime) -> dict[int, Standing]:
    """Where the pupil stands with each exam, by exam id: two queries for the whole list (the
    pupil's overrides and attempts), whatever its length."""
    ids = [e.id for e in exams] or [0]
    overrides = {o.exam_id: o for o in session.scalars(
        select(Override).where(Override.exam_id.in_(ids), Override.student_id == student.id))}
    by_exam: dict[int, list[Attempt]] = {e.id: [] for e in exams}
    for attempt in session.scalars(select(Attempt).where(Attempt.exam_id.in_(ids), Attempt.student_id == student.id)
                                   .order_by(Attempt.number)):
        by_exam[attempt.exam_id].append(attempt)
    return {exam.id: _standing(session, exam, overrides.get(exam.id), by_exam[exam.id], now) for exam in exams}


def _standing(session: Session, exam: Exam, override: Override | None, attempts: list[Attempt],
              now: datetime) -> Standing:
    opens, closes = rules.window_of(exam, override)
    for attempt in attempts:
        finish_if_overdue(session, attempt, now)
    running = next((a for a in attempts if a.state == AttemptState.IN_PROGRESS), None)
    allowed = rules.allowed_attempts(exam, override)
    reason = rules.refusal(exam.status == ExamStatus.PUBLISHED, now, opens, closes, len(attempts), allowed)
    return Standing(exam, opens, closes, attempts, allowed, running, reason, override)


# ---------------------------------------------------------------- starting

def _next_paper(session: Session, exam: Exam):
    """The printed version fewest attempts have had so far (the lowest code on a tie), so a room
    sitting online gets the codes in turn."""
    papers = list(session.scalars(select(ExamPaper).where(ExamPaper.exam_id == exam.id).order_by(ExamPaper.code)))
    if not papers:
        return None
    used = dict(session.execute(select(Attempt.paper_id, func.count()).where(Attempt.exam_id == exam.id,
                                                                            Attempt.paper_id.is_not(None))
                                .group_by(Attempt.paper_id)).all())
    return min(papers, key=lambda p: (used.get(p.id, 0), p.code))


def start_attempt(session: Session, student: Student, exam: Exam, *, now: datetime, access_code: str = "",
                  ip: str | None = None, device: str = "") -> Attempt:
    """Start (or resume) the pupil's attempt. Refused outside the window, past the attempts
    allowed, with a wrong access code or from an address the exam does not allow."""
    if not sits_exam(session, student, exam):
        raise Forbidden(_l("Em không thuộc lớp được giao bài thi này."))
    state = standing(session, exam, student, now)
    if state.running is not None:
        return state.running
    if state.reason:
        raise Forbidden(state.reason)
    if not rules.access_code_ok(exam.access_code, access_code):
        raise ValidationError(_l("Mã truy cập không đúng."), field="access_code")
    if not rules.ip_allowed(rules.parse_ip_ranges(exam.ip_ranges), ip):
        raise Forbidden(_l("Bài thi chỉ làm được từ mạng của phòng thi (địa chỉ của em: %(ip)s).", ip=ip or "?"))
    override = state.override
    seed = secrets.randbelow(2 ** 31)
    paper = _next_paper(session, exam) if exam.use_papers else None
    if paper is not None:
        composed = [(item.question, item.mark_e4, item.rule_position, item.version, item.layout) for item in paper.items]
    else:
        composed = compose(session, exam, Random(seed))
    scored = [(question, mark if question.qtype != "description" else 0, rule, version, layout)
              for question, mark, rule, version, layout in composed]
    attempt = Attempt(school_id=exam.school_id, exam_id=exam.id, student_id=student.id, number=len(state.attempts) + 1,
                      state=AttemptState.IN_PROGRESS, started_at=now, deadline=rules.deadline_for(exam, override, now),
                      device=device, seed=seed, ip=(ip or "")[:64], paper_id=paper.id if paper else None,
                      max_e4=sum(mark for _q, mark, _r, _v, _l in scored))
    session.add(attempt)
    try:
        session.flush()
    except IntegrityError:  # another tab started it a moment ago: resume that one
        session.rollback()
        running = standing(session, exam, student, now).running
        if running is None:
            raise
        return running
    # Versions are frozen before the slots are written: a slot's foreign key takes a share lock
    # on its version, and two first starts holding those (in their draw's order) while each
    # asked to lock the other's for the freeze deadlocked. Locking in id order first, nothing
    # else held on those rows, a start can only wait for another, never in a cycle.
    freeze_versions(session, sorted({version.id for _q, _m, _r, version, _l in composed}))
    # The slots in one executemany, outside the unit of work (a start wrote 40 ORM objects).
    insert_objects(session, [AttemptSlot(attempt_id=attempt.id, position=position, question_id=question.id,
                                         version_id=version.id, mark_e4=mark, layout=layout, rule_position=rule)
                             for position, (question, mark, rule, version, layout) in enumerate(scored, start=1)])
    session.add(AttemptEvent(attempt_id=attempt.id, kind="start", at=now, detail=(ip or "")[:64]))
    session.flush()
    return attempt


def freeze_versions(session: Session, version_ids: list[int]) -> None:
    """The question versions an attempt (or a printed paper) shows are frozen from now on: an edit
    makes a new version. Only those not yet frozen are written, locked in id order, so the starts
    of one exam — hundreds at once — write nothing shared after the first and never wait on each
    other in a cycle (an UPDATE of the same rows in scan order deadlocked). Questions' usage is
    counted from the attempts by `count_usage`, not by each start."""
    unfrozen = list(session.scalars(select(QuestionVersion.id).where(
        QuestionVersion.id.in_(version_ids or [0]), QuestionVersion.used.is_(False))
        .order_by(QuestionVersion.id).with_for_update()))
    if unfrozen:
        session.execute(update(QuestionVersion).where(QuestionVersion.id.in_(unfrozen)).values(used=True)
                        .execution_options(synchronize_session=False))


@jobs.periodic("count_question_usage")
def count_usage(session: Session, now: datetime, since: timedelta = timedelta(hours=1)) -> int:
    """How many attempts have shown each question (the least-used draw reads it), recounted for
    the questions of attempts started lately, one question at a time in id order."""
    recent = select(AttemptSlot.question_id).join(Attempt, Attempt.id == AttemptSlot.attempt_id).where(
        Attempt.started_at >= now - since).distinct()
    counts = dict(session.execute(select(AttemptSlot.question_id, func.count()).where(
        AttemptSlot.question_id.in_(recent)).group_by(AttemptSlot.question_id)).all())
    for question_id in sorted(counts):
        session.execute(update(Question).where(Question.id == question_id, Question.usage_count != counts[question_id])
                        .values(usage_count=counts[question_id]).execution_options(synchronize_session=False))
    return len(counts)


# ---------------------------------------------------------------- what the page shows

@dataclass
class SlotView:
    position: int
    number: int                # the question's number as shown (passages are not numbered)
    qtype: str
    html: str
    public: dict
    mark_e4: int
    response: object
    seq: int
    page: int
    part: str | None = None    # the heading of the part this question opens ("PHẦN II. …")


def slots_of(session: Session, attempt: Attempt) -> list[AttemptSlot]:
    return list(session.scalars(select(AttemptSlot).where(AttemptSlot.attempt_id == attempt.id)
                                .order_by(AttemptSlot.position)))


def questions_used(session: Session, exam: Exam) -> list[Question]:
    """Every question some attempt of the exam was given, in one query (the results page offers
    them for regrading)."""
    used = select(AttemptSlot.question_id).join(Attempt, Attempt.id == AttemptSlot.attempt_id).where(
        Attempt.exam_id == exam.id)
    return list(session.scalars(select(Question).where(Question.id.in_(used)).order_by(Question.id)))


def responses_of(session: Session, attempt_ids: list[int]) -> dict[tuple[int, int], Response]:
    if not attempt_ids:
        return {}
    return {(r.attempt_id, r.position): r for r in session.scalars(select(Response).where(
        Response.attempt_id.in_(attempt_ids)))}


def attempt_view(session: Session, attempt: Attempt) -> list[SlotView]:
    """Every question of the attempt as the pupil may see it: text, options in this attempt's
    order, the saved answer and its sequence number — and nothing that gives the key away."""
    slots = slots_of(session, attempt)
    saved = responses_of(session, [attempt.id])
    titles = part_titles(attempt.exam, [(slot.question, slot.rule_position) for slot in slots])
    views, number = [], 0
    for index, slot in enumerate(slots):
        qt = qtypes.TYPES[slot.question.qtype]
        if slot.question.qtype != "description":
            number += 1
        response = saved.get((attempt.id, slot.position))
        views.append(SlotView(slot.position, number if slot.question.qtype != "description" else 0,
                              slot.question.qtype, text_html(slot.version.text),
                              qt.public(slot.version.data, slot.layout), slot.mark_e4,
                              decode(response.value) if response else None, response.seq if response else 0,
                              page_of(index, attempt.exam.per_page), titles[index]))
    return views


def time_left(attempt: Attempt, now: datetime) -> float:
    """Seconds to the attempt's deadline (see `attempt_rules.time_left`)."""
    return rules.time_left(attempt.deadline, now)


def save_response(session: Session, attempt: Attempt | LiveAttempt, position: int, raw, seq: int, *, device: str,
                  now: datetime) -> SaveOutcome:
    """Save one answer. Stored only if its sequence number is newer; the same number and value
    again is acknowledged (a retry); anything older is refused with what is stored."""
    live = attempt if isinstance(attempt, LiveAttempt) else LiveAttempt.of(attempt)
    if live.state == AttemptState.IN_PROGRESS and now > live.deadline + ALLOWANCE:
        finish_if_overdue(session, attempt if isinstance(attempt, Attempt) else session.get(Attempt, live.id), now)
        return closed()
    if live.state != AttemptState.IN_PROGRESS:
        return closed()
    if live.device != device:
        return elsewhere()
    if live.navigation == "sequential" and isinstance(position, int) and \
            page_of(position - 1, live.per_page) != live.page:
        return SaveOutcome("page", message=str(_l("Bài thi làm lần lượt: không sửa được câu ở trang khác.")))
    read = read_answer(session, live.id, live.seed, position, raw, seq)
    if isinstance(read, SaveOutcome):
        return read
    text, value = read
    if upsert(session, live.id, position, text, seq, device, now):
        return SaveOutcome("saved", seq, value)
    # Nothing written: find out why, from what is in the database now.
    row = session.execute(WHY, {"attempt_id": live.id, "position": position}).first()
    return unsaved(tuple(row) if row else None, text, value, seq, device, now)


# ---------------------------------------------------------------- finishing

def _finish(session: Session, attempt: Attempt, now: datetime, *, auto: bool, from_states=OPEN_STATES) -> bool:
    """The one guarded transition out of the open state. True only for the caller that made it."""
    finished_at = attempt.deadline if auto else min(now, attempt.deadline)
    result = session.execute(update(Attempt).where(Attempt.id == attempt.id, Attempt.state.in_(from_states))
                             .values(state=AttemptState.SUBMITTED, finished_at=finished_at, auto_finished=auto)
                             .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        session.refresh(attempt)
        return False
    session.add(AttemptEvent(attempt_id=attempt.id, kind="autosubmit" if auto else "submit", at=now))
    session.flush()
    session.refresh(attempt)
    grade_attempt(session, attempt, now)
    return True


def submit_attempt(session: Session, attempt: Attempt, *, now: datetime, device: str,
                   finals: list[tuple[int, object, int]] | None = None, timed_out: bool = False) -> bool:
    """Submit, with the answers the page had not yet saved. Safe to press twice: the second press
    changes nothing. Returns whether this call submitted it."""
    if attempt.state not in OPEN_STATES and attempt.state != AttemptState.OVERDUE:
        return False
    if now > attempt.deadline + ALLOWANCE and attempt.state == AttemptState.IN_PROGRESS:
        finish_if_overdue(session, attempt, now)  # too late: finished at the deadline with what was saved
        return False
    if attempt.device != device:
        raise Conflict(_l("Bài làm đang mở trên thiết bị khác."))
    for position, raw, seq in finals or []:
        save_response(session, attempt, position, raw, seq, device=device, now=now)
    # The page submits by itself when its clock reaches zero: that is a finish at the deadline (a
    # clock a moment fast is forgiven; the finish time is never later than the deadline anyway).
    auto = now >= attempt.deadline or (timed_out and now >= attempt.deadline - timedelta(seconds=5))
    return _finish(session, attempt, now, auto=auto, from_states=(AttemptState.IN_PROGRESS, AttemptState.OVERDUE))


def finish_if_overdue(session: Session, attempt: Attempt, now: datetime) -> bool:
    """On any access: an attempt past its deadline and the allowance is finished with its last
    saved answers and finish time = deadline (or, with a grace period, waits for a submit)."""
    if attempt.state == AttemptState.IN_PROGRESS and now > attempt.deadline + ALLOWANCE:
        exam = attempt.exam
        if exam.overdue == "grace" and exam.grace_minutes:
            if now <= attempt.deadline + timedelta(minutes=exam.grace_minutes):
                session.execute(update(Attempt).where(Attempt.id == attempt.id,
                                                      Attempt.state == AttemptState.IN_PROGRESS)
                                .values(state=AttemptState.OVERDUE).execution_options(synchronize_session=False))
                session.refresh(attempt)
                return True
        return _finish(session, attempt, now, auto=True)
    if attempt.state == AttemptState.OVERDUE and now > attempt.deadline + timedelta(minutes=attempt.exam.grace_minutes):
        session.execute(update(Attempt).where(Attempt.id == attempt.id, Attempt.state == AttemptState.OVERDUE)
                        .values(state=AttemptState.ABANDONED, finished_at=attempt.deadline)
                        .execution_options(synchronize_session=False))
        session.refresh(attempt)
        return True
    return False


@jobs.periodic("finish_overdue_attempts")
def finish_overdue(session: Session, now: datetime, limit: int = 500, exam_id: int | None = None) -> int:
    """The scheduled job (and the monitor, for one exam): finish every attempt left open past its
    deadline (and the allowance)."""
    stmt = select(Attempt).where(Attempt.state.in_((AttemptState.IN_PROGRESS, AttemptState.OVERDUE)),
                                 Attempt.deadline < now - ALLOWANCE)
    if exam_id is not None:
        stmt = stmt.where(Attempt.exam_id == exam_id)
    due = list(session.scalars(stmt.order_by(Attempt.deadline).limit(limit)))
    done = 0
    for attempt in due:
        if finish_if_overdue(session, attempt, now):
            done += 1
    return done


# ---------------------------------------------------------------- devices, pages, events

def takeover(session: Session, attempt: Attempt, device: str, now: datetime) -> None:
    """Continue the attempt on this device; the other one is refused from now on. Logged."""
    if attempt.state != AttemptState.IN_PROGRESS or attempt.device == device:
        return
    first = not attempt.device
    attempt.device = device
    session.add(AttemptEvent(attempt_id=attempt.id, kind="resume" if first else "device_switch", at=now))
    session.flush()


def next_page(session: Session, attempt: Attempt, page: int, now: datetime) -> None:
    """Sequential navigation: move one page on; there is no way back."""
    if attempt.exam.navigation != "sequential":
        return
    pages = max(1, -(-len(slots_of(session, attempt)) // attempt.exam.per_page)) if attempt.exam.per_page else 1
    if page == attempt.page + 1 and page < pages and attempt.state == AttemptState.IN_PROGRESS:
        session.execute(update(Attempt).where(Attempt.id == attempt.id, Attempt.page == page - 1).values(page=page)
                        .execution_options(synchronize_session=False))
        session.refresh(attempt)


def record_events(session: Session, attempt: Attempt, events: list[dict], now: datetime) -> int:
    """Signals from the page (focus lost, full screen left…), for the teacher to see."""
    n = 0
    for event in events[:50]:
        kind = str(event.get("kind", ""))
        if kind in EVENT_KINDS:
            session.add(AttemptEvent(attempt_id=attempt.id, kind=kind, at=now, detail=str(event.get("detail", ""))[:200]))
            n += 1
    session.flush()
    return n
