"""Setting exams up: settings, classes, a fixed list of questions or a blueprint (ma trận đề) with
its preview and sample draw, publication, per-pupil overrides, releasing results, and the live
monitor."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from lms.auth.models import User
from lms.core import audit
from lms.core.errors import Collector, Conflict, DomainError, ValidationError
from lms.core.text import nfc, nfc_text
from lms.exams import qtypes
from lms.exams import attempt_rules as rules
from lms.exams.attempts import refresh_deadlines
from lms.exams.bank import bank_order_key, to_e4
from lms.exams.drawing import candidates
from lms.exams.models import (Attempt, AttemptEvent, AttemptSlot, Exam, ExamCourse, ExamItem, ExamRule,
                              ExamStatus, Override, Question, QuestionCategory, QuestionStatus, Response)
from lms.exams.permissions import category_access, pupils_of_exam, require_exam
from lms.i18n import current_locale
from lms.i18n import lazy_gettext as _l
from lms.people.models import Course, Enrollment, School, SchoolClass, SchoolYear, Student
from lms.people.services import chosen_courses, outside_year, set_course_links

GRADING_METHODS = {"highest": _l("Lần cao nhất"), "average": _l("Trung bình các lần"), "first": _l("Lần đầu"),
                   "last": _l("Lần làm cuối")}
REVIEW_MOMENTS = ("after_submit", "after_release")
REVIEW_ITEMS = ("score", "responses", "correct", "feedback")
DEFAULT_REVIEW = {"after_submit": {"score": True, "responses": True, "correct": False, "feedback": False},
                  "after_release": {"score": True, "responses": True, "correct": True, "feedback": True}}


# ---------------------------------------------------------------- settings

@dataclass
class ExamInput:
    title: str
    subject_id: int
    course_ids: list[int]
    open_at: datetime
    close_at: datetime
    instructions: str = ""
    time_limit_min: int = 45
    attempts_allowed: int = 1
    grading_method: str = "highest"
    shuffle_questions: bool = True
    shuffle_options: bool = True
    per_page: int = 5
    navigation: str = "free"
    review: dict = field(default_factory=lambda: {k: dict(v) for k, v in DEFAULT_REVIEW.items()})
    access_code: str = ""
    ip_ranges: str = ""
    overdue: str = "autosubmit"
    grace_minutes: int = 0
    release_at_close: bool = False
    gradebook_term: int | None = None
    gradebook_key: str = ""
    lesson_id: int | None = None     # a readiness check for this lesson
    ready_percent: int = 70


def exam_problems(session: Session, actor: User, role: str, school: School, data: ExamInput,
                  exam: Exam | None = None) -> list[DomainError]:
    """Every reason the settings are refused, each on its field — all at once, so the teacher
    corrects them in one go instead of meeting the next after each save. What the form could not
    read (None) is left to the form's own message."""
    problems: list[DomainError] = []

    def refuse(message, field: str) -> None:
        problems.append(ValidationError(message, field=field))

    if not nfc(data.title or ""):
        refuse(_l("Nhập tên bài thi."), "title")
    subject, courses = None, []
    if not data.subject_id:
        refuse(_l("Chọn môn học."), "subject_id")
    else:
        try:
            subject, courses = chosen_courses(session, actor, role, school, data.course_ids, data.subject_id)
        except DomainError as exc:
            problems.append(exc)
    if data.open_at is not None and data.close_at is not None and data.close_at <= data.open_at:
        refuse(_l("Giờ đóng phải sau giờ mở."), "close_at")
    for name, moment, label in (("open_at", data.open_at, _l("Giờ mở")), ("close_at", data.close_at, _l("Giờ đóng"))):
        if moment is not None and (exam is None or getattr(exam, name) != moment):
            refusal = outside_year(courses, moment, label)
            if refusal is not None:
                refuse(refusal, name)
    if data.time_limit_min is not None and not 0 <= data.time_limit_min <= 600:
        refuse(_l("Thời gian làm bài từ 0 (không giới hạn) đến 600 phút."), "time_limit_min")
    if data.attempts_allowed is not None and not 0 <= data.attempts_allowed <= 50:
        refuse(_l("Số lần làm từ 0 (không giới hạn) đến 50."), "attempts_allowed")
    if data.grading_method not in GRADING_METHODS:
        refuse(_l("Cách tính điểm không hợp lệ."), "grading_method")
    if data.navigation not in ("free", "sequential") or data.overdue not in ("autosubmit", "grace"):
        refuse(_l("Lựa chọn không hợp lệ."), "navigation")
    if data.per_page is not None and not 0 <= data.per_page <= 100:
        refuse(_l("Số câu mỗi trang từ 0 đến 100."), "per_page")
    if data.grace_minutes is not None and not 0 <= data.grace_minutes <= 120:
        refuse(_l("Thời gian gia hạn từ 0 đến 120 phút."), "grace_minutes")
    try:
        rules.parse_ip_ranges(data.ip_ranges)
    except DomainError as exc:
        problems.append(exc)
    key = (data.gradebook_key or "").strip()
    if key:
        from lms.gradebook.book import columns_of

        if data.gradebook_term not in (1, 2):
            refuse(_l("Chọn học kỳ của cột điểm."), "gradebook_term")
        for course in courses:
            if key not in {c.key for c in columns_of(course)}:
                refuse(_l("Lớp %(c)s không có cột %(k)s trong sổ điểm.", c=course.school_class.name, k=key.upper()),
                       "gradebook_key")
                break
    if data.lesson_id:
        from lms.courses.models import Lesson

        lesson = session.get(Lesson, data.lesson_id)
        if courses and (lesson is None or lesson.course_id not in {c.id for c in courses}):
            refuse(_l("Bài học được chọn không thuộc các lớp làm bài."), "lesson_id")
    if data.ready_percent is not None and not 1 <= data.ready_percent <= 100:
        refuse(_l("Ngưỡng “sẵn sàng” từ 1 đến 100 %."), "ready_percent")
    if exam is not None and subject is not None and exam.status == ExamStatus.PUBLISHED \
            and exam.subject_id != subject.id and has_attempts(session, exam):
        problems.append(Conflict(_l("Bài thi đã có bài làm: không đổi được môn học."), field="subject_id"))
    return problems


