"""The evening digest: once a day, at the time the parent chose (or the school's), one message
per parent and school with what happened since the last one — the notices of the day, new marks,
exam results released, homework due in the next day not yet handed in, and the day's absences
and late arrivals. Nothing to tell, nothing sent. Each (parent, school, day) is composed once:
the digest run row is the claim.

A parent who has each notice as it happens still gets the notices that never go one by one
(`rules.DIGEST_KINDS`: payment reminders) in one message a day, at the school's digest time, when
there are any — each invoice once, however often it was reminded since.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.attendance.models import AttendanceMark, AttendanceRegister
from lms.core.models import Notification
from lms.messaging import rules
from lms.messaging.models import DigestRun, OutboundMessage, Status
from lms.messaging.routing import audience, channels_for, queue, record_withheld, withheld
from lms.messaging.settings import settings_of
from lms.people.models import Course, Guardianship, School, SchoolClass, SchoolYear, Student, Subject

LOOKAHEAD = timedelta(days=1)    # homework due within this is reminded


def compose_due(session: Session, now: datetime, tz: str) -> int:
    """Compose every digest whose time has come, in every school. Returns digests composed."""
    return sum(compose_school(session, school_id, now, tz) for school_id in session.scalars(select(School.id)))


def compose_school(session: Session, school_id: int, now: datetime, tz: str) -> int:
    settings = settings_of(session, school_id)
    local = rules.to_local(now, tz)
    today = local.date()
    children: dict[int, list[Student]] = defaultdict(list)
    for guardian_id, student in session.execute(
            select(Guardianship.guardian_id, Student).join(Student, Student.id == Guardianship.student_id)
            .where(Student.school_id == school_id)):
        children[guardian_id].append(student)
    if not children:
        return 0
    done = set(session.scalars(select(DigestRun.user_id).where(DigestRun.school_id == school_id,
                                                               DigestRun.day == today)))
    aud = audience(session, {(u, school_id) for u in children if u not in done})
    due, held_only = [], set()
    for user_id in children:
        if user_id in done:
            continue
        pref = aud.pref(user_id)
        if pref.digest and (pref.digest_time or settings.digest_time) <= local.time():
            due.append(user_id)
        elif not pref.digest and settings.digest_time <= local.time():
            due.append(user_id)
            held_only.add(user_id)      # only what routing held for the digest (payment reminders)
    if not due:
        return 0
    windows = _windows(session, school_id, due, now)
    since = min(windows.values())
    pupils = {s.id: s for u in due for s in children[u]}
    items = _items(session, school_id, due, pupils, since, now, today, tz)
    composed = 0
    for user_id in due:
        kids = sorted(children[user_id], key=lambda s: s.sort_name)
        mine = [i for i in items.get(("user", user_id), []) if i["at"] > windows[user_id]]
        if user_id in held_only:
            mine = [i for i in mine if i.get("held")]
            if not mine:
                continue        # nothing held for today: no run, so a reminder later today still goes
        else:
            for kid in kids:
                mine += [i for i in items.get(("student", kid.id), []) if i["at"] > windows[user_id] or i.get("ahead")]
        mine = _once_per_invoice(mine)
        channels = _channels(aud, user_id, school_id, kids)
        stopped = next((c for c in (withheld(aud, user_id, school_id, k.id) for k in kids) if c), None)
        stopped = stopped if stopped not in channels else None
        if not channels and stopped is None:
            continue        # in the app only: nothing to compose
        run = DigestRun(school_id=school_id, user_id=user_id, day=today, items=len(mine), created_at=now)
        try:
            with session.begin_nested():
                session.add(run)
        except IntegrityError:
            continue
        composed += 1
        if not mine:
            continue
        mine.sort(key=lambda i: (i["order"], i["at"]))
        payload = {"kind": "digest", "day": today.strftime("%d/%m/%Y"),
                   "students": [k.full_name.split(" ")[-1] if len(kids) > 1 else k.full_name for k in kids],
                   "pupils": [k.full_name for k in kids],
                   "items": [{"kind": i["kind"], "params": i["params"]} for i in mine], "link": "/notifications"}
        student_id = kids[0].id if len(kids) == 1 else None
        for channel in channels:
            queue(session, school_id=school_id, user=aud.users[user_id], student_id=student_id, channel=channel,
                  kind="digest", urgent=False, dedupe_key=f"d{run.id}:{channel}", payload=payload, send_after=now,
                  now=now)
        if stopped is not None:
            record_withheld(session, school_id=school_id, user=aud.users[user_id], student_id=student_id,
                            channel=stopped, kind="digest", urgent=False, dedupe_key=f"d{run.id}:{stopped}",
                            payload=payload, now=now)
    session.flush()
    return composed


def _once_per_invoice(items: list[dict]) -> list[dict]:
    """The payment reminders as one line per child listing the child's invoices, each once (an
    invoice reminded twice since the last digest, with its latest amount): the SMS of a parent
    with two children owing two invoices each names the four in its two segments."""
    latest = {i["params"].get("code"): i for i in sorted(items, key=lambda i: i["at"]) if i["kind"] == "digest_invoice"}
    children: dict[str, dict] = {}
    for item in sorted(latest.values(), key=lambda i: (i["params"].get("student", ""), i["params"].get("due", ""))):
        params = item["params"]
        line = children.setdefault(params.get("student", ""), {
            "kind": "digest_invoices", "at": item["at"], "order": item["order"], "held": True,
            "params": {"student": params.get("student", ""), "invoices": []}})
        line["params"]["invoices"].append({k: params.get(k, "") for k in ("code", "amount", "due")})
        line["at"] = max(line["at"], item["at"])
    return [i for i in items if i["kind"] != "digest_invoice"] + list(children.values())


def _channels(aud, user_id: int, school_id: int, kids: list[Student]) -> list[str]:
    """A paid channel only when every child in the digest may go on it (consent is per child)."""
    per_child = [channels_for(aud, user_id, school_id, k.id) for k in kids]
    return [c for c in per_child[0] if all(c in other for other in per_child[1:])] if per_child else []


def _windows(session: Session, school_id: int, users: list[int], now: datetime) -> dict[int, datetime]:
    """Since when each parent's digest tells: the previous digest, or a day back."""
    last = dict(session.execute(select(DigestRun.user_id, func.max(DigestRun.created_at)).where(
        DigestRun.school_id == school_id, DigestRun.user_id.in_(users)).group_by(DigestRun.user_id)).all())
    return {u: last.get(u) or now - timedelta(days=1) for u in users}


