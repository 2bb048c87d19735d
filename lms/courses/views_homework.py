"""Homework pages: teachers set, follow, grade and post; pupils hand in; parents follow."""
from __future__ import annotations

from datetime import time, timedelta

from flask import (Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_file,
                   url_for)
from flask_login import current_user, login_required

from lms.core import paging
from lms.core.errors import DomainError
from lms.core.requests import committing, status_of
from lms.core.inputs import arg_date, arg_datetime, date_in_range
from lms.core.tenancy import ctx, role_required, school_scoped
from lms.core.timeutil import local_to_utc, utc_to_local, utcnow
from lms.core.downloads import files, send_stored
from lms.courses import homework
from lms.courses import homework_rules as rules
from lms.courses.forms import AssignmentForm, GradeForm, HandInForm, PostScoresForm
from lms.courses.models import Assignment, Lesson
from lms.courses.permissions import pupil_of
from lms.extensions import db
from lms.i18n import gettext as _
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext
from lms.people import services as people

PAGE_SIZE = 30
bp = Blueprint("homework", __name__, template_folder="templates")

STATE_LABELS = {homework.State.NOT_DUE: _l("Chưa nộp"), homework.State.MISSING: _l("Thiếu bài"),
                homework.State.SUBMITTED: _l("Đã nộp"), homework.State.LATE: _l("Nộp muộn"),
                homework.State.GRADED: _l("Đã chấm"), homework.State.RETURNED: _l("Trả lại để sửa")}
STATE_BADGES = {homework.State.NOT_DUE: "secondary", homework.State.MISSING: "danger",
                homework.State.SUBMITTED: "primary", homework.State.LATE: "warning",
                homework.State.GRADED: "success", homework.State.RETURNED: "info"}


@bp.record_once
def _globals(state) -> None:
    state.app.jinja_env.globals.update(HW_STATES=STATE_LABELS, HW_BADGES=STATE_BADGES, hw_tenths=rules.tenths_text,
                                       hw_final=homework.final_tenths, hw_late=homework.late_days_of,
                                       hw_penalty=homework.penalty_of)
    from lms.gradebook.views import SOURCE_ENDPOINTS

    SOURCE_ENDPOINTS["assignment"] = ("homework.submissions", "assignment_id")  # grade-book marks link here


def _tz() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def _folder():
    return files("homework")


def _managed(assignment_id: int) -> Assignment:
    assignment = school_scoped(Assignment, assignment_id)
    if not homework.can_manage(current_user, ctx().role, assignment):
        abort(404)
    return assignment


def _files(field) -> list[tuple[str, bytes]]:
    return [(f.filename, f.read()) for f in (field.data or []) if f and f.filename]


def _gradebook_note(result: dict | None) -> None:
    """Say what keeping the grade book in step did."""
    if not result:
        return
    if "error" in result:
        flash(_("Sổ điểm chưa được cập nhật: %(e)s", e=result["error"]), "warning")
    elif result["created"] or result["changed"]:
        flash(_("Đã cập nhật sổ điểm: %(c)s điểm mới, %(u)s điểm thay đổi.", c=result["created"],
                u=result["changed"]), "info")


# ---------------------------------------------------------------- teachers

@bp.route("/homework/manage")
@login_required
@role_required("admin", "teacher")
def manage():
    now = utcnow()
    page = paging.paginate(homework.assignments_of_teacher(current_user, ctx().role, ctx().school), per_page=PAGE_SIZE)
    items = page.items
    return render_template("courses/homework_list.html", items=items, now=now, page=page,
                           counts=homework.overview(db.session, items, now),
                           load_classes=homework.classes_for_load(db.session, current_user, ctx().role, ctx().school))


def _form_choices(form: AssignmentForm) -> list:
    courses = people.assignable_courses(db.session, current_user, ctx().role, ctx().school)
    form.course_ids.choices = [(c.id, f"{c.subject.name} — {c.school_class.name}")
                               for c in sorted(courses, key=lambda c: (c.subject.name, c.school_class.name))]
    return courses


