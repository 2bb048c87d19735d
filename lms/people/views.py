"""School administration: details, years, classes, subjects, courses, people, imports and exports."""
from __future__ import annotations

import io
import uuid

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, session,
                   url_for)
from flask_login import current_user, login_required

from lms.auth import second_factor
from lms.auth import services as auth_services
from lms.auth.models import User
from lms.core import paging
from lms.core import audit
from lms.core.errors import DomainError
from lms.core.mail import send_mail
from lms.core.requests import committing, status_of
from lms.core.downloads import files, send_stored
from lms.core.timeutil import utcnow
from lms.core.tenancy import ctx, role_required, school_scoped
from lms.extensions import db
from lms.i18n import gettext as _
from lms.i18n import ngettext
from lms.core.security import safe_next
from lms.people import access_log, accounts, branding, erasure, imports, permissions, profile, services
from lms.people.banks import bank_by_bin, banks
from lms.people.forms import (ActionForm, ClassForm, ConfirmImportForm, CourseForm, CourseTeacherForm,
                              EraseParentForm, ErasePupilForm, GuardianForm, ImportForm, LogoForm, SchoolForm, SchoolYearDatesForm, SchoolYearForm, StaffForm, StudentProfileForm,
                              SubjectForm,
                              periods_field)
from lms.people.models import (LEVEL_GRADES, Course, Level, School, SchoolClass, SchoolYear, Student, Subject)

bp = Blueprint("people", __name__, template_folder="templates")
PAGE_SIZE = 50


def _teacher_choices(school) -> list[tuple[int, str]]:
    return [(0, _("— Chưa phân công —"))] + [(u.id, u.full_name) for u in services.teachers_of(db.session, school)]


def _year():
    """The year a set-up page works on: `?year=` (any year of the school, so next year can be
    prepared while this one runs), else the current one."""
    school = ctx().school
    wanted = request.args.get("year", type=int)
    if wanted:
        year = db.session.get(SchoolYear, wanted)
        if year is None or year.school_id != school.id:
            abort(404)
        return year
    return services.current_year(db.session, school)


# ---------------------------------------------------------------- the school

@bp.route("/school", methods=["GET", "POST"])
@login_required
@role_required("admin")
def school_edit():
    school = ctx().school
    form = SchoolForm(obj=school if request.method == "GET" else None)
    form.bank_bin.choices = [("", _("— Chọn ngân hàng —"))] + [(b.bin, f"{b.short_name} — {b.name} ({b.bin})")
                                                                for b in banks()]
    if request.method == "GET":
        form.levels.data = [lv.value for lv in school.level_list]
        form.bank_bin.data = school.bank_bin or ""
    if form.validate_on_submit():
        details = services.SchoolDetails(**{k: getattr(form, k).data for k in services.SchoolDetails.__annotations__})
        with committing(form) as outcome:
            services.update_school(db.session, current_user, school, details)
        if outcome.ok:
            flash(_("Đã lưu thông tin trường."), "success")
            return redirect(url_for("people.school_edit"))
    return render_template("people/school_edit.html", form=form, school=school, bank=bank_by_bin(school.bank_bin),
                           logo_form=LogoForm(), remove_logo=ActionForm()), status_of(form)


@bp.route("/school/logo", methods=["POST"])
@login_required
@role_required("admin")
def school_logo():
    school = ctx().school
    form = LogoForm()
    if form.validate_on_submit():
        with committing(form) as outcome:
            branding.set_school_logo(db.session, current_user, school, files("logos"),
                                     form.logo.data.filename, form.logo.data.read())
        if outcome.ok:
            flash(_("Đã đổi logo của trường."), "success")
            return redirect(url_for("people.school_edit"))
    # The page shows the refusal in the flash: the logo form sits below the school's own form.
    flash(" ".join(str(e) for e in form.logo.errors) or _("Chọn một tệp ảnh."), "danger")
    return redirect(url_for("people.school_edit"))


@bp.route("/school/logo/remove", methods=["POST"])
@login_required
@role_required("admin")
def school_logo_remove():
    if ActionForm().validate_on_submit():
        with committing():
            branding.remove_school_logo(db.session, current_user, ctx().school)
        flash(_("Đã bỏ logo của trường."), "success")
    return redirect(url_for("people.school_edit"))


@bp.route("/school/<int:school_id>/logo/<path:stored>")
@login_required
def school_logo_file(school_id: int, stored: str):
    """A school's logo, for the top bar of its people (the name in the URL changes with the picture,
    so browsers keep it)."""
    school = db.get_or_404(School, school_id)
    if not school.logo or school.logo != stored:
        abort(404)
    return send_stored(files("logos") / stored, download_name="logo.png", mimetype="image/png", inline=True,
                       cache="public, max-age=31536000, immutable")


# ---------------------------------------------------------------- school years

