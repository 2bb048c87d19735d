"""The demo's contact book, told as one school day `D` (the latest weekday whose morning has
come when the demo is loaded):

- every school: its settings (quiet hours 21:00–06:00, homework limits by level, latest due
  21:00) and every class's daily attendance up to D (lms.demo.attendance); what the demo made
  as it loaded (notices, marks) is dated before the story, so digests tell only the story's news;
- THCS Nguyễn Du: its ZNS and eSMS accounts in the sandbox; most parents of the school's first
  class, and the two families the demo logins belong to, chose Zalo and SMS and consented;
- the evening before D, 19:05: the digests, sent by ZNS and reported received;
- the evening before D, 21:40: a notice to the family with two children (who asked for each
  notice as it happens): held through the quiet hours, at 06:00 refused by Zalo (no Zalo
  account on that number) and sent by SMS instead;
- D, 07:15: the register of each demo family's child marks them absent without permission: the
  parents hear at once — by ZNS, and for the family without Zalo by SMS.
The provider calls go through the sandbox in-process, in the demo's one transaction."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.attendance import registers
from lms.demo.attendance import at, seed_attendance
from lms.auth.models import User
from lms.core.models import Notification
from lms.core.notify import route_pending
from lms.core.timeutil import school_tz, utc_to_local
from lms.messaging import digest, dispatch, sandbox, settings, texts
from lms.messaging.models import OutboundMessage
from lms.people import child_consent, services
from lms.people.models import Guardianship, School, Student

LIMITS = {"TH": 30, "THCS": 90, "THPT": 120}
# Sandbox keys of the demo only: the local sandbox plays Zalo and eSMS with them; no provider knows them.
ZALO = {"app_id": "2871635094182736451", "oa_id": "4410388561948527386", "template_absence": "352841",
        "template_digest": "352842", "template_notice": "352843", "app_secret": "demo-app-secret-thcs",
        "oa_secret_key": "demo-oa-secret-thcs", "refresh_token": "demo-refresh-token-thcs"}
ESMS = {"brandname": "THCS.NGDU", "api_key": "DEMOAPIKEYTHCS", "secret_key": "DEMOSECRETTHCS"}


def story_day(now: datetime) -> date:
    """D: today when it is a school day and 07:15 has passed, else the school day before (not a
    weekend, not a public holiday: no register is taken then)."""
    from lms.attendance.rules import day_off

    local = utc_to_local(now, school_tz())
    day = local.date() if local.time() >= time(7, 15) else local.date() - timedelta(days=1)
    while day_off(day, saturday_classes=False) is not None:
        day -= timedelta(days=1)
    return day


def seed_contact_book(session: Session, school: School, admin: User, rng: random.Random, now: datetime, *,
                      box=None, families: dict | None = None, base_url: str = "http://127.0.0.1:5000") -> None:
    """`base_url`: the address the demo is served at, for its messages' links and the sandbox's
    callbacks. `families`: the demo logins' phones ("cross": the family with a child in each secondary
    school, "siblings": two children in the THCS)."""
    year = services.current_year(session, school)
    if year is None:
        return
    day = story_day(now)
    if not year.start_date <= day <= year.end_date:
        return
    _settings(session, school, admin, now)
    seed_attendance(session, school, rng, day + timedelta(days=1))
    route_pending(session)     # what happened before the accounts existed stays in the app
    _before_the_story(session, school, now, at(day - timedelta(days=2), 17))
    if school.code != "THCS-ND" or box is None:
        return
    families = families or {}
    no_zalo = families.get("siblings") or ""
    settings.save_account(session, admin, school, "zns", {**ZALO, "sandbox_no_zalo": no_zalo}, enabled=True,
                          sandbox=True, box=box, now=now)
    settings.save_account(session, admin, school, "esms", ESMS, enabled=True, sandbox=True, box=box, now=now)
    parents = _opt_in(session, school, rng, now, families)
    clock = {"now": now}
    ctx = dispatch.SendContext(box=box, transport=sandbox.direct_transport(session, box, base_url, lambda: clock["now"]),
                               text=lambda kind, params, locale: texts.render(kind, params), mail=lambda *a: False,
                               base_url=base_url, tz=school_tz(), sandbox_on=True, commit=lambda s: s.flush())

    def run(moment: datetime) -> None:
        """Send what is due at `moment` and let the sandbox report a minute later."""
        clock["now"] = moment
        dispatch.send_due(session, moment, ctx)
        later = moment + timedelta(minutes=1)
        sandbox.deliver_directly(session, box, sandbox.due_reports(session, box, later, base_url), later)

    eve = day - timedelta(days=1)
    # That morning a mark for the first demo family's child; the evening's digests tell it.
    if "cross" in parents:
        _mark(session, _children(session, parents["cross"], school)[0], at(eve, 10))
    # The evening before: the digests.
    _backdated(session, lambda: digest.compose_school(session, school.id, at(eve, 19, 5), school_tz()), at(eve, 19, 5))
    run(at(eve, 19, 6))
    # 21:40: a notice to the family that wants each one as it happens — held until 06:00.
    siblings = parents.get("siblings")
    if siblings is not None:
        from lms.courses import comms

        child = _children(session, siblings, school)[0]
        school_class = services.current_enrollment(session, child).school_class
        _backdated(session, lambda: comms.post_announcement(
            session, school_class.homeroom_teacher, school_class, None, "Đổi lịch học ngày mai",
            "Sáng mai lớp vào học lúc 7 giờ 30 để dự lễ chào cờ toàn trường."), at(eve, 21, 40))
        run(at(eve, 21, 41))
        run(at(day, 6, 1))
    # D, 07:15: each demo family's child absent without permission.
    for key in ("cross", "siblings"):
        parent = parents.get(key)
        if parent is None:
            continue
        child = _children(session, parent, school)[0]
        school_class = services.current_enrollment(session, child).school_class
        register = registers.register_of(session, school_class.id, day, 0)
        marks = {m.student_id: m.status for m in register.marks} if register else {}
        _backdated(session, lambda sc=school_class, marks=marks, child=child: registers.take_register(
            session, sc.homeroom_teacher, "teacher", sc, day, 0, {**marks, child.id: "K"}, now=at(day, 7, 15),
            today=day), at(day, 7, 15))
    run(at(day, 7, 16))


def _before_the_story(session: Session, school: School, loaded: datetime, moment: datetime) -> None:
    """The school's notices and marks the demo made as it loaded carry the loading machine's
    clock; they happened before the story's day (`moment`: before the window of the evening
    digests told on D − 1), so that no digest tells the whole demo as new that evening or
    after it. The story's own steps are dated to their moments (`_backdated`)."""
    from sqlalchemy import update

    from lms.gradebook.models import GradeEntry

    session.flush()
    session.execute(update(Notification).where(Notification.school_id == school.id, Notification.created_at >= loaded)
                    .values(created_at=moment).execution_options(synchronize_session=False))
    session.execute(update(GradeEntry).where(GradeEntry.school_id == school.id, GradeEntry.updated_at >= loaded)
                    .values(updated_at=moment).execution_options(synchronize_session=False))
    session.expire_all()


