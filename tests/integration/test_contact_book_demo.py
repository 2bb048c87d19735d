"""The contact book as the demo (`make run`) tells it: a parent receives the evening digest and the
morning's absence through the ZNS sandbox, a family without Zalo gets SMS instead, nothing but an
urgent notice goes out in the quiet hours, the cost report adds up, and the registers are what
the report card counts."""
from datetime import time

from sqlalchemy import func, select

from lms.attendance.models import AttendanceMark, AttendanceRegister
from lms.auth.models import User
from lms.core.timeutil import school_tz, utc_to_local
from lms.extensions import db
from lms.messaging import reports
from lms.messaging.models import OutboundMessage, Status
from lms.people.models import School, SchoolClass, SchoolYear

QUIET_START, QUIET_END = time(21, 0), time(6, 0)


def _local(moment):
    return utc_to_local(moment, school_tz())


def _quiet(moment) -> bool:
    t = _local(moment).time()
    return t >= QUIET_START or t < QUIET_END


def _messages_of(phone: str) -> list[OutboundMessage]:
    user = db.session.scalars(select(User).where(User.phone == phone)).one()
    return list(db.session.scalars(select(OutboundMessage).where(OutboundMessage.user_id == user.id)
                                   .order_by(OutboundMessage.id)))


def test_the_demo_tells_a_school_day_through_the_sandboxes(demo):
    from lms import create_app

    parents = [login.username for login in demo.by_role()["parent"]]
    cross, siblings = parents[0], parents[1]
    app = create_app(demo.config())
    with app.app_context():
        school = db.session.scalars(select(School).where(School.code == "THCS-ND")).one()

        # The first family: the evening's digest and the morning's absence, by Zalo, received.
        mine = _messages_of(cross)
        digest = [m for m in mine if m.kind == "digest"]
        absence = [m for m in mine if m.kind == "absence"]
        assert digest and all(m.channel == "zns" and m.status == Status.DELIVERED for m in digest)
        assert _local(digest[0].sent_at).time() >= time(19, 0) and not _quiet(digest[0].sent_at)
        assert len(absence) == 1 and absence[0].channel == "zns" and absence[0].status == Status.DELIVERED
        assert absence[0].urgent and time(7, 0) <= _local(absence[0].delivered_at).time() < time(9, 0)

        # The family without Zalo: Zalo refused, SMS went instead — a notice held through the night.
        mine = _messages_of(siblings)
        refused = [m for m in mine if m.channel == "zns"]
        assert refused and all(m.status == Status.FAILED and m.error_code == "-118" for m in refused)
        sms = [m for m in mine if m.channel == "sms"]
        assert {m.fallback_of_id for m in sms} == {m.id for m in refused}
        assert all(m.status == Status.DELIVERED and m.cost == 800 * m.segments for m in sms)
        held = next(m for m in sms if m.kind != "absence")
        assert _quiet(db.session.get(OutboundMessage, held.fallback_of_id).created_at) and _local(held.sent_at).time() >= QUIET_END

        # Nothing but an urgent notice went out in the quiet hours, anywhere.
        sent = db.session.scalars(select(OutboundMessage).where(OutboundMessage.sent_at.is_not(None))).all()
        assert sent and not [m.id for m in sent if _quiet(m.sent_at) and not m.urgent]

        # The cost report adds up: per channel, and ZNS 250 đ a message, SMS 800 đ a segment.
        first = min(m.created_at for m in sent)
        last = max(m.created_at for m in sent)
        lines, total = reports.cost_report(db.session, school.id, first.replace(day=1), last.replace(year=last.year + 1))
        by = {line.channel: line for line in lines}
        assert by["zns"].cost == 250 * by["zns"].delivered and by["zns"].failed >= 2
        assert by["sms"].cost == 800 * sum(m.segments for m in sms) and by["sms"].delivered == len(sms)
        assert total.cost == sum(line.cost for line in lines) > 0
        for line in [*lines, total]:
            assert line.made == line.sent + line.failed + line.held + line.waiting, line
        db.session.rollback()


def test_the_demo_report_card_counts_the_registers(demo):
    """The term's absences on the class summary (what the report card prints) are the registers'."""
    from lms import create_app
    from lms.gradebook import homeroom

    app = create_app(demo.config())
    with app.app_context():
        school_class = db.session.scalars(
            select(SchoolClass).join(SchoolYear).join(School, School.id == SchoolClass.school_id)
            .where(SchoolClass.name == "6A1", SchoolYear.is_current.is_(True), School.code == "THCS-ND")).one()
        counted = dict(db.session.execute(
            select(AttendanceMark.student_id, func.count()).join(AttendanceRegister)
            .where(AttendanceRegister.class_id == school_class.id, AttendanceRegister.period == 0,
                   AttendanceMark.status.in_(("P", "K")))
            .group_by(AttendanceMark.student_id)).all())
        assert sum(counted.values()) > 0
        rows = homeroom.build_summary(db.session, school_class, 1).rows
        assert {r.student.id: r.excused + r.unexcused for r in rows if r.excused + r.unexcused} == counted
        db.session.rollback()


def test_the_demos_waiting_leave_requests_were_sent_before_its_clock_for_school_days(demo):
    """The requests waiting for the teacher were asked on the story day (not dated in the future)
    for school days to come (never a weekend)."""
    from lms import create_app
    from lms.attendance.models import LeaveRequest
    from lms.attendance.rules import day_off

    app = create_app(demo.config())
    with app.app_context():
        waiting = list(db.session.scalars(select(LeaveRequest).where(LeaveRequest.status == "pending")))
        assert waiting
        for request in waiting:
            story_day = db.session.scalar(select(func.max(AttendanceRegister.day))
                                          .where(AttendanceRegister.school_id == request.school_id))
            assert _local(request.created_at).date() <= story_day < request.first_day
            for day in (request.first_day, request.last_day):
                assert day_off(day, saturday_classes=False) is None, day
        db.session.rollback()


def test_the_demos_digests_tell_a_believable_day(demo):
    """The evening digests of the demo tell the story's day (the first family: the child's new
    Toán mark), not everything the demo made as it loaded nor last year's marks; and a digest
    composed now tells only what is new since it."""
    from lms import create_app
    from lms.core.timeutil import utcnow
    from lms.messaging import digest
    from lms.messaging.models import DigestRun
    from lms.people.models import Guardianship, Student

    app = create_app(demo.config())
    with app.app_context():
        school = db.session.scalars(select(School).where(School.code == "THCS-ND")).one()
        digests = list(db.session.scalars(select(OutboundMessage).where(OutboundMessage.school_id == school.id,
                                                                        OutboundMessage.kind == "digest")))
        assert digests
        for message in digests:
            kinds = [item["kind"] for item in message.payload["items"]]
            assert kinds.count("digest_mark") <= 2 and len(kinds) <= 6, kinds
        now = utcnow()
        runs = dict(db.session.execute(select(DigestRun.user_id, func.max(DigestRun.created_at))
                                       .where(DigestRun.school_id == school.id).group_by(DigestRun.user_id)).all())
        users = list(runs)
        pupils = {s.id: s for s in db.session.scalars(select(Student).join(
            Guardianship, Guardianship.student_id == Student.id).where(Guardianship.guardian_id.in_(users)))}
        items = digest._items(db.session, school.id, users, pupils, min(runs.values()), now,
                              _local(now).date(), school_tz())
        marks = [i for key, found in items.items() for i in found if i["kind"] == "digest_mark"]
        assert marks == []       # nothing was marked since the evening digests