def _form(assignment: Assignment | None) -> AssignmentForm:
    form = AssignmentForm(obj=assignment) if assignment is not None and request.method == "GET" else AssignmentForm()
    courses = _form_choices(form)
    names = {c.id: f"{c.subject.name} {c.school_class.name}" for c in courses}
    form.lesson_id.choices = [(0, _("— Không gắn —"))] + homework.lesson_choices(db.session, names)
    if request.method == "GET":
        if assignment is not None:
            form.course_ids.data = [link.course_id for link in assignment.courses]
            form.lesson_id.data = assignment.lesson_id or 0
            form.open_at.data = utc_to_local(assignment.open_at, _tz())
            form.due_at.data = utc_to_local(assignment.due_at, _tz())
            form.cutoff_at.data = utc_to_local(assignment.cutoff_at, _tz()) if assignment.cutoff_at else None
            form.max_score.data = rules.tenths_text(assignment.max_tenths)
            form.rubric.data = rules.rubric_text(assignment.rubric or [])
            form.publish.data = homework.is_published(assignment)
            form.penalty_percent.data = assignment.penalty_percent or 10
            form.minutes.data = assignment.minutes
        else:
            now = utc_to_local(utcnow(), _tz()).replace(second=0, microsecond=0)
            form.open_at.data = now
            due = min(homework.homework_limits(db.session, ctx().school.id).latest_due or time(21, 0), time(21, 0))
            form.due_at.data = homework.next_due_day(db.session, ctx().school.id,
                                                     (now + timedelta(days=7)).replace(hour=due.hour, minute=due.minute))
            lesson = db.session.get(Lesson, request.args.get("lesson", type=int) or 0)
            preset = request.args.get("course", type=int) or (lesson.course_id if lesson else None)
            chosen = next((c for c in courses if c.id == preset), None)
            if chosen is not None:
                form.course_ids.data = [chosen.id]
                if lesson is not None and lesson.course_id == chosen.id:
                    form.lesson_id.data = lesson.id
                    form.title.data = _("Bài tập: %(t)s", t=lesson.title)
    return form


def _input(form: AssignmentForm) -> homework.AssignmentInput:
    cutoff = local_to_utc(form.cutoff_at.data, _tz()) if form.cutoff_at.data else None
    return homework.AssignmentInput(
        title=form.title.data or "", course_ids=form.course_ids.data or [],
        lesson_id=form.lesson_id.data or None, instructions=form.instructions.data or "",
        open_at=local_to_utc(form.open_at.data, _tz()), due_at=local_to_utc(form.due_at.data, _tz()),
        late_policy=form.late_policy.data, penalty_percent=form.penalty_percent.data or 0, cutoff_at=cutoff,
        max_score=form.max_score.data or "", resubmissions=form.resubmissions.data or 0,
        rubric=form.rubric.data or "", publish=bool(form.publish.data), minutes=form.minutes.data or 0,
        override_load=bool(form.override_load.data))


def _load_lines(form: AssignmentForm, assignment: Assignment | None) -> list[homework.LoadLine]:
    """The evening's load for the classes chosen on the form (shown beside the due time)."""
    if not form.course_ids.data or form.due_at.data is None or not date_in_range(form.due_at.data):
        return []
    try:
        _subject, courses = people.chosen_courses(db.session, current_user, ctx().role, ctx().school,
                                                  list(form.course_ids.data))
    except DomainError:
        return []
    return homework.load_check(db.session, ctx().school, courses, local_to_utc(form.due_at.data, _tz()),
                               form.minutes.data or 0, exclude=assignment.id if assignment else None)


def _edit(assignment: Assignment | None):
    form = _form(assignment)
    if form.validate_on_submit():
        with committing(form) as outcome:
            saved = homework.save_assignment(
                db.session, current_user, ctx().role, ctx().school, _input(form), now=utcnow(), assignment=assignment,
                uploads=_files(form.files), folder=files("resources"),
                limits_mb=current_app.config["UPLOAD_LIMITS_MB"])
        if outcome.ok:
            flash(_("Đã lưu bài tập.") if homework.is_published(saved.assignment)
                  else _("Đã lưu bản nháp; học sinh chưa thấy bài tập này."), "success")
            if saved.relabelled:
                flash(_("Hạn nộp thay đổi: %(n)s bài nộp đổi trạng thái đúng hạn / muộn, điểm sau khi trừ đã được "
                        "tính lại.", n=saved.relabelled), "info")
            _gradebook_note(saved.gradebook)
            return redirect(url_for("homework.submissions", assignment_id=saved.assignment.id))
    return render_template("courses/homework_edit.html", form=form, assignment=assignment,
                           load=_load_lines(form, assignment),
                           latest=homework.homework_limits(db.session, ctx().school.id).latest_due), status_of(form)


