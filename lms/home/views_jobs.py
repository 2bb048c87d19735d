"""The progress of a background job, for the person who started it, and its result."""
from __future__ import annotations

import mimetypes

from flask import Blueprint, abort, current_app, render_template, url_for
from flask_login import current_user, login_required

from lms.core import jobs
from lms.core.downloads import send_stored
from lms.extensions import db
from lms.i18n import gettext, ngettext
from lms.i18n import lazy_gettext as _l

bp = Blueprint("jobs", __name__, template_folder="templates")
KIND_LABELS = {"report_cards": _l("Phát hành học bạ cả lớp"), "official_report": _l("Báo cáo định kỳ"),
               "invoice_run": _l("Phát hành hoá đơn"), "receipts_pdf": _l("In biên lai của một tháng"),
               "transcript_round": _l("Ký số học bạ số cả lớp")}


def _counted(kind: str, total: int, done="{d}", of="{t}") -> str:
    """"12/38 học sinh": how far a job is, its noun agreeing with the total in English ("1/1 student",
    "12/38 students"). The page carries the singular and the plural with {d} and {t} in them; its
    script fills them in as the job goes."""
    if kind in ("report_cards", "transcript_round"):
        return ngettext("%(d)s/%(t)s học sinh", "%(d)s/%(t)s học sinh", total, d=done, t=of)
    if kind == "receipts_pdf":
        return ngettext("%(d)s/%(t)s biên lai", "%(d)s/%(t)s biên lai", total, d=done, t=of)
    if kind == "invoice_run":
        return ngettext("%(d)s/%(t)s hoá đơn", "%(d)s/%(t)s hoá đơn", total, d=done, t=of)
    return f"{done}/{of}"


def _subject(job) -> str:
    """Whom a class's job is for ("Lớp 6A1 · năm học 2026-2027"), from its parameters."""
    from lms.people.models import SchoolClass

    class_id = (job.params or {}).get("class_id")
    school_class = db.session.get(SchoolClass, class_id) if class_id else None
    if school_class is None or school_class.school_id != job.school_id:
        return ""
    return gettext("Lớp %(c)s · năm học %(y)s", c=school_class.name, y=school_class.school_year.name)


def _job(job_id: int):
    job = jobs.job_of(db.session, current_user.id, job_id)
    if job is None:
        abort(404)
    return job


@bp.route("/jobs/<int:job_id>")
@login_required
def job_page(job_id: int):
    job = _job(job_id)
    return render_template("home/job.html", job=job, kinds=KIND_LABELS, subject=_subject(job),
                           counted=_counted(job.kind, job.total, job.done, job.total),
                           count_one=_counted(job.kind, 1), count_other=_counted(job.kind, 2))


@bp.route("/jobs/<int:job_id>.json")
@login_required
def job_status(job_id: int):
    job = _job(job_id)
    ready = bool(job.result_path and job.status == "done")
    return {"status": job.status, "done": job.done, "total": job.total, "message": job.message,
            "result": url_for("jobs.job_result", job_id=job.id) if ready else None,
            "result_label": gettext("Tải kết quả (%(n)s)", n=job.result_name or "") if ready else None}


@bp.route("/jobs/<int:job_id>/result")
@login_required
def job_result(job_id: int):
    job = _job(job_id)
    if job.status != jobs.Status.DONE or not job.result_path:
        abort(404)
    name = job.result_name or job.result_path
    return send_stored(jobs.results_folder(current_app.config) / job.result_path, download_name=name,
                       mimetype=mimetypes.guess_type(name)[0])
