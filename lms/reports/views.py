"""Cashless-share pages: the school's report (page, chart, Excel), its targets, and the
department's side-by-side view with a drill-down to each school."""
from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from lms.core.charts import SVG_CSP, share_lines
from lms.core.errors import DomainError
from lms.core.requests import committing
from lms.core.tenancy import DEPARTMENT, ctx, department_school_ids, role_required
from lms.core.timeutil import utc_to_local, utcnow
from lms.extensions import db
from lms.gradebook import progress
from lms.i18n import gettext as _
from lms.people.models import School
from lms.people.services import department_schools
from lms.reports import cashless, choice, official

bp = Blueprint("reports", __name__, template_folder="templates")


@bp.record_once
def _globals(state) -> None:
    # Globals, not a context processor: the official PDFs render in jobs, outside requests.
    state.app.jinja_env.globals.update(READY_LABEL=cashless.READY_LABEL, USED_LABEL=cashless.USED_LABEL,
                                       READINESS_RULE=cashless.READINESS_RULE, MINIMUM_READY=cashless.MINIMUM_READY,
                                       readiness_text=cashless.readiness_text, rank_rule=official.rank_rule,
                                       gradebook_rule=progress.rule_text, school_sections=official.school_sections,
                                       department_table=official.department_table)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STAFF = ("admin", "accountant")


def _today() -> date:
    return utc_to_local(utcnow(), current_app.config["BABEL_DEFAULT_TIMEZONE"]).date()


def _choice(periods_of, values=None) -> choice.Choice:
    """The year and period asked for, checked (reports/choice.py)."""
    return choice.choose(request.args if values is None else values, _today(), periods_of)


def _school_choice(school: School) -> choice.Choice:
    return _choice(lambda y: cashless.periods_of(db.session, school, y))


def _report(school: School) -> cashless.SchoolReport:
    """The cashless report asked for; a refused year or period is a 404 for the files and charts
    (the page itself shows the refusal on its fields)."""
    c = _school_choice(school)
    if not c.ok:
        abort(404)
    return cashless.school_report(db.session, school, c.year, c.period, c.periods)


def _chart(report: cashless.SchoolReport) -> bytes:
    labels = [m.label[:2] for m, _f, _t in report.months]
    span = report.period if report.period.kind != "month" else cashless.calendar_year(report.year)
    return share_lines(cashless.trend_title(span), labels,
                       [(_("Theo số giao dịch"), [f.count_share for _m, f, _t in report.months]),
                        (_("Theo giá trị"), [f.value_share for _m, f, _t in report.months])],
                       (_("Chỉ tiêu (theo số)"), [t.count_percent if t else None for _m, _f, t in report.months]))


def _department_school(school_id: int) -> School:
    if school_id not in department_school_ids(ctx().department):
        abort(404)
    return db.session.get(School, school_id)


def _page(school: School, *, base: str, args: dict):
    c = _school_choice(school)
    report = cashless.school_report(db.session, school, c.year, c.period, c.periods) if c.ok else None
    return render_template("reports/cashless.html", c=c, school=school, report=report, rule=cashless.RULE,
                           methods=cashless.METHODS, cashless_methods=cashless.CASHLESS, labels=cashless.METHOD_LABELS,
                           channels=[ch for ch in cashless.CHANNELS if report and ch in report.figures.channels],
                           channel_labels=cashless.CHANNEL_LABELS, base=base, args=args,
                           notes=cashless.notes(report) if report else [],
                           can_set=ctx().role == "admin"), 200 if c.ok else 422


@bp.route("/reports/cashless")
@login_required
@role_required(*STAFF)
def school_cashless():
    return _page(ctx().school, base="reports.school_cashless", args={})


@bp.route("/reports/cashless.svg")
@login_required
@role_required(*STAFF)
def school_cashless_svg():
    return _chart(_report(ctx().school)), 200, {"Content-Type": "image/svg+xml", "Content-Security-Policy": SVG_CSP}


@bp.route("/reports/cashless.xlsx")
@login_required
@role_required(*STAFF)
def school_cashless_xlsx():
    report = _report(ctx().school)
    return send_file(io.BytesIO(cashless.workbook(report)), mimetype=XLSX, as_attachment=True,
                     download_name=f"khong-dung-tien-mat-{report.school.code}-{report.period.key}.xlsx")