@bp.route("/homework/load")
@login_required
@role_required("admin", "teacher")
def load_json():
    """The evening's load for the classes and due time being chosen (the form's live panel)."""
    form = AssignmentForm(request.args, meta={"csrf": False})
    _form_choices(form)
    form.due_at.data = arg_datetime("due_at")
    form.minutes.data = max(0, request.args.get("minutes", 0, type=int) or 0)
    if form.due_at.data is None:
        return jsonify({"lines": []})
    assignment = db.session.get(Assignment, request.args.get("assignment", type=int) or 0)
    if assignment is not None and (assignment.school_id != ctx().school.id
                                   or not homework.can_manage(current_user, ctx().role, assignment)):
        assignment = None
    return jsonify({"lines": [{"text": load_text(line), "over": line.over, "week_url": week_url(line)}
                              for line in _load_lines(form, assignment)]})


@bp.app_template_global("homework_load_text")
def load_text(line: homework.LoadLine) -> str:
    """One class's line beside the due time (the page and its live refresh say it alike)."""
    text = _("Lớp %(c)s, tối %(d)s: đã có %(n)s, %(m)s; cộng bài này %(a)s", c=line.school_class.name,
             d=line.evening.strftime("%d/%m"), n=ngettext("%(n)s bài", "%(n)s bài", line.before.count, n=line.before.count),
             m=_minutes(line.before.minutes), a=_minutes(line.after.minutes))
    if line.limit is not None:
        text += " · " + ngettext("giới hạn %(l)s phút", "giới hạn %(l)s phút", line.limit, l=line.limit)
    return text + " · " + _("cả tuần đã có %(n)s, %(m)s", n=ngettext("%(n)s bài", "%(n)s bài", line.week.count,
                                                                    n=line.week.count),
                            m=_minutes(line.week.minutes))


def _minutes(n: int) -> str:
    return ngettext("%(n)s phút", "%(n)s phút", n, n=n)


@bp.app_template_global("homework_week_url")
def week_url(line: homework.LoadLine) -> str:
    return url_for("homework.class_load", class_id=line.school_class.id, week=line.evening.isoformat())


