"""Who is acting, in which school and role: resolved once per request, checked in one place.

A user may hold roles in several schools (a parent with children in two schools, a teacher
who is also the school's admin). The active context is (school, role) or a department; ids
are always looked up through it, so another school's or family's id is a 404.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from flask import abort, g, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from sqlalchemy import select

from lms.extensions import db
from lms.i18n import lazy_gettext as _l
from lms.people.models import Department, School

DEPARTMENT = "department"


@dataclass
class Choice:
    key: str
    school: School | None
    role: str
    department: Department | None = None


@dataclass
class Context:
    user: object
    choices: list[Choice] = field(default_factory=list)
    current: Choice | None = None

    @property
    def school(self) -> School | None:
        return self.current.school if self.current else None

    @property
    def role(self) -> str | None:
        return self.current.role if self.current else None

    @property
    def department(self) -> Department | None:
        return self.current.department if self.current else None


ROLE_ORDER = ("admin", "teacher", "accountant", "parent", "student")


def load_context() -> Context | None:
    from flask import current_app, request

    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if getattr(view, "no_context", False):
        return None  # the view authenticates on its own (session_only, or an attempt ticket)
    if not current_user.is_authenticated:
        return None
    choices = []
    parent_seen = False
    for m in sorted(current_user.memberships, key=lambda m: (m.school.name, ROLE_ORDER.index(m.role))):
        # A parent follows every child in every school from one place: one parent choice is enough.
        if m.role == "parent":
            if parent_seen:
                continue
            parent_seen = True
        choices.append(Choice(f"s{m.school_id}-{m.role}", m.school, m.role))
    for dv in current_user.department_links:
        choices.append(Choice(f"d{dv.department_id}", None, DEPARTMENT, dv.department))
    wanted = session.get("ctx")
    current = next((c for c in choices if c.key == wanted), None) or (choices[0] if choices else None)
    return Context(current_user, choices, current)


def session_only(view):
    """For the JSON endpoints a running exam calls every few seconds (autosave, heartbeat): the
    session is checked in one query and the memberships behind `ctx()` are not loaded. The view
    finds the user's id in `g.session_user_id` and must put ownership in its own queries. A signed-out
    caller gets 401 in JSON (the page keeps its answers and says so)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        from flask import current_app, jsonify

        from lms.auth.services import session_user_id
        from lms.i18n import gettext as _

        try:
            claimed = int(session.get("_user_id"))
        except (TypeError, ValueError):
            claimed = None
        user_id = session_user_id(db.session, current_app.extensions["lms_auth"], session.get("sid"), claimed)
        if user_id is None:
            return jsonify({"status": "signed_out",
                            "message": _("Phiên đăng nhập đã hết. Hãy đăng nhập lại trong một thẻ khác; "
                                         "câu trả lời vẫn được giữ trên máy này.")}), 401
        g.session_user_id = user_id
        return view(*args, **kwargs)

    return no_context(wrapped)


def no_context(view):
    """Mark a view that authenticates on its own, so no request context is loaded for it."""
    view.no_context = True
    return view


def cookieless(view):
    """Mark a view that authenticates by a signed header of its own (the exam autosave's attempt
    ticket): not even the session cookie is read for it, and it cannot change the session."""
    view.cookieless = True
    return no_context(view)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, left unopened for `cookieless` views (their paths are found
    once from the URL map: the session opens before the URL is matched)."""

    _paths: re.Pattern | None = None

    def _cookieless_paths(self, app) -> re.Pattern:
        if self._paths is None:
            patterns = []
            for rule in app.url_map.iter_rules():
                if getattr(app.view_functions.get(rule.endpoint), "cookieless", False):
                    parts = re.split(r"<(?:(\w+):)?\w+>", rule.rule)
                    converters = parts[1::2]
                    if any(c not in (None, "int") for c in converters):
                        raise ValueError(f"cookieless route {rule.rule}: only int and string converters")
                    pattern = "".join(re.escape(part) if i % 2 == 0 else (r"\d+" if part == "int" else "[^/]+")
                                      for i, part in enumerate(parts))
                    patterns.append(pattern)
            self._paths = re.compile("^(?:" + "|".join(patterns) + ")$" if patterns else r"(?!)")
        return self._paths

    def open_session(self, app, request):
        if request.method == "POST" and self._cookieless_paths(app).match(request.path):
            return None  # Flask then uses a null session: reads are empty, writes are refused
        return super().open_session(app, request)


def ctx() -> Context:
    return g.ctx


def role_required(*roles: str):
    """Only users acting in one of these roles may use the view (403 otherwise)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            context = getattr(g, "ctx", None)
            if context is None or context.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles
        return wrapped

    return decorator


# What a school-scoped id names, for the 404 page's message (a model not listed: "dữ liệu này").
_NOT_FOUND = {
    "Student": _l("Không tìm thấy học sinh này trong trường của bạn."),
    "SchoolClass": _l("Không tìm thấy lớp này trong trường của bạn."),
    "SchoolYear": _l("Không tìm thấy năm học này trong trường của bạn."),
    "Subject": _l("Không tìm thấy môn học này trong trường của bạn."),
    "Course": _l("Không tìm thấy môn học của lớp này trong trường của bạn."),
    "Lesson": _l("Không tìm thấy bài học này trong trường của bạn."),
    "Resource": _l("Không tìm thấy học liệu này trong trường của bạn."),
    "Assignment": _l("Không tìm thấy bài tập này trong trường của bạn."),
    "Exam": _l("Không tìm thấy bài kiểm tra này trong trường của bạn."),
    "QuestionCategory": _l("Không tìm thấy nhóm câu hỏi này trong trường của bạn."),
    "Invoice": _l("Không tìm thấy hoá đơn này trong trường của bạn."),
    "Payment": _l("Không tìm thấy khoản thu này trong trường của bạn."),
    "Refund": _l("Không tìm thấy khoản hoàn tiền này trong trường của bạn."),
    "Exemption": _l("Không tìm thấy khoản miễn giảm này trong trường của bạn."),
    "FeeType": _l("Không tìm thấy loại khoản thu này trong trường của bạn."),
    "FeePlan": _l("Không tìm thấy kế hoạch thu này trong trường của bạn."),
    "BankTransaction": _l("Không tìm thấy giao dịch ngân hàng này trong trường của bạn."),
    "PaymentReport": _l("Không tìm thấy báo cáo thanh toán này trong trường của bạn."),
    "LeaveRequest": _l("Không tìm thấy đơn xin nghỉ này trong trường của bạn."),
}


def not_found_message(model) -> str:
    """The 404 page's sentence for an id of `model` that the acting school does not hold — the same
    whether no row has the id or another school's row has it."""
    return _NOT_FOUND.get(model.__name__) or _l("Không tìm thấy dữ liệu này trong trường của bạn.")


def school_scoped(model, object_id: int):
    """The row of `model` with this id in the acting school, or a 404 page saying what was not
    found — the same page for an id no row has, an id no column holds however the view read it,
    and another school's row. An HTTP exception, not a DomainError: a lookup inside a
    `committing()` block still ends the request with the 404 page."""
    from lms.core.inputs import in_range

    school = ctx().school
    obj = None
    if school is not None and isinstance(object_id, int) and in_range(object_id):
        obj = db.session.scalars(select(model).where(model.id == object_id, model.school_id == school.id)).first()
    if obj is None:
        abort(404, description=not_found_message(model))
    return obj


def department_school_ids(department: Department) -> list[int]:
    """Schools under a department and its sub-departments."""
    from lms.people.services import schools_under

    return schools_under(db.session, department)

