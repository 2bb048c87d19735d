"""Grade book pages: the entry grids (TT22 and TT27), conduct and attendance, the class summary,
term locks, report cards and their public verification, and what pupils and parents see."""
from __future__ import annotations

import io
import uuid
from datetime import datetime

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, session,
                   url_for)
from flask_babel import get_locale
from flask_login import current_user, login_required

from lms.core.downloads import files, send_stored
from lms.core.errors import DomainError
from lms.core.errors import ValidationError
from lms.core.forms import Form
from lms.core.requests import committing
from lms.core.tables import ACCEPT_TEXT
from lms.core.jobs import render_template_in
from lms.core.pdf import render_pdf
from lms.core.tenancy import ctx, role_required, school_scoped
from lms.core.timeutil import utcnow
from lms.courses.permissions import pupil_of
from lms.extensions import db
from lms.gradebook import progress, book, homeroom, labels, primary, reportcards, tt27
from lms.gradebook.labels import CHECKPOINT_LABELS, TERM_LABELS
from lms.gradebook.models import ReportCard
from lms.gradebook.permissions import can_edit_course, can_keep_class, child_of, require_course
from lms.i18n import gettext as _
from lms.i18n import ngettext
from lms.people import services as people
from lms.people.models import Course, SchoolClass, SchoolYear, Student

bp = Blueprint("gradebook", __name__, template_folder="templates")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# Where a mark that came from elsewhere links to: source type → (endpoint, id parameter). The areas
# that post marks (homework, exams) add themselves here.
SOURCE_ENDPOINTS: dict[str, tuple[str, str]] = {}


@bp.app_template_filter("mark")
def _mark_filter(value) -> str:
    return book.mark_text(value, "," if str(get_locale() or "vi") == "vi" else ".")


@bp.app_template_global("term_lock_notice")
def _term_lock_notice(lock):
    """For the locked-term banner (gradebook/_locked.html): which term, since when, by whom, and
    who can correct or reopen it."""
    return book.lock_notice(db.session, lock)


def source_url(entry) -> str | None:
    target = SOURCE_ENDPOINTS.get(entry.source_type)
    if target is None or entry.source_id is None:
        return None
    return url_for(target[0], **{target[1]: entry.source_id})


@bp.record_once
def _globals(state) -> None:
    # Globals rather than a context processor: report-card PDFs render in jobs, outside requests.
    state.app.jinja_env.globals.update(
        TERM_LABELS=TERM_LABELS, CHECKPOINT_LABELS=CHECKPOINT_LABELS, SOURCE_LABELS=labels.SOURCE_LABELS,
        CONDUCT_LABELS=labels.CONDUCT_LABELS, RESULT_LABELS=labels.LEVEL_LABELS,
        DECISION_LABELS=labels.DECISION_LABELS, AWARD_LABELS=labels.AWARD_LABELS,
        PRIMARY_LEVEL_LABELS=labels.PRIMARY_LEVEL_LABELS, QUALITY_LEVEL_LABELS=labels.QUALITY_LEVEL_LABELS,
        PRIMARY_RESULT_LABELS=labels.PRIMARY_RESULT_LABELS, QUALITY_NAMES=labels.QUALITY_NAMES,
        PASS_LABELS=labels.PASS_LABELS, source_url=source_url, summary_rule=labels.summary_rule,
        primary_summary_rule=labels.primary_summary_rule, PRIMARY_TOTALS_TITLE=labels.PRIMARY_TOTALS_TITLE,
        with_abbreviations=labels.with_abbreviations,
        change_label=labels.change_label, change_value=labels.change_value, subject_abbrev=labels.subject_abbrev)


def _arg(name: str, choices, default):
    """A page's choice from the query: `default` when absent, 404 when it is not one of `choices`
    (a term "3" or "abc" is never read as another term)."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if isinstance(choices, dict):
        if raw in choices:
            return choices[raw]
        abort(404)
    for choice in choices:
        if str(choice) == raw:
            return choice
    abort(404)


def _term(default: int = 1) -> int:
    return _arg("term", (1, 2), default)


def _year_arg(years: list[SchoolYear], default: SchoolYear | None) -> SchoolYear | None:
    """The school year asked for by id among the school's `years`; `default` when none is asked."""
    return _arg("year", {str(y.id): y for y in years}, None) if request.args.get("year") else default


