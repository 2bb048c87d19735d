"""Attempts a pupil can trust (domain/exams.md §6–13): the server decides the time; every answer
is saved on its own with a sequence number that only grows, by one conditional upsert, so a stale
or out-of-order save never overwrites a newer one; one device at a time; submitting is one
guarded transition; attempts left open at the deadline are finished with their last saved
answers, at the deadline."""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random

from sqlalchemy import any_, bindparam, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.core import jobs
from lms.core.errors import Conflict, Forbidden, ValidationError
from lms.core.markdown import render_markdown
from lms.core.memo import Memo
from lms.db import UTCDateTime
from lms.exams import qtypes
from lms.exams.models import (Attempt, AttemptEvent, AttemptSlot, AttemptState, Exam, ExamStatus, Override, Question,
                              QuestionVersion, Response)
from lms.exams.permissions import sits_exam
from lms.exams.services import draw, ip_allowed, parse_ip_ranges
from lms.i18n import lazy_gettext as _l
from lms.people.models import Student

# Saves and submits are accepted this long after the deadline (the network's allowance).
ALLOWANCE = timedelta(seconds=60)
OPEN_STATES = (AttemptState.IN_PROGRESS,)
EVENT_KINDS = {"focus_lost", "focus_back", "hidden", "visible", "fullscreen_exit", "fullscreen_enter", "offline",
               "online", "copy", "paste"}


DEVICE_COOKIE = "lms_device"  # a random token per browser; attempts keep its hash


def device_hash(token: str | None) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest() if token else ""


def new_device_token() -> str:
    return secrets.token_urlsafe(24)


# ---------------------------------------------------------------- windows and limits

def override_of(session: Session, exam: Exam, student: Student) -> Override | None:
    return session.scalars(select(Override).where(Override.exam_id == exam.id, Override.student_id == student.id)).first()


def window_of(exam: Exam, override: Override | None) -> tuple[datetime, datetime]:
    return ((override.open_at if override and override.open_at else exam.open_at),
            (override.close_at if override and override.close_at else exam.close_at))


def allowed_attempts(exam: Exam, override: Override | None) -> int:
    """0 means unlimited."""
    if exam.attempts_allowed == 0:
        return 0
    return exam.attempts_allowed + (override.extra_attempts if override else 0)


def deadline_for(exam: Exam, override: Override | None, started_at: datetime) -> datetime:
    """The earlier of start + limit (+ the pupil's extra minutes) and the close time."""
    _, close = window_of(exam, override)
    if not exam.time_limit_min:
        return close
    extra = override.extra_minutes if override else 0
    return min(started_at + timedelta(minutes=exam.time_limit_min + extra), close)


def refresh_deadlines(session: Session, exam: Exam, student_id: int) -> None:
    """An override changed: running attempts of that pupil get their new deadline."""
    student = session.get(Student, student_id)
    override = override_of(session, exam, student)
    for attempt in session.scalars(select(Attempt).where(Attempt.exam_id == exam.id, Attempt.student_id == student_id,
                                                         Attempt.state == AttemptState.IN_PROGRESS)):
        attempt.deadline = deadline_for(exam, override, attempt.started_at)
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
    opens, closes = window_of(exam, override)
    for attempt in attempts:
        finish_if_overdue(session, attempt, now)
    running = next((a for a in attempts if a.state == AttemptState.IN_PROGRESS), None)
    allowed = allowed_attempts(exam, override)
    reason = None
    if exam.status != ExamStatus.PUBLISHED:
        reason = str(_l("Bài thi chưa được giao."))
    elif now < opens:
        reason = str(_l("Bài thi chưa mở."))
    elif now >= closes:
        reason = str(_l("Bài thi đã đóng."))
    elif allowed and len(attempts) >= allowed:
        reason = str(_l("Em đã dùng hết %(n)s lần làm bài.", n=allowed))
    return Standing(exam, opens, closes, attempts, allowed, running, reason)


# ---------------------------------------------------------------- starting

def _sections(slots: list[tuple], exam: Exam) -> list[list[tuple]]:
    """Parts keep their order; questions are shuffled within a part. A blueprint row is a part; in
    a fixed list, a passage (description) opens a new part."""
    parts: list[list[tuple]] = []
    for item in slots:
        question, _mark, rule = item
        new_part = not parts or (rule is not None and rule != parts[-1][0][2]) or \
            (rule is None and question.qtype == "description")
        if new_part:
            parts.append([])
        parts[-1].append(item)
    return parts


