"""The autosave's storage path (domain/exams.md §8): every answer is saved on its own with a
sequence number that only grows, by one guarded upsert — written only while the attempt is open on
this device and before the deadline plus the allowance, and only if newer than what is stored — so
a stale or out-of-order save never overwrites a newer one. The attempt page's ticket lets the save
skip the session; what a question accepts is read once per process and kept.

The rules are in `attempt_rules.py`; the state changes (start, submit, finish) in `attempts.py`,
whose `save_response` applies the full rules when this path cannot settle a save.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import any_, bindparam, select, text
from sqlalchemy.orm import Session

from lms.core.memo import Memo
from lms.db import UTCDateTime
from lms.exams import qtypes
from lms.exams.attempt_rules import ALLOWANCE, time_left
from lms.exams.models import Attempt, AttemptSlot, AttemptState, Exam, Question, QuestionVersion, Response
from lms.i18n import lazy_gettext as _l
from lms.people.models import Student

DEVICE_COOKIE = "lms_device"  # a random token per browser; attempts keep its hash


def device_hash(token: str | None) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest() if token else ""


def new_device_token() -> str:
    return secrets.token_urlsafe(24)



# ---------------------------------------------------------------- saving

def decode(value: str | None):
    """A stored answer (canonical JSON) as a value."""
    return json.loads(value) if value is not None else None


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


def upsert(session: Session, attempt_id: int, position: int, value: str, seq: int, device: str,
            now: datetime) -> bool:
    """The guarded upsert inside the session's transaction (committed by the caller)."""
    return bool(session.connection().execute(_UPSERT, _upsert_params(attempt_id, position, value, seq, device,
                                                                     now)).all())