# A notice's own message in these states went (or is going, or may have gone) outside the app.
_GONE = (Status.QUEUED, Status.SENDING, Status.ACCEPTED, Status.DELIVERED, Status.UNKNOWN)


def _told_one_by_one(session: Session, school_id: int, users: list[int], since: datetime) -> set[int]:
    """The notices since `since` that were routed one by one (`routing.route_notes`, dedupe key
    "n<notice id>:<channel>") and not failed: a parent who switched to the digest since is not told
    them again. A notice whose every message failed, was capped or skipped is still told."""
    told = set()
    rows = session.execute(select(OutboundMessage.id, OutboundMessage.dedupe_key, OutboundMessage.status,
                                  OutboundMessage.fallback_of_id).where(
        OutboundMessage.school_id == school_id, OutboundMessage.user_id.in_(users),
        OutboundMessage.created_at > since - timedelta(days=1), OutboundMessage.kind != "digest",
        or_(OutboundMessage.dedupe_key.like("n%"), OutboundMessage.dedupe_key.like("fb%")))).all()
    keys = {row.id: row.dedupe_key for row in rows}
    gone = {s.value for s in _GONE}
    for row in rows:
        if str(getattr(row.status, "value", row.status)) not in gone:
            continue
        key = row.dedupe_key
        if row.fallback_of_id is not None:
            # The SMS that followed a refused Zalo message (dispatch's fallback) tells its notice too.
            key = keys.get(row.fallback_of_id, "")
        head = key[1:].split(":", 1)[0] if key.startswith("n") else ""
        if head.isdigit():
            told.add(int(head))
    return told