def compose(session: Session, exam: Exam, rng: Random) -> list[tuple]:
    """One paper of the exam: (question, mark e4, blueprint row, version, option layout) in the
    order shown — drawn, shuffled within its parts and laid out by `rng`. Attempts and printed
    versions are made by this one function."""
    ordered = []
    for part in _sections(draw(session, exam, rng), exam):
        if exam.shuffle_questions:
            head = [x for x in part if x[0].qtype == "description"][:1]
            rest = [x for x in part if x not in head]
            rng.shuffle(rest)
            part = head + rest
        ordered.extend(part)
    out = []
    for question, mark, rule in ordered:
        version = session.get(QuestionVersion, question.current_version_id)
        out.append((question, mark, rule, version,
                    qtypes.TYPES[question.qtype].layout(version.data, rng, exam.shuffle_options)))
    return out


def _next_paper(session: Session, exam: Exam):
    """The printed version fewest attempts have had so far (the lowest code on a tie), so a room
    sitting online gets the codes in turn."""
    from sqlalchemy import func

    from lms.exams.models import ExamPaper

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
    if exam.access_code and not hmac.compare_digest(exam.access_code.strip().lower(), (access_code or "").strip().lower()):
        raise ValidationError(_l("Mã truy cập không đúng."), field="access_code")
    if not ip_allowed(parse_ip_ranges(exam.ip_ranges), ip):
        raise Forbidden(_l("Bài thi chỉ làm được từ mạng của phòng thi (địa chỉ của em: %(ip)s).", ip=ip or "?"))
    override = override_of(session, exam, student)
    seed = secrets.randbelow(2 ** 31)
    paper = _next_paper(session, exam) if exam.use_papers else None
    if paper is not None:
        composed = [(item.question, item.mark_e4, item.rule_position, item.version, item.layout) for item in paper.items]
    else:
        composed = compose(session, exam, Random(seed))
    attempt = Attempt(school_id=exam.school_id, exam_id=exam.id, student_id=student.id, number=len(state.attempts) + 1,
                      state=AttemptState.IN_PROGRESS, started_at=now, deadline=deadline_for(exam, override, now),
                      device=device, seed=seed, ip=(ip or "")[:64], paper_id=paper.id if paper else None)
    session.add(attempt)
    try:
        session.flush()
    except IntegrityError:  # another tab started it a moment ago: resume that one
        session.rollback()
        running = standing(session, exam, student, now).running
        if running is None:
            raise
        return running
    versions = {question.id: version.id for question, _m, _r, version, _l in composed}
    total = 0
    for position, (question, mark, rule, version, layout) in enumerate(composed, start=1):
        session.add(AttemptSlot(attempt_id=attempt.id, position=position, question_id=question.id,
                                version_id=version.id, mark_e4=mark if question.qtype != "description" else 0,
                                layout=layout, rule_position=rule))
        total += mark if question.qtype != "description" else 0
    attempt.max_e4 = total
    # Shown versions are frozen from now on; usage feeds the least-used draw.
    session.execute(update(QuestionVersion).where(QuestionVersion.id.in_(list(versions.values()))).values(used=True))
    session.execute(update(Question).where(Question.id.in_(list(versions))).values(usage_count=Question.usage_count + 1))
    session.add(AttemptEvent(attempt_id=attempt.id, kind="start", at=now, detail=(ip or "")[:64]))
    session.flush()
    return attempt


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


def _decode(value: str | None):
    return json.loads(value) if value is not None else None


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


def page_of(position_index: int, per_page: int) -> int:
    return position_index // per_page if per_page else 0


def attempt_view(session: Session, attempt: Attempt) -> list[SlotView]:
    """Every question of the attempt as the pupil may see it: text, options in this attempt's
    order, the saved answer and its sequence number — and nothing that gives the key away."""
    slots = slots_of(session, attempt)
    saved = responses_of(session, [attempt.id])
    views, number = [], 0
    for index, slot in enumerate(slots):
        qt = qtypes.TYPES[slot.question.qtype]
        if slot.question.qtype != "description":
            number += 1
        response = saved.get((attempt.id, slot.position))
        views.append(SlotView(slot.position, number if slot.question.qtype != "description" else 0,
                              slot.question.qtype, render_markdown(slot.version.text),
                              qt.public(slot.version.data, slot.layout), slot.mark_e4,
                              _decode(response.value) if response else None, response.seq if response else 0,
                              page_of(index, attempt.exam.per_page)))
    return views


