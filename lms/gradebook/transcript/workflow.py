"""The transcript's workflow per pupil and school year:

    drafted → checked → confirmed → signed by the teacher → signed by the school → issued

- drafted: built from the grade book as it stands (the year must be locked);
- checked: the homeroom teacher has reviewed every figure; the report card's snapshot and the
  national record are frozen here;
- confirmed: the principal approves; the document date is fixed;
- the two signatures (lms.gradebook.transcript.signing) move it on, and issuing publishes it.

A pupil whose identity data are missing or disagree (record.identity_problems) is never checked,
confirmed or signed until fixed. Checked or confirmed transcripts can be sent back to drafted
with a reason. After issuing, a correction makes version n+1 (drafted, `supersedes_id` = n);
when n+1 is issued, n becomes superseded; both are kept. Every step and every view, download and
extract is a TranscriptEvent (who, what, why, when).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.core.errors import Forbidden, NotFound, ValidationError
from lms.core.signing import canonical_json, sha256_hex
from lms.gradebook import reportcards
from lms.gradebook.permissions import can_keep_class
from lms.gradebook.transcript.assembly import ClassSources, class_sources
from lms.gradebook.transcript.codes import CodeLists
from lms.gradebook.transcript.models import State, Transcript, TranscriptEvent
from lms.gradebook.transcript.record import identity_gaps, identity_problems
from lms.i18n import lazy_gettext as _l
from lms.people.models import SchoolClass, Student

ORDER = (State.DRAFTED, State.CHECKED, State.CONFIRMED, State.TEACHER_SIGNED, State.SCHOOL_SIGNED, State.ISSUED)
STATE_LABELS = {State.DRAFTED: _l("Dự thảo"), State.CHECKED: _l("GVCN đã kiểm tra"),
                State.CONFIRMED: _l("Hiệu trưởng đã xác nhận"), State.TEACHER_SIGNED: _l("GVCN đã ký"),
                State.SCHOOL_SIGNED: _l("Nhà trường đã ký"), State.ISSUED: _l("Đã phát hành"),
                State.SUPERSEDED: _l("Đã được thay thế")}
ACTION_LABELS = {"drafted": _l("lập dự thảo"), "checked": _l("kiểm tra"), "confirmed": _l("xác nhận"),
                 "returned": _l("trả lại"), "teacher_signed": _l("GVCN ký"), "school_signed": _l("nhà trường ký"),
                 "issued": _l("phát hành"), "correction": _l("đính chính"), "superseded": _l("bị thay thế"),
                 "view": _l("xem"), "download": _l("tải về"), "extract": _l("trích xuất"), "verify": _l("xác minh")}


# ---------------------------------------------------------------- who may do what

def may_check(user: User, role: str, school_class: SchoolClass) -> bool:
    """The homeroom teacher reviews the figures (an admin may do it for them)."""
    return can_keep_class(user, role, school_class)


def require_class(user: User, role: str, school_class: SchoolClass) -> None:
    if not can_keep_class(user, role, school_class):
        raise NotFound(_l("Không tìm thấy lớp."))


def require_checker(user: User, school_class: SchoolClass) -> None:
    """The check is the homeroom teacher's; an admin does it only for a class without one (and is
    then never the one who confirms: `checked_by`)."""
    if school_class.homeroom_teacher_id is not None and school_class.homeroom_teacher_id != user.id:
        raise Forbidden(_l("Bước “Đã kiểm tra” là của giáo viên chủ nhiệm lớp %(c)s.", c=school_class.name))


def checked_by(session: Session, t: Transcript) -> int | None:
    """Who checked this version last (separation of duties: that person never confirms it)."""
    return session.scalar(select(TranscriptEvent.actor_id).where(TranscriptEvent.transcript_id == t.id,
                                                                 TranscriptEvent.action == "checked")
                          .order_by(TranscriptEvent.id.desc()).limit(1))


def require_principal(role: str) -> None:
    if role != "admin":
        raise Forbidden(_l("Chỉ hiệu trưởng (quản trị trường) làm bước này."))


# ---------------------------------------------------------------- reading

@dataclass
class Row:
    student: Student
    transcript: Transcript | None          # the latest version
    problems: list[str]                    # identity: stop signing
    gaps: list[str]                        # identity: left empty
    missing: list[str]                     # grade-book data still missing

    @property
    def state(self) -> str:
        return self.transcript.state if self.transcript else ""

    @property
    def blocked(self) -> bool:
        return bool(self.problems or self.missing)

    @property
    def issued_with_old_id(self) -> str | None:
        """The personal ID number the issued version carries, when the profile's is another one now
        (changed on the identity page, the pupil's profile or an import): it needs a correction."""
        t = self.transcript
        if t is None or t.state != State.ISSUED or not t.record:
            return None
        carried = record_of(t)["record"].get("sodinhdanhcanhan") or ""
        return carried if carried != (self.student.personal_id or "") else None


def latest_versions(session: Session, year_id: int, student_ids: list[int]) -> dict[int, Transcript]:
    """The newest version of each pupil's transcript for the year, in one query."""
    newest = (select(Transcript.student_id, func.max(Transcript.version).label("v"))
              .where(Transcript.school_year_id == year_id, Transcript.student_id.in_(student_ids or [0]))
              .group_by(Transcript.student_id).subquery())
    rows = session.scalars(select(Transcript).join(newest, (newest.c.student_id == Transcript.student_id)
                                                   & (newest.c.v == Transcript.version))
                           .where(Transcript.school_year_id == year_id))
    return {t.student_id: t for t in rows}


def class_rows(session: Session, sources: ClassSources) -> list[Row]:
    latest = latest_versions(session, sources.data.year.id, [s.id for s in sources.students])
    return [Row(s, latest.get(s.id), identity_problems(sources.identities[s.id]), identity_gaps(sources.identities[s.id]),
                sources.data.missing(s.id)) for s in sources.students]


def events_of(session: Session, transcript_ids: list[int]) -> list[TranscriptEvent]:
    return list(session.scalars(select(TranscriptEvent).where(TranscriptEvent.transcript_id.in_(transcript_ids or [0]))
                                .order_by(TranscriptEvent.at, TranscriptEvent.id)))


def versions_of(session: Session, student_id: int, year_id: int) -> list[Transcript]:
    return list(session.scalars(select(Transcript).where(Transcript.student_id == student_id,
                                                         Transcript.school_year_id == year_id)
                                .order_by(Transcript.version.desc())))


def issued_of_student(session: Session, student_id: int) -> list[Transcript]:
    """The pupil's issued transcripts (the version in force of each year), newest year first: what
    the pupil and their parents reach from their grades page."""
    from lms.people.models import SchoolYear

    return list(session.scalars(select(Transcript).join(SchoolYear, SchoolYear.id == Transcript.school_year_id)
                                .where(Transcript.student_id == student_id, Transcript.state == State.ISSUED)
                                .order_by(SchoolYear.start_date.desc(), Transcript.version.desc())))


def by_token(session: Session, token: str) -> Transcript:
    t = session.scalars(select(Transcript).where(Transcript.token == token)).first()
    if t is None:
        raise NotFound(_l("Không có học bạ số nào mang mã xác minh này."))
    return t


# ---------------------------------------------------------------- writing

def log(session: Session, transcript: Transcript, action: str, actor_id: int | None, *, reason: str = "",
        from_state: str = "", to_state: str = "", now: datetime | None = None) -> TranscriptEvent:
    event = TranscriptEvent(school_id=transcript.school_id, transcript_id=transcript.id, action=action,
                            from_state=from_state, to_state=to_state, actor_id=actor_id, reason=reason[:300])
    if now is not None:
        event.at = now
    session.add(event)
    return event


def _move(session: Session, t: Transcript, to: State, actor: User, now: datetime, action: str, reason: str = "") -> None:
    before = t.state
    t.state = to
    log(session, t, action, actor.id, from_state=before, to_state=to, reason=reason, now=now)


@dataclass
class Outcome:
    """What a class-wide step did: how many moved, and who was left and why."""
    done: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)   # (pupil's name, reason)


