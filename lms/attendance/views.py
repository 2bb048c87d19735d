"""Attendance pages: the register on a phone, the month grid, leave requests for the homeroom
teacher, and a child's attendance and leave requests for parents."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.attendance import days_off
from lms.attendance import leave as leaves
from lms.attendance import registers
from lms.attendance.forms import DayOffForm, DecideForm, LeaveForm, RegisterForm
from lms.attendance.models import MAX_PERIOD, LeaveRequest
from lms.attendance.permissions import keeps_class
from lms.core.requests import committing, status_of
from lms.core.inputs import arg_date, arg_month
from lms.core.tenancy import ctx, role_required, school_scoped
from lms.core.timeutil import school_tz, utc_to_local, utcnow
from lms.extensions import db
from lms.i18n import gettext as _
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext
from lms.people import services as people
from lms.people.models import SchoolClass, SchoolYear

bp = Blueprint("attendance", __name__, template_folder="templates")
STAFF = ("admin", "teacher")
LEAVE_LABELS = {"pending": _l("Chờ duyệt"), "approved": _l("Đã duyệt"), "refused": _l("Không được duyệt"),
                "cancelled": _l("Đã rút")}


@bp.record_once
def _globals(state) -> None:
    state.app.jinja_env.globals["LEAVE_LABELS"] = LEAVE_LABELS


def _today() -> date:
    return utc_to_local(utcnow(), school_tz()).date()


def _day_arg(name: str = "day") -> date:
    return arg_date(name) or _today()


def _period_arg() -> int:
    period = request.args.get("period", type=int, default=0)
    return period if 0 <= period <= MAX_PERIOD else 0


def _marks_posted() -> dict[int, str]:
    return {int(k[2:]): v for k, v in request.form.items() if k.startswith("s-") and k[2:].isdigit()}


@bp.route("/attendance")
@login_required
@role_required(*STAFF)
def home():
    today = _today()
    year = people.current_year(db.session, ctx().school)
    classes = registers.classes_for(db.session, current_user, ctx().role, year, today)
    pending = leaves.requests_to_decide(db.session, current_user, ctx().role, ctx().school.id)
    # Today without school (a Sunday, a holiday…): said once at the top, as the register would say it.
    refusal = registers.day_refusal(db.session, classes[0].school_class, today, today,
                                    ctx().role) if classes else None
    return render_template("attendance/home.html", classes=classes, today=today, pending=pending,
                           day_off=refusal[1] if refusal and refusal[0] == "day" else None)


@bp.route("/attendance/classes/<int:class_id>", methods=["GET", "POST"])
@login_required
@role_required(*STAFF)
def take(class_id: int):
    school_class = school_scoped(SchoolClass, class_id)
    courses = people.courses_of_class(db.session, class_id)
    keeper = keeps_class(current_user, ctx().role, school_class)
    mine = courses if keeper else [c for c in courses if c.teacher_id == current_user.id]
    if not mine and not keeper:
        abort(404)
    form = RegisterForm()
    form.course_id.choices = [(0, _("— Không ghi môn —"))] + [(c.id, c.subject.name) for c in mine]
    day, period = _day_arg(), _period_arg()
    if not keeper and period == 0:
        period = 1
    if form.validate_on_submit():
        day, period = form.day.data, form.period.data or 0
        with committing(form) as outcome:
            taken = registers.take_register(db.session, current_user, ctx().role, school_class, day, period,
                                            _marks_posted(), now=utcnow(), today=_today(),
                                            course_id=form.course_id.data or None)
        if outcome.ok:
            message = _("Đã lưu điểm danh lớp %(c)s, %(p)s ngày %(d)s: %(a)s vắng, %(l)s đi muộn.",
                        c=school_class.name, p=registers.period_label(period), d=day.strftime("%d/%m/%Y"),
                        a=taken.absent, l=taken.late)
            if taken.parents_told:
                message += " " + _("Đã báo cho phụ huynh của %(n)s em vắng không phép.", n=taken.parents_told)
            if taken.corrections:
                message += " " + ngettext("Đã báo cho phụ huynh của %(n)s em rằng tin vắng không phép đã gửi là nhầm.",
                                          "Đã báo cho phụ huynh của %(n)s em rằng tin vắng không phép đã gửi là nhầm.",
                                          taken.corrections, n=taken.corrections)
            flash(message, "success")
            return redirect(url_for("attendance.take", class_id=class_id, day=day.isoformat(), period=period))
    # A day no register can be saved for says so and why, instead of a form that would refuse it.
    refusal = registers.day_refusal(db.session, school_class, day, _today(), ctx().role)
    roster = registers.roster(db.session, school_class, day, period)
    if request.method == "GET":
        form.day.data, form.period.data = day, period
        form.course_id.data = roster.register.course_id if roster.register and roster.register.course_id else (
            mine[0].id if not keeper and mine else 0)
    posted = _marks_posted() if request.method == "POST" else None
    return render_template("attendance/take.html", school_class=school_class, roster=roster, form=form,
                           keeper=keeper, periods=range(0 if keeper else 1, MAX_PERIOD + 1), posted=posted,
                           label=registers.period_label, today=_today(),
                           refusal=refusal[1] if refusal else None,
                           instead=registers.last_school_day(db.session, school_class, _today(), ctx().role)
                           if refusal else None), status_of(form)


@bp.route("/attendance/classes/<int:class_id>/month")
@login_required
@role_required(*STAFF)
def month(class_id: int):
    school_class = school_scoped(SchoolClass, class_id)
    if not keeps_class(current_user, ctx().role, school_class):
        abort(404)
    first = arg_month("month") or _today().replace(day=1)
    grid = registers.month_grid(db.session, school_class, first)
    year = db.session.get(SchoolYear, school_class.school_year_id)
    prev_month = (first - timedelta(days=1)).replace(day=1)
    next_month = (first.replace(day=28) + timedelta(days=5)).replace(day=1)
    return render_template("attendance/month.html", school_class=school_class, grid=grid, first=first, year=year,
                           prev_month=prev_month if prev_month >= year.start_date.replace(day=1) else None,
                           next_month=next_month if next_month <= year.end_date else None)


@bp.route("/attendance/leave")
@login_required
@role_required(*STAFF)
def leave_queue():
    pending = leaves.requests_to_decide(db.session, current_user, ctx().role, ctx().school.id)
    recent = [r for r in leaves.requests_to_decide(db.session, current_user, ctx().role, ctx().school.id,
                                                   pending_only=False, limit=60) if r.status != "pending"]
    return render_template("attendance/leave_queue.html", pending=pending, recent=recent[:30], form=DecideForm())


@bp.route("/attendance/leave/<int:leave_id>", methods=["POST"])
@login_required
@role_required(*STAFF)
def decide(leave_id: int):
    leave = school_scoped(LeaveRequest, leave_id)
    form = DecideForm()
    if form.decision.data not in ("approve", "refuse"):
        abort(400)
    approve = form.decision.data == "approve"
    if form.validate_on_submit():
        with committing(form) as outcome:
            leaves.decide_leave(db.session, current_user, ctx().role, leave, approve=approve,
                                note=form.note.data or "", now=utcnow())
        if outcome.ok:
            flash(_("Đã duyệt đơn xin nghỉ của em %(n)s.", n=leave.student.full_name) if approve
                  else _("Đã trả lời không duyệt đơn của em %(n)s.", n=leave.student.full_name), "success")
            return redirect(url_for("attendance.leave_queue"))
    elif "csrf_token" in form.errors:
        abort(400)
    # The answer refused (a note too long, a refusal without its reason): the queue again, with the
    # message on that request's note and what was typed kept.
    pending = leaves.requests_to_decide(db.session, current_user, ctx().role, ctx().school.id)
    recent = [r for r in leaves.requests_to_decide(db.session, current_user, ctx().role, ctx().school.id,
                                                   pending_only=False, limit=60) if r.status != "pending"]
    return render_template("attendance/leave_queue.html", pending=pending, recent=recent[:30], form=form,
                           refused_id=leave.id), status_of(form)


# ---------------------------------------------------------------- parents

@bp.route("/children/<int:student_id>/attendance", methods=["GET", "POST"])
@login_required
@role_required("parent")
def child(student_id: int):
    student = people.get_child(db.session, current_user, student_id).student
    school_class = leaves.current_class(db.session, student)
    form = LeaveForm()
    if form.validate_on_submit():
        with committing(form) as outcome:
            leaves.request_leave(db.session, current_user, student, form.first_day.data, form.last_day.data,
                                 form.reason.data or "", now=utcnow(), today=_today())
        if outcome.ok:
            flash(_("Đã gửi đơn xin nghỉ cho giáo viên chủ nhiệm."), "success")
            return redirect(url_for("attendance.child", student_id=student_id))
    terms, lines = [], []
    if school_class is not None:
        year = db.session.get(SchoolYear, school_class.school_year_id)
        for term in year.terms:
            days, totals = registers.pupil_days(db.session, student, school_class, term.start_date, term.end_date)
            terms.append((term, totals))
            lines += days
    if request.method == "GET":
        form.first_day.data = _today()
    return render_template("attendance/child.html", student=student, school_class=school_class, terms=terms,
                           lines=sorted(lines, key=lambda x: x.day, reverse=True)[:60], form=form,
                           requests=leaves.requests_of_student(db.session, student)), status_of(form)


@bp.route("/children/<int:student_id>/leave/<int:leave_id>/cancel", methods=["POST"])
@login_required
@role_required("parent")
def cancel(student_id: int, leave_id: int):
    people.get_child(db.session, current_user, student_id)
    leave = db.session.get(LeaveRequest, leave_id)
    if leave is None or leave.student_id != student_id:
        abort(404)
    if not DecideForm().validate_on_submit():
        abort(400)
    with committing() as outcome:
        leaves.cancel_leave(db.session, current_user, leave, now=utcnow())
    if outcome.ok:
        flash(_("Đã rút đơn xin nghỉ."), "success")
    return redirect(url_for("attendance.child", student_id=student_id))


# ---------------------------------------------------------------- the school's own days off

@bp.route("/attendance/days-off", methods=["GET", "POST"])
@login_required
@role_required("admin")
def school_days_off():
    school = ctx().school
    form = DayOffForm()
    taken = []
    if form.validate_on_submit():
        with committing(form) as outcome:
            row = days_off.add_day_off(db.session, current_user, school, form.first_day.data, form.last_day.data,
                                       form.reason.data or "", now=utcnow(), confirmed=bool(form.confirmed.data))
        if outcome.ok:
            flash(_("Đã thêm ngày nghỉ %(a)s – %(b)s.", a=row.first_day.strftime("%d/%m/%Y"),
                    b=row.last_day.strftime("%d/%m/%Y")), "success")
            return redirect(url_for("attendance.school_days_off"))
        if outcome.error is not None and outcome.error.field == "confirmed":
            taken = days_off.absences_between(db.session, school.id, form.first_day.data,
                                              form.last_day.data or form.first_day.data)
    return render_template("attendance/days_off.html", form=form, rows=days_off.days_off_of(db.session, school.id),
                           today=_today(), taken=taken), status_of(form)


@bp.route("/attendance/days-off/<int:day_off_id>/delete", methods=["POST"])
@login_required
@role_required("admin")
def remove_school_day_off(day_off_id: int):
    form = DecideForm()
    if form.validate_on_submit():
        with committing(form, flash_error=False) as outcome:
            days_off.remove_day_off(db.session, current_user, ctx().school, day_off_id)
        if outcome.status == 404:
            abort(404)   # another school's day off, or none: as every id route answers
        if outcome.ok:
            flash(_("Đã bỏ ngày nghỉ."), "success")
    return redirect(url_for("attendance.school_days_off"))