def save_exam(session: Session, actor: User, role: str, school: School, data: ExamInput,
              exam: Exam | None = None) -> Exam:
    if data.open_at.tzinfo is None or data.close_at.tzinfo is None:
        raise ValueError("exam times must be timezone-aware")
    problems = exam_problems(session, actor, role, school, data, exam)
    if problems:
        raise problems[0]
    title = nfc(data.title)
    subject, courses = chosen_courses(session, actor, role, school, data.course_ids, data.subject_id)
    review = {m: {k: bool((data.review or {}).get(m, {}).get(k)) for k in REVIEW_ITEMS} for m in REVIEW_MOMENTS}
    key = (data.gradebook_key or "").strip()
    lesson_id = data.lesson_id or None
    if exam is None:
        exam = Exam(school_id=school.id, created_by=actor.id, status=ExamStatus.DRAFT)
        session.add(exam)
    exam.title, exam.subject_id, exam.instructions = title, subject.id, nfc_text(data.instructions)
    exam.open_at, exam.close_at, exam.time_limit_min = data.open_at, data.close_at, data.time_limit_min
    exam.attempts_allowed, exam.grading_method = data.attempts_allowed, data.grading_method
    exam.shuffle_questions, exam.shuffle_options = data.shuffle_questions, data.shuffle_options
    exam.per_page, exam.navigation, exam.review = data.per_page, data.navigation, review
    exam.access_code, exam.ip_ranges = nfc(data.access_code)[:40], (data.ip_ranges or "").strip()[:500]
    exam.overdue, exam.grace_minutes, exam.release_at_close = data.overdue, data.grace_minutes, data.release_at_close
    exam.gradebook_term, exam.gradebook_key = (data.gradebook_term, key) if key else (None, None)
    exam.lesson_id, exam.ready_percent = lesson_id, data.ready_percent
    session.flush()
    set_course_links(exam.courses, {c.id for c in courses}, lambda cid: ExamCourse(course_id=cid))
    session.flush()
    return exam


def has_attempts(session: Session, exam: Exam) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Attempt).where(Attempt.exam_id == exam.id)))


