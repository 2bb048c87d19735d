"""The online-share report (page, SVG chart, Excel, PDF) and the school's targets."""
from __future__ import annotations

import io

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from lms.core.charts import SVG_CSP, data_url, share_bars
from lms.core.requests import committing, status_of
from lms.core.pdf import render_pdf
from lms.core.tenancy import ctx, role_required
from lms.core.timeutil import utcnow
from lms.courses import share
from lms.courses.forms import TargetsForm
from lms.extensions import db
from lms.i18n import gettext as _
from lms.people import services as people

bp = Blueprint("report", __name__, template_folder="templates")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _report() -> share.ShareReport:
    school = ctx().school
    year = people.current_year(db.session, school)
    term = _requested_term()
    # A teacher sees the courses they teach; an admin the whole school.
    teacher = _teacher()
    course_ids = share.courses_taught(db.session, school, year, teacher) if teacher is not None else None
    return share.online_share(db.session, school, year, utcnow(), term=term, course_ids=course_ids, teacher=teacher)


def _requested_term() -> int | None:
    """The term asked for (1 or 2), or None for the whole year; anything else is said, as the list
    pages say a page that is not one, never silently taken for the year."""
    raw = request.args.get("term", "").strip()
    if raw in ("1", "2"):
        return int(raw)
    if raw and request.endpoint == "report.online_share":    # the page says it; its files follow the page
        flash(_("“%(v)s” không phải học kỳ (chỉ có học kỳ 1 và 2): đang hiện cả năm.", v=raw[:30]), "warning")
    return None


def _teacher():
    """A teacher's report covers only her courses and is hers, not the school's."""
    return current_user if ctx().role == "teacher" else None


def _chart(report: share.ShareReport) -> bytes:
    rows = report.classes if len(report.classes) > 1 or not report.courses else report.courses
    return share_bars(_("Tỷ lệ dạy học trực tuyến theo lớp"), [r.label for r in rows],
                      [r.tally.planned_share for r in rows], [r.tally.delivered_share for r in rows],
                      [r.target for r in rows], (_("Kế hoạch"), _("Đã thực hiện"), _("Chỉ tiêu")))


def _term_label(term: int | None) -> str:
    return _("Học kỳ %(n)s", n="I" if term == 1 else "II") if term else _("Cả năm")


@bp.route("/reports/online-share")
@login_required
@role_required("admin", "teacher")
def online_share():
    report = _report()
    return render_template("courses/share.html", report=report, term_label=_term_label(report.term),
                           teacher=_teacher(), args={"term": report.term} if report.term else {})


@bp.route("/reports/online-share.svg")
@login_required
@role_required("admin", "teacher")
def online_share_svg():
    return _chart(_report()), 200, {"Content-Type": "image/svg+xml", "Content-Security-Policy": SVG_CSP}


@bp.route("/reports/online-share.pdf")
@login_required
@role_required("admin", "teacher")
def online_share_pdf():
    report = _report()
    html = render_template("courses/share_pdf.html", report=report, term_label=_term_label(report.term),
                           chart=data_url(_chart(report)), generated=utcnow(), teacher=_teacher())
    name = f"ty-le-day-hoc-truc-tuyen-{report.school.code}.pdf"
    return send_file(io.BytesIO(render_pdf(html)), mimetype="application/pdf", as_attachment=True, download_name=name)


@bp.route("/reports/online-share.xlsx")
@login_required
@role_required("admin", "teacher")
def online_share_xlsx():
    report = _report()
    name = f"ty-le-day-hoc-truc-tuyen-{report.school.code}.xlsx"
    data = share.share_workbook(report, _term_label(report.term))
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name)


@bp.route("/school/online-targets", methods=["GET", "POST"])
@login_required
@role_required("admin")
def targets():
    school = ctx().school
    current = share.targets_of(db.session, school)
    form = TargetsForm()
    if request.method == "GET":
        for level, value in current.items():
            getattr(form, f"target_{level}").data = value
        form.open_percent.data = school.online_open_percent
    if form.validate_on_submit():
        with committing(form) as outcome:
            share.set_targets(db.session, current_user, school,
                              {level: getattr(form, f"target_{level}").data for level in share.LEVEL_ORDER},
                              form.open_percent.data)
        if outcome.ok:
            flash(_("Đã lưu chỉ tiêu dạy học trực tuyến."), "success")
            return redirect(url_for("report.online_share"))
    return render_template("courses/targets.html", form=form, defaults=share.DEFAULT_TARGETS), status_of(form)
