"""Parents follow their children (in every school); department officials look at their schools."""
from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from lms.core.forms import Form
from wtforms import BooleanField

from lms.core import audit
from lms.core.security import client_ip
from lms.core.storage import content_disposition
from lms.core.timeutil import utcnow
from lms.courses import comms, lessons
from lms.core.tenancy import DEPARTMENT, ctx, department_school_ids, role_required
from lms.extensions import db
from lms.home.services import role_counts
from lms.i18n import gettext as _
from lms.i18n import lazy_gettext as _l
from lms.people import child_consent as consent_rules, services
from lms.people.models import School

bp = Blueprint("family", __name__, template_folder="templates")


class ConsentForm(Form):
    consent = BooleanField(_l("Tôi đồng ý để nhà trường gửi tin về con tôi qua Zalo hoặc SMS như thông báo ở trên."),
                           default=False)


@bp.route("/children/<int:student_id>")
@login_required
@role_required("parent")
def child(student_id: int):
    link = services.get_child(db.session, current_user, student_id)
    student = link.student
    enrollment = services.current_enrollment(db.session, student)
    courses, completion, news = [], {}, []
    if enrollment is not None:
        courses = services.courses_of_class(db.session, enrollment.class_id)
        completion = lessons.course_completion(db.session, student, courses, utcnow())
        news = comms.announcements_for_classes(db.session, [enrollment.class_id], limit=10)
    from lms.courses.homework import State, pupil_items

    missing = sum(1 for i in pupil_items(db.session, [student], utcnow())[student.id] if i.state == State.MISSING)
    school = db.session.get(School, student.school_id)
    others = services.guardians_of(db.session, student, except_user=current_user)
    return render_template("family/child.html", link=link, student=student, school=school, enrollment=enrollment,
                           courses=courses, completion=completion, news=news, others=others, form=ConsentForm(consent=link.consent),
                           homework_missing=missing, notice_version=services.CONSENT_NOTICE_VERSION,
                           child_asked=consent_rules.needs_own_consent(student))


@bp.route("/me/consent", methods=["GET", "POST"])
@login_required
@role_required("student")
def own_consent():
    """The pupil's own answer (from 7): whether what the school sends about them may go to their
    parents by Zalo or SMS. Asked once after signing in; changed here at any time."""
    from sqlalchemy import select

    from lms.people import child_consent
    from lms.people.models import Student

    student = db.session.scalars(select(Student).where(Student.user_id == current_user.id,
                                                       Student.school_id == ctx().school.id)).first()
    if student is None:
        abort(404)
    form = Form()
    if request.method == "POST" and form.validate_on_submit() and request.form.get("answer") in ("yes", "no"):
        child_consent.record(db.session, student, request.form["answer"] == "yes")
        db.session.commit()
        flash(_("Em đã đồng ý. Em có thể đổi ý ở trang này bất cứ lúc nào.") if student.own_consent
              else _("Em chưa đồng ý: nhà trường chỉ báo tin về em trong ứng dụng này."), "success")
        return redirect(url_for("home.index"))
    return render_template("family/own_consent.html", student=student, form=form,
                           needed=child_consent.needs_own_consent(student))


@bp.route("/children/<int:student_id>/consent", methods=["POST"])
@login_required
@role_required("parent")
def child_consent(student_id: int):
    link = services.get_child(db.session, current_user, student_id)
    form = ConsentForm()
    if form.validate_on_submit():
        services.set_consent(db.session, current_user, link, bool(form.consent.data))
        db.session.commit()
        flash(_("Đã ghi nhận sự đồng ý của bạn.") if link.consent else _("Đã ghi nhận việc rút lại sự đồng ý."),
              "success")
    return redirect(url_for("family.child", student_id=student_id))


def _json_download(payload: dict, name: str) -> Response:
    body = json.dumps(payload, ensure_ascii=False, indent=1, default=str)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = content_disposition(name, False)
    return response


@bp.route("/children/<int:student_id>/data.json")
@login_required
@role_required("parent")
def child_data(student_id: int):
    """Everything the platform holds about the child, for the parent (the child's legal
    representative under Law 91/2025/QH15): one JSON file, the export itself audited."""
    from lms.people import subject_export

    link = services.get_child(db.session, current_user, student_id)
    student = link.student
    payload = subject_export.pupil_export(db.session, student, utcnow())
    audit.record(db.session, audit.Action.SUBJECT_EXPORT, actor_id=current_user.id, school_id=student.school_id,
                 subject_type="student", subject_id=student.id, route=request.path, ip=client_ip())
    db.session.commit()
    return _json_download(payload, f"du-lieu-{student.student_code}.json")


@bp.route("/account/data.json")
@login_required
def account_data():
    """What the platform holds about the signed-in account itself (a parent's own data)."""
    from lms.people import subject_export

    payload = subject_export.account_export(db.session, current_user, utcnow())
    audit.record(db.session, audit.Action.SUBJECT_EXPORT, actor_id=current_user.id, subject_type="user",
                 subject_id=current_user.id, route=request.path, ip=client_ip())
    db.session.commit()
    return _json_download(payload, f"du-lieu-tai-khoan-{current_user.id}.json")


@bp.route("/department/schools/<int:school_id>")
@login_required
@role_required(DEPARTMENT)
def department_school(school_id: int):
    if school_id not in department_school_ids(ctx().department):
        abort(404)
    school = db.session.get(School, school_id)
    year = services.current_year(db.session, school)
    classes = services.classes_of_year(db.session, year)
    sizes = services.class_sizes(db.session, [c.id for c in classes])
    return render_template("family/department_school.html", school=school, year=year, classes=classes, sizes=sizes,
                           counts=role_counts(db.session, [school.id])[school.id])