def _editable_content(session: Session, exam: Exam) -> None:
    if has_attempts(session, exam):
        raise Conflict(_l("Bài thi đã có học sinh làm: không đổi được câu hỏi hay ma trận nữa."))


def _usable_question(session: Session, actor: User, role: str, school: School, question_id: int) -> Question:
    question = session.get(Question, question_id)
    if question is None or question.school_id != school.id or \
            category_access(session, actor, role, question.category) is None:
        raise ValidationError(_l("Có câu hỏi không thuộc ngân hàng bạn được dùng."), field="items")
    return question


def moved(items: list[tuple[int, str]], question_id: int, step: int) -> list[tuple[int, str]]:
    """The fixed list with one question moved a place up (`step` -1) or down (+1); at either end,
    or for a question not in the list, unchanged."""
    at = next((i for i, (qid, _mark) in enumerate(items) if qid == question_id), None)
    if at is None or not 0 <= at + step < len(items):
        return list(items)
    out = list(items)
    out[at], out[at + step] = out[at + step], out[at]
    return out


def set_items(session: Session, actor: User, role: str, school: School, exam: Exam,
              items: list[tuple[int, str]], added: list[tuple[int, str]] = ()) -> None:
    """A fixed list of questions: (question id, mark) in order, then the questions `added` together
    appended in the bank's own order (category, then question), whatever order they were ticked in."""
    require_exam(actor, role, exam)
    _editable_content(session, exam)
    chosen = [(_usable_question(session, actor, role, school, qid), mark, "mark-") for qid, mark in items]
    new = [(_usable_question(session, actor, role, school, qid), mark, "add-mark-") for qid, mark in added]
    chosen += sorted(new, key=lambda item: bank_order_key(item[0]))
    # Every mark is read before anything changes, and every wrong one is said at once, on its row
    # (field "mark-<question id>" in the list, "add-mark-<question id>" among those ticked to add),
    # naming the question, the allowed range and what was typed.
    found, marks = Collector(), {}
    for question, mark, prefix in chosen:
        with found:
            try:
                marks[question.id] = to_e4(mark or "1") if question.qtype != "description" else 1
            except ValidationError as exc:
                raise ValidationError(_l("“%(q)s”: %(e)s", q=question.title, e=exc.message),
                                      field=f"{prefix}{question.id}") from None
    found.done()
    seen = set()
    exam.items.clear()
    session.flush()
    for question, _mark, _prefix in chosen:
        if question.id in seen:
            continue
        seen.add(question.id)
        exam.items.append(ExamItem(question_id=question.id, position=len(seen), mark_e4=marks[question.id]))
    exam.source = "fixed"
    session.flush()


@dataclass
class RuleInput:
    category_id: int
    count: int
    mark: str
    topic: str = ""
    level: int | None = None
    qtype: str = ""


def set_rules(session: Session, actor: User, role: str, school: School, exam: Exam, rules: list[RuleInput]) -> None:
    """The blueprint: each row draws `count` questions (least used first) of a category and its
    sub-categories, optionally of one topic, level and type, each worth `mark`."""
    require_exam(actor, role, exam)
    _editable_content(session, exam)
    exam.rules.clear()
    session.flush()
    found = Collector()    # every row's every mistake at once, each naming its row
    for position, rule in enumerate(rules, start=1):
        category = session.get(QuestionCategory, rule.category_id)
        if category is None or category.school_id != school.id or \
                category_access(session, actor, role, category) is None:
            found.add(_l("Dòng %(n)s: chọn danh mục câu hỏi.", n=position), "rules")
        if not 1 <= rule.count <= 200:
            found.add(_l("Dòng %(n)s: số câu từ 1 đến 200.", n=position), "rules")
        if rule.level not in (None, 1, 2, 3, 4) or (rule.qtype and rule.qtype not in qtypes.TYPES):
            found.add(_l("Dòng %(n)s: mức độ hoặc loại câu không hợp lệ.", n=position), "rules")
        mark = None
        try:
            mark = to_e4(rule.mark)
        except ValidationError as exc:   # which row, and the allowed range with what was typed
            found.add(_l("Dòng %(n)s: %(e)s", n=position, e=exc.message), "rules")
        if found.problems:
            continue
        exam.rules.append(ExamRule(position=position, category_id=category.id, topic=nfc(rule.topic)[:200],
                                   level=rule.level, qtype=rule.qtype or "", count=rule.count, mark_e4=mark))
    found.done()
    exam.source = "blueprint"
    session.flush()


