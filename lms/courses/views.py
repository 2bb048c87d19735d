"""Course pages: the teaching plan, lessons, the progress grid, the resource library."""
from __future__ import annotations

import io
import uuid

from flask import (Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_file,
                   session, url_for)
from flask_login import current_user, login_required

from lms.core import paging
from lms.core.errors import DomainError
from lms.core.forms import Form
from lms.core.requests import committing, status_of
from lms.core.tenancy import ctx, role_required, school_scoped
from lms.core.timeutil import local_to_utc, utc_to_local, utcnow
from lms.core.downloads import files, send_stored
from lms.courses import comms, lessons, plans, resources
from lms.courses.forms import AnnouncementForm, LessonForm, PlanImportForm, ResourceForm
from lms.courses.models import Lesson, Mode, Resource
from lms.courses.permissions import can_manage_course, can_open_resource, pupil_of, require_course_view
from lms.extensions import db
from lms.i18n import gettext as _
from lms.i18n import ngettext
from lms.people import services as people
from lms.people.models import Course

bp = Blueprint("courses", __name__, template_folder="templates")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 30


def _tz() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def _limits() -> dict[str, int]:
    return current_app.config["UPLOAD_LIMITS_MB"]


def _folder():
    return files("resources")


def _managed_course(course_id: int) -> Course:
    course = school_scoped(Course, course_id)
    if not can_manage_course(current_user, ctx().role, course):
        abort(403)
    return course


def _uploads(field) -> list[tuple[str, bytes]]:
    return [(f.filename, f.read()) for f in (field.data or []) if f and f.filename]


# ---------------------------------------------------------------- course home

@bp.route("/courses/<int:course_id>/learn")
@login_required
@role_required("admin", "teacher", "student")
def course_home(course_id: int):
    course = school_scoped(Course, course_id)
    require_course_view(db.session, current_user, ctx().role, course)
    now = utcnow()
    news = comms.announcements_of_course(db.session, course)
    if ctx().role == "student":
        student = pupil_of(db.session, ctx().school, current_user)
        items = lessons.pupil_lessons(db.session, student, course, now)
        done = sum(1 for i in items if i.progress and i.progress.completed_at)
        return render_template("courses/course_pupil.html", course=course, items=items, done=done, news=news)
    periods = plans.plan_of(db.session, course)
    all_lessons = lessons.lessons_of_course(db.session, course)
    online = sum(1 for p in periods if Mode(p.mode).online)
    manage, form = can_manage_course(current_user, ctx().role, course), None
    if manage:
        form = AnnouncementForm()
        form.course_id.choices = [(course.id, _("Học sinh môn %(s)s lớp %(c)s", s=course.subject.name,
                                                c=course.school_class.name)),
                                  (0, _("Cả lớp %(c)s", c=course.school_class.name))]
    return render_template("courses/course_staff.html", course=course, periods=periods, lessons=all_lessons,
                           online=online, now=now, news=news, form=form, manage=manage)


@bp.route("/courses/<int:course_id>/announcements", methods=["POST"])
@login_required
@role_required("admin", "teacher")
def announce(course_id: int):
    course = _managed_course(course_id)
    form = AnnouncementForm()
    form.course_id.choices = [(course.id, ""), (0, "")]
    if form.validate_on_submit():
        with committing(form) as outcome:
            comms.post_announcement(db.session, current_user, course.school_class,
                                    course if form.course_id.data else None, form.title.data, form.body.data)
        if outcome.ok:
            flash(_("Đã gửi thông báo tới học sinh và phụ huynh."), "success")
            return redirect(url_for("courses.course_home", course_id=course.id))
    # The form lives on the course page: each refusal is said with the field it is about
    # (title or body), the form's own and the service's alike.
    for field in form:
        if field.errors:
            flash(f"{field.label.text}: {' '.join(str(e) for e in field.errors)}", "danger")
    return redirect(url_for("courses.course_home", course_id=course.id))


# ---------------------------------------------------------------- teaching plan