def _course(course_id: int, *, edit: bool = False) -> Course:
    course = school_scoped(Course, course_id)
    try:
        require_course(current_user, ctx().role, course, edit=edit)
    except DomainError as exc:
        abort(exc.status)
    return course


def _class(class_id: int) -> SchoolClass:
    school_class = school_scoped(SchoolClass, class_id)
    if not can_keep_class(current_user, ctx().role, school_class):
        abort(404)
    return school_class


def _loaded() -> book.Loaded:
    """When the page being saved was rendered and what its fields showed (its hidden fields)."""
    return book.Loaded.read(request.form.get("loaded_at"), request.form.get("was"))


def _pairs(prefix: str) -> dict[tuple[int, str], str]:
    """Form fields named `<prefix>-<student id>-<column>` → their text, by (student id, column)."""
    out = {}
    for name, value in request.form.items():
        parts = name.split("-")
        if len(parts) == 3 and parts[0] == prefix and parts[1].isdigit():
            out[(int(parts[1]), parts[2])] = value
    return out


def _ids(prefix: str) -> dict[int, str]:
    """Form fields named `<prefix>-<student id>` → their text."""
    out = {}
    for name, value in request.form.items():
        head, _sep, tail = name.partition("-")
        if head == prefix and tail.isdigit():
            out[int(tail)] = value
    return out


def _inputs(kind, prefixes: dict[str, str]) -> dict:
    """A grid's posted fields `<prefix>-<student id>` as one input per pupil (`kind`), a field not
    posted left None: student id → input."""
    out = {}
    for attr, prefix in prefixes.items():
        for student_id, text in _ids(prefix).items():
            out.setdefault(student_id, kind(student_id, **{a: None for a in prefixes}))
            setattr(out[student_id], attr, text)
    return out


def _save(call, done, again: str):
    """Run a grid save. Refused cells roll everything back and stay on the page, shown as typed;
    a domain error is flashed; success commits and goes back to the page. Returns the save's
    result (None after a domain error) and the redirect to follow (None to render the page)."""
    result = None
    with committing() as outcome:
        result = call()
        if result.issues:
            raise ValidationError(ngettext("Chưa lưu: có %(n)s ô không hợp lệ, xem các ô tô đỏ.", "Chưa lưu: có %(n)s ô không hợp lệ, xem các ô tô đỏ.", len(result.issues), n=len(result.issues)))
    if not outcome.ok:
        return result, None
    if result.written or getattr(result, "remarks", 0):
        flash(done(result), "success")
    else:   # said first, on a locked term too: a reason is asked only for a change
        flash(_("Không có ô nào khác với sổ đang lưu: không có gì thay đổi."), "info")
    return result, redirect(again)


def _refused_status() -> int:
    """The status of a grid page rendered again after a POST: every save that succeeds redirects,
    so the page comes back only refused — refused cells or a domain refusal (a locked term saved
    without a reason) alike are 422."""
    return 422 if request.method == "POST" else 200


def _issue_view(result) -> dict:
    issues = result.issues if result else []
    # (line, column) → its issue: the cell shows its own reason (gradebook/_cell.html)
    return {"issues": issues, "bad": {(i.line, str(i.column)): i for i in issues}}


# ---------------------------------------------------------------- TT22 grid of a course