def time_left(attempt: Attempt, now: datetime) -> float:
    """Seconds to the deadline, to the millisecond (the page's clock follows it)."""
    return max(0.0, round((attempt.deadline - now).total_seconds(), 3))


# ---------------------------------------------------------------- saving

@dataclass
class SaveOutcome:
    status: str          # saved | same | stale | closed | device | invalid | page
    seq: int = 0
    value: object = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("saved", "same")


# One statement, the same on PostgreSQL and SQLite (3.35+): insert or raise the answer only while the
# attempt is open on this device and before the deadline plus the allowance, and only if `seq` is
# newer than what is stored. No row is proposed unless the attempt is open, so then nothing is
# inserted and nothing updated. RETURNING says whether a row was written (the rowcount of
# INSERT … SELECT is not reliable everywhere). Written as text so its compiled form is cached: the
# ORM's INSERT … FROM SELECT … ON CONFLICT is recompiled on every call, and this is the hot path.
_UPSERT = text("""
INSERT INTO responses (attempt_id, position, value, seq, saved_at)
SELECT :attempt_id, :position, :value, :seq, :now
WHERE EXISTS (SELECT 1 FROM attempts WHERE attempts.id = :attempt_id AND attempts.state = :state
              AND attempts.device = :device AND attempts.deadline >= :cutoff)
ON CONFLICT (attempt_id, position) DO UPDATE SET value = excluded.value, seq = excluded.seq,
    saved_at = excluded.saved_at
WHERE responses.seq < excluded.seq
RETURNING id
""").bindparams(bindparam("now", type_=UTCDateTime()), bindparam("cutoff", type_=UTCDateTime()))


def _upsert_params(attempt_id: int, position: int, value: str, seq: int, device: str, now: datetime) -> dict:
    return {"attempt_id": attempt_id, "position": position, "value": value, "seq": seq, "now": now,
            "state": AttemptState.IN_PROGRESS.value, "device": device, "cutoff": now - ALLOWANCE}


def _upsert(session: Session, attempt_id: int, position: int, value: str, seq: int, device: str,
            now: datetime) -> bool:
    """The guarded upsert inside the session's transaction (committed by the caller)."""
    return bool(session.connection().execute(_UPSERT, _upsert_params(attempt_id, position, value, seq, device,
                                                                     now)).all())


# Why an upsert wrote nothing, in one statement: the attempt as it is now and the stored answer.
_WHY = (select(Attempt.state, Attempt.device, Attempt.deadline, Response.seq, Response.value)
        .select_from(Attempt)
        .outerjoin(Response, (Response.attempt_id == Attempt.id) & (Response.position == bindparam("position")))
        .where(Attempt.id == bindparam("attempt_id")))
_PG_TEXT: dict[tuple[str, str, str], str] = {}


def _pg_text(dialect, name: str, statement) -> str:
    """The psycopg text of a statement, compiled once (aware UTC datetimes need no conversion there)."""
    key = (dialect.driver, dialect.paramstyle, name)
    if key not in _PG_TEXT:
        _PG_TEXT[key] = str(statement.compile(dialect=dialect))
    return _PG_TEXT[key]


def _upsert_committed(session: Session, attempt_id: int, position: int, value: str, seq: int, device: str,
                      now: datetime) -> tuple[bool, tuple | None]:
    """The same upsert, committed before returning, with `_WHY` read when it wrote nothing. On
    PostgreSQL it runs on a pooled driver connection of its own — BEGIN, the statements, COMMIT and
    nothing else, as cheap as the bare endpoint of bench/autosave.py; elsewhere through the
    session. Called before the session has written anything, so the two never wait on each other."""
    engine = session.get_bind()
    if engine.dialect.name != "postgresql":
        saved = _upsert(session, attempt_id, position, value, seq, device, now)
        row = None if saved else session.execute(_WHY, {"attempt_id": attempt_id, "position": position}).first()
        session.commit()
        return saved, (tuple(row) if row else None)
    return _pg_upsert(engine, attempt_id, position, value, seq, device, now)


def _pg_upsert(engine, attempt_id: int, position: int, value: str, seq: int, device: str,
               now: datetime) -> tuple[bool, tuple | None]:
    connection = engine.raw_connection()
    try:
        with connection.cursor() as cursor:
            result = _pg_write(cursor, engine.dialect, attempt_id, position, value, seq, device, now)
        connection.commit()
    finally:
        connection.close()  # back to the pool; a failed statement is rolled back there
    return result