@dataclass
class PreviewRow:
    rule: ExamRule
    available: int

    @property
    def short(self) -> int:
        return max(0, self.rule.count - self.available)


@dataclass
class Preview:
    rows: list[PreviewRow]
    total_e4: int
    questions: int
    matrix: dict[str, dict[int, tuple[int, int]]]   # topic → level → (questions, marks e4)

    @property
    def ok(self) -> bool:
        return all(r.short == 0 for r in self.rows) and self.questions > 0

    @property
    def total_warning(self) -> str | None:
        """Said wherever the marks are set (fixed list, blueprint) and when they are saved: a paper
        whose marks do not add up to 10 is usually a slip in one row's count or mark."""
        if not self.questions or self.total_e4 == 100000:
            return None
        from lms.exams.bank import e4_text

        return str(_l("Tổng điểm của đề là %(t)s, không phải 10: kiểm tra lại số câu và điểm mỗi câu (nếu cố ý, "
                      "điểm của học sinh vẫn được quy về thang 10).", t=e4_text(self.total_e4, current_locale())))


def preview(session: Session, exam: Exam) -> Preview:
    """What the blueprint asks for against what the bank holds, and the matrix topic × level."""
    if exam.source == "fixed":
        matrix: dict[str, dict[int, tuple[int, int]]] = defaultdict(dict)
        for item in exam.items:
            q = item.question
            n, m = matrix[q.topic or "—"].get(q.level, (0, 0))
            matrix[q.topic or "—"][q.level] = (n + 1, m + item.mark_e4)
        return Preview([], sum(i.mark_e4 for i in exam.items if i.question.qtype != "description"),
                       len(exam.items), dict(matrix))
    rows, matrix = [], defaultdict(dict)
    for rule in exam.rules:
        available = session.scalar(select(func.count()).select_from(candidates(session, rule).subquery())) or 0
        rows.append(PreviewRow(rule, available))
        key = rule.topic or rule.category.name
        level = rule.level or 0
        n, m = matrix[key].get(level, (0, 0))
        matrix[key][level] = (n + rule.count, m + rule.count * rule.mark_e4)
    return Preview(rows, sum(r.count * r.mark_e4 for r in exam.rules), sum(r.count for r in exam.rules), dict(matrix))


def publish_exam(session: Session, actor: User, role: str, exam: Exam) -> None:
    require_exam(actor, role, exam)
    if not exam.courses:
        raise ValidationError(_l("Chưa chọn lớp nào."))
    result = preview(session, exam)
    if exam.source == "blueprint":
        short = [r for r in result.rows if r.short]
        if short:
            raise ValidationError(_l("Ma trận còn thiếu câu: %(s)s.", s="; ".join(
                str(_l("dòng %(n)s thiếu %(k)s câu", n=r.rule.position, k=r.short)) for r in short)))
    elif any(item.question.status != QuestionStatus.READY for item in exam.items):
        raise ValidationError(_l("Có câu hỏi chưa ở trạng thái sẵn sàng."))
    if result.total_e4 <= 0:
        raise ValidationError(_l("Bài thi chưa có câu hỏi tính điểm."))
    exam.status = ExamStatus.PUBLISHED
    session.flush()
    audit.record(session, "exam_published", actor_id=actor.id, school_id=exam.school_id, subject_type="exam",
                 subject_id=exam.id)


def unpublish_exam(session: Session, actor: User, role: str, exam: Exam) -> None:
    require_exam(actor, role, exam)
    _editable_content(session, exam)
    exam.status = ExamStatus.DRAFT
    session.flush()


def release_results(session: Session, actor: User, role: str, exam: Exam, now: datetime) -> None:
    require_exam(actor, role, exam)
    exam.results_released_at = exam.results_released_at or now
    session.flush()
    audit.record(session, "exam_results_released", actor_id=actor.id, school_id=exam.school_id, subject_type="exam",
                 subject_id=exam.id)


# ---------------------------------------------------------------- pupils, overrides