@bp.route("/homework/new", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def new():
    return _edit(None)


@bp.route("/homework/<int:assignment_id>/edit", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def edit(assignment_id: int):
    return _edit(_managed(assignment_id))


@bp.route("/homework/<int:assignment_id>/delete", methods=["POST"])
@login_required
@role_required("admin", "teacher")
def delete(assignment_id: int):
    assignment = _managed(assignment_id)
    with committing() as outcome:
        homework.delete_assignment(db.session, current_user, ctx().role, assignment)
    if not outcome.ok:
        return redirect(url_for("homework.submissions", assignment_id=assignment_id))
    flash(_("Đã xóa bài tập."), "success")
    return redirect(url_for("homework.manage"))


def _gradebook_choices(assignment: Assignment) -> list[tuple[str, str]]:
    ordered = homework.regular_columns(assignment)
    return [(f"{term}:{key}", _("Học kỳ %(t)s — %(c)s", t="I" if term == 1 else "II", c=key.upper()))
            for term in (1, 2) for key in ordered]


@bp.route("/homework/<int:assignment_id>/submissions")
@login_required
@role_required("admin", "teacher")
def submissions(assignment_id: int):
    assignment = _managed(assignment_id)
    now = utcnow()
    table = homework.submissions_table(db.session, assignment, now)
    post_form = PostScoresForm()
    post_form.gradebook.choices = _gradebook_choices(assignment)
    if assignment.gradebook_key:
        post_form.gradebook.data = f"{assignment.gradebook_term}:{assignment.gradebook_key}"
    return render_template("courses/homework_table.html", assignment=assignment, table=table, now=now,
                           post_form=post_form, window=rules.window(assignment.open_at, assignment.due_at,
                                                                    assignment.late_policy, assignment.cutoff_at, now))


@bp.route("/homework/<int:assignment_id>/remind", methods=["POST"])
@login_required
@role_required("admin", "teacher")
def remind(assignment_id: int):
    assignment = _managed(assignment_id)
    with committing() as outcome:
        sent = homework.remind_missing(db.session, current_user, ctx().role, assignment, utcnow())
    if outcome.ok:
        flash(_("Đã gửi lời nhắc đến %(n)s học sinh chưa nộp bài.", n=sent), "success")
    return redirect(url_for("homework.submissions", assignment_id=assignment_id))


@bp.route("/homework/<int:assignment_id>/gradebook", methods=["POST"])
@login_required
@role_required("admin", "teacher")
def post_scores(assignment_id: int):
    assignment = _managed(assignment_id)
    form = PostScoresForm()
    form.gradebook.choices = _gradebook_choices(assignment)
    if form.validate_on_submit():
        term, _sep, key = form.gradebook.data.partition(":")
        with committing() as outcome:
            totals = homework.post_scores(db.session, current_user, ctx().role, assignment, int(term), key, utcnow())
        if outcome.ok:
            flash(_("Đã ghi điểm vào sổ: %(c)s điểm mới, %(u)s điểm thay đổi, %(s)s giữ nguyên. Từ nay chấm lại "
                    "sẽ tự cập nhật sổ điểm.", c=totals["created"], u=totals["changed"], s=totals["unchanged"]),
                  "success")
    else:
        flash(_("Chọn cột điểm."), "danger")
    return redirect(url_for("homework.submissions", assignment_id=assignment_id))


@bp.route("/homework/<int:assignment_id>/files.zip")
@login_required
@role_required("admin", "teacher")
def files_zip(assignment_id: int):
    import io

    assignment = _managed(assignment_id)
    data, count = homework.zip_of_files(db.session, assignment, _folder())
    name = f"{assignment.title} - {count} tep.zip"
    return send_file(io.BytesIO(data), mimetype="application/zip", as_attachment=True, download_name=name)


@bp.route("/homework/submissions/<int:submission_id>", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def grade(submission_id: int):
    try:
        submission = homework.submission_of(db.session, current_user, ctx().role, ctx().school, submission_id)
    except DomainError:
        abort(404)
    assignment = db.session.get(Assignment, submission.assignment_id)
    form = GradeForm()
    now = utcnow()
    if request.method == "GET":
        form.score.data = rules.tenths_text(submission.score_tenths)
        form.comment.data = submission.comment
    elif form.validate_on_submit():
        marks = {k[len("rubric_"):]: v for k, v in request.form.items() if k.startswith("rubric_")}
        with committing(form) as outcome:
            if form.give_back.data:
                revise_by = local_to_utc(form.revise_by.data, _tz()) if form.revise_by.data else None
                homework.return_submission(db.session, current_user, ctx().role, submission, form.comment.data or "",
                                           now=now, revise_by=revise_by)
                result = None
            else:
                result = homework.grade_submission(db.session, current_user, ctx().role, submission,
                                                   score=form.score.data or "", rubric_marks=marks,
                                                   comment=form.comment.data or "", now=now)
        if outcome.ok:
            flash(_("Đã trả bài cho học sinh sửa.") if form.give_back.data else _("Đã lưu điểm."), "success")
            _gradebook_note(result)
            following = _next_to_grade(assignment, submission.student_id, now)
            if following is not None:
                return redirect(url_for("homework.grade", submission_id=following))
            return redirect(url_for("homework.submissions", assignment_id=assignment.id))
    table = homework.submissions_table(db.session, assignment, now)
    history = homework.history_of(db.session, assignment, submission.student)
    chosen = request.form if request.method == "POST" else {f"rubric_{k}": str(v)
                                                             for k, v in (submission.rubric_marks or {}).items()}
    return render_template("courses/homework_grade.html", assignment=assignment, submission=submission, form=form,
                           history=history, table=table, chosen=chosen), status_of(form)


def _next_to_grade(assignment: Assignment, after_student_id: int, now) -> int | None:
    """The next pupil in the roster whose newest hand-in waits for a score."""
    rows = homework.submissions_table(db.session, assignment, now).rows
    ids = [r.student.id for r in rows]
    start = ids.index(after_student_id) + 1 if after_student_id in ids else 0
    for row in rows[start:] + rows[:start]:
        if row.submission is not None and row.submission.status == "submitted":
            return row.submission.id
    return None


# ---------------------------------------------------------------- files

@bp.route("/homework/files/<int:file_id>")
@login_required
def submission_file(file_id: int):
    try:
        item = homework.file_for(db.session, current_user, ctx().role, ctx().school, file_id)
    except DomainError:
        abort(404)
    inline = item.kind == "image" or item.mime == "application/pdf" or item.kind in ("audio", "video")
    return send_stored(_folder() / item.stored_name, mimetype=item.mime, download_name=item.filename,
                       inline=inline and request.args.get("download") != "1")


# ---------------------------------------------------------------- pupils

@bp.route("/homework")
@login_required
@role_required("student")
def my_homework():
    try:
        student = pupil_of(db.session, ctx().school, current_user)
    except DomainError:
        abort(403)
    now = utcnow()
    items = homework.pupil_items(db.session, [student], now)[student.id]
    return render_template("courses/homework_mine.html", items=items, now=now, student=student)


@bp.route("/homework/<int:assignment_id>", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher", "student")
def assignment_page(assignment_id: int):
    if ctx().role != "student":
        return redirect(url_for("homework.submissions", assignment_id=_managed(assignment_id).id))
    try:
        student = pupil_of(db.session, ctx().school, current_user)
        assignment = homework.assignment_for_pupil(db.session, student, assignment_id, utcnow())
    except DomainError:
        abort(404)
    form = HandInForm()
    if form.validate_on_submit():
        now = utcnow()
        with committing(form) as outcome:
            submission = homework.submit_work(db.session, current_user, student, assignment, form.text.data or "",
                                              _files(form.photos) + _files(form.files), now=now, folder=_folder(),
                                              limits_mb=current_app.config["UPLOAD_LIMITS_MB"])
        if outcome.ok:
            days = homework.late_days_of(assignment, submission)
            flash(_("Đã nộp bài lúc %(t)s.", t=utc_to_local(submission.submitted_at, _tz()).strftime("%H:%M:%S %d/%m/%Y"))
                  + (" " + _("Bài nộp muộn %(d)s ngày.", d=days) if days else ""), "success" if not days else "warning")
            return redirect(url_for("homework.assignment_page", assignment_id=assignment.id))
    now = utcnow()
    history = homework.history_of(db.session, assignment, student)
    allowed = homework.allowance(db.session, assignment, student, now, history[0] if history else None)
    return render_template("courses/homework_pupil.html", assignment=assignment, form=form, history=history,
                           allowed=allowed, now=now, state=homework.state_of(assignment, history[0] if history else None,
                                                                             now)), status_of(form)


# ---------------------------------------------------------------- parents

@bp.route("/children/<int:student_id>/homework")
@login_required
@role_required("parent")
def child_homework(student_id: int):
    link = people.get_child(db.session, current_user, student_id)
    now = utcnow()
    items = homework.pupil_items(db.session, [link.student], now)[link.student.id]
    return render_template("courses/homework_child.html", student=link.student, items=items, now=now)


# ---------------------------------------------------------------- the week's load, for the class and parents

WEEKDAYS = (_l("Thứ Hai"), _l("Thứ Ba"), _l("Thứ Tư"), _l("Thứ Năm"), _l("Thứ Sáu"), _l("Thứ Bảy"), _l("Chủ nhật"))


def _week_arg():
    return arg_date("week") or utc_to_local(utcnow(), _tz()).date()


def _week_page(school_class, back_url: str, student=None):
    day = _week_arg()
    days = homework.week_load(db.session, school_class, day)
    return render_template("courses/homework_load.html", school_class=school_class, days=days, student=student,
                           weekdays=WEEKDAYS, back_url=back_url, tz=_tz(),
                           prev_week=(days[0].day - timedelta(days=7)).isoformat(),
                           next_week=(days[0].day + timedelta(days=7)).isoformat())


@bp.route("/classes/<int:class_id>/homework-load")
@login_required
@role_required("admin", "teacher")
def class_load(class_id: int):
    from lms.people.models import SchoolClass

    school_class = school_scoped(SchoolClass, class_id)
    teaches = any(c.teacher_id == current_user.id for c in people.courses_of_class(db.session, class_id))
    if not (ctx().role == "admin" or school_class.homeroom_teacher_id == current_user.id or teaches):
        abort(404)
    return _week_page(school_class, url_for("homework.manage"))


@bp.route("/children/<int:student_id>/homework-load")
@login_required
@role_required("parent")
def child_load(student_id: int):
    link = people.get_child(db.session, current_user, student_id)
    enrollment = people.current_enrollment(db.session, link.student)
    if enrollment is None:
        abort(404)
    return _week_page(enrollment.school_class, url_for("homework.child_homework", student_id=student_id), link.student)