@bp.route("/courses/<int:course_id>/grades", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def course_grades(course_id: int):
    course = _course(course_id)
    if homeroom.is_primary(course.school_class):
        return redirect(url_for("gradebook.primary_grades", course_id=course.id))
    term = _term()
    editable = can_edit_course(current_user, ctx().role, course)
    cells, remarks = _pairs("c"), _ids("r")
    result = None
    if request.method == "POST":
        if not editable:
            abort(403)
        result, done = _save(
            lambda: book.save_grid(
                db.session, current_user, ctx().role, course, term,
                [book.CellInput(sid, key, value) for (sid, key), value in cells.items()], remarks, now=utcnow(),
                loaded=_loaded(), reason=request.form.get("reason", "")),
            lambda r: _("Đã lưu sổ điểm: %(a)s điểm mới, %(c)s điểm sửa, %(d)s điểm xoá, %(r)s nhận xét thay đổi.",
                        a=r.created, c=r.changed, d=r.cleared, r=r.remarks),
            url_for("gradebook.course_grades", course_id=course.id, term=term))
        if done:
            return done
    now = utcnow()   # before the grid is read: a save made while it is read counts as after the page
    grid = book.grid_of(db.session, course, term)
    # Refused, the page comes back with the user's input over what is stored now: the same check
    # the save made, so a colleague's newer value shows where the user's was refused.
    edits = book.check_fresh(_loaded(), book.grid_fields(grid, cells, remarks))
    return render_template("gradebook/course_grid.html", course=course, grid=grid, term=term,
                           **_issue_view(result), editable=editable, now=now, edits=edits,
                           retest_open=book.retest_open,
                           admin=ctx().role == "admin"), _refused_status()


@bp.route("/courses/<int:course_id>/grades.xlsx")
@login_required
@role_required("admin", "teacher")
def course_grades_xlsx(course_id: int):
    course = _course(course_id)
    term = _term()
    data = book.grid_workbook(book.grid_of(db.session, course, term))
    name = f"Sổ điểm {course.subject.name} {course.school_class.name} HK{term}.xlsx"
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name)


@bp.route("/courses/<int:course_id>/grades/import", methods=["POST"])
@login_required
@role_required("admin", "teacher")
def course_grades_import(course_id: int):
    """Upload → preview (the marks each line writes, the lines skipped as layout, the columns not
    read, each refused cell) → confirm, as every import. Nothing is written before the
    confirmation; the confirmation refuses a mark a colleague changed since the preview."""
    course = _course(course_id, edit=True)
    term = _term()
    back = url_for("gradebook.course_grades", course_id=course.id, term=term)
    folder = files("imports")
    form = Form()
    if not form.validate_on_submit():
        flash(_("Phiên làm việc đã hết hạn. Hãy tải tệp lên lại."), "warning")
        return redirect(back)
    max_rows = current_app.config["IMPORT_MAX_ROWS"]
    if request.form.get("confirm"):
        pending = session.get("grade_import") or {}
        path = folder / pending.get("token", "-")
        if (pending.get("course") != course.id or pending.get("term") != term
                or pending.get("token") != request.form.get("token") or not path.exists()):
            flash(_("Phiên nhập đã hết hạn. Hãy tải tệp lên lại."), "warning")
            return redirect(back)
        with committing() as outcome:
            result = book.import_grid(db.session, current_user, ctx().role, course, term, pending["name"],
                                      path.read_bytes(), now=utcnow(), max_rows=max_rows, reason=pending["reason"],
                                      loaded_at=datetime.fromisoformat(pending["at"]))
            if result.save.issues:   # the book changed since the preview: nothing of the file is saved
                outcome.discard()
        if outcome.error is not None:
            return redirect(back)
        if result.save.issues:   # the book changed since the preview
            return render_template("gradebook/import_result.html", course=course, term=term, preview=None,
                                   issues=result.save.issues, table=result.table, token=None), 422
        path.unlink(missing_ok=True)
        session.pop("grade_import", None)
        flash(_("Đã nhập sổ điểm từ tệp: %(a)s điểm mới, %(c)s điểm sửa.", a=result.save.created,
                c=result.save.changed), "success")
        return redirect(back)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Chọn tệp bảng tính (%(t)s) để nhập.", t=ACCEPT_TEXT), "danger")
        return redirect(back)
    data, reason = upload.read(), request.form.get("reason", "")
    with committing(flash_error=False) as outcome:   # a preview: it keeps nothing
        preview = book.read_grid_import(db.session, current_user, ctx().role, course, term, upload.filename, data,
                                        max_rows=max_rows, reason=reason)
        outcome.discard()
    if outcome.error is not None:   # the file refused whole (empty, not a table, no code column…): said on the page
        return render_template("gradebook/import_result.html", course=course, term=term, preview=None, issues=[],
                               table=None, token=None, refused=str(outcome.error.message)), outcome.error.status
    token = None
    if preview.ok and preview.changes:
        token = uuid.uuid4().hex
        (folder / token).write_bytes(data)
        session["grade_import"] = {"token": token, "course": course.id, "term": term, "name": upload.filename,
                                   "reason": reason, "at": utcnow().isoformat()}
    return render_template("gradebook/import_result.html", course=course, term=term, preview=preview,
                           issues=preview.issues, table=preview.table, token=token), 200 if preview.ok else 422