@bp.route("/courses/<int:course_id>/plan", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def plan(course_id: int):
    course = _managed_course(course_id)
    periods = plans.plan_of(db.session, course)
    issues, rows = [], [plans.PeriodInput(p.id, str(p.week), p.topic, p.mode) for p in periods]
    if request.method == "POST":
        rows = _plan_rows(request.form)
        with committing() as outcome:
            issues = plans.save_plan(db.session, current_user, course, rows)
            if issues:
                outcome.discard()  # the table is shown again as typed, with the errors
        if issues:
            flash(_("Chưa lưu: kế hoạch có %(n)s lỗi, xem các dòng được tô đỏ.", n=len(issues)), "danger")
        elif outcome.ok:
            flash(ngettext("Đã lưu kế hoạch dạy học (%(n)s tiết).", "Đã lưu kế hoạch dạy học (%(n)s tiết).", len(rows), n=len(rows)), "success")
            return redirect(url_for("courses.plan", course_id=course.id))
    by_id = {p.id: p for p in periods}
    year = course.school_class.school_year
    online = sum(1 for r in rows if (plans.parse_mode(r.mode) or Mode.IN_PERSON).online)
    terms = {i: plans.term_of_week(year, int(r.week)) if str(r.week).isdigit() and 1 <= int(r.week) <= 53 else None
             for i, r in enumerate(rows)}
    return render_template("courses/plan.html", course=course, rows=rows, by_id=by_id, online=online,
                           issues=issues, bad_lines={i.line for i in issues}, terms=terms, modes=plans.MODE_LABELS,
                           import_form=PlanImportForm(),
                           expected=course.subject.periods_for(course.school_class.grade))


def _plan_rows(form) -> list[plans.PeriodInput]:
    """Rows of the plan table in page order. Each row posts id (blank for new), week, topic, mode;
    a ticked "delete" box drops the row; "add" appends blank rows."""
    ids, weeks, topics, modes = (form.getlist(k) for k in ("pid", "week", "topic", "mode"))
    dropped = set(form.getlist("drop"))
    rows = []
    for pid, week, topic, mode in zip(ids, weeks, topics, modes):
        if pid and pid in dropped:
            continue
        rows.append(plans.PeriodInput(int(pid) if pid.isdigit() else None, week, topic, mode))
    try:
        extra = max(0, min(int(form.get("add") or 0), 50))
    except ValueError:
        extra = 0
    last_week = rows[-1].week if rows else "1"
    rows += [plans.PeriodInput(None, last_week, "", Mode.IN_PERSON) for _ in range(extra)]
    return rows


@bp.route("/courses/<int:course_id>/plan/generate", methods=["POST"])
@login_required
@role_required("admin", "teacher")
def plan_generate(course_id: int):
    course = _managed_course(course_id)
    with committing() as outcome:
        n = plans.generate_plan(db.session, current_user, course)
    if outcome.ok:
        flash(ngettext("Đã tạo kế hoạch %(n)s tiết, chia đều cho 35 tuần. Hãy điền tên bài và chọn tiết trực tuyến.", "Đã tạo kế hoạch %(n)s tiết, chia đều cho 35 tuần. Hãy điền tên bài và chọn tiết trực tuyến.", n, n=n),
              "success")
    return redirect(url_for("courses.plan", course_id=course.id))


@bp.route("/courses/<int:course_id>/plan/import", methods=["POST"])
@login_required
@role_required("admin", "teacher")
def plan_import(course_id: int):
    """Upload → preview (periods, lines skipped as layout, bad lines, unknown columns) → confirm.
    Nothing is written until the teacher confirms a file without a bad line."""
    course = _managed_course(course_id)
    form = PlanImportForm()
    result, token = None, None
    pending = session.get("plan_import") or {}
    confirm = Form()
    if request.form.get("confirm"):
        if not (confirm.validate_on_submit() and pending.get("course") == course.id
                and pending.get("token") == request.form.get("token")):
            flash(_("Phiên nhập đã hết hạn. Hãy tải tệp lên lại."), "warning")
            return redirect(url_for("courses.plan_import", course_id=course.id))
        path = files("imports") / pending["token"]
        if not path.exists():
            flash(_("Phiên nhập đã hết hạn. Hãy tải tệp lên lại."), "warning")
            return redirect(url_for("courses.plan_import", course_id=course.id))
        with committing(form) as outcome:
            result = plans.import_plan(db.session, current_user, course, pending["name"], path.read_bytes())
            if result.issues:
                outcome.discard()
        if outcome.ok and result and not result.issues:
            path.unlink(missing_ok=True)
            session.pop("plan_import", None)
            flash(ngettext("Đã nhập kế hoạch: %(n)s tiết, trong đó %(o)s tiết trực tuyến.", "Đã nhập kế hoạch: %(n)s tiết, trong đó %(o)s tiết trực tuyến.", result.periods, n=result.periods, o=result.online), "success")
            return redirect(url_for("courses.plan", course_id=course.id))
    elif form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        try:
            result = plans.read_plan(upload.filename, data)
        except DomainError as exc:
            form.file.errors.append(str(exc.message))
        else:
            if not result.issues:
                token = uuid.uuid4().hex
                (files("imports") / token).write_bytes(data)
                session["plan_import"] = {"token": token, "course": course.id, "name": upload.filename}
    return render_template("courses/plan_import.html", course=course, form=form, result=result, token=token,
                           confirm=Form(formdata=None), mode_labels=plans.MODE_LABELS), \
        422 if (result and result.issues) or form.errors else 200


@bp.route("/courses/<int:course_id>/plan/template.xlsx")
@login_required
@role_required("admin", "teacher")
def plan_template(course_id: int):
    course = _managed_course(course_id)
    return send_file(io.BytesIO(plans.plan_template(course.school_class.school_year)), mimetype=XLSX, as_attachment=True,
                     download_name="mau-ke-hoach-day-hoc.xlsx")


@bp.route("/courses/<int:course_id>/plan.xlsx")
@login_required
@role_required("admin", "teacher")
def plan_export(course_id: int):
    course = _managed_course(course_id)
    data = plans.plan_workbook(plans.plan_of(db.session, course))
    name = f"ke-hoach-{course.subject.code}-{course.school_class.name}.xlsx"
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name)