def _items(session: Session, school_id: int, users: list[int], pupils: dict[int, Student], since: datetime,
           now: datetime, today, tz: str) -> dict[tuple[str, int], list[dict]]:
    """Everything a digest may tell, in a fixed number of queries: ("user", id) → the notices to
    that parent, ("student", id) → what concerns the child."""
    from lms.courses.homework import State, pupil_items
    from lms.exams.models import Attempt, Exam
    from lms.gradebook.book import mark_text
    from lms.gradebook.labels import column_label
    from lms.gradebook.models import GradeEntry

    out: dict[tuple[str, int], list[dict]] = defaultdict(list)
    told = _told_one_by_one(session, school_id, users, since)
    for note in session.scalars(select(Notification).where(
            Notification.user_id.in_(users), Notification.school_id == school_id, Notification.created_at > since,
            Notification.created_at <= now).order_by(Notification.id)):
        if rules.is_urgent(note.kind, note.params or {}, rules.to_local(note.created_at, tz).date()):
            continue     # went at once (an absence about its own day); a past day's waits for the digest
        if note.id in told:
            continue     # already sent (or going) on its own outside the app: never paid for twice
        if (note.params or {}).get("in_app_only"):
            continue     # another notice of the same change tells it (an approved leave, not its correction)
        if note.kind == "invoice_reminder":     # one line per invoice: child, code, amount, due date
            params = {k: (note.params or {}).get(k, "") for k in ("student", "code", "amount", "due")}
            out[("user", note.user_id)].append({"kind": "digest_invoice", "params": params, "at": note.created_at,
                                                "order": 4, "held": True})
            continue
        out[("user", note.user_id)].append({"kind": note.kind, "params": note.params or {}, "at": note.created_at,
                                            "order": 4, "held": note.kind in rules.DIGEST_KINDS})
    ids = list(pupils)
    day_marks: dict[int, set[str]] = defaultdict(set)
    for student_id, status in session.execute(
            select(AttendanceMark.student_id, AttendanceMark.status).join(AttendanceRegister)
            .where(AttendanceMark.student_id.in_(ids), AttendanceRegister.day == today)):
        day_marks[student_id].add(status)
    for student_id, marks in day_marks.items():
        name, date_text = pupils[student_id].full_name, today.strftime("%d/%m/%Y")
        if marks & {"K", "P"}:
            how = "K" if "K" in marks else "P"
            item = {"kind": "digest_absent", "params": {"student": name, "date": date_text, "how": how}}
        else:
            item = {"kind": "digest_late", "params": {"student": name, "date": date_text}}
        out[("student", student_id)].append({**item, "at": now, "ahead": True, "order": 0})
    for entry, subject in session.execute(
            select(GradeEntry, Subject.name).join(Course, Course.id == GradeEntry.course_id)
            .join(Subject, Subject.id == Course.subject_id).join(SchoolClass, SchoolClass.id == Course.class_id)
            .join(SchoolYear, SchoolYear.id == SchoolClass.school_year_id)
            .where(GradeEntry.student_id.in_(ids), GradeEntry.updated_at > since, GradeEntry.updated_at <= now,
                   SchoolYear.start_date <= today, SchoolYear.end_date >= today)):   # never a past year's
        mark = entry.passed if entry.passed is not None else entry.score
        out[("student", entry.student_id)].append({
            "kind": "digest_mark", "at": entry.updated_at, "order": 1,
            "params": {"student": pupils[entry.student_id].full_name, "subject": subject, "mark": mark_text(mark, ","),
                       "column": column_label(entry.kind, entry.position)}})
    for exam, student_id in session.execute(
            select(Exam, Attempt.student_id).join(Attempt, Attempt.exam_id == Exam.id)
            .where(Attempt.student_id.in_(ids), Exam.results_released_at > since, Exam.results_released_at <= now)
            .distinct()):
        out[("student", student_id)].append({"kind": "digest_exam", "at": exam.results_released_at, "order": 2,
                                             "params": {"student": pupils[student_id].full_name, "exam": exam.title}})
    for student_id, work in pupil_items(session, list(pupils.values()), now).items():
        for item in work:
            if item.state == State.NOT_DUE and item.assignment.due_at <= now + LOOKAHEAD:
                due_local = rules.to_local(item.assignment.due_at, tz)
                out[("student", student_id)].append({
                    "kind": "digest_homework", "at": now, "ahead": True, "order": 3,
                    "params": {"student": pupils[student_id].full_name, "subject": item.assignment.subject.name,
                               "title": item.assignment.title, "due": due_local.strftime("%H:%M %d/%m")}})
    return out