@dataclass
class OverrideInput:
    student_id: int
    open_at: datetime | None = None
    close_at: datetime | None = None
    extra_minutes: int = 0
    extra_attempts: int = 0
    reason: str = ""
    past_close: bool = True      # the extra minutes run past the exam's close


def override_problems(session: Session, exam: Exam, data: OverrideInput) -> list[DomainError]:
    """Every reason an override is refused, each on its field, all at once (a reversed window is
    said together with the form's own mistakes). A field the form could not read (None) is left to
    the form's message."""
    problems: list[DomainError] = []
    if data.student_id not in {s.id for s, _ in pupils_of_exam(session, exam)}:
        problems.append(ValidationError(_l("Học sinh không thuộc các lớp của bài thi."), field="student_id"))
    if data.extra_minutes is not None and not 0 <= data.extra_minutes <= 600:
        problems.append(ValidationError(_l("Nhập số từ %(a)s đến %(b)s.", a=0, b=600), field="extra_minutes"))
    if data.extra_attempts is not None and not 0 <= data.extra_attempts <= 20:
        problems.append(ValidationError(_l("Nhập số từ %(a)s đến %(b)s.", a=0, b=20), field="extra_attempts"))
    if data.open_at and data.close_at and data.close_at <= data.open_at:
        problems.append(ValidationError(_l("Giờ đóng phải sau giờ mở."), field="close_at"))
    return problems


def save_override(session: Session, actor: User, role: str, exam: Exam, data: OverrideInput) -> Override | None:
    """One pupil's own window, extra minutes (also added to a running attempt) and extra attempts.
    All fields empty removes the override."""
    require_exam(actor, role, exam)
    problems = override_problems(session, exam, data)
    if problems:
        raise problems[0]
    row = session.scalars(select(Override).where(Override.exam_id == exam.id,
                                                 Override.student_id == data.student_id)).first()
    empty = not (data.open_at or data.close_at or data.extra_minutes or data.extra_attempts)
    if empty:
        if row is not None:
            session.delete(row)
        row = None
    else:
        if row is None:
            row = Override(exam_id=exam.id, student_id=data.student_id)
            session.add(row)
        row.open_at, row.close_at = data.open_at, data.close_at
        row.extra_minutes, row.extra_attempts, row.reason = data.extra_minutes, data.extra_attempts, nfc(data.reason)[:200]
        row.past_close = data.past_close
    session.flush()
    refresh_deadlines(session, exam, data.student_id)
    audit.record(session, "exam_override", actor_id=actor.id, school_id=exam.school_id, subject_type="exam",
                 subject_id=exam.id, detail=f"student {data.student_id}")
    return row


def overrides_of(session: Session, exam: Exam) -> dict[int, Override]:
    return {o.student_id: o for o in session.scalars(select(Override).where(Override.exam_id == exam.id))}


# ---------------------------------------------------------------- the live monitor

@dataclass
class MonitorRow:
    student: Student
    course: Course
    attempt: Attempt | None
    answered: int
    questions: int
    last_save: datetime | None
    events: Counter
    attempts: int
    override: Override | None = None   # the pupil's own extra time, window or attempts


def monitor(session: Session, exam: Exam) -> list[MonitorRow]:
    """Who started, how far each got, when they last saved, what signals were recorded, who
    submitted — in a fixed number of queries."""
    pupils = pupils_of_exam(session, exam)
    attempts = list(session.scalars(select(Attempt).where(Attempt.exam_id == exam.id).order_by(Attempt.number)))
    latest: dict[int, Attempt] = {}
    count: Counter = Counter()
    for a in attempts:
        latest[a.student_id] = a
        count[a.student_id] += 1
    ids = [a.id for a in latest.values()]
    answered = dict(session.execute(select(Response.attempt_id, func.count()).where(
        Response.attempt_id.in_(ids or [0]), Response.value.notin_(["null", '""', "[]", "{}"]))
        .group_by(Response.attempt_id)).all())
    last_save = dict(session.execute(select(Response.attempt_id, func.max(Response.saved_at)).where(
        Response.attempt_id.in_(ids or [0])).group_by(Response.attempt_id)).all())
    sizes = dict(session.execute(select(AttemptSlot.attempt_id, func.count()).where(
        AttemptSlot.attempt_id.in_(ids or [0])).group_by(AttemptSlot.attempt_id)).all())
    events: dict[int, Counter] = defaultdict(Counter)
    for attempt_id, kind, n in session.execute(select(AttemptEvent.attempt_id, AttemptEvent.kind, func.count())
                                               .where(AttemptEvent.attempt_id.in_(ids or [0]))
                                               .group_by(AttemptEvent.attempt_id, AttemptEvent.kind)):
        events[attempt_id][kind] = n
    overrides = {o.student_id: o for o in session.scalars(select(Override).where(Override.exam_id == exam.id))}
    rows = []
    for student, course in pupils:
        a = latest.get(student.id)
        rows.append(MonitorRow(student, course, a, answered.get(a.id, 0) if a else 0, sizes.get(a.id, 0) if a else 0,
                               last_save.get(a.id) if a else None, events.get(a.id, Counter()) if a else Counter(),
                               count[student.id], overrides.get(student.id)))
    return rows