# ---------------------------------------------------------------- lessons

def _lesson_form(course: Course, lesson: Lesson | None) -> LessonForm:
    form = LessonForm()
    periods = plans.plan_of(db.session, course)
    modes = plans.MODE_LABELS
    form.period_ids.choices = [
        (p.id, _("Tiết %(n)s · tuần %(w)s · %(m)s%(t)s", n=p.number, w=p.week, m=modes[Mode(p.mode)],
                 t=f" · {p.topic}" if p.topic else ""))
        for p in periods if p.lesson_id is None or (lesson is not None and p.lesson_id == lesson.id)]
    others = [x for x in lessons.lessons_of_course(db.session, course) if lesson is None or x.id != lesson.id]
    form.prerequisite_id.choices = [(0, _("— Không có điều kiện —"))] + [(x.id, x.title) for x in others]
    library = db.session.scalars(resources.library_query(ctx().school, grade=None).limit(300))
    form.resource_ids.choices = [(r.id, f"{r.title} ({r.filename})") for r in library]
    if request.method == "GET":
        if lesson is not None:
            form.title.data, form.body.data, form.video_links.data = lesson.title, lesson.body, lesson.video_links
            form.period_ids.data = [p.id for p in lesson.periods]
            form.prerequisite_id.data = lesson.prerequisite_id or 0
            if lesson.publish_at is None:
                form.publish.data = "draft"
            elif lesson.is_published(utcnow()):
                form.publish.data = "now"
            else:
                form.publish.data = "at"
                form.publish_at.data = utc_to_local(lesson.publish_at, _tz())
        else:
            wanted = request.args.get("period", type=int)
            form.period_ids.data = [wanted] if wanted else []
            form.prerequisite_id.data = 0
    return form


def _edit_lesson(course: Course, lesson: Lesson | None):
    form = _lesson_form(course, lesson)
    if form.validate_on_submit():
        data = lessons.LessonInput(
            title=form.title.data, body=form.body.data or "", video_links=form.video_links.data or "",
            period_ids=form.period_ids.data or [], publish=form.publish.data,
            publish_at=local_to_utc(form.publish_at.data, _tz()) if form.publish_at.data else None,
            prerequisite_id=form.prerequisite_id.data or None, resource_ids=form.resource_ids.data or [])
        with committing(form) as outcome:
            files = _uploads(form.files)
            added = resources.add_resources(
                db.session, current_user, ctx().school, files,
                resources.ResourceMeta(subject_id=course.subject_id, grade=course.school_class.grade,
                                       topic=form.title.data or ""), _folder(), _limits()) if files else []
            data.resource_ids += [r.id for r in added]
            saved = lessons.save_lesson(db.session, current_user, course, data, now=utcnow(), lesson=lesson)
        if outcome.ok:
            flash(_("Đã lưu bài học “%(t)s”.", t=saved.title), "success")
            return redirect(url_for("courses.lesson_view", lesson_id=saved.id))
    return render_template("courses/lesson_edit.html", course=course, lesson=lesson, form=form,
                           limits=_limits()), status_of(form)