def draft_class(session: Session, actor: User, role: str, school_class: SchoolClass, *, now: datetime) -> Outcome:
    """Open a drafted transcript for every pupil of the class who has none for the year."""
    require_class(actor, role, school_class)
    reportcards.require_year_locked(session, school_class.school_year)
    sources = class_sources(session, school_class)
    out = Outcome()
    for row in class_rows(session, sources):
        if row.transcript is not None:
            continue
        t = Transcript(school_id=school_class.school_id, student_id=row.student.id,
                       school_year_id=school_class.school_year_id, class_id=school_class.id, version=1,
                       state=State.DRAFTED, token=secrets.token_urlsafe(32))
        session.add(t)
        session.flush()
        log(session, t, "drafted", actor.id, to_state=State.DRAFTED, now=now)
        out.done += 1
    session.flush()
    return out


def _freeze(t: Transcript, sources: ClassSources, snapshot: dict, *, state: str, issue_date: date | None,
            code_lists: CodeLists) -> None:
    record = sources.record(snapshot, t.student_id, version=t.version, state=state, issue_date=issue_date,
                            code_lists=code_lists)
    t.snapshot = canonical_json(snapshot)
    t.record = canonical_json(record)
    t.record_sha256 = sha256_hex(t.record.encode())


def step_class(session: Session, actor: User, role: str, school_class: SchoolClass, action: str,
               student_ids: list[int] | None, *, now: datetime, today: date, code_lists: CodeLists,
               reason: str = "") -> Outcome:
    """One workflow step for the chosen pupils of a class (all when `student_ids` is None):
    `check` (homeroom teacher), `confirm` or `return` (principal)."""
    require_class(actor, role, school_class)
    if action in ("confirm", "return"):
        require_principal(role)
    if action == "check":
        require_checker(actor, school_class)
    if action == "return" and not meaningful(reason):
        raise ValidationError(_l("Ghi lý do trả lại để giáo viên chủ nhiệm biết cần sửa gì. %(r)s", r=REASON_RULE),
                              field="reason")
    wanted = {State.DRAFTED} if action == "check" else (
        {State.CHECKED} if action == "confirm" else {State.CHECKED, State.CONFIRMED})
    if action not in ("check", "confirm", "return"):
        raise ValidationError(_l("Bước không hợp lệ."))
    sources = class_sources(session, school_class)
    if action in ("check", "confirm"):    # the record is frozen with the school's codes: never our own
        from lms.gradebook.transcript.school_setup import require_codes

        require_codes(sources.setup)
    out = Outcome()
    for row in class_rows(session, sources):
        t = row.transcript
        if (student_ids is not None and row.student.id not in student_ids) or t is None or t.state not in wanted:
            continue
        if action != "return" and t.supersedes_id and not meaningful(t.correction_reason or ""):
            # A correction of a signed, issued transcript says why, on its PDF and in the register.
            out.skipped.append((row.student.full_name, str(_l("bản đính chính chưa ghi lý do điều chỉnh"))))
            continue
        if action != "return" and row.blocked:
            out.skipped.append((row.student.full_name, "; ".join(row.problems + row.missing)))
            continue
        if action == "confirm" and checked_by(session, t) == actor.id:
            out.skipped.append((row.student.full_name, str(_l(
                "người đã kiểm tra không tự xác nhận học bạ mình kiểm tra: một người khác (hiệu trưởng) xác nhận"))))
            continue
        if action == "check":
            snapshot = sources.data.snapshot(row.student, actor)
            snapshot["principal"] = ""
            _freeze(t, sources, snapshot, state=State.CHECKED, issue_date=None, code_lists=code_lists)
            _move(session, t, State.CHECKED, actor, now, "checked")
        elif action == "confirm":
            snapshot = _loads(t.snapshot)
            snapshot.update({**_school_signer(sources), "token": t.token, "version": t.version,
                             "issued_at": today.isoformat(), "replaces": _replaces(session, t)})
            snapshot["principal"] = snapshot["principal"] or actor.full_name
            # The signed document is the issued one: it says so (trangthaithongtinhocba).
            _freeze(t, sources, snapshot, state=State.ISSUED, issue_date=today, code_lists=code_lists)
            _move(session, t, State.CONFIRMED, actor, now, "confirmed")
        else:
            t.snapshot = t.record = t.record_sha256 = ""
            _move(session, t, State.DRAFTED, actor, now, "returned", reason.strip())
        out.done += 1
    session.flush()
    return out