def events_of(session: Session, attempt: Attempt) -> list[AttemptEvent]:
    return list(session.scalars(select(AttemptEvent).where(AttemptEvent.attempt_id == attempt.id)
                                .order_by(AttemptEvent.id)))


def exams_for_teacher(actor: User, role: str, school: School):
    """The query of the exams a teacher manages (an admin: the school's), newest first."""
    stmt = select(Exam).where(Exam.school_id == school.id).options(selectinload(Exam.courses))
    if role != "admin":
        stmt = stmt.where(Exam.created_by == actor.id)
    return stmt.order_by(Exam.open_at.desc(), Exam.id.desc())


def exams_of_pupil(session: Session, student: Student):
    """The query of the published exams set for a class the pupil is in this year, newest first."""
    # EXISTS, not a join with DISTINCT: an exam set for several of the pupil's courses is listed once
    # without comparing whole rows (which PostgreSQL cannot do for JSON columns).
    set_for_pupil = (select(ExamCourse.exam_id).join(Course, Course.id == ExamCourse.course_id)
                     .join(Enrollment, (Enrollment.class_id == Course.class_id) & (Enrollment.student_id == student.id))
                     .join(SchoolYear, (SchoolYear.id == Enrollment.school_year_id) & SchoolYear.is_current.is_(True))
                     .where(ExamCourse.exam_id == Exam.id))
    return (select(Exam).where(Exam.school_id == student.school_id, Exam.status == ExamStatus.PUBLISHED,
                               set_for_pupil.exists())
            .order_by(Exam.open_at.desc(), Exam.id.desc()))


def class_of_pupil(session: Session, exam: Exam, student: Student) -> str | None:
    """The name of the class in which the pupil sits the exam this year ("6A1"), or None."""
    return session.scalars(select(SchoolClass.name).join(Course, Course.class_id == SchoolClass.id)
                           .join(ExamCourse, ExamCourse.course_id == Course.id)
                           .join(Enrollment, (Enrollment.class_id == Course.class_id) & (Enrollment.student_id == student.id))
                           .join(SchoolYear, (SchoolYear.id == Enrollment.school_year_id) & SchoolYear.is_current.is_(True))
                           .where(ExamCourse.exam_id == exam.id).order_by(SchoolClass.name)).first()


def states_of(session: Session, exam_ids: list[int]) -> dict[int, Counter]:
    out: dict[int, Counter] = defaultdict(Counter)
    for exam_id, state, n in session.execute(select(Attempt.exam_id, Attempt.state, func.count())
                                             .where(Attempt.exam_id.in_(exam_ids or [0]))
                                             .group_by(Attempt.exam_id, Attempt.state)):
        out[exam_id][state] = n
    return out


def lesson_choices(session: Session, course_names: dict[int, str]) -> list[tuple[int, str]]:
    """The lessons a readiness check may prepare, told apart as homework tells them apart."""
    from lms.courses.homework import lesson_choices

    return lesson_choices(session, course_names)


def checks_of_lesson(session: Session, lesson_id: int, *, published_only: bool) -> list[Exam]:
    """The readiness checks of a lesson, soonest closing first."""
    stmt = select(Exam).where(Exam.lesson_id == lesson_id)
    if published_only:
        stmt = stmt.where(Exam.status == ExamStatus.PUBLISHED)
    return list(session.scalars(stmt.order_by(Exam.close_at)))