@bp.route("/courses/<int:course_id>/grades/history")
@login_required
@role_required("admin", "teacher")
def course_history(course_id: int):
    course = _course(course_id)
    changes = book.changes_of_course(db.session, course)
    names = {s.id: s.full_name for s in people.students_of_class(db.session, course.school_class)}
    return render_template("gradebook/history.html", course=course, changes=changes, names=names)


# ---------------------------------------------------------------- TT27 grid of a course

@bp.route("/courses/<int:course_id>/primary", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def primary_grades(course_id: int):
    course = _course(course_id)
    if not homeroom.is_primary(course.school_class):
        return redirect(url_for("gradebook.course_grades", course_id=course.id))
    checkpoint = _arg("checkpoint", tt27.CHECKPOINTS, "ck1")
    editable = can_edit_course(current_user, ctx().role, course)
    posted = _inputs(primary.PrimaryInput, {"level": "l", "test": "t", "comment": "m"})
    result = None
    if request.method == "POST":
        if not editable:
            abort(403)
        result, done = _save(
            lambda: primary.save_primary(db.session, current_user, ctx().role, course, checkpoint,
                                         list(posted.values()), now=utcnow(), loaded=_loaded(),
                                         reason=request.form.get("reason", "")),
            lambda r: ngettext("Đã lưu đánh giá %(c)s (%(n)s học sinh thay đổi).", "Đã lưu đánh giá %(c)s (%(n)s học sinh thay đổi).", r.written, c=CHECKPOINT_LABELS[checkpoint], n=r.written),
            url_for("gradebook.primary_grades", course_id=course.id, checkpoint=checkpoint))
        if done:
            return done
    now = utcnow()
    grid = primary.primary_grid(db.session, course, checkpoint)
    edits = book.check_fresh(_loaded(), primary.primary_fields(grid, posted))
    return render_template("gradebook/primary_grid.html", course=course, grid=grid, checkpoint=checkpoint,
                           editable=editable, edits=edits, now=now, **_issue_view(result),
                           admin=ctx().role == "admin"), _refused_status()


# ---------------------------------------------------------------- homeroom: conduct, attendance, qualities, year

@bp.route("/classes/<int:class_id>/conduct", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def class_conduct(class_id: int):
    school_class = _class(class_id)
    term = _term()
    posted = _inputs(homeroom.TermRecordInput, {"conduct": "k", "excused": "p", "unexcused": "u", "comment": "m"})
    result = None
    if request.method == "POST":
        result, done = _save(
            lambda: homeroom.save_term_records(
                db.session, current_user, ctx().role, school_class, term, list(posted.values()), now=utcnow(),
                loaded=_loaded(), reason=request.form.get("reason", "")),
            lambda r: ngettext("Đã lưu rèn luyện và chuyên cần (%(n)s học sinh thay đổi).", "Đã lưu rèn luyện và chuyên cần (%(n)s học sinh thay đổi).", r.written, n=r.written),
            url_for("gradebook.class_conduct", class_id=class_id, term=term))
        if done:
            return done
    now = utcnow()
    students = people.students_of_class(db.session, school_class)
    records = homeroom.term_records(db.session, school_class)
    edits = book.check_fresh(_loaded(), homeroom.term_fields(school_class, term, students, records, posted))
    locked = book.lock_of(db.session, school_class.school_year_id, term)
    from lms.attendance.registers import term_absences

    absences = term_absences(db.session, school_class)
    return render_template("gradebook/conduct.html", school_class=school_class, term=term, students=students,
                           records=records, edits=edits, now=now, **_issue_view(result), locked=locked,
                           absences=absences,
                           daily_term=any(a.daily for (_sid, t), a in absences.items() if t == term),
                           primary=homeroom.is_primary(school_class), admin=ctx().role == "admin"), \
        _refused_status()


@bp.route("/classes/<int:class_id>/qualities", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def class_qualities(class_id: int):
    school_class = _class(class_id)
    if not homeroom.is_primary(school_class):
        abort(404)
    checkpoint = _arg("checkpoint", tt27.CHECKPOINTS, "ck1")
    cells = _pairs("q")
    result = None
    if request.method == "POST":
        result, done = _save(
            lambda: primary.save_qualities(
                db.session, current_user, ctx().role, school_class, checkpoint, cells, now=utcnow(),
                loaded=_loaded(), reason=request.form.get("reason", "")),
            lambda r: ngettext("Đã lưu phẩm chất, năng lực (%(n)s ô thay đổi).", "Đã lưu phẩm chất, năng lực (%(n)s ô thay đổi).", r.written, n=r.written),
            url_for("gradebook.class_qualities", class_id=class_id, checkpoint=checkpoint))
        if done:
            return done
    now = utcnow()
    grid = primary.quality_grid(db.session, school_class, checkpoint)
    edits = book.check_fresh(_loaded(), primary.quality_fields(grid, cells))
    return render_template("gradebook/qualities.html", school_class=school_class, grid=grid, checkpoint=checkpoint,
                           codes=primary.QUALITY_CODES, edits=edits, now=now, **_issue_view(result),
                           admin=ctx().role == "admin"), _refused_status()


@bp.route("/classes/<int:class_id>/year-records", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def class_year_records(class_id: int):
    school_class = _class(class_id)
    posted = _inputs(homeroom.YearRecordInput, {"comment": "m", "summer_conduct": "h"})
    result = None
    if request.method == "POST":
        result, done = _save(
            lambda: homeroom.save_year_records(db.session, current_user, ctx().role, school_class,
                                               list(posted.values()), now=utcnow(), loaded=_loaded(),
                                               reason=request.form.get("reason", "")),
            lambda r: ngettext("Đã lưu nhận xét cuối năm (%(n)s học sinh thay đổi).", "Đã lưu nhận xét cuối năm (%(n)s học sinh thay đổi).", r.written, n=r.written),
            url_for("gradebook.class_year_records", class_id=class_id))
        if done:
            return done
    now = utcnow()
    primary_class = homeroom.is_primary(school_class)
    summary = None if primary_class else homeroom.build_summary(db.session, school_class, 0)
    students = people.students_of_class(db.session, school_class)
    records = homeroom.year_records(db.session, school_class)
    edits = book.check_fresh(_loaded(), homeroom.year_fields(students, records, posted))
    locked = book.lock_of(db.session, school_class.school_year_id, 2)
    return render_template("gradebook/year_records.html", school_class=school_class, students=students,
                           records=records, summary=summary, edits=edits, now=now,
                           **_issue_view(result), locked=locked, admin=ctx().role == "admin"), \
        _refused_status()


# ---------------------------------------------------------------- the class summary

def _period() -> int:
    return _arg("period", (0, 1, 2), 0)


def _summary(school_class: SchoolClass):
    if homeroom.is_primary(school_class):
        checkpoint = _arg("checkpoint", tt27.CHECKPOINTS, "cn")
        return homeroom.primary_summary(db.session, school_class, checkpoint)
    return homeroom.class_summary(db.session, current_user, ctx().role, school_class, _period())


@bp.route("/classes/<int:class_id>/summary")
@login_required
@role_required("admin", "teacher")
def class_summary(class_id: int):
    school_class = _class(class_id)
    summary = _summary(school_class)
    template = "gradebook/summary_primary.html" if homeroom.is_primary(school_class) else "gradebook/summary.html"
    return render_template(template, school_class=school_class, summary=summary)


@bp.route("/classes/<int:class_id>/summary.xlsx")
@login_required
@role_required("admin", "teacher")
def class_summary_xlsx(class_id: int):
    school_class = _class(class_id)
    summary = _summary(school_class)
    if homeroom.is_primary(school_class):
        data = homeroom.primary_workbook(summary)
        label = CHECKPOINT_LABELS[summary.checkpoint]
    else:
        data = homeroom.summary_workbook(summary)
        label = TERM_LABELS[summary.period]
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                     download_name=f"Bảng tổng hợp {school_class.name} {label}.xlsx")


@bp.route("/classes/<int:class_id>/summary.pdf")
@login_required
@role_required("admin", "teacher")
def class_summary_pdf(class_id: int):
    school_class = _class(class_id)
    summary = _summary(school_class)
    school = ctx().school
    primary_class = homeroom.is_primary(school_class)
    html = render_template("gradebook/summary_pdf.html", school_class=school_class, summary=summary, school=school,
                           primary=primary_class, generated=utcnow())
    label = CHECKPOINT_LABELS[summary.checkpoint] if primary_class else TERM_LABELS[summary.period]
    return send_file(io.BytesIO(render_pdf(html)), mimetype="application/pdf", as_attachment=False,
                     download_name=f"Bảng tổng hợp {school_class.name} {label}.pdf")


# ---------------------------------------------------------------- admin: term locks and completeness

@bp.route("/school/gradebook")
@login_required
@role_required("admin")
def school_gradebook():
    school = ctx().school
    years = people.years_of(db.session, school)
    year = _year_arg(years, people.current_year(db.session, school) or (years[0] if years else None))
    classes = people.classes_of_year(db.session, year) if year else []
    sizes = people.class_sizes(db.session, [c.id for c in classes])
    by_class = people.courses_of_classes(db.session, [c.id for c in classes])
    courses = [c for school_class in classes for c in by_class.get(school_class.id, [])]
    per_class = {(class_id, t): figures for t in (1, 2)
                 for class_id, figures in progress.class_progress(db.session, courses, sizes, t).items()}
    cards = reportcards.issued_counts(db.session, [c.id for c in classes])
    return render_template("gradebook/school.html", years=years, year=year, classes=classes, sizes=sizes,
                           locks=book.locks_of(db.session, year) if year else {}, per_class=per_class, cards=cards,
                           incomplete={t: [(c.name, *per_class[(c.id, t)]) for c in classes
                                           if (c.id, t) in per_class and per_class[(c.id, t)][0] < per_class[(c.id, t)][1]]
                                       for t in (1, 2)},
                           form=Form())


@bp.route("/school/gradebook/<int:year_id>/lock", methods=["POST"])
@login_required
@role_required("admin")
def lock_term(year_id: int):
    year = school_scoped(SchoolYear, year_id)
    term = request.form.get("term", type=int)
    if not Form().validate_on_submit() or term not in (1, 2):
        abort(400)
    unlock = request.form.get("action") == "unlock"
    with committing() as outcome:
        if unlock:
            book.unlock_term(db.session, current_user, ctx().school, year, term)
        else:
            book.lock_term(db.session, current_user, ctx().school, year, term, utcnow(),
                           incomplete=(None if request.form.get("incomplete_ok") == "1"
                                       else progress.incomplete_classes(db.session, year, term)))
    if outcome.ok and unlock:
        flash(_("Đã mở khoá %(t)s năm học %(y)s.", t=TERM_LABELS[term], y=year.name), "success")
    elif outcome.ok:
        flash(_("Đã khoá sổ %(t)s năm học %(y)s: giáo viên không sửa được điểm nữa.", t=TERM_LABELS[term],
                y=year.name), "success")
    return redirect(url_for("gradebook.school_gradebook", year=year.id))


# ---------------------------------------------------------------- report cards

@bp.route("/classes/<int:class_id>/report-cards", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def class_cards(class_id: int):
    school_class = _class(class_id)
    if request.method == "POST":
        if not Form().validate_on_submit():
            abort(400)
        with committing() as outcome:
            job = reportcards.start_class_issue(db.session, current_user, ctx().role, school_class,
                                                reissue=request.form.get("reissue") == "1",
                                                locale=str(get_locale() or "vi"))
        if not outcome.ok:
            return redirect(url_for("gradebook.class_cards", class_id=class_id))
        return redirect(url_for("jobs.job_page", job_id=job.id))
    return _cards_page(school_class, reportcards.class_data(db.session, school_class))


def _cards_page(school_class, data, status: int = 200):
    cards = reportcards.cards_of_class(db.session, school_class)
    locks = book.locks_of(db.session, school_class.school_year)
    return render_template("gradebook/cards.html", school_class=school_class, data=data, cards=cards, locks=locks,
                           changed=reportcards.changed_cards(data, cards), admin=ctx().role == "admin",
                           form=Form()), status


@bp.route("/classes/<int:class_id>/report-cards.zip")
@login_required
@role_required("admin", "teacher")
def class_cards_zip(class_id: int):
    school_class = _class(class_id)
    data = reportcards.cards_zip(db.session, school_class, _cards_folder())
    return send_file(io.BytesIO(data), mimetype="application/zip", as_attachment=True,
                     download_name=f"Học bạ {school_class.name} {school_class.school_year.name}.zip")


@bp.route("/classes/<int:class_id>/report-cards/<int:student_id>", methods=["POST"])
@login_required
@role_required("admin")
def issue_one(class_id: int, student_id: int):
    school_class = _class(class_id)
    student = school_scoped(Student, student_id)
    if not Form().validate_on_submit():
        abort(400)
    with committing() as outcome:
        data = reportcards.check_can_issue(db.session, current_user, ctx().role, school_class)
        if not any(r.student.id == student.id for r in data.summary.rows):
            abort(404)
        card = reportcards.issue_card(db.session, current_user, data, student, _settings(), now=utcnow(),
                                      reissue=True)
    if outcome.ok:
        flash(_("Đã phát hành học bạ của %(n)s (phiên bản %(v)s).", n=student.full_name, v=card.version), "success")
    return redirect(url_for("gradebook.class_cards", class_id=class_id))


@bp.route("/classes/<int:class_id>/report-cards/<int:student_id>/preview.pdf")
@login_required
@role_required("admin", "teacher")
def card_preview(class_id: int, student_id: int):
    school_class = _class(class_id)
    student = school_scoped(Student, student_id)
    data = reportcards.class_data(db.session, school_class)
    if not any(r.student.id == student.id for r in data.summary.rows):
        abort(404)
    missing = data.missing(student.id)
    if missing:   # a refusal, never a 200 page where a PDF was asked for: the class's page saying what is missing
        flash(_("Chưa xem trước được học bạ của %(n)s: thiếu %(m)s.", n=student.full_name, m=", ".join(missing)),
              "warning")
        return _cards_page(school_class, data, 409)
    pdf = reportcards.render_card(data.snapshot(student, current_user), _settings(), preview=True)
    return send_file(io.BytesIO(pdf), mimetype="application/pdf",
                     download_name=f"Xem trước học bạ {student.full_name}.pdf")


def _settings() -> reportcards.IssueSettings:
    return reportcards.settings_from_config(current_app.config, render_template_in, current_app.extensions["lms_signer"])


def _cards_folder():
    return files("report-cards")


def _may_download(card: ReportCard) -> bool:
    role = ctx().role
    if role == "parent":
        return any(g.guardian_id == current_user.id for g in card.student.guardianships)
    school = ctx().school
    if school is None or school.id != card.school_id:
        return False
    if role == "student":
        return card.student.user_id == current_user.id
    if role in ("admin", "teacher"):
        return can_keep_class(current_user, role, card.school_class)
    return False


@bp.route("/report-cards/<int:card_id>.pdf")
@login_required
@role_required("admin", "teacher", "student", "parent")
def card_pdf(card_id: int):
    card = db.session.get(ReportCard, card_id)
    if card is None or not _may_download(card):
        abort(404)
    return send_stored(_cards_folder() / card.pdf_name, mimetype="application/pdf",
                       download_name=reportcards.card_filename(card))


@bp.route("/verify/<token>", methods=["GET", "POST"])
def verify(token: str):
    """Public: anyone holding the document (its QR code) checks it, without signing in."""
    signer = current_app.extensions["lms_signer"]
    verification = reportcards.verify_card(db.session, token, _cards_folder(), signer)
    checked, earlier, status = None, None, 200
    if request.method == "POST":
        upload = request.files.get("file")
        data = upload.read(reportcards.MAX_CHECK_BYTES + 1) if upload is not None and upload.filename else None
        status = 422
        if not Form().validate_on_submit() or data is None:
            flash(_("Chọn tệp PDF học bạ cần đối chiếu."), "danger")
        elif not data:
            flash(_("Tệp “%(f)s” rỗng (0 byte): chọn tệp PDF học bạ đã tải về.", f=upload.filename[:80]), "danger")
        elif not data.startswith(b"%PDF-"):
            flash(_("Tệp “%(f)s” không phải tệp PDF: chọn tệp PDF học bạ đã tải về, không phải ảnh chụp hay bản "
                    "quét.", f=upload.filename[:80]), "danger")
        else:
            checked, status = reportcards.file_matches(verification, data), 200
            if not checked:
                earlier = reportcards.earlier_match(db.session, verification, data)
    return render_template("gradebook/verify.html", v=verification, checked=checked, earlier=earlier, form=Form(),
                           key_id=signer.key_id, public_key=signer.public_b64), status


# ---------------------------------------------------------------- pupils and parents

def _pupil_page(student: Student, back: str | None):
    enrollment = people.current_enrollment(db.session, student)
    courses, records = [], {}
    primary_class = False
    if enrollment is not None:
        primary_class = homeroom.is_primary(enrollment.school_class)
        if primary_class:
            course_list = book.in_programme_order(people.courses_of_class(db.session, enrollment.class_id))
            records = primary.records_by_student(db.session, [c.id for c in course_list])
            courses = course_list
        else:
            courses = book.pupil_book(db.session, student, enrollment.school_class)
    cards = reportcards.cards_of_student(db.session, student)
    changed = reportcards.changed_of_student(db.session, cards)
    from lms.gradebook.transcript.workflow import issued_of_student

    return render_template("gradebook/pupil.html", student=student, enrollment=enrollment, courses=courses,
                           records=records, primary=primary_class, cards=cards, changed=changed, back=back,
                           checkpoints=tt27.CHECKPOINTS, transcripts=issued_of_student(db.session, student.id))


@bp.route("/grades")
@login_required
@role_required("student")
def my_grades():
    return _pupil_page(pupil_of(db.session, ctx().school, current_user), None)


@bp.route("/children/<int:student_id>/grades")
@login_required
@role_required("parent")
def child_grades(student_id: int):
    try:
        student = child_of(db.session, current_user, student_id)
    except DomainError:
        abort(404)
    return _pupil_page(student, url_for("family.child", student_id=student.id))



# ---------------------------------------------------------------- every year's books, and promotion

@bp.route("/gradebooks")
@login_required
@role_required("admin", "teacher")
def year_books():
    """A teacher's (or admin's) grade books, summaries and report cards of any school year: this
    year's by default, last year's one choice away."""
    school = ctx().school
    years = people.years_of(db.session, school)
    year = _year_arg(years, people.current_year(db.session, school))
    teacher = None if ctx().role == "admin" else current_user
    courses, homeroom_classes = book.books_of_year(db.session, year, teacher) if year else ([], [])
    return render_template("gradebook/year_books.html", years=years, year=year, courses=courses,
                           classes=homeroom_classes)


@bp.route("/school/years/<int:year_id>/promotion", methods=["GET", "POST"])
@login_required
@role_required("admin")
def promotion(year_id: int):
    from lms.gradebook import promotion as promotion_rules

    school = ctx().school
    year = school_scoped(SchoolYear, year_id)
    choices = {k: int(v) for k, v in request.form.items() if k.startswith(("up-", "stay-")) and v.isdigit()}
    form = Form()
    status = 200
    if form.validate_on_submit():
        with committing() as outcome:
            counts = promotion_rules.promote(db.session, current_user, school, year, choices)
        if outcome.ok:
            flash(_("Đã xếp %(u)s học sinh lên lớp và %(s)s học sinh ở lại lớp vào năm học %(y)s.",
                    u=counts["promoted"], s=counts["retained"], y=year.name), "success")
            return redirect(url_for("gradebook.promotion", year_id=year.id))
        status = outcome.status
    refusal = people.promotion_refusal(people.years_of(db.session, school), year)
    source, classes = promotion_rules.plan(db.session, school, year, choices) if refusal is None else (None, [])
    new_classes = people.classes_of_year(db.session, year)
    return render_template("gradebook/promotion.html", year=year, source=source, classes=classes,
                           new_classes=new_classes, form=form, rules=promotion_rules, refusal=refusal), status