def meaningful(reason: str) -> bool:
    """A reason someone can act on: a few characters with letters in them, not a dot or a dash."""
    text = reason.strip()
    return len(text) >= 5 and sum(ch.isalpha() for ch in text) >= 3


REASON_RULE = _l("Ghi rõ lý do (ít nhất 5 ký tự, có chữ: sai gì, sửa thế nào).")


def _replaces(session: Session, t: Transcript) -> dict | None:
    """What a correction replaces, for its PDF: the version, the day the school signed it (else its
    document date) and why it is corrected."""
    if not t.supersedes_id:
        return None
    from lms.core.timeutil import school_tz, utc_to_local

    old = session.get(Transcript, t.supersedes_id)
    signed = session.scalars(select(TranscriptEvent.at).where(TranscriptEvent.transcript_id == old.id,
                                                              TranscriptEvent.action == "school_signed")
                             .order_by(TranscriptEvent.id.desc())).first()
    if signed is not None:
        day = utc_to_local(signed, school_tz()).date()
    else:
        day = date.fromisoformat((_loads(old.snapshot).get("issued_at") or "")[:10])
    return {"version": old.version, "signed_on": day.strftime("%d/%m/%Y"), "reason": t.correction_reason or "",
            "record_id": _loads(old.record)["record"]["madinhdanhhocba"] if old.record else ""}