@bp.route("/school/years", methods=["GET", "POST"])
@login_required
@role_required("admin")
def years():
    school = ctx().school
    form = SchoolYearForm()
    if form.validate_on_submit():
        with committing(form) as outcome:
            year = services.create_school_year(db.session, current_user, school, name=form.name.data,
                                               term1=(form.term1_start.data, form.term1_end.data),
                                               term2=(form.term2_start.data, form.term2_end.data))
        if outcome.ok:
            for warning in services.term_warnings((year.terms[0].start_date, year.terms[0].end_date),
                                                  (year.terms[1].start_date, year.terms[1].end_date)):
                flash(str(warning), "warning")
            if year.is_current:
                flash(_("Đã tạo năm học %(name)s.", name=year.name), "success")
            else:
                flash(_("Đã tạo năm học %(name)s. Năm học hiện tại không đổi: hãy chuẩn bị lớp, giáo viên chủ "
                        "nhiệm, phân công và lên lớp cho học sinh, rồi chuyển năm học khi sẵn sàng.", name=year.name),
                      "success")
            return redirect(url_for("people.years"))
    return _years_page(school, form, status_of(form))


def _years_page(school: School, form, status: int):
    """The school's years, each with its actions, and the new year's form suggesting the year after
    the latest (never one the school already has)."""
    from lms.core.timeutil import school_tz, utc_to_local

    years = services.years_of(db.session, school)
    suggested = services.next_year_name(years, utc_to_local(utcnow(), school_tz()).date())
    return render_template("people/years.html", form=form, years=years, suggested=suggested,
                           promotable={y.id for y in years if services.promotion_refusal(years, y) is None}), status


@bp.route("/school/years/<int:year_id>/edit", methods=["GET", "POST"])
@login_required
@role_required("admin")
def year_edit(year_id: int):
    """Correct a saved year's term dates (refused with the reason when recorded marks or lessons
    would fall outside their term)."""
    school = ctx().school
    year = school_scoped(SchoolYear, year_id)
    form = SchoolYearDatesForm()
    if request.method == "GET":
        terms = {t.number: t for t in year.terms}
        form.term1_start.data, form.term1_end.data = terms[1].start_date, terms[1].end_date
        form.term2_start.data, form.term2_end.data = terms[2].start_date, terms[2].end_date
    if form.validate_on_submit():
        term1, term2 = (form.term1_start.data, form.term1_end.data), (form.term2_start.data, form.term2_end.data)
        with committing(form) as outcome:
            services.update_school_year(db.session, current_user, school, year, term1=term1, term2=term2)
        if outcome.ok:
            for warning in services.term_warnings(term1, term2):
                flash(str(warning), "warning")
            flash(_("Đã lưu ngày của năm học %(name)s.", name=year.name), "success")
            return redirect(url_for("people.years"))
    return render_template("people/year_edit.html", form=form, year=year), status_of(form)


@bp.route("/school/years/<int:year_id>/delete", methods=["GET", "POST"])
@login_required
@role_required("admin")
def year_delete(year_id: int):
    """Deleting a year: first a page saying what goes (the year and its two terms) or why it cannot
    (the live year, or what is recorded under it), then the confirmed deletion."""
    school = ctx().school
    year = school_scoped(SchoolYear, year_id)
    name, form = year.name, ActionForm()
    status = 200
    if form.validate_on_submit() and request.form.get("confirm") == "1":
        with committing(flash_error=False) as outcome:
            services.delete_school_year(db.session, current_user, school, year)
        if outcome.ok:
            flash(_("Đã xoá năm học %(name)s.", name=name), "success")
            return redirect(url_for("people.years"))
        status = 422   # as every refusal on the set-up pages
    elif request.method == "POST":   # a post without the page's confirmation deletes nothing
        status = 422
    return render_template("people/year_delete.html", year=year, action=form,
                           refusal=services.deletion_refusal(db.session, school, year)), status


@bp.route("/school/years/<int:year_id>/current", methods=["GET", "POST"])
@login_required
@role_required("admin")
def year_make_current(year_id: int):
    """Switching the live year: first a page saying what changes, then the confirmed switch."""
    school = ctx().school
    year = school_scoped(SchoolYear, year_id)
    form = ActionForm()
    if form.validate_on_submit():
        with committing() as outcome:
            services.switch_current_year(db.session, current_user, school, year,
                                         empty_ok=request.form.get("empty_ok") == "1")
        if outcome.ok:
            flash(_("Năm học hiện tại: %(name)s.", name=year.name), "success")
            return redirect(url_for("people.years"))
        return render_template("people/year_switch.html", switch=services.year_switch(db.session, school, year),
                               action=form), 422
    return render_template("people/year_switch.html", switch=services.year_switch(db.session, school, year),
                           action=form)


# ---------------------------------------------------------------- classes

def _class_form(school, obj=None) -> ClassForm:
    form = ClassForm(obj=obj)
    form.grade.choices = [(g, _("Khối %(g)s", g=g)) for g in school.grades]
    form.homeroom_teacher_id.choices = _teacher_choices(school)
    if obj is not None and request.method == "GET":
        form.homeroom_teacher_id.data = obj.homeroom_teacher_id or 0
    return form


@bp.route("/school/classes", methods=["GET", "POST"])
@login_required
@role_required("admin")
def classes():
    school, year = ctx().school, _year()
    form = _class_form(school)
    if year is not None and form.validate_on_submit():
        with committing(form) as outcome:
            saved = services.save_class(db.session, current_user, school, year=year, grade=form.grade.data,
                                        name=form.name.data, homeroom_teacher_id=form.homeroom_teacher_id.data)
        if outcome.ok:
            flash(_("Đã thêm lớp %(name)s.", name=saved.name), "success")
            return redirect(url_for("people.classes", year=year.id))
    rows = services.classes_of_year(db.session, year)
    sizes = services.class_sizes(db.session, [c.id for c in rows])
    return render_template("people/classes.html", form=form, classes=rows, sizes=sizes, year=year,
                           years=services.years_of(db.session, school)), status_of(form)


