"""Who is acting, in which school and role: resolved once per request, checked in one place.

A user may hold roles in several schools (a parent with children in two schools, a teacher
who is also the school's admin). The active context is (school, role) or a department; ids
are always looked up through it, so another school's or family's id is a 404.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

from flask import abort, g, session
from flask_login import current_user
from sqlalchemy import select

from lms.extensions import db
from lms.people.models import Department, DepartmentViewer, School

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
    for dv in db.session.scalars(select(DepartmentViewer).where(DepartmentViewer.user_id == current_user.id)):
        choices.append(Choice(f"d{dv.department_id}", None, DEPARTMENT, dv.department))
    wanted = session.get("ctx")
    current = next((c for c in choices if c.key == wanted), None) or (choices[0] if choices else None)
    return Context(current_user, choices, current)


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


def school_scoped(model, object_id: int):
    """The row of `model` with this id in the acting school, or 404."""
    school = ctx().school
    if school is None:
        abort(404)
    obj = db.session.scalars(select(model).where(model.id == object_id, model.school_id == school.id)).first()
    if obj is None:
        abort(404)
    return obj


def department_school_ids(department: Department) -> list[int]:
    """Schools under a department and its sub-departments."""
    ids, frontier = [department.id], [department.id]
    while frontier:
        frontier = list(db.session.scalars(select(Department.id).where(Department.parent_id.in_(frontier))))
        ids.extend(frontier)
    return list(db.session.scalars(select(School.id).where(School.department_id.in_(ids))))