def _school_signer(sources: ClassSources) -> dict:
    """Who signs for the school, from the school's one setting (principal, or a deputy KT.):
    the PDF prints it and the record's chucvugiamhieu/hotengiamhieu are read from it."""
    from lms.core.official import school_signer

    over, title, name = school_signer(sources.data.school)
    return {"signer_over": over or "", "signer_title": title, "principal": name or ""}


def _loads(text: str) -> dict:
    import json

    return json.loads(text)


def record_of(t: Transcript) -> dict:
    """The stored national record (checked onwards)."""
    return _loads(t.record)


def exported(t: Transcript, code_lists: CodeLists) -> dict:
    """The record as a JSON or XML export hands it out: its status (trangthaithongtinhocba) is the
    record's real state now (confirmed, issued, superseded, …). The stored record is the document to
    be signed, written from the confirmation on as the issued one; only a signed file says that."""
    record = record_of(t)
    record["record"]["trangthaithongtinhocba"] = code_lists.code("trangthaithongtinhocba", t.state)
    return record


def snapshot_of(t: Transcript) -> dict:
    return _loads(t.snapshot)


def issue_class(session: Session, actor: User, role: str, school_class: SchoolClass, *, now: datetime) -> Outcome:
    """Publish every transcript of the class that both have signed; a correction supersedes the
    version it corrects."""
    require_class(actor, role, school_class)
    require_principal(role)
    out = Outcome()
    latest = latest_versions(session, school_class.school_year_id,
                             [s.id for s in _students(session, school_class)])
    for t in latest.values():
        if t.class_id != school_class.id or t.state != State.SCHOOL_SIGNED:
            continue
        issue_one(session, actor, t, now=now)
        out.done += 1
    session.flush()
    return out


def issue_one(session: Session, actor: User, t: Transcript, *, now: datetime) -> None:
    if t.state != State.SCHOOL_SIGNED:
        raise ValidationError(_l("Chỉ phát hành được học bạ đã có đủ chữ ký của giáo viên chủ nhiệm và nhà trường."))
    t.issued_at = now
    _move(session, t, State.ISSUED, actor, now, "issued")
    if t.supersedes_id:
        old = session.get(Transcript, t.supersedes_id)
        if old is not None and old.state == State.ISSUED:
            old.superseded_at = now
            _move(session, old, State.SUPERSEDED, actor, now, "superseded", t.correction_reason)


REASON_MAX = 300     # the column's width: a longer reason is refused, never cut


def correct(session: Session, actor: User, role: str, t: Transcript, reason: str, *, now: datetime) -> Transcript:
    """Open version n+1 of an issued transcript to correct it; n stays valid until n+1 is issued."""
    require_principal(role)
    if not meaningful(reason):
        raise ValidationError(_l("Ghi lý do đính chính: học bạ đã ký và phát hành chỉ được điều chỉnh khi có lý do, in "
                                 "trên bản điều chỉnh. %(r)s", r=REASON_RULE), field="reason")
    if len(reason.strip()) > REASON_MAX:
        raise ValidationError(_l("Lý do đính chính dài tối đa %(n)s ký tự (đang ghi %(m)s).", n=REASON_MAX,
                                 m=len(reason.strip())), field="reason")
    if t.state != State.ISSUED:
        raise ValidationError(_l("Chỉ đính chính được học bạ đã phát hành."))
    if latest_versions(session, t.school_year_id, [t.student_id])[t.student_id].id != t.id:
        raise ValidationError(_l("Học bạ này đang có một bản đính chính chưa phát hành."))
    new = Transcript(school_id=t.school_id, student_id=t.student_id, school_year_id=t.school_year_id,
                     class_id=t.class_id, version=t.version + 1, state=State.DRAFTED,
                     token=secrets.token_urlsafe(32), supersedes_id=t.id, correction_reason=reason.strip())
    session.add(new)
    session.flush()
    log(session, new, "correction", actor.id, to_state=State.DRAFTED, reason=reason.strip(), now=now)
    log(session, t, "correction", actor.id, reason=reason.strip(), now=now)
    return new