@bp.route("/school/classes/<int:class_id>", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def class_detail(class_id: int):
    school = ctx().school
    school_class = school_scoped(SchoolClass, class_id)
    if not permissions.can_view_class(db.session, current_user, ctx().role, school_class):
        abort(404)
    form = _class_form(school, school_class) if ctx().role == "admin" else None
    if form is not None and form.validate_on_submit():
        with committing(form) as outcome:
            services.save_class(db.session, current_user, school, year=school_class.school_year, grade=form.grade.data,
                                name=form.name.data, homeroom_teacher_id=form.homeroom_teacher_id.data,
                                school_class=school_class)
        if outcome.ok:
            flash(_("Đã lưu lớp %(name)s.", name=school_class.name), "success")
            return redirect(url_for("people.class_detail", class_id=class_id))
    students = services.students_of_class(db.session, school_class)
    courses = services.courses_of_class(db.session, school_class.id)
    return render_template("people/class_detail.html", school_class=school_class, form=form, students=students,
                           courses=courses, action=ActionForm()), status_of(form) if form is not None else 200


@bp.route("/school/classes/<int:class_id>/courses", methods=["POST"])
@login_required
@role_required("admin")
def class_add_courses(class_id: int):
    school_class = school_scoped(SchoolClass, class_id)
    if ActionForm().validate_on_submit():
        with committing() as outcome:
            n = services.add_missing_courses(db.session, current_user, ctx().school, school_class)
        if outcome.ok:
            flash(ngettext("Đã thêm %(n)s môn học cho lớp %(c)s.", "Đã thêm %(n)s môn học cho lớp %(c)s.", n, n=n,
                           c=school_class.name), "success")
    return redirect(url_for("people.class_detail", class_id=class_id))


# ---------------------------------------------------------------- subjects

@bp.route("/school/subjects")
@login_required
@role_required("admin")
def subjects():
    school = ctx().school
    return render_template("people/subjects.html", subjects=services.subjects_of(db.session, school), school=school, action=ActionForm(),
                           LEVEL_GRADES=LEVEL_GRADES)


@bp.route("/school/subjects/programme", methods=["POST"])
@login_required
@role_required("admin")
def subjects_add_programme():
    if ActionForm().validate_on_submit():
        with committing() as outcome:
            n = services.add_programme_subjects(db.session, current_user, ctx().school)
        if outcome.ok:
            flash(ngettext("Đã thêm %(n)s môn của Chương trình GDPT 2018.", "Đã thêm %(n)s môn của Chương trình GDPT 2018.",
                           n, n=n) if n else _("Trường đã có đủ các môn của chương trình."), "success")
    return redirect(url_for("people.subjects"))


@bp.route("/school/subjects/<int:subject_id>", methods=["GET", "POST"])
@login_required
@role_required("admin")
def subject_edit(subject_id: int):
    subject = school_scoped(Subject, subject_id)
    grades = list(LEVEL_GRADES[Level(subject.level)])

    class Form(SubjectForm):
        pass

    for g in grades:
        setattr(Form, f"periods_{g}", periods_field(_("Số tiết/năm khối %(g)s", g=g)))
    form = Form(obj=subject)
    if request.method == "GET":
        for g in grades:
            getattr(form, f"periods_{g}").data = subject.periods_for(g)
    if form.validate_on_submit():
        with committing(form) as outcome:
            services.update_subject(db.session, current_user, ctx().school, subject, name=form.name.data,
                                    assessment=form.assessment.data,
                                    periods={g: getattr(form, f"periods_{g}").data for g in grades})
        if outcome.ok:
            flash(_("Đã lưu môn %(s)s.", s=subject.name), "success")
            return redirect(url_for("people.subjects"))
    return render_template("people/subject_edit.html", form=form, subject=subject,
                           period_fields=[getattr(form, f"periods_{g}") for g in grades]), status_of(form)


# ---------------------------------------------------------------- courses

def _course_form(school, year, obj=None) -> CourseForm:
    form = CourseForm(obj=obj)
    form.class_id.choices = [(c.id, c.name) for c in services.classes_of_year(db.session, year)]
    form.subject_id.choices = [(s.id, f"{s.name} ({s.level})") for s in services.subjects_of(db.session, school)]
    form.teacher_id.choices = _teacher_choices(school)
    if obj is not None and request.method == "GET":
        form.teacher_id.data = obj.teacher_id or 0
    return form


@bp.route("/school/courses", methods=["GET", "POST"])
@login_required
@role_required("admin")
def courses():
    school, year = ctx().school, _year()
    form = _course_form(school, year)
    if form.validate_on_submit():
        with committing(form) as outcome:
            services.save_course(db.session, current_user, school,
                                 school_class=school_scoped(SchoolClass, form.class_id.data),
                                 subject=school_scoped(Subject, form.subject_id.data), teacher_id=form.teacher_id.data)
        if outcome.ok:
            flash(_("Đã thêm phân công giảng dạy."), "success")
            return redirect(url_for("people.courses", class_id=form.class_id.data, year=year.id if year else None))
    class_filter = request.args.get("class_id", type=int)
    page = paging.paginate(services.courses_query(school, year, class_filter), per_page=PAGE_SIZE)
    return render_template("people/courses.html", form=form, page=page, class_filter=class_filter, year=year,
                           years=services.years_of(db.session, school)), status_of(form)


@bp.route("/courses/<int:course_id>", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher", "student")
def course_detail(course_id: int):
    course = school_scoped(Course, course_id)
    if not permissions.can_view_course(db.session, current_user, ctx().role, course):
        abort(404)
    form = None
    if ctx().role == "admin":
        form = CourseTeacherForm(teacher_id=course.teacher_id or 0)
        form.teacher_id.choices = _teacher_choices(ctx().school)
    if form is not None and form.validate_on_submit():
        with committing(form) as outcome:
            services.save_course(db.session, current_user, ctx().school, school_class=course.school_class,
                                 subject=course.subject, teacher_id=form.teacher_id.data, course=course)
        if outcome.ok:
            flash(_("Đã lưu."), "success")
            return redirect(url_for("people.course_detail", course_id=course_id))
    students = services.students_of_class(db.session, course.school_class) if ctx().role != "student" else []
    return render_template("people/course_detail.html", course=course, form=form, students=students,
                           periods=course.subject.periods_for(course.school_class.grade)), \
        status_of(form) if form is not None else 200


# ---------------------------------------------------------------- students

@bp.route("/school/students")
@login_required
@role_required("admin")
def students():
    school, year = ctx().school, _year()
    q = request.args.get("q", "").strip()
    class_id = request.args.get("class_id", type=int)
    page = paging.paginate(services.students_query(school, year, q=q, class_id=class_id), per_page=PAGE_SIZE)
    class_of = services.classes_of_students(db.session, year, [s.id for s in page.items])
    class_rows = services.classes_of_year(db.session, year)
    return render_template("people/students.html", page=page, q=q, class_id=class_id, classes=class_rows,
                           class_of=class_of)


@bp.route("/school/students/<int:student_id>")
@login_required
@role_required("admin", "teacher")
def student_detail(student_id: int):
    student = school_scoped(Student, student_id)
    if not permissions.can_view_student(db.session, current_user, ctx().role, student):
        abort(404)
    return _student_page(student, GuardianForm() if ctx().role == "admin" else None)  # audited: lms.core.audited


@bp.route("/school/students/<int:student_id>/profile", methods=["GET", "POST"])
@login_required
@role_required("admin")
def student_profile(student_id: int):
    student = school_scoped(Student, student_id)
    form = StudentProfileForm(obj=student if request.method == "GET" else None)
    if request.method == "GET":
        form.gender.data = student.gender or ""
        form.student_email.data, form.student_phone.data = student.email, student.phone
    if form.validate_on_submit():
        data = profile.ProfileInput(full_name=form.full_name.data, birth_date=form.birth_date.data,
                                    gender=form.gender.data or None, address=form.address.data or "",
                                    profile={key: getattr(form, key).data or "" for key in profile.PROFILE_FIELDS})
        with committing(form) as outcome:
            changed = profile.update_profile(db.session, current_user, student, data)
        if outcome.ok:
            flash(_("Đã lưu hồ sơ của %(n)s.", n=student.full_name) if changed else _("Không có gì thay đổi."),
                  "success" if changed else "info")
            return redirect(url_for("people.student_detail", student_id=student.id))
    return render_template("people/student_profile.html", student=student, form=form), status_of(form)


def _school_address() -> str:
    """The school's own sign-in address, where a pupil's code alone signs the pupil in."""
    return url_for("auth.login", school=accounts.school_part(ctx().school), _external=True)


def _student_page(student: Student, form, status: int = 200):
    return render_template("people/student_detail.html", student=student,
                           sign_in_name=imports.pupil_sign_in_name(student.student_code, ctx().school),
                           school_address=_school_address(),
                           enrollments=services.student_history(db.session, student),
                           spells=services.class_spells(db.session, student),
                           guardians=services.guardians_of(db.session, student), action=ActionForm(), form=form,
                           invitations=[i for i in accounts.school_pending(db.session, ctx().school, "parent")
                                        if i.student_id == student.id]), status


@bp.route("/school/students/<int:student_id>/guardians", methods=["POST"])
@login_required
@role_required("admin")
def student_add_guardian(student_id: int):
    student = school_scoped(Student, student_id)
    form = GuardianForm()
    if form.validate_on_submit():
        with committing(form) as outcome:
            added = imports.add_guardian(db.session, current_user, ctx().school, student,
                                         full_name=form.full_name.data, phone=form.phone.data,
                                         email=form.email.data, relation=form.relation.data)
        if outcome.ok:
            flash(_("Đã thêm phụ huynh.") if added.user is not None else _INVITED(), "success")
            return redirect(url_for("people.student_detail", student_id=student.id))
    return _student_page(student, form, 422)


# ---------------------------------------------------------------- erasure and the access trail

@bp.route("/school/students/<int:student_id>/erase", methods=["GET", "POST"])
@login_required
@role_required("admin")
def student_erase(student_id: int):
    """Erase a leaving pupil's personal data by pseudonymisation (grades and money stay exact)."""
    student = school_scoped(Student, student_id)
    form = ErasePupilForm()
    if student.pseudonymised_at is None and form.validate_on_submit():
        with committing(form) as outcome:
            erased = erasure.pseudonymise_pupil(db.session, current_user, ctx().school, student,
                                                confirm_code=form.confirm_code.data, reason=form.reason.data,
                                                now=utcnow())
        if outcome.ok:
            _delete_files("homework", erased.files)
            flash(_("Đã ẩn danh hoá dữ liệu cá nhân của học sinh: nay là %(p)s. Điểm, bài làm và các khoản "
                    "thu được giữ nguyên.", p=erased.pseudonym), "success")
            return redirect(url_for("people.student_detail", student_id=student_id))
    return render_template("people/erase.html", kind="pupil", student=student, form=form), status_of(form)


@bp.route("/school/parents/<int:user_id>/erase", methods=["GET", "POST"])
@login_required
@role_required("admin")
def parent_erase(user_id: int):
    parent = services.get_member(db.session, ctx().school, user_id, roles=("parent",))
    form = EraseParentForm()
    manageable = permissions.can_manage_account(db.session, current_user, parent)
    if manageable and form.validate_on_submit():
        with committing(form) as outcome:
            erased = erasure.pseudonymise_parent(db.session, current_user, ctx().school, parent,
                                                 confirm_name=form.confirm_name.data, reason=form.reason.data,
                                                 now=utcnow())
        if outcome.ok:
            flash(_("Đã ẩn danh hoá dữ liệu cá nhân của phụ huynh: nay là %(p)s. Các khoản đã nộp được giữ "
                    "nguyên.", p=erased.pseudonym), "success")
            return redirect(url_for("people.parents"))
    return render_template("people/erase.html", kind="parent", parent=parent, form=form,
                           manageable=manageable), status_of(form)


def _delete_files(area: str, names: list[str]) -> None:
    folder = files(area)
    for name in names:
        try:
            (folder / name).unlink()
        except OSError:  # already gone, or storage unreachable: logged; the data rows are erased
            current_app.logger.warning("an erased pupil's file could not be deleted")


@bp.route("/school/students/<int:student_id>/access")
@login_required
@role_required("admin")
def student_access(student_id: int):
    """Who on staff read this pupil's data (the audit trail; docs/breach-response.md)."""
    student = school_scoped(Student, student_id)
    rows = access_log.entries(db.session, access_log.reads_of_pupil(db.session, ctx().school, student))
    return render_template("people/access_log.html", student=student, rows=rows, since=None, until=None)


@bp.route("/school/students/<int:student_id>/access.xlsx")
@login_required
@role_required("admin")
def student_access_xlsx(student_id: int):
    student = school_scoped(Student, student_id)
    rows = access_log.entries(db.session, access_log.reads_of_pupil(db.session, ctx().school, student))
    audit.record(db.session, audit.Action.AUDIT_EXPORT, actor_id=current_user.id, school_id=ctx().school.id,
                 subject_type="student", subject_id=student.id)
    db.session.commit()
    return _xlsx(_trail_workbook(rows), f"truy-cap-hoc-sinh-{student.id}.xlsx")


def _trail_period():
    from datetime import datetime, time, timedelta

    from lms.core.timeutil import local_to_utc, school_tz, utc_to_local

    from lms.core.inputs import DATE_MAX, DATE_MIN, arg_date

    tz = school_tz()
    today = utc_to_local(utcnow(), tz).date()
    # Read through the one date reader (1900–2100): 0001-01-01 or 9999-12-31 overflowed into a 500.
    since, until = arg_date("from"), arg_date("to")
    for name, value in (("from", since), ("to", until)):
        if value is None and (request.args.get(name) or "").strip():
            flash(_("“%(v)s” không phải ngày (năm-tháng-ngày, từ %(a)s đến %(b)s): đang dùng mặc định.",
                    v=request.args[name][:30], a=DATE_MIN.year, b=DATE_MAX.year), "warning")
    since = since or today - timedelta(days=30)
    until = until or today
    if until < since:
        since, until = until, since
    return since, until, (local_to_utc(datetime.combine(since, time()), tz),
                          local_to_utc(datetime.combine(until + timedelta(days=1), time()), tz))


@bp.route("/school/audit")
@login_required
@role_required("admin")
def audit_trail():
    """What the audit trail holds for the school over a period (default: the last 30 days)."""
    since, until, (start, end) = _trail_period()
    reads = request.args.get("reads") == "1"
    rows = access_log.entries(db.session, access_log.school_trail(db.session, ctx().school, since=start, until=end,
                                                                  reads_only=reads))
    return render_template("people/access_log.html", student=None, rows=rows, since=since, until=until, reads=reads)


@bp.route("/school/audit.xlsx")
@login_required
@role_required("admin")
def audit_trail_xlsx():
    since, until, (start, end) = _trail_period()
    rows = access_log.entries(db.session, access_log.school_trail(db.session, ctx().school, since=start, until=end,
                                                                  reads_only=request.args.get("reads") == "1"))
    audit.record(db.session, audit.Action.AUDIT_EXPORT, actor_id=current_user.id, school_id=ctx().school.id,
                 detail=f"{since.isoformat()}..{until.isoformat()}")
    db.session.commit()
    return _xlsx(_trail_workbook(rows), f"nhat-ky-{ctx().school.code}-{since.isoformat()}-{until.isoformat()}.xlsx")


def _trail_workbook(rows) -> bytes:
    from lms.core.sheets import write_workbook
    from lms.core.timeutil import school_tz, utc_to_local

    tz = school_tz()
    return write_workbook(_("Nhật ký truy cập"),
                          [_("Thời điểm (giờ Việt Nam)"), _("Thời điểm (UTC)"), _("Mã tài khoản"), _("Người thực hiện"),
                           _("Hành động"), _("Đối tượng"), _("Đường dẫn"), _("Địa chỉ IP")],
                          [[utc_to_local(r.at, tz).strftime("%d/%m/%Y %H:%M:%S"), r.at.isoformat(), r.actor_id, r.actor,
                            r.action, r.subject, r.route, r.ip] for r in rows],
                          widths=[20, 26, 10, 28, 22, 22, 40, 16])


# ---------------------------------------------------------------- staff and accounts

@bp.route("/school/staff", methods=["GET", "POST"])
@login_required
@role_required("admin")
def staff():
    school = ctx().school
    form = StaffForm()
    if form.validate_on_submit():
        with committing(form) as outcome:
            added = imports.add_staff_member(db.session, current_user, school, full_name=form.full_name.data,
                                             email=form.email.data, phone=form.phone.data, roles=form.roles.data)
        if outcome.ok:
            flash(_("Đã thêm vai trò cho %(n)s.", n=added.user.full_name) if added.user is not None else _INVITED(),
                  "success")
            return redirect(url_for("people.staff"))
    page = paging.paginate(services.staff_query(school), per_page=PAGE_SIZE)
    roles = services.roles_of(db.session, school, [u.id for u in page.items])
    return render_template("people/staff.html", page=page, roles=roles, form=form, action=ActionForm(),
                           manageable=permissions.manageable_among(db.session, current_user,
                                                                   [u.id for u in page.items]),
                           **_waiting(school, None)), status_of(form)


@bp.route("/school/parents")
@login_required
@role_required("admin")
def parents():
    school = ctx().school
    page = paging.paginate(services.parents_query(school), per_page=PAGE_SIZE)
    links = services.children_in_school(db.session, school, [u.id for u in page.items])
    return render_template("people/parents.html", page=page, links=links, action=ActionForm(),
                           manageable=permissions.manageable_among(db.session, current_user,
                                                                   [u.id for u in page.items]),
                           **_waiting(school, "parent"))


def _waiting(school, kind: str | None) -> dict:
    """The school's waiting invitations and how each can reach its person (accounts.channel)."""
    rows = accounts.school_pending(db.session, school, kind)
    return {"invitations": rows, "channels": accounts.channels_of(db.session, rows)}


def _INVITED() -> str:
    """The one answer to adding anyone who is not yet the school's own: whether the e-mail or
    phone already has an account somewhere is never told (accounts.add_person)."""
    return _("Đã gửi lời mời. Khi hệ thống gửi được (e-mail; SMS nếu trường đã bật kênh SMS trong Sổ liên lạc), lời "
             "mời đi thẳng tới địa chỉ hoặc số điện thoại đó; khi không, nút “Liên kết mời” trong danh sách lời mời "
             "đang chờ cho một liên kết để trao tận tay, chỉ tạo được một tài khoản mới.")


@bp.route("/school/invitations/<int:invitation_id>/link", methods=["POST"])
@login_required
@role_required("admin")
def invitation_link(invitation_id: int):
    """A link for one waiting invitation, to hand to the person (the same for every invitation)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    row, token = accounts.issue_link(db.session, current_user, ctx().school, invitation_id)  # another school's: 404
    db.session.commit()
    back = url_for("people.staff") if row.kind == "staff" else url_for("people.parents")
    if token is None:   # sent to the e-mail address itself: the link is the address owner's alone
        flash(_("Đã gửi lại lời mời tới %(e)s.", e=row.identifier), "success")
        return redirect(back)
    return render_template("people/invitation_link.html", invitation=row, back=back,
                           link=url_for("people.join", t=token, _external=True))


@bp.route("/join", methods=["GET", "POST"])
def join():
    """An invitation's link. Delivered to the identifier (by e-mail or SMS): its holder, signed in,
    answers with their account, or without one sets a password. Handed by the school: it makes a
    new account, the same page for every invitation (accounts.claim). The token travels in the
    query string, which access logs leave out."""
    from lms.auth.forms import ResetPasswordForm

    token = request.args.get("t", "")
    row = accounts.by_link(db.session, token)          # 404 page when unknown, answered or expired
    form, action = ResetPasswordForm(), ActionForm()
    delivered = row.delivered_via is not None
    if current_user.is_authenticated:
        if not delivered:
            return render_template("people/join.html", invitation=row, mode="other"), 403
        if action.validate_on_submit() and request.form.get("answer") in ("accept", "decline"):
            with committing(action) as outcome:
                accounts.answer(db.session, current_user, row.id, request.form["answer"] == "accept", token=token)
            if outcome.ok:
                flash(_("Đã tham gia %(s)s.", s=row.school.name) if request.form["answer"] == "accept"
                      else _("Đã từ chối lời mời."), "success")
                return redirect(url_for("home.index"))
        return render_template("people/join.html", invitation=row, mode="answer", action=action)
    if delivered and not accounts.claimable(db.session, row):   # sent to an existing account's identifier
        return render_template("people/join.html", invitation=row, mode="sign-in")
    if form.validate_on_submit():
        with committing(form, fields={"password": "new_password"}) as outcome:
            user = accounts.claim(db.session, current_app.extensions["lms_auth"], token, form.new_password.data)
        if outcome.error is not None and outcome.error.status == 404:
            abort(404)
        if outcome.ok:
            # The account's own sign-in name, made the same way whoever holds the identifier
            # (accounts.claim): naming the identifier in one case told that someone else held it.
            flash(_("Đã đặt mật khẩu và tham gia %(s)s. Tên đăng nhập của bạn: %(u)s.", s=row.school.name,
                    u=user.username), "success")
            return redirect(url_for("auth.login"))
    return render_template("people/join.html", invitation=row, mode="claim", form=form, delivered=delivered), \
        status_of(form)


@bp.route("/school/invitations/<int:invitation_id>/cancel", methods=["POST"])
@login_required
@role_required("admin")
def invitation_cancel(invitation_id: int):
    if ActionForm().validate_on_submit():
        accounts.cancel(db.session, current_user, ctx().school, invitation_id)  # another school's: 404
        db.session.commit()
        flash(_("Đã huỷ lời mời."), "success")
    return redirect(_back())


def _back() -> str:
    """The list an account action came from (staff or parents), a local path only."""
    return safe_next(request.args.get("next") or request.form.get("next"), url_for("people.staff"))


def _managed_user(user_id: int) -> User:
    user = services.get_member(db.session, ctx().school, user_id)
    if not permissions.can_manage_account(db.session, current_user, user):
        abort(403)
    return user


@bp.route("/school/users/<int:user_id>/reset", methods=["POST"])
@login_required
@role_required("admin")
def user_reset(user_id: int):
    user = _managed_user(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    token = auth_services.issue_reset_token(db.session, current_app.extensions["lms_auth"], current_user, user,
                                            school_id=ctx().school.id)
    db.session.commit()
    link = url_for("auth.reset_password", t=token, _external=True)
    sent = bool(user.email) and send_mail(user.email, _("Đặt mật khẩu tài khoản lms"),
                                          ngettext("Mở liên kết sau để đặt mật khẩu (dùng một lần, hết hạn sau %(h)s giờ): %(link)s", "Mở liên kết sau để đặt mật khẩu (dùng một lần, hết hạn sau %(h)s giờ): %(link)s", current_app.config["PASSWORD_RESET_HOURS"], h=current_app.config["PASSWORD_RESET_HOURS"], link=link))
    pupil = imports.pupil_sign_in(db.session, user, ctx().school)
    return render_template("people/reset_link.html", account=user, link=link, sent=sent,
                           sign_in_name=imports.sign_in_name(db.session, ctx().school, user),
                           pupil_code=pupil[0] if pupil else None, school_address=_school_address(),
                           hours=current_app.config["PASSWORD_RESET_HOURS"])


@bp.route("/school/users/<int:user_id>/active", methods=["POST"])
@login_required
@role_required("admin")
def user_toggle_active(user_id: int):
    user = _managed_user(user_id)
    if ActionForm().validate_on_submit():
        auth_services.set_active(db.session, current_user, user, not user.active, school_id=ctx().school.id)
        db.session.commit()
        flash(_("Đã mở khoá tài khoản %(u)s.", u=user.full_name) if user.active else
              _("Đã khoá tài khoản %(u)s và kết thúc mọi phiên đăng nhập.", u=user.full_name), "success")
    return redirect(_back())


@bp.route("/school/users/<int:user_id>/two-factor", methods=["POST"])
@login_required
@role_required("admin")
def user_reset_two_factor(user_id: int):
    """A lost phone and no recovery code: the admin turns the second factor off; the person sets it
    up again at the next sign-in where the school requires it."""
    user = _managed_user(user_id)
    if ActionForm().validate_on_submit():
        second_factor.disable(db.session, current_user, user, school_id=ctx().school.id)
        auth_services.revoke_sessions(db.session, user)
        db.session.commit()
        flash(_("Đã tắt xác thực hai lớp của %(u)s; họ thiết lập lại khi đăng nhập.", u=user.full_name), "success")
    return redirect(url_for("people.staff"))


@bp.route("/school/users/<int:user_id>/sessions", methods=["POST"])
@login_required
@role_required("admin")
def user_end_sessions(user_id: int):
    user = _managed_user(user_id)
    if ActionForm().validate_on_submit():
        n = auth_services.revoke_sessions(db.session, user)
        audit.record(db.session, audit.Action.SESSIONS_REVOKED, actor_id=current_user.id, school_id=ctx().school.id,
                     subject_type="user", subject_id=user.id)
        db.session.commit()
        flash(ngettext("Đã kết thúc %(n)s phiên đăng nhập của %(u)s.", "Đã kết thúc %(n)s phiên đăng nhập của %(u)s.", n, n=n,
                       u=user.full_name), "success")
    return redirect(_back())


# ---------------------------------------------------------------- invitations, answered by their addressee

@bp.route("/invitations")
@login_required
def invitations():
    return render_template("people/invitations.html", invitations=accounts.pending_for(db.session, current_user),
                           action=ActionForm())


@bp.route("/invitations/<int:invitation_id>/accept", methods=["POST"])
@login_required
def invitation_accept(invitation_id: int):
    return _answer_invitation(invitation_id, True)


@bp.route("/invitations/<int:invitation_id>/decline", methods=["POST"])
@login_required
def invitation_decline(invitation_id: int):
    return _answer_invitation(invitation_id, False)


def _answer_invitation(invitation_id: int, accept: bool):
    if ActionForm().validate_on_submit():
        with committing(flash_error=False) as outcome:
            row = accounts.answer(db.session, current_user, invitation_id, accept)
        if outcome.error is not None:
            if outcome.error.status == 404:
                abort(404)
            flash(str(outcome.error.message), "warning")
        else:
            flash(_("Đã tham gia %(s)s.", s=row.school.name) if accept else _("Đã từ chối lời mời."), "success")
    return redirect(url_for("people.invitations"))


# ---------------------------------------------------------------- imports and exports

IMPORT_KINDS = ("students", "staff")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(data: bytes, filename: str):
    response = send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=filename)
    return response


def _import_dir():
    return files("imports")


def _plan(kind: str, filename: str, data: bytes, class_name: str = ""):
    school = ctx().school
    max_rows = current_app.config["IMPORT_MAX_ROWS"]
    if kind == "students":
        return imports.plan_student_import(db.session, school, _year(), filename, data, max_rows,
                                           class_name=class_name or None)
    return imports.plan_staff_import(db.session, school, filename, data, max_rows)


@bp.route("/school/import/<kind>", methods=["GET", "POST"])
@login_required
@role_required("admin")
def import_upload(kind: str):
    if kind not in IMPORT_KINDS:
        abort(404)
    form = ImportForm()
    year = _year() if kind == "students" else None
    form.school_class.choices = [("", _("— theo cột Lớp hoặc tiêu đề của tệp —"))] + [
        (c.name, c.name) for c in services.classes_of_year(db.session, year)]
    plan, token = None, None
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        try:
            plan = _plan(kind, upload.filename, data, form.school_class.data or "")
        except DomainError as exc:
            form.file.errors.append(str(exc.message))
        else:
            if plan.ok:
                token = uuid.uuid4().hex
                (_import_dir() / token).write_bytes(data)
                session["import"] = {"token": token, "kind": kind, "name": upload.filename,
                                     "school": ctx().school.id, "class_name": form.school_class.data or ""}
    status = 422 if plan is not None and not plan.ok else status_of(form)   # a file refused whole: its field
    return render_template("people/import.html", kind=kind, form=form, plan=plan,
                           confirm=ConfirmImportForm(token=token) if token else None), status


@bp.route("/school/import/<kind>/confirm", methods=["POST"])
@login_required
@role_required("admin")
def import_confirm(kind: str):
    form = ConfirmImportForm()
    pending = session.get("import") or {}
    if (not form.validate_on_submit() or pending.get("token") != form.token.data or pending.get("kind") != kind
            or pending.get("school") != ctx().school.id):
        flash(_("Phiên nhập đã hết hạn. Hãy tải tệp lên lại."), "warning")
        return redirect(url_for("people.import_upload", kind=kind))
    path = _import_dir() / pending["token"]
    if not path.exists():
        abort(404)
    data = path.read_bytes()
    plan = _plan(kind, pending["name"], data, pending.get("class_name") or "")
    if not plan.ok:  # the database changed since the preview
        return render_template("people/import.html", kind=kind, form=ImportForm(), plan=plan, confirm=None), 422
    with committing() as outcome:
        if kind == "students":
            result = imports.apply_student_import(db.session, current_user, ctx().school, _year(), plan)
        else:
            result = imports.apply_staff_import(db.session, current_user, ctx().school, plan)
    if not outcome.ok:    # refused whole (flashed): nothing saved, the file is kept to try again
        return redirect(url_for("people.import_upload", kind=kind))
    path.unlink(missing_ok=True)
    session.pop("import", None)
    flash(_("Đã nhập xong: %(c)s mới, %(u)s cập nhật, %(n)s không đổi.", c=result["create"], u=result["update"],
            n=result["unchanged"]), "success")
    if result.get("invite"):
        flash(_("%(n)s lời mời đã gửi: người được mời tham gia khi chấp nhận (nút “Liên kết mời” trong danh sách "
                "lời mời đang chờ).", n=result["invite"]), "info")
    if result.get("left"):
        flash(ngettext("%(n)s dòng là học sinh đã rời trường: không xếp lớp.", "%(n)s dòng là học sinh đã rời trường: không xếp lớp.", result["left"], n=result["left"]), "info")
    return redirect(url_for("people.students" if kind == "students" else "people.staff"))


@bp.route("/school/import/<kind>/template.xlsx")
@login_required
@role_required("admin")
def import_template(kind: str):
    if kind not in IMPORT_KINDS:
        abort(404)
    if kind == "students":
        school = ctx().school
        year = services.current_year(db.session, school)
        classes = services.classes_of_year(db.session, year)
        data = imports.student_template(school, classes[0] if classes else None,
                                        year.start_date.year if year else utcnow().year)
    else:
        data = imports.staff_template()
    return _xlsx(data, "mau-nhap-hoc-sinh.xlsx" if kind == "students" else "mau-nhap-nhan-su.xlsx")


@bp.route("/school/export/<kind>.xlsx")
@login_required
@role_required("admin")
def export(kind: str):
    school = ctx().school
    if kind == "students":
        return _xlsx(imports.export_students(db.session, school, _year()), f"hoc-sinh-{school.code}.xlsx")
    if kind == "staff":
        return _xlsx(imports.export_staff(db.session, school), f"nhan-su-{school.code}.xlsx")
    abort(404)