# Why an upsert wrote nothing, in one statement: the attempt as it is now and the stored answer.
WHY = (select(Attempt.state, Attempt.device, Attempt.deadline, Response.seq, Response.value)
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
    """The same upsert, committed before returning, with `WHY` read when it wrote nothing. On
    PostgreSQL it runs on a pooled driver connection of its own — BEGIN, the statements, COMMIT and
    nothing else, as cheap as the bare endpoint of bench/autosave.py; elsewhere through the
    session. Called before the session has written anything, so the two never wait on each other."""
    engine = session.get_bind()
    if engine.dialect.name != "postgresql":
        saved = upsert(session, attempt_id, position, value, seq, device, now)
        row = None if saved else session.execute(WHY, {"attempt_id": attempt_id, "position": position}).first()
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
    """The upsert on a driver cursor, and `WHY` when it wrote nothing (not committed)."""
    cursor.execute(_pg_text(dialect, "upsert", _UPSERT), _upsert_params(attempt_id, position, value, seq, device, now))
    if cursor.fetchone() is not None:
        return True, None
    cursor.execute(_pg_text(dialect, "why", WHY), {"attempt_id": attempt_id, "position": position})
    row = cursor.fetchone()
    return False, (tuple(row) if row else None)


def stale_message() -> str:
    return str(_l("Câu trả lời của câu này vừa được đổi ở một cửa sổ hoặc thẻ khác. Trang đã hiện câu trả lời "
                  "mới nhất; muốn đổi thì em chọn lại."))


def unsaved(why: tuple | None, text: str, value, seq: int, device: str, now: datetime,
             stale: str | None = None) -> SaveOutcome:
    """The outcome of an upsert that wrote nothing, from `WHY`'s row (`stale`: the message, if
    already translated)."""
    if why is None:
        return closed()
    state, current_device, deadline, stored_seq, stored_value = why
    if state != AttemptState.IN_PROGRESS or deadline < now - ALLOWANCE:
        return closed()
    if current_device != device:
        return elsewhere()
    if stored_seq == seq and stored_value == text:
        return SaveOutcome("same", seq, value)
    return SaveOutcome("stale", stored_seq or 0, decode(stored_value) if stored_value is not None else None,
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


def read_answer(session: Session, attempt_id: int, seed: int, position: int, raw, seq) -> tuple[str, object] | SaveOutcome:
    """The answer as stored (canonical JSON) and as read, or why it cannot be stored."""
    if not _valid_seq(seq):
        return SaveOutcome("invalid", message=str(_l("Câu trả lời chưa lưu được vì trang làm bài gửi thiếu thông "
                                                     "tin. Em hãy tải lại trang rồi trả lời lại câu này.")))
    slot = _frozen_slot(session, attempt_id, seed, position)
    if slot is None:
        return SaveOutcome("invalid", message=str(_l("Câu trả lời chưa lưu được vì câu này không có trong bài làm "
                                                     "của em. Em hãy tải lại trang.")))
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


def closed() -> SaveOutcome:
    return SaveOutcome("closed", message=str(_l("Bài làm đã kết thúc (đã nộp hoặc đã hết giờ) nên không lưu thêm "
                                                "được. Em xem kết quả ở trang bài thi.")))


def elsewhere() -> SaveOutcome:
    return SaveOutcome("device", message=str(_l("Bài làm đã chuyển sang thiết bị khác nên máy này không lưu được "
                                                "nữa. Em làm tiếp trên thiết bị kia, hoặc tải lại trang này để "
                                                "chuyển bài về đây.")))


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
    read = read_answer(session, ticket.attempt_id, ticket.seed, position, raw, seq)
    if isinstance(read, SaveOutcome):
        return read
    text, value = read
    saved, why = _upsert_committed(session, ticket.attempt_id, position, text, seq, device, now)
    if saved:
        return SaveOutcome("saved", seq, value)
    outcome = unsaved(why, text, value, seq, device, now)
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
    outcome = unsaved(why, text, value, seq, device, now, stale)
    return outcome if outcome.status in ("same", "stale") else None


# ---------------------------------------------------------------- the clock

# What the attempt page polls every few seconds, so a teacher's extra time or new window reaches
# the pupil's timer at once: one indexed read, authenticated by the ticket like a save.
_CLOCK = select(Attempt.state, Attempt.deadline).where(Attempt.id == bindparam("attempt_id"))


def deadline_iso(deadline: datetime) -> str:
    """The deadline as the page compares it: an instant in UTC with its offset written, whichever
    driver read it (a naive value is UTC, as every stored time is)."""
    if deadline.tzinfo is None:
        deadline = deadline.replace(tzinfo=timezone.utc)
    return deadline.astimezone(timezone.utc).isoformat()


def clock_answer(row, now: datetime) -> dict | None:
    if row is None:
        return None
    state, deadline = row
    return {"state": state, "time_left": time_left(deadline, now), "deadline": deadline_iso(deadline)}


def read_clock(session: Session, ticket: Ticket, now: datetime) -> dict | None:
    """The attempt's state and time left, for the page's timer."""
    return clock_answer(session.execute(_CLOCK, {"attempt_id": ticket.attempt_id}).first(), now)


def direct_clock(engine, ticket: Ticket, now: datetime) -> dict | None:
    """`read_clock` on a pooled PostgreSQL driver connection, for `lms.exams.autosave`."""
    connection = engine.raw_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute(_pg_text(engine.dialect, "clock", _CLOCK), {"attempt_id": ticket.attempt_id})
            row = cursor.fetchone()
        connection.rollback()
    finally:
        connection.close()
    return clock_answer(row, now)


def saved_answers(session: Session, ticket: Ticket) -> dict[int, dict]:
    """Every answer stored for the ticket's attempt with its sequence number: what a page left
    open compares with its own when it comes back into view (another window or tab of the same
    device may have changed an answer meanwhile)."""
    rows = session.execute(select(Response.position, Response.seq, Response.value)
                           .where(Response.attempt_id == ticket.attempt_id))
    return {position: {"seq": seq, "value": decode(value)} for position, seq, value in rows}
