"""The progress of a background job, for the person who started it, and its result."""
from __future__ import annotations

import mimetypes

from flask import Blueprint, abort, current_app, render_template, url_for
from flask_login import current_user, login_required

from lms.core import jobs
from lms.core.downloads import send_stored
from lms.extensions import db
from lms.i18n import gettext
from lms.i18n import lazy_gettext as _l

bp = Blueprint("jobs", __name__, template_folder="templates")
KIND_LABELS = {"report_cards": _l("Phát hành học bạ cả lớp"), "official_report": _l("Báo cáo định kỳ"),
               "invoice_run": _l("Phát hành hoá đơn"), "receipts_pdf": _l("In biên lai của một tháng"),
               "transcript_round": _l("Ký số học bạ số cả lớp")}


def _job(job_id: int):
    job = jobs.job_of(db.session, current_user.id, job_id)
    if job is None:
        abort(404)
    return job


@bp.route("/jobs/<int:job_id>")
@login_required
def job_page(job_id: int):
    return render_template("home/job.html", job=_job(job_id), kinds=KIND_LABELS)


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
