"""Lessons: text, files and video links attached to plan periods; publication now or at a time;
prerequisites; and each pupil's progress (opened, time spent, finished)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session, subqueryload

from lms.auth.models import User
from lms.core import audit
from lms.core.errors import Forbidden, ValidationError
from lms.core.markdown import render_markdown
from lms.core.notify import notify
from lms.core.text import nfc, nfc_text
from lms.courses.models import Lesson, LessonProgress, LessonResource, PlanPeriod, Resource
from lms.courses.resources import visible_resource
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext
from lms.people.models import Course, Enrollment, School, Student
from lms.people.services import outside_year

BODY_MAX = 100_000
MAX_LINKS = 20
# A heartbeat adds at most this much time, and never more than really elapsed since the last one.
HEARTBEAT_MAX_SECONDS = 60


class PublishMode:
    DRAFT = "draft"
    NOW = "now"
    AT = "at"


@dataclass
class LessonInput:
    title: str
    body: str = ""
    video_links: str = ""
    period_ids: list[int] = field(default_factory=list)
    publish: str = PublishMode.DRAFT
    publish_at: datetime | None = None
    prerequisite_id: int | None = None
    resource_ids: list[int] = field(default_factory=list)


def parse_links(text: str) -> list[str]:
    links = []
    for line_no, raw in enumerate((text or "").splitlines(), start=1):
        url = raw.strip()
        if not url:
            continue
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
            raise ValidationError(_l("Dòng %(n)s: “%(u)s” không phải đường dẫn http(s) hợp lệ.", n=line_no, u=url[:80]),
                                  field="video_links")
        links.append(url)
    if len(links) > MAX_LINKS:
        raise ValidationError(_l("Tối đa %(n)s đường dẫn video.", n=MAX_LINKS), field="video_links")
    return links


def save_lesson(session: Session, actor: User, course: Course, data: LessonInput, *, now: datetime,
                lesson: Lesson | None = None, notify_pupils: bool = True) -> Lesson:
    """Create or edit a lesson. Everything is checked before anything changes. Pupils are
    notified when the lesson becomes visible to them (not for lessons back-filled in bulk)."""
    title = nfc(data.title).strip()
    if not title:
        raise ValidationError(_l("Nhập tên bài học."), field="title")
    if len(title) > 200:
        raise ValidationError(_l("Tên bài học dài quá 200 ký tự."), field="title")
    body = nfc_text(data.body or "")
    if len(body) > BODY_MAX:
        raise ValidationError(ngettext("Nội dung dài quá %(n)s ký tự.", "Nội dung dài quá %(n)s ký tự.", BODY_MAX, n=BODY_MAX), field="body")
    links = parse_links(data.video_links)
    periods = _periods_for(session, course, data.period_ids, lesson)
    prerequisite = _prerequisite_for(session, course, data.prerequisite_id, lesson)
    school = session.get(School, course.school_id)
    resources = [visible_resource(session, school, rid) for rid in dict.fromkeys(data.resource_ids)]
    publish_at = _publish_time(data, now, lesson)
    if data.publish == PublishMode.AT and (lesson is None or lesson.publish_at != publish_at):
        refusal = outside_year([course], publish_at, _l("Thời điểm đăng"))
        if refusal is not None:
            raise ValidationError(refusal, field="publish_at")

    was_published = lesson is not None and lesson.is_published(now)
    if lesson is None:
        lesson = Lesson(school_id=course.school_id, course_id=course.id, created_by=actor.id, title=title)
        session.add(lesson)
    lesson.title, lesson.body, lesson.body_html = title, body, render_markdown(body)
    lesson.video_links, lesson.publish_at, lesson.prerequisite_id = "\n".join(links), publish_at, \
        prerequisite.id if prerequisite else None
    session.flush()
    for period in session.scalars(select(PlanPeriod).where(PlanPeriod.lesson_id == lesson.id)):
        if period not in periods:
            period.lesson_id = None
    for period in periods:
        period.lesson_id = lesson.id
    attach_resources(session, lesson, resources)
    session.flush()
    audit.record(session, "lesson_saved", actor_id=actor.id, school_id=course.school_id, subject_type="lesson",
                 subject_id=lesson.id, detail=data.publish)
    if notify_pupils and not was_published and lesson.is_published(now):
        _announce(session, course, lesson)
    return lesson


def attach_resources(session: Session, lesson: Lesson, resources: list[Resource]) -> None:
    have = {a.resource_id for a in lesson.attachments}
    position = max([a.position for a in lesson.attachments] or [0])
    for resource in resources:
        if resource.id not in have:
            position += 1
            lesson.attachments.append(LessonResource(resource_id=resource.id, position=position))
            have.add(resource.id)
    session.flush()


def detach_resource(session: Session, actor: User, lesson: Lesson, resource_id: int) -> None:
    for attachment in list(lesson.attachments):
        if attachment.resource_id == resource_id:
            lesson.attachments.remove(attachment)
    session.flush()


def delete_lesson(session: Session, actor: User, lesson: Lesson) -> None:
    audit.record(session, "lesson_deleted", actor_id=actor.id, school_id=lesson.school_id, subject_type="lesson",
                 subject_id=lesson.id, detail=lesson.title[:200])
    session.delete(lesson)
    session.flush()


def _periods_for(session: Session, course: Course, ids: list[int], lesson: Lesson | None) -> list[PlanPeriod]:
    if not ids:
        return []
    periods = list(session.scalars(select(PlanPeriod).where(PlanPeriod.course_id == course.id,
                                                            PlanPeriod.id.in_(ids))))
    if len(periods) != len(set(ids)):
        raise ValidationError(_l("Có tiết không thuộc kế hoạch dạy học của môn học này."), field="period_ids")
    taken = [p for p in periods if p.lesson_id is not None and (lesson is None or p.lesson_id != lesson.id)]
    if taken:
        raise ValidationError(_l("Tiết %(n)s đã gắn với bài học khác.", n=", ".join(str(p.number) for p in taken)),
                              field="period_ids")
    return periods


def _prerequisite_for(session: Session, course: Course, pid: int | None, lesson: Lesson | None) -> Lesson | None:
    if not pid:
        return None
    pre = session.get(Lesson, pid)
    if pre is None or pre.course_id != course.id:
        raise ValidationError(_l("Bài học điều kiện phải thuộc cùng môn học của lớp."), field="prerequisite_id")
    if lesson is not None:
        seen, node = set(), pre
        while node is not None and node.id not in seen:  # refuse a loop: A needs B needs A
            if node.id == lesson.id:
                raise ValidationError(_l("Điều kiện tạo thành vòng lặp (bài này lại là điều kiện của bài kia)."),
                                      field="prerequisite_id")
            seen.add(node.id)
            node = node.prerequisite
    return pre


def _publish_time(data: LessonInput, now: datetime, lesson: Lesson | None) -> datetime | None:
    if data.publish == PublishMode.DRAFT:
        return None
    if data.publish == PublishMode.NOW:
        if lesson is not None and lesson.is_published(now):
            return lesson.publish_at  # keep the original publication time
        return now
    if data.publish == PublishMode.AT:
        if data.publish_at is None:
            raise ValidationError(_l("Chọn thời điểm đăng bài."), field="publish_at")
        if data.publish_at.tzinfo is None:
            raise ValueError("publish_at must be timezone-aware")
        return data.publish_at
    raise ValidationError(_l("Cách đăng bài không hợp lệ."), field="publish")


def _announce(session: Session, course: Course, lesson: Lesson) -> None:
    students = list(session.scalars(select(Student).join(Enrollment, Enrollment.student_id == Student.id)
                                    .where(Enrollment.class_id == course.class_id)))
    users = [s.user for s in students if s.user is not None]
    notify(session, users, "lesson_published", {"subject": course.subject.name, "title": lesson.title},
           f"/lessons/{lesson.id}", course.school_id)


# ---------------------------------------------------------------- what a pupil sees

def lessons_of_course(session: Session, course: Course) -> list[Lesson]:
    """In plan order (lessons without a period last), with their periods and prerequisite loaded
    (by subquery: one query each however many lessons, where selectin takes one per 500)."""
    return list(session.scalars(select(Lesson).where(Lesson.course_id == course.id)
                                .options(subqueryload(Lesson.periods), subqueryload(Lesson.prerequisite))
                                .order_by(func.coalesce(select(func.min(PlanPeriod.number))
                                                        .where(PlanPeriod.lesson_id == Lesson.id)
                                                        .scalar_subquery(), 100000), Lesson.id)))


@dataclass
class PupilLesson:
    lesson: Lesson
    progress: LessonProgress | None
    is_open: bool
    reason: str = ""


def progress_of(session: Session, student: Student, lesson_ids: list[int]) -> dict[int, LessonProgress]:
    if not lesson_ids:
        return {}
    return {p.lesson_id: p for p in session.scalars(select(LessonProgress).where(
        LessonProgress.student_id == student.id, LessonProgress.lesson_id.in_(lesson_ids)))}


def _closed_reason(lesson: Lesson, progress: dict[int, LessonProgress], now: datetime) -> str:
    if not lesson.is_published(now):
        return str(_l("Chưa mở"))
    if lesson.prerequisite_id is not None:
        done = progress.get(lesson.prerequisite_id)
        if done is None or done.completed_at is None:
            return str(_l("Mở khi em học xong bài “%(t)s”", t=lesson.prerequisite.title))
    return ""


def pupil_lessons(session: Session, student: Student, course: Course, now: datetime) -> list[PupilLesson]:
    """The published lessons of a course for one pupil, open or locked by a prerequisite."""
    lessons = [lesson for lesson in lessons_of_course(session, course) if lesson.is_published(now)]
    progress = progress_of(session, student, [lesson.id for lesson in lessons])
    out = []
    for lesson in lessons:
        reason = _closed_reason(lesson, progress, now)
        out.append(PupilLesson(lesson, progress.get(lesson.id), not reason, reason))
    return out


def require_open(session: Session, student: Student, lesson: Lesson, now: datetime) -> None:
    if not lesson.is_published(now):
        raise Forbidden(_l("Bài học này chưa mở."))
    ids = [lesson.prerequisite_id] if lesson.prerequisite_id else []
    reason = _closed_reason(lesson, progress_of(session, student, ids), now)
    if reason:
        raise Forbidden(reason)


def open_lesson(session: Session, student: Student, lesson: Lesson, now: datetime) -> LessonProgress:
    """Record that the pupil opened the lesson (first time and last time seen)."""
    require_open(session, student, lesson, now)
    row = session.scalars(select(LessonProgress).where(LessonProgress.lesson_id == lesson.id,
                                                       LessonProgress.student_id == student.id)).first()
    if row is None:
        row = LessonProgress(lesson_id=lesson.id, student_id=student.id, first_opened_at=now, last_seen_at=now,
                             seconds=0)
        session.add(row)
    else:
        row.last_seen_at = now
    session.flush()
    return row


def record_time(session: Session, student: Student, lesson: Lesson, seconds: int, now: datetime) -> LessonProgress:
    """Add reading time reported by the page. The server never credits more than really elapsed
    since the last report, so a tampered page cannot claim hours."""
    row = session.scalars(select(LessonProgress).where(LessonProgress.lesson_id == lesson.id,
                                                       LessonProgress.student_id == student.id)).first()
    if row is None:
        return open_lesson(session, student, lesson, now)
    elapsed = max(0, int((now - row.last_seen_at).total_seconds()))
    row.seconds += max(0, min(int(seconds), HEARTBEAT_MAX_SECONDS, elapsed + 2))
    row.last_seen_at = now
    session.flush()
    return row


def complete_lesson(session: Session, student: Student, lesson: Lesson, now: datetime) -> LessonProgress:
    row = open_lesson(session, student, lesson, now)
    if row.completed_at is None:
        row.completed_at = now
    session.flush()
    return row


# ---------------------------------------------------------------- the teacher's progress grid

@dataclass
class GridRow:
    student: Student
    cells: dict[int, LessonProgress]
    seconds: int
    last_seen: datetime | None
    completed: int

    @property
    def started(self) -> bool:
        return bool(self.cells)


def progress_grid(session: Session, course: Course, now: datetime) -> tuple[list[Lesson], list[GridRow]]:
    """Published lessons × the class's pupils, in two queries whatever the size."""
    lessons = [lesson for lesson in lessons_of_course(session, course) if lesson.is_published(now)]
    students = list(session.scalars(select(Student).join(Enrollment, Enrollment.student_id == Student.id)
                                    .where(Enrollment.class_id == course.class_id).order_by(Student.sort_name)))
    cells: dict[int, dict[int, LessonProgress]] = {s.id: {} for s in students}
    if lessons and students:
        for p in session.scalars(select(LessonProgress).where(LessonProgress.lesson_id.in_([x.id for x in lessons]),
                                                              LessonProgress.student_id.in_(list(cells)))):
            cells[p.student_id][p.lesson_id] = p
    rows = []
    for s in students:
        mine = cells[s.id]
        rows.append(GridRow(s, mine, sum(p.seconds for p in mine.values()),
                            max((p.last_seen_at for p in mine.values()), default=None),
                            sum(1 for p in mine.values() if p.completed_at)))
    return lessons, rows