def _pg_write(cursor, dialect, attempt_id: int, position: int, value: str, seq: int, device: str,
              now: datetime) -> tuple[bool, tuple | None]:
    """The upsert on a driver cursor, and `_WHY` when it wrote nothing (not committed)."""
    cursor.execute(_pg_text(dialect, "upsert", _UPSERT), _upsert_params(attempt_id, position, value, seq, device, now))
    if cursor.fetchone() is not None:
        return True, None
    cursor.execute(_pg_text(dialect, "why", _WHY), {"attempt_id": attempt_id, "position": position})
    row = cursor.fetchone()
    return False, (tuple(row) if row else None)


def stale_message() -> str:
    return str(_l("Câu này đã được lưu một câu trả lời mới hơn (ở cửa sổ khác?)."))


def _unsaved(why: tuple | None, text: str, value, seq: int, device: str, now: datetime,
             stale: str | None = None) -> SaveOutcome:
    """The outcome of an upsert that wrote nothing, from `_WHY`'s row (`stale`: the message, if
    already translated)."""
    if why is None:
        return _closed()
    state, current_device, deadline, stored_seq, stored_value = why
    if state != AttemptState.IN_PROGRESS or deadline < now - ALLOWANCE:
        return _closed()
    if current_device != device:
        return _elsewhere()
    if stored_seq == seq and stored_value == text:
        return SaveOutcome("same", seq, value)
    return SaveOutcome("stale", stored_seq or 0, _decode(stored_value) if stored_value is not None else None,
                       stale if stale is not None else stale_message())


@dataclass(frozen=True)
class FrozenSlot:
    qtype: str
    data: dict
    layout: object


# What reading an answer needs, kept in memory: an attempt's slots and the versions they show never
# change once drawn (only `graded_version_id` moves, on a regrade), so the autosave reads them from
# the database once per attempt and process. Keys carry the attempt's random seed and the version's
# creation time, so a different database reusing the same ids never hits a stale entry.
_SLOTS: Memo[dict[int, tuple[str, tuple, object]]] = Memo(2048)
_VERSIONS: Memo[dict] = Memo(4096)


_SLOT_ROWS = (select(AttemptSlot.position, Question.qtype, AttemptSlot.version_id, QuestionVersion.created_at,
                     AttemptSlot.layout)
              .join(Question, Question.id == AttemptSlot.question_id)
              .join(QuestionVersion, QuestionVersion.id == AttemptSlot.version_id)
              .where(AttemptSlot.attempt_id == bindparam("attempt_id")))
_VERSION_ROWS = select(QuestionVersion.id, QuestionVersion.data).where(
    QuestionVersion.id.in_(bindparam("ids", expanding=True)))
_VERSION_ROWS_PG = select(QuestionVersion.id, QuestionVersion.data).where(QuestionVersion.id == any_(bindparam("ids")))


def _frozen_slot(session: Session, attempt_id: int, seed: int, position: int) -> FrozenSlot | None:
    statements = {"slots": _SLOT_ROWS, "versions": _VERSION_ROWS}
    return _slot_through(lambda name, params: session.execute(statements[name], params).all(), attempt_id, seed,
                         position)


def _cursor_reader(cursor, dialect):
    """`_slot_through`'s reader on a PostgreSQL driver cursor."""
    statements = {"slots": _SLOT_ROWS, "versions": _VERSION_ROWS_PG}

    def read(name: str, params: dict):
        cursor.execute(_pg_text(dialect, name, statements[name]), params)
        return cursor.fetchall()

    return read


def _slot_through(read, attempt_id: int, seed: int, position: int) -> FrozenSlot | None:
    """The slot from the memo, reading the attempt's slots (and versions not yet seen) with
    `read(statement name, params)` the first time."""
    slots = _SLOTS.get_or_load((attempt_id, seed), lambda: {
        pos: (qtype, (version_id, created_at), layout)
        for pos, qtype, version_id, created_at, layout in read("slots", {"attempt_id": attempt_id})})
    if position not in slots:
        return None
    qtype, version_key, layout = slots[position]
    data = _VERSIONS.get(version_key)
    if data is None:
        missing = {key[0]: key for _q, key, _l in slots.values() if _VERSIONS.get(key) is None}
        for version_id, version_data in read("versions", {"ids": list(missing)}):
            _VERSIONS.put(missing[version_id], version_data)
        data = _VERSIONS.get(version_key)
    return FrozenSlot(qtype, data, layout)