def _students(session: Session, school_class: SchoolClass) -> list[Student]:
    from lms.people import services as people

    return people.students_of_class(session, school_class)


# ---------------------------------------------------------------- exports and verification

def classes_of(session: Session, school, year=None) -> list[SchoolClass]:
    from lms.people.models import SchoolYear

    stmt = select(SchoolClass).where(SchoolClass.school_id == school.id)
    if year is not None:
        stmt = stmt.where(SchoolClass.school_year_id == year.id)
    else:
        stmt = stmt.join(SchoolYear, SchoolYear.id == SchoolClass.school_year_id).where(SchoolYear.is_current.is_(True))
    return list(session.scalars(stmt.order_by(SchoolClass.grade, SchoolClass.name)))


def extract(session: Session, actor: User, classes: list[SchoolClass], code_lists: CodeLists) -> list[dict]:
    """The national records of these classes: for each pupil the issued version, or, before any
    is issued, the newest checked one (records are frozen from the check on). Each extract is
    logged."""
    out = []
    for school_class in classes:
        chosen: dict[int, Transcript] = {}
        for t in session.scalars(select(Transcript).where(Transcript.class_id == school_class.id,
                                                          Transcript.record != "")
                                 .order_by(Transcript.version.desc())):
            current = chosen.get(t.student_id)
            if current is None or (t.state == State.ISSUED and current.state != State.ISSUED):
                chosen[t.student_id] = t
        for t in sorted(chosen.values(), key=lambda t: t.student.sort_name):
            out.append(exported(t, code_lists))
            log(session, t, "extract", actor.id)
    return out


@dataclass
class Lineage:
    """Where a version stands among the versions of the same pupil's year, for the public page:
    which issued version it corrects (the day the school signed it, and why), and which version
    replaced it and when."""
    replaces: Transcript | None = None
    replaces_signed_on: date | None = None
    reason: str = ""
    replaced_by: Transcript | None = None
    replaced_on: date | None = None
    current: Transcript | None = None         # the version in force now, when it is another one


@dataclass
class PublicReport:
    """What the public verification page shows about one transcript version."""
    transcript: Transcript
    issued: bool
    newer: Transcript | None
    pdf: list = field(default_factory=list)
    xml: list = field(default_factory=list)
    record: dict | None = None
    problems: list[str] = field(default_factory=list)
    lineage: Lineage = field(default_factory=Lineage)

    @property
    def ok(self) -> bool:
        from lms.gradebook.transcript.verify import all_ok

        return self.issued and not self.problems and all_ok(self.pdf, 2) and all_ok(self.xml, 2)

    @property
    def sandbox(self) -> bool:
        """Signed (in part) with a sandbox certificate: a test document, said so."""
        return any(c.sandbox for c in [*self.pdf, *self.xml])


def _local_day(at: datetime | None) -> date | None:
    from lms.core.timeutil import school_tz, utc_to_local

    return utc_to_local(at, school_tz()).date() if at is not None else None


def _school_signed_on(session: Session, t: Transcript) -> date | None:
    """The day the school signed this version (its document date when the step was not logged)."""
    at = session.scalars(select(TranscriptEvent.at).where(TranscriptEvent.transcript_id == t.id,
                                                          TranscriptEvent.action == "school_signed")
                         .order_by(TranscriptEvent.id.desc())).first()
    if at is not None:
        return _local_day(at)
    text = (_loads(t.snapshot).get("issued_at") or "")[:10] if t.snapshot else ""
    return date.fromisoformat(text) if text else None