def course_completion(session: Session, student: Student, courses: list[Course], now: datetime
                      ) -> dict[int, tuple[int, int]]:
    """(lessons finished, lessons published) per course for one pupil, in two queries."""
    ids = [c.id for c in courses]
    if not ids:
        return {}
    published = dict(session.execute(select(Lesson.course_id, func.count()).where(
        Lesson.course_id.in_(ids), Lesson.publish_at.is_not(None), Lesson.publish_at <= now)
        .group_by(Lesson.course_id)).all())
    done = dict(session.execute(select(Lesson.course_id, func.count()).join(LessonProgress)
                                .where(Lesson.course_id.in_(ids), LessonProgress.student_id == student.id,
                                       LessonProgress.completed_at.is_not(None), Lesson.publish_at <= now)
                                .group_by(Lesson.course_id)).all())
    return {cid: (done.get(cid, 0), published.get(cid, 0)) for cid in ids}


def upcoming_lessons(session: Session, class_ids: list[int], now: datetime, days: int = 14) -> list[Lesson]:
    """Lessons scheduled to open in the coming days (what is coming up for a pupil)."""
    if not class_ids:
        return []
    return list(session.scalars(select(Lesson).join(Course, Course.id == Lesson.course_id)
                                .where(Course.class_id.in_(class_ids), Lesson.publish_at > now,
                                       Lesson.publish_at <= now + timedelta(days=days))
                                .order_by(Lesson.publish_at)))

