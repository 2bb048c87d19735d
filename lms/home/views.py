"""Each role lands on its own home page."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import current_user, login_required

from lms.billing.queries import summary
from lms.core.tenancy import DEPARTMENT, ctx, department_school_ids
from lms.extensions import db
from lms.home import services
from lms.core.timeutil import utc_to_local, utcnow
from lms.people.banks import bank_by_bin

bp = Blueprint("home", __name__, template_folder="templates")


@bp.route("/")
@login_required
def index():
    context = ctx()
    role, school = context.role, context.school
    if role == "admin":
        return render_template("home/admin.html", data=services.admin_home(db.session, school))
    if role == "teacher":
        return render_template("home/teacher.html", data=services.teacher_home(db.session, school, current_user))
    if role == "accountant":
        today = utc_to_local(utcnow(), current_app.config["BABEL_DEFAULT_TIMEZONE"]).date()
        return render_template("home/accountant.html", data=services.admin_home(db.session, school),
                               bank=bank_by_bin(school.bank_bin), fees=summary(db.session, school, today))
    if role == "student":
        from lms.people import child_consent

        data = services.student_home(db.session, school, current_user)
        return render_template("home/student.html", data=data, ask_consent=child_consent.unanswered(data.student))
    if role == "parent":
        return render_template("home/parent.html", children=services.parent_home(db.session, current_user))
    if role == DEPARTMENT:
        ids = department_school_ids(context.department)
        return render_template("home/department.html", rows=services.department_home(db.session, ids))
    return render_template("home/no_role.html")