def lineage(session: Session, t: Transcript) -> Lineage:
    """The version this one corrects and the one that replaced it (issued versions only: a
    correction still in progress is nobody's business on the public page)."""
    out = Lineage()
    if t.supersedes_id:
        old = session.get(Transcript, t.supersedes_id)
        if old is not None:
            out.replaces, out.replaces_signed_on, out.reason = old, _school_signed_on(session, old), t.correction_reason
    if t.state == State.SUPERSEDED:
        out.replaced_by = session.scalars(select(Transcript).where(
            Transcript.supersedes_id == t.id, Transcript.state.in_((State.ISSUED, State.SUPERSEDED)))).first()
        out.replaced_on = _local_day(t.superseded_at)
        current = _current_version(session, t)
        if current is not None and current is not out.replaced_by:
            out.current = current
    return out


def _current_version(session: Session, t: Transcript) -> Transcript | None:
    return session.scalars(select(Transcript).where(
        Transcript.student_id == t.student_id, Transcript.school_year_id == t.school_year_id,
        Transcript.state == State.ISSUED).order_by(Transcript.version.desc())).first()


def public_report(session: Session, t: Transcript, settings) -> PublicReport:
    from lms.gradebook.transcript import verify

    issued = t.state in (State.ISSUED, State.SUPERSEDED)
    newer = _current_version(session, t) if t.state == State.SUPERSEDED else None
    report = PublicReport(t, issued, newer)
    if not issued:
        return report   # nothing of a transcript in progress is shown to the public
    report.lineage = lineage(session, t)
    problems = []
    for name, expected, checker, target in ((t.pdf_name, t.pdf_sha256, verify.check_pdf, "pdf"),
                                            (t.xml_name, t.xml_sha256, verify.check_xml, "xml")):
        path = settings.folder / name if name else None
        if path is None or not path.exists():
            problems.append(str(_l("Tệp %(k)s lưu trên hệ thống không còn.", k=target.upper())))
            continue
        data = path.read_bytes()
        if sha256_hex(data) != expected:
            problems.append(str(_l("Tệp %(k)s lưu trên hệ thống không còn khớp với bản đã phát hành.", k=target.upper())))
        setattr(report, target, checker(data, settings.trust))
    report.problems = problems
    report.record = record_of(t)["record"] if t.record else None
    return report


@dataclass
class UploadCheck:
    kind: str                 # pdf | xml
    same_file: bool           # byte for byte the file we issued for this version
    checks: list
    version: Transcript | None = None     # the issued version of the same pupil's year whose file it is, byte for byte
    lineage: Lineage | None = None        # that version's place among the versions, when it is another one


def check_upload(session: Session, t: Transcript, data: bytes, name: str, settings) -> UploadCheck:
    """Validate a file someone holds: its signatures on their own, and whether it is one of the
    files we issued for this pupil's year — this version, or another one (an earlier version held
    after its correction, or the correction itself), said with what became of it. An empty file, a
    file neither PDF nor XML, or one too large is refused, saying which."""
    from lms.gradebook.transcript import verify

    if not data:
        raise ValidationError(_l("Tệp “%(f)s” trống (0 byte): chọn tệp PDF hoặc XML học bạ đã tải về.", f=name),
                              field="file")
    if len(data) > verify.MAX_BYTES:
        raise ValidationError(_l("Tệp “%(f)s” lớn hơn %(n)s MB: tệp học bạ không lớn như vậy.", f=name,
                                 n=verify.MAX_BYTES // (1024 * 1024)), field="file")
    if data.startswith(b"%PDF-"):
        kind, checks = "pdf", verify.check_pdf(data, settings.trust)
    elif data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        kind, checks = "xml", verify.check_xml(data, settings.trust)
    else:
        raise ValidationError(_l("Tệp “%(f)s” không phải tệp PDF hay XML (không bắt đầu bằng “%%PDF-” hay “<”): chọn "
                                 "tệp PDF hoặc XML học bạ đã tải về.", f=name), field="file")
    digest = sha256_hex(data)
    column = Transcript.pdf_sha256 if kind == "pdf" else Transcript.xml_sha256
    version = session.scalars(select(Transcript).where(
        Transcript.student_id == t.student_id, Transcript.school_year_id == t.school_year_id,
        Transcript.state.in_((State.ISSUED, State.SUPERSEDED)), column == digest)).first()
    other = lineage(session, version) if version is not None and version.id != t.id else None
    return UploadCheck(kind, version is not None and version.id == t.id, checks, version, other)


def current_year(session: Session, school):
    from lms.people.models import SchoolYear

    return session.scalars(select(SchoolYear).where(SchoolYear.school_id == school.id,
                                                    SchoolYear.is_current.is_(True))).first()


# ---------------------------------------------------------------- the school's register

REGISTER_GROUPS = {
    "issue": ("issued", "correction", "superseded"),
    "extract": ("extract", "download"),
    "access": ("view", "verify"),
    "steps": ("drafted", "checked", "confirmed", "returned", "teacher_signed", "school_signed"),
}
REGISTER_GROUP_LABELS = {"issue": _l("Phát hành, đính chính"), "extract": _l("Trích xuất, tải về"),
                         "access": _l("Xem, xác minh"), "steps": _l("Các bước lập và ký"), "": _l("Tất cả")}
REGISTER_PAGE = 200
REGISTER_MAX = 20000


@dataclass
class RegisterLine:
    at: datetime
    action: str
    transcript: Transcript
    actor: str
    reason: str

    @property
    def label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))