def _mark(session: Session, child: Student, moment: datetime) -> None:
    """The child's Toán teacher enters the child's next mark of term I (the first column still
    empty)."""
    from lms.gradebook import book
    from lms.gradebook.models import GradeEntry

    course = next((c for c in services.courses_of_class(session, services.current_enrollment(session, child).class_id)
                   if c.subject.code == "toan" and c.teacher_id is not None), None)
    if course is None:
        return
    have = {f"{kind}{position}" for kind, position in session.execute(
        select(GradeEntry.kind, GradeEntry.position).where(GradeEntry.course_id == course.id,
                                                           GradeEntry.student_id == child.id, GradeEntry.term == 1))}
    free = next((c.key for c in book.columns_of(course) if c.key not in have), None)
    if free is not None:
        book.save_grid(session, session.get(User, course.teacher_id), "teacher", course, 1,
                       [book.CellInput(child.id, free, "9")], now=moment)


def _settings(session: Session, school: School, admin: User, now: datetime) -> None:
    data = settings.SettingsInput(**{**settings.DEFAULTS, "hw_minutes_primary": LIMITS["TH"],
                                     "hw_minutes_lower": LIMITS["THCS"], "hw_minutes_upper": LIMITS["THPT"],
                                     "hw_latest_due": time(21, 0)})
    settings.save_settings(session, admin, school, data, now=now)


def _children(session: Session, parent: User, school: School) -> list[Student]:
    return list(session.scalars(select(Student).join(Guardianship, Guardianship.student_id == Student.id)
                                .where(Guardianship.guardian_id == parent.id, Student.school_id == school.id)
                                .order_by(Student.id)))


def _opt_in(session: Session, school: School, rng: random.Random, now: datetime, families: dict) -> dict[str, User]:
    """Parents who chose Zalo and SMS and consented: two in three of the first class's, and the
    demo families (the family with two children here wants each notice as it happens)."""
    year = services.current_year(session, school)
    first = services.classes_of_year(session, year)[0]
    chosen: dict[int, User] = {}
    for link in session.scalars(select(Guardianship).where(Guardianship.student_id.in_(
            [s.id for s in services.students_of_class(session, first)]))):
        if rng.random() < 0.67:
            chosen[link.guardian_id] = link.guardian
    found = {}
    for key, phone in families.items():
        user = session.scalars(select(User).where(User.phone == phone)).first() if phone else None
        if user is not None and _children(session, user, school):
            found[key] = chosen[user.id] = user
    consented_at = now - timedelta(days=60)
    for user in chosen.values():
        for link in session.scalars(select(Guardianship).join(Student).where(Guardianship.guardian_id == user.id,
                                                                             Student.school_id == school.id)):
            link.consent, link.consent_at = True, consented_at
            link.consent_notice_version, link.consent_method = services.CONSENT_NOTICE_VERSION, "form"
            child_consent.record(session, link.student, True, now=consented_at)   # the pupil's own, from 7
        as_it_happens = user is found.get("siblings")
        settings.save_preference(session, user, settings.PreferenceInput(email=True, zalo=True, sms=True,
                                                                         digest=not as_it_happens, digest_time=None),
                                 now=consented_at)
    return found


def _backdated(session: Session, step, moment: datetime):
    """Run a step of the story and date the notices and messages it made to its moment (they are
    stamped with the clock of the machine loading the demo; an absence is urgent on its own day)."""
    before = session.scalar(select(func.max(OutboundMessage.id))) or 0
    before_note = session.scalar(select(func.max(Notification.id))) or 0
    result = step()
    session.flush()
    for note in session.scalars(select(Notification).where(Notification.id > before_note)):
        note.created_at = moment
    route_pending(session)
    for message in session.scalars(select(OutboundMessage).where(OutboundMessage.id > before)):
        message.created_at = message.send_after = moment    # the sender holds it through quiet hours
    return result