@bp.route("/reports/cashless/targets", methods=["GET", "POST"])
@login_required
@role_required("admin")
def cashless_targets():
    school = ctx().school
    milestones = cashless.targets_of(db.session, school.id)
    status = 200
    if request.method == "POST":
        from lms.core.forms import Form

        if not Form().validate_on_submit():
            abort(400)
        rows = []
        for n in range(1, 6):
            raw = (request.form.get(f"starts_{n}") or "").strip()
            try:
                starts = date.fromisoformat(raw) if raw else None
            except ValueError:
                starts = None
                flash(_("Dòng %(n)s: ngày “%(v)s” không đọc được.", n=n, v=raw), "danger")
                status = 422
            rows.append((starts, request.form.get(f"count_{n}", type=int), request.form.get(f"value_{n}", type=int)))
        if status == 200:
            with committing() as outcome:
                cashless.set_targets(db.session, current_user, school.id, rows)
            if outcome.ok:
                flash(_("Đã lưu chỉ tiêu không dùng tiền mặt."), "success")
                return redirect(url_for("reports.school_cashless"))
            status = outcome.status
        milestones = [cashless.Milestone(s or date.today(), c or 0, v or 0) for s, c, v in rows if s or c or v]
    return render_template("reports/cashless_targets.html", milestones=milestones,
                           defaults=cashless.DEFAULT_TARGETS), status


# ---------------------------------------------------------------- the department

@bp.route("/department/cashless")
@login_required
@role_required(DEPARTMENT)
def department_cashless():
    schools = department_schools(db.session, ctx().department)
    c = _choice(lambda y: cashless.department_periods(db.session, schools, y, with_months=True))
    d = official.department_cashless(db.session, schools, c.period, utcnow()) if c.ok else None
    return render_template("reports/department_cashless.html", c=c, d=d, rows=d.rows if d else [],
                           total=d.total if d else None, period=c.period, department=ctx().department,
                           rule=cashless.RULE, **_freshness(c.period)), 200 if c.ok else 422


@bp.route("/department/schools/<int:school_id>/cashless")
@login_required
@role_required(DEPARTMENT)
def department_school_cashless(school_id: int):
    return _page(_department_school(school_id), base="reports.department_school_cashless",
                 args={"school_id": school_id})


@bp.route("/department/schools/<int:school_id>/cashless.svg")
@login_required
@role_required(DEPARTMENT)
def department_school_cashless_svg(school_id: int):
    report = _report(_department_school(school_id))
    return _chart(report), 200, {"Content-Type": "image/svg+xml", "Content-Security-Policy": SVG_CSP}