@dataclass
class RegisterQuery:
    group: str = "issue"
    start: date | None = None            # school-local dates, both included
    end: date | None = None
    class_id: int | None = None


def register(session: Session, school_id: int, query: RegisterQuery, tz_name: str, *, limit: int | None = None,
             offset: int = 0) -> tuple[list[RegisterLine], int]:
    """The school's register of transcripts (sổ theo dõi): every issue, correction and
    supersession, every extract and download, every view and public verification, newest first,
    with who, why and when; and how many lines the query has in all."""
    from datetime import time, timedelta

    from lms.core.timeutil import local_to_utc

    if query.group and query.group not in REGISTER_GROUPS:
        raise ValidationError(_l("Loại “%(v)s” không có trong sổ: chọn một loại trong danh sách.", v=query.group[:40]),
                              field="group")
    if query.start and query.end and query.start > query.end:
        raise ValidationError(_l("Ngày bắt đầu phải trước ngày kết thúc."), field="start")
    where = [TranscriptEvent.school_id == school_id]
    if query.group:
        where.append(TranscriptEvent.action.in_(REGISTER_GROUPS[query.group]))
    if query.start:
        where.append(TranscriptEvent.at >= local_to_utc(datetime.combine(query.start, time()), tz_name))
    if query.end:
        where.append(TranscriptEvent.at < local_to_utc(datetime.combine(query.end + timedelta(days=1), time()), tz_name))
    base = select(TranscriptEvent).join(Transcript, Transcript.id == TranscriptEvent.transcript_id).where(*where)
    if query.class_id:
        base = base.where(Transcript.class_id == query.class_id)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    events = session.scalars(base.order_by(TranscriptEvent.at.desc(), TranscriptEvent.id.desc())
                             .limit(limit or REGISTER_PAGE).offset(offset)).all()
    transcripts = {t.id: t for t in session.scalars(select(Transcript).where(
        Transcript.id.in_({e.transcript_id for e in events} or {0})))}
    lines = [RegisterLine(e.at, e.action, transcripts[e.transcript_id],
                          e.actor.full_name if e.actor is not None else str(_l("khách (không đăng nhập)")), e.reason)
             for e in events]
    return lines, total


def register_rows(lines: list[RegisterLine], tz_name: str) -> list[list[object]]:
    """The register as spreadsheet rows (the headers are REGISTER_HEADERS)."""
    from lms.core.timeutil import utc_to_local

    return [[utc_to_local(line.at, tz_name).strftime("%d/%m/%Y %H:%M"), line.label, line.transcript.student.full_name,
             line.transcript.student.student_code, line.transcript.school_class.name, line.transcript.school_year.name,
             line.transcript.version, line.actor, line.reason] for line in lines]


REGISTER_HEADERS = [_l("Thời điểm"), _l("Việc"), _l("Học sinh"), _l("Mã học sinh"), _l("Lớp"), _l("Năm học"),
                    _l("Phiên bản"), _l("Người thực hiện"), _l("Lý do, ghi chú")]


def register_classes(session: Session, school_id: int) -> list[SchoolClass]:
    """The classes that have transcripts, newest year first: the register's class filter."""
    from lms.people.models import SchoolYear

    ids = select(Transcript.class_id).where(Transcript.school_id == school_id).distinct()
    return list(session.scalars(select(SchoolClass).join(SchoolYear, SchoolYear.id == SchoolClass.school_year_id)
                                .where(SchoolClass.id.in_(ids))
                                .order_by(SchoolYear.start_date.desc(), SchoolClass.grade, SchoolClass.name)))