@bp.route("/courses/<int:course_id>/lessons/new", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def lesson_new(course_id: int):
    return _edit_lesson(_managed_course(course_id), None)


@bp.route("/lessons/<int:lesson_id>/edit", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def lesson_edit(lesson_id: int):
    lesson = school_scoped(Lesson, lesson_id)
    return _edit_lesson(_managed_course(lesson.course_id), lesson)


@bp.route("/lessons/<int:lesson_id>/delete", methods=["POST"])
@login_required
@role_required("admin", "teacher")
def lesson_delete(lesson_id: int):
    lesson = school_scoped(Lesson, lesson_id)
    course = _managed_course(lesson.course_id)
    lessons.delete_lesson(db.session, current_user, lesson)
    db.session.commit()
    flash(_("Đã xóa bài học; các tiết của nó trở lại chưa có bài."), "success")
    return redirect(url_for("courses.course_home", course_id=course.id))


@bp.route("/lessons/<int:lesson_id>/files/<int:resource_id>/remove", methods=["POST"])
@login_required
@role_required("admin", "teacher")
def lesson_detach(lesson_id: int, resource_id: int):
    lesson = school_scoped(Lesson, lesson_id)
    _managed_course(lesson.course_id)
    lessons.detach_resource(db.session, current_user, lesson, resource_id)
    db.session.commit()
    flash(_("Đã gỡ tệp khỏi bài học (tệp vẫn còn trong thư viện)."), "success")
    return redirect(url_for("courses.lesson_edit", lesson_id=lesson.id))


@bp.route("/lessons/<int:lesson_id>")
@login_required
@role_required("admin", "teacher", "student")
def lesson_view(lesson_id: int):
    lesson = school_scoped(Lesson, lesson_id)
    course = db.session.get(Course, lesson.course_id)
    require_course_view(db.session, current_user, ctx().role, course)
    progress = None
    if ctx().role == "student":
        student = pupil_of(db.session, ctx().school, current_user)
        with committing(flash_error=False) as outcome:
            progress = lessons.open_lesson(db.session, student, lesson, utcnow())
        if not outcome.ok:
            flash(str(outcome.error.message), "warning")
            return redirect(url_for("courses.course_home", course_id=course.id))
    from lms.courses.homework import assignments_of_lesson
    from lms.exams.services import checks_of_lesson

    links = [u for u in lesson.video_links.splitlines() if u.strip()]
    manage, now = can_manage_course(current_user, ctx().role, course), utcnow()
    tasks = [a for a in assignments_of_lesson(db.session, lesson)
             if manage or (a.published_at is not None and a.open_at <= now)]
    checks = checks_of_lesson(db.session, lesson.id, published_only=not manage)
    return render_template("courses/lesson.html", lesson=lesson, course=course, progress=progress, links=links,
                           manage=manage, now=now, tasks=tasks, checks=checks)


@bp.route("/lessons/<int:lesson_id>/time", methods=["POST"])
@login_required
@role_required("student")
def lesson_time(lesson_id: int):
    lesson = school_scoped(Lesson, lesson_id)
    student = pupil_of(db.session, ctx().school, current_user)
    seconds = request.form.get("seconds", "0")
    if not seconds.isdigit() or len(seconds) > 6:
        abort(400)
    with committing(flash_error=False) as outcome:
        row = lessons.record_time(db.session, student, lesson, int(seconds), utcnow())
    if not outcome.ok:
        return jsonify(error=str(outcome.error.message)), outcome.status
    return jsonify(seconds=row.seconds)


@bp.route("/lessons/<int:lesson_id>/complete", methods=["POST"])
@login_required
@role_required("student")
def lesson_complete(lesson_id: int):
    lesson = school_scoped(Lesson, lesson_id)
    student = pupil_of(db.session, ctx().school, current_user)
    with committing() as outcome:
        lessons.complete_lesson(db.session, student, lesson, utcnow())
    if outcome.ok:
        flash(_("Em đã hoàn thành bài “%(t)s”. Giỏi lắm!", t=lesson.title), "success")
    return redirect(url_for("courses.course_home", course_id=lesson.course_id))


# ---------------------------------------------------------------- progress

@bp.route("/courses/<int:course_id>/progress")
@login_required
@role_required("admin", "teacher")
def progress(course_id: int):
    course = school_scoped(Course, course_id)
    require_course_view(db.session, current_user, ctx().role, course)
    shown, rows = lessons.progress_grid(db.session, course, utcnow())
    only = request.args.get("show")
    total = len(rows)
    if only == "not_started":
        rows = [r for r in rows if not r.started]
    elif only == "not_finished":
        rows = [r for r in rows if r.completed < len(shown)]
    return render_template("courses/progress.html", course=course, lessons=shown, rows=rows, only=only, total=total)


# ---------------------------------------------------------------- resource library

def _resource_form(obj: Resource | None = None) -> ResourceForm:
    school = ctx().school
    form = ResourceForm(obj=obj) if obj is not None and request.method == "GET" else ResourceForm()
    form.subject_id.choices = [(0, _("— Mọi môn —"))] + [(s.id, f"{s.name} ({s.level})")
                                                       for s in people.subjects_of(db.session, school)]
    form.grade.choices = [(0, _("— Mọi khối —"))] + [(g, str(g)) for g in school.grades]
    if obj is not None and request.method == "GET":
        form.subject_id.data, form.grade.data = obj.subject_id or 0, obj.grade or 0
    return form


def _meta(form: ResourceForm) -> resources.ResourceMeta:
    return resources.ResourceMeta(title=form.title.data or "", subject_id=form.subject_id.data or None,
                                  grade=form.grade.data or None, topic=form.topic.data or "",
                                  tags=form.tags.data or "", shared_with_department=bool(form.shared_with_department.data))


@bp.route("/resources", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def library():
    school = ctx().school
    form = _resource_form()
    if form.validate_on_submit():
        files = _uploads(form.files)
        with committing(form) as outcome:
            if not files:
                raise DomainError(_("Chọn ít nhất một tệp."), field="files")
            added = resources.add_resources(db.session, current_user, school, files, _meta(form), _folder(), _limits())
        if outcome.ok:
            flash(_("Đã lưu %(n)s tài liệu vào thư viện.", n=len(added)), "success")
            return redirect(url_for("courses.library"))
    q = request.args.get("q", "")
    subject_id = request.args.get("subject", type=int)
    grade = request.args.get("grade", type=int)
    kind = request.args.get("kind") or None
    page = paging.paginate(resources.library_query(school, q=q, subject_id=subject_id, grade=grade, kind=kind),
                       per_page=PAGE_SIZE)
    return render_template("courses/library.html", form=form, page=page, q=q, subject_id=subject_id, grade=grade,
                           kind=kind, subjects=people.subjects_of(db.session, school), limits=_limits()), status_of(form)


@bp.route("/resources/<int:resource_id>/edit", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def resource_edit(resource_id: int):
    resource = school_scoped(Resource, resource_id)
    form = _resource_form(resource)
    if form.validate_on_submit():
        with committing(form) as outcome:
            resources.update_resource(db.session, current_user, resource, _meta(form))
        if outcome.ok:
            flash(_("Đã lưu tài liệu."), "success")
            return redirect(url_for("courses.library"))
    return render_template("courses/resource_edit.html", form=form, resource=resource), status_of(form)


@bp.route("/resources/<int:resource_id>/file")
@login_required
def resource_file(resource_id: int):
    school = ctx().school
    if school is None:
        abort(404)
    try:
        resource = resources.visible_resource(db.session, school, resource_id)
    except DomainError:
        abort(404)
    if not can_open_resource(db.session, current_user, ctx().role, school, resource, utcnow()):
        abort(404)
    # Pictures, sound, video and PDF open in the browser; Office files download.
    inline = resource.kind != "document" or resource.mime == "application/pdf"
    return send_stored(_folder() / resource.stored_name, mimetype=resource.mime, download_name=resource.filename,
                       inline=inline, cache="private, max-age=3600")