def _freshness(period) -> dict:
    """How old a page's kept figures of `period` may be (official.max_age), for its freshness line."""
    if period is None:
        return {"fresh_minutes": official.FRESH_MINUTES, "ended": False, "upcoming": None}
    age = official.max_age(period, utcnow())
    return {"fresh_minutes": int(age.total_seconds() // 60), "ended": period.end < _today(),
            "upcoming": official.starts_on(period) if official.not_begun(period, utcnow()) else None}


# ---------------------------------------------------------------- the principal's dashboard

def _dashboard(school: School):
    """The school's dashboard as the refresh job kept it (fresher than an hour), else computed now."""
    return official.school_dashboard(db.session, school, utcnow())[0]


def _dashboard_page(school: School, svg: str, args: dict):
    board, kept_at = official.school_dashboard(db.session, school, utcnow())
    return render_template("reports/dashboard.html", board=board, kept_at=kept_at, fresh_minutes=official.FRESH_MINUTES,
                           svg=svg, args=args)


def _trend_svg(board, metric: str) -> bytes:
    from lms.core.charts import trend_bars

    labels = [p.label[:2] for p in board.months]
    if metric == "online":
        return trend_bars([_("HK I"), _("HK II")], board.online.trend)
    if metric == "gradebook":
        return trend_bars([_("HK I"), _("HK II")], [m.share for m in board.gradebook])
    if metric == "collected":
        return trend_bars(labels, board.collected, percent=False)
    if metric == "scores":
        return trend_bars([str(i) for i in range(len(board.scores))], board.scores, percent=False)
    values = {"lessons": board.lessons, "homework": board.homework, "exams": board.exams,
              "cashless": board.cashless}.get(metric)
    if values is None:
        abort(404)
    return trend_bars(labels, values.trend)


@bp.route("/reports/dashboard")
@login_required
@role_required("admin")
def school_dashboard():
    return _dashboard_page(ctx().school, "reports.school_dashboard_svg", {})


@bp.route("/reports/dashboard.svg")
@login_required
@role_required("admin")
def school_dashboard_svg():
    return (_trend_svg(_dashboard(ctx().school), request.args.get("metric", "")), 200,
            {"Content-Type": "image/svg+xml", "Content-Security-Policy": SVG_CSP})


@bp.route("/department/schools/<int:school_id>/dashboard")
@login_required
@role_required(DEPARTMENT)
def department_school_dashboard(school_id: int):
    return _dashboard_page(_department_school(school_id), "reports.department_school_dashboard_svg",
                           {"school_id": school_id})


@bp.route("/department/schools/<int:school_id>/dashboard.svg")
@login_required
@role_required(DEPARTMENT)
def department_school_dashboard_svg(school_id: int):
    return (_trend_svg(_dashboard(_department_school(school_id)), request.args.get("metric", "")), 200,
            {"Content-Type": "image/svg+xml", "Content-Security-Policy": SVG_CSP})


# ---------------------------------------------------------------- official reports

def _start_official(scope: str, owner_id: int, year: int, period_key: str, weights: dict | None, total: int,
                    signing: official.Signing | None = None):
    """Start the report's job; None (the refusal flashed, status 422) when the service refuses."""
    from lms.core.forms import Form
    if not Form().validate_on_submit():
        abort(400)
    with committing() as outcome:
        job = official.start(db.session, current_user, scope=scope, owner_id=owner_id, year=year,
                             period_key=period_key, fmt=request.form.get("format", ""), weights=weights, total=total,
                             locale=request.cookies.get("lang", "vi"), signing=signing)
    return redirect(url_for("jobs.job_page", job_id=job.id)) if outcome.ok else None


@bp.route("/reports/official", methods=["GET", "POST"])
@login_required
@role_required("admin")
def school_official():
    school = ctx().school
    c = _choice(lambda y: official.periods_for(db.session, school, y), request.values)
    if not c.ok:
        return render_template("reports/official.html", r=None, c=c), 422
    status = 200
    if request.method == "POST":
        started = _start_official("school", school.id, c.year, c.period.key, None, 2)
        if started is not None:
            return started
        status = 422
    report, kept_at = official.school_page(db.session, school, c.period, utcnow())
    return render_template("reports/official.html", r=report, c=c, kept_at=kept_at, **_freshness(c.period)), status


@bp.route("/department/official", methods=["GET", "POST"])
@login_required
@role_required(DEPARTMENT)
def department_official():
    department = ctx().department
    schools = department_schools(db.session, department)
    c = _choice(lambda y: official.department_periods_for(db.session, schools, y), request.values)
    status = 200 if c.ok else 422
    weights_error = None
    try:
        weights = official.check_weights(request.values)
    except DomainError as exc:
        weights_error, status = exc, 422
        # what was sent shown back as sent, the refused field marked and named in the message
        weights = {k: request.values.get(k, v) for k, v in official.DEFAULT_WEIGHTS.items()}
    from lms.core.official import department_recipients

    signing, signing_error = official.Signing(), None
    try:
        signing = official.check_signing(request.values, department_recipients(department))
    except DomainError as exc:
        signing_error, status = exc, 422
    form = {"signer": request.values.get("signer", "head"), "signer_name": request.values.get("signer_name", ""),
            # the default shown from the start; what was sent shown back as sent, even empty
            "recipients": request.values["recipients"] if "recipients" in request.values
            else "\n".join(department_recipients(department)),
            "error": str(signing_error.message) if signing_error else "",
            "error_field": getattr(signing_error, "field", None) if signing_error else None,
            "weights_error": str(weights_error.message) if weights_error else "",
            "weights_field": getattr(weights_error, "field", None) if weights_error else None}
    if (status != 200 and signing_error is None) or c.period is None:   # a bad period or weights: nothing to show
        return render_template("reports/department_official.html", d=None, c=c, weights=weights,
                               department=department, signing=form), status if status != 200 else 422
    if request.method == "POST" and signing_error is None:
        started = _start_official("department", department.id, c.year, c.period.key, weights, len(schools) + 1,
                                  signing)
        if started is not None:
            return started
        status = 422
    report = official.department_page(db.session, department, schools, c.period, weights, utcnow())
    return render_template("reports/department_official.html", d=report, c=c, weights=weights,
                           department=department, signing=form, **_freshness(c.period)), status