def _remembered_slot(attempt_id: int, seed: int, position: int) -> FrozenSlot | None:
    """The slot if this process has already read it (see `_frozen_slot`), without the database."""
    slots = _SLOTS.get((attempt_id, seed))
    entry = slots.get(position) if slots else None
    data = _VERSIONS.get(entry[1]) if entry else None
    return FrozenSlot(entry[0], data, entry[2]) if data is not None else None


def _canonical(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _valid_seq(seq) -> bool:
    return isinstance(seq, int) and not isinstance(seq, bool) and 0 < seq < 2 ** 31


def _read_answer(session: Session, attempt_id: int, seed: int, position: int, raw, seq) -> tuple[str, object] | SaveOutcome:
    """The answer as stored (canonical JSON) and as read, or why it cannot be stored."""
    if not _valid_seq(seq):
        return SaveOutcome("invalid", message=str(_l("Số thứ tự lưu không hợp lệ.")))
    slot = _frozen_slot(session, attempt_id, seed, position)
    if slot is None:
        return SaveOutcome("invalid", message=str(_l("Không có câu này trong bài làm.")))
    try:
        value = qtypes.TYPES[slot.qtype].normalize(slot.data, slot.layout, raw)
    except qtypes.ResponseError as exc:
        return SaveOutcome("invalid", message=str(exc.message))
    return _canonical(value), value


@dataclass(frozen=True)
class LiveAttempt:
    """What saving an answer needs of an attempt, read in one query without building ORM objects.
    Anything unusual — overdue, finished, another device — goes back to the ORM `Attempt` and the
    same rules as everywhere else."""
    id: int
    state: str
    device: str
    deadline: datetime
    seed: int
    started_at: datetime
    page: int
    navigation: str
    per_page: int

    @classmethod
    def of(cls, attempt: Attempt) -> LiveAttempt:
        return cls(attempt.id, attempt.state, attempt.device, attempt.deadline, attempt.seed, attempt.started_at,
                   attempt.page, attempt.exam.navigation, attempt.exam.per_page)


# Built once: the statement runs on every save that the quick path does not settle.
_LIVE = (select(Attempt.id, Attempt.state, Attempt.device, Attempt.deadline, Attempt.seed, Attempt.started_at,
                Attempt.page, Exam.navigation, Exam.per_page)
         .join(Exam, Exam.id == Attempt.exam_id).join(Student, Student.id == Attempt.student_id)
         .where(Attempt.id == bindparam("attempt_id"), Student.user_id == bindparam("user_id")))


def live_attempt(session: Session, user_id: int, attempt_id: int) -> LiveAttempt | None:
    """The signed-in pupil's own attempt (ownership is in the query), or None."""
    row = session.connection().execute(_LIVE, {"attempt_id": attempt_id, "user_id": user_id}).first()
    return LiveAttempt(*row) if row is not None else None


def _closed() -> SaveOutcome:
    return SaveOutcome("closed", message=str(_l("Bài làm đã kết thúc; không lưu thêm được.")))


def _elsewhere() -> SaveOutcome:
    return SaveOutcome("device", message=str(_l("Bài làm đang mở trên thiết bị khác.")))


def save_response(session: Session, attempt: Attempt | LiveAttempt, position: int, raw, seq: int, *, device: str,
                  now: datetime) -> SaveOutcome:
    """Save one answer. Stored only if its sequence number is newer; the same number and value
    again is acknowledged (a retry); anything older is refused with what is stored."""
    live = attempt if isinstance(attempt, LiveAttempt) else LiveAttempt.of(attempt)
    if live.state == AttemptState.IN_PROGRESS and now > live.deadline + ALLOWANCE:
        finish_if_overdue(session, attempt if isinstance(attempt, Attempt) else session.get(Attempt, live.id), now)
        return _closed()
    if live.state != AttemptState.IN_PROGRESS:
        return _closed()
    if live.device != device:
        return _elsewhere()
    if live.navigation == "sequential" and isinstance(position, int) and \
            page_of(position - 1, live.per_page) != live.page:
        return SaveOutcome("page", message=str(_l("Bài thi làm lần lượt: không sửa được câu ở trang khác.")))
    read = _read_answer(session, live.id, live.seed, position, raw, seq)
    if isinstance(read, SaveOutcome):
        return read
    text, value = read
    if _upsert(session, live.id, position, text, seq, device, now):
        return SaveOutcome("saved", seq, value)
    # Nothing written: find out why, from what is in the database now.
    row = session.execute(_WHY, {"attempt_id": live.id, "position": position}).first()
    return _unsaved(tuple(row) if row else None, text, value, seq, device, now)


# ---------------------------------------------------------------- the attempt ticket

@dataclass(frozen=True)
class Ticket:
    """Given to the attempt page when it is opened by its owner: the autosave presents it in a
    header instead of the session cookie and the form token. It names the attempt, its owner and
    its seed and is signed with the app's secret, so checking it needs no database; what it cannot
    say (open, this device, before the deadline) the guarded upsert checks in the same statement
    that writes. A page of another site cannot read it, so it is also the save's CSRF defence."""
    attempt_id: int
    user_id: int
    seed: int
    sequential: bool
    lang: str  # the page's language, for the save's messages (no session is read for a save)


def _ticket_mac(secret: str, body: str) -> str:
    key = hashlib.sha256(b"lms-attempt-ticket\0" + secret.encode()).digest()
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()[:40]


def issue_ticket(secret: str, attempt: Attempt, user_id: int, lang: str = "vi") -> str:
    if not (lang.isascii() and lang.isalpha()):
        raise ValueError(f"language code {lang!r}")
    body = f"{attempt.id}.{user_id}.{attempt.seed}.{1 if attempt.exam.navigation == 'sequential' else 0}.{lang}"
    return f"{body}.{_ticket_mac(secret, body)}"


def read_ticket(secret: str, ticket: str | None, attempt_id: int) -> Ticket | None:
    """The ticket's claims if it is genuine and for this attempt, else None."""
    parts = (ticket or "").split(".")
    if len(parts) != 6 or not all(p.isdigit() for p in parts[:4]):
        return None
    body = ".".join(parts[:5])
    if not hmac.compare_digest(parts[5], _ticket_mac(secret, body)) or int(parts[0]) != attempt_id:
        return None
    return Ticket(int(parts[0]), int(parts[1]), int(parts[2]), parts[3] == "1", parts[4])


def quick_save(session: Session, ticket: Ticket, position, raw, seq, *, device: str, now: datetime) -> SaveOutcome | None:
    """The autosave's usual case in one statement: a newer answer to an open attempt on its own
    device, committed when it returns. None when that is not what happened (stale, closed, overdue,
    another device, a sequential exam): the caller then applies `save_response`, which says why."""
    if ticket.sequential or not isinstance(position, int):
        return None
    read = _read_answer(session, ticket.attempt_id, ticket.seed, position, raw, seq)
    if isinstance(read, SaveOutcome):
        return read
    text, value = read
    saved, why = _upsert_committed(session, ticket.attempt_id, position, text, seq, device, now)
    if saved:
        return SaveOutcome("saved", seq, value)
    outcome = _unsaved(why, text, value, seq, device, now)
    # A retry or an older save is answered here; a closed, overdue or moved attempt by the full rules.
    return outcome if outcome.status in ("same", "stale") else None


def direct_save(engine, ticket: Ticket, position, raw, seq, *, device: str, now: datetime,
                stale: str) -> SaveOutcome | None:
    """`quick_save` without a request context or a session, for `lms.exams.autosave`, on
    PostgreSQL, on one driver connection: an answer (the attempt's questions read once per
    process), saved, or found to be a retry or older than the stored one (`stale`: that message in the page's language). None for
    anything else (the app then answers through the full route, which says why)."""
    if ticket.sequential or not isinstance(position, int) or not _valid_seq(seq):
        return None
    connection = engine.raw_connection()
    try:  # leaving early returns the connection unused; the pool rolls back what was read
        with connection.cursor() as cursor:
            slot = _remembered_slot(ticket.attempt_id, ticket.seed, position) or \
                _slot_through(_cursor_reader(cursor, engine.dialect), ticket.attempt_id, ticket.seed, position)
            if slot is None:
                return None
            try:
                value = qtypes.TYPES[slot.qtype].normalize(slot.data, slot.layout, raw)
            except qtypes.ResponseError:
                return None
            text = _canonical(value)
            saved, why = _pg_write(cursor, engine.dialect, ticket.attempt_id, position, text, seq, device, now)
        connection.commit()
    finally:
        connection.close()
    if saved:
        return SaveOutcome("saved", seq, value)
    outcome = _unsaved(why, text, value, seq, device, now, stale)
    return outcome if outcome.status in ("same", "stale") else None


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
    from lms.exams.results import grade_attempt

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
