"""A pupil's profile as the sector database and the report card know it: the checks of each field
(one place, for the import and for the admin's form) and the admin's edit.

The report card's identity page and the national transcript print these fields, and a transcript
is not signed while the personal identification number is missing, so the school must be able to
correct them one pupil at a time as well as by file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.auth.services import normalize_email, normalize_phone
from lms.core import audit
from lms.core.errors import Collector, ValidationError
from lms.core.official import printed_text_problem
from lms.core.personal_ids import personal_id_problem
from lms.core.text import fold, name_sort_string, nfc
from lms.i18n import gettext as _
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext
from lms.people.models import Student

# key → (the Student attribute, its longest value)
PROFILE_FIELDS: dict[str, tuple[str, int]] = {
    "moet_code": ("moet_code", 20), "personal_id": ("personal_id", 12), "place_of_birth": ("place_of_birth", 200),
    "hometown": ("hometown", 200), "ethnicity": ("ethnicity", 40), "nationality": ("nationality", 40),
    "student_email": ("email", 254), "student_phone": ("phone", 20),
    "policy_status": ("policy_status", 100), "registration_number": ("registration_number", 20),
}
# key → its name: the admin's form labels the field so (people/forms.py StudentProfileForm) and
# the messages about it name it so.
PROFILE_LABELS = {"place_of_birth": _l("Nơi sinh"), "hometown": _l("Quê quán"), "ethnicity": _l("Dân tộc"),
                  "nationality": _l("Quốc tịch"), "moet_code": _l("Mã định danh Bộ GD&ĐT"),
                  "personal_id": _l("Số định danh cá nhân"), "student_email": _l("E-mail liên hệ"),
                  "student_phone": _l("Điện thoại liên hệ"), "policy_status": _l("Đối tượng chính sách"),
                  "registration_number": _l("Số đăng bộ")}
assert set(PROFILE_LABELS) == set(PROFILE_FIELDS), "each profile field has its name"
# The fields printed as they are typed on the report card and the transcript (lms.core.official's
# rule: no formula, no control character).
PRINTED_FIELDS = ("place_of_birth", "hometown", "ethnicity", "nationality", "moet_code", "policy_status",
                  "registration_number")


def clean_profile(values: dict[str, str]) -> tuple[dict[str, str | None], dict[str, str]]:
    """The profile fields among `values` (by the keys of PROFILE_FIELDS) checked and normalised:
    (clean values, messages by key). A blank value is None."""
    clean: dict[str, str | None] = {}
    errors: dict[str, str] = {}
    for key, (_attr, limit) in PROFILE_FIELDS.items():
        if key not in values:
            continue
        value = nfc(values.get(key))
        if not value:
            clean[key] = None
            continue
        if key == "student_email":
            try:
                value = normalize_email(value)
            except ValidationError:
                errors[key] = _("E-mail “%(v)s” không hợp lệ.", v=value)
                continue
        elif key == "student_phone":
            try:
                value = normalize_phone(value)
            except ValidationError:
                errors[key] = _("Số điện thoại “%(v)s” không hợp lệ.", v=value)
                continue
        elif key == "personal_id":
            value = value.replace(" ", "").replace(".", "")
            if not re.fullmatch(r"\d{12}", value):
                errors[key] = _("Số định danh cá nhân có đúng 12 chữ số: “%(v)s”.", v=values.get(key))
                continue
            problem = personal_id_problem(value)      # the province part (lms/core/personal_ids.py)
            if problem:
                errors[key] = problem[:1].upper() + problem[1:] + "."
                continue
        elif key == "moet_code":
            value = value.upper().replace(" ", "")
        if key in PRINTED_FIELDS:
            value = " ".join(value.split())
            problem = printed_text_problem(value, PROFILE_LABELS[key])
            if problem:
                errors[key] = problem
                continue
        if len(value) > limit:
            errors[key] = ngettext("Dài quá %(m)s ký tự: “%(v)s”.", "Dài quá %(m)s ký tự: “%(v)s”.", limit, m=limit, v=value[:40])
            continue
        clean[key] = value
    return clean, errors


def student_search_text(name: str, code: str) -> str:
    return f"{fold(name)} {code.lower()}"[:160]


def name_student(student: Student, name: str) -> None:
    """Give the pupil (and the pupil's account) this name, with its roster order and search text."""
    student.full_name, student.sort_name = name, name_sort_string(name)
    student.search_text = student_search_text(name, student.student_code)
    if student.user is not None and student.user.full_name != name:
        student.user.full_name, student.user.sort_name = name, name_sort_string(name)


@dataclass
class ProfileInput:
    full_name: str
    birth_date: date | None
    gender: str | None          # "nam" | "nu" | None
    address: str
    profile: dict[str, str]     # by the keys of PROFILE_FIELDS


def update_profile(session: Session, actor: User, student: Student, data: ProfileInput) -> list[str]:
    """Correct a pupil's profile; returns the names of the fields that changed (audited, without
    their values). Refused, naming the field: an empty name, a birth date in the future, any profile
    field that fails its check."""
    found = Collector()       # every mistake at once, each on its field
    name = " ".join(nfc(data.full_name).split())
    if not name:
        found.add(_("Nhập họ và tên."), "full_name")
    elif len(name) > 120:
        found.add(ngettext("Dài quá %(m)s ký tự: “%(v)s”.", "Dài quá %(m)s ký tự: “%(v)s”.", 120, m=120, v=name[:40]), "full_name")
    elif problem := printed_text_problem(name, _l("Họ và tên")):
        found.add(problem, "full_name")
    if data.birth_date is not None and data.birth_date > date.today():
        found.add(_("Ngày sinh không thể ở tương lai."), "birth_date")
    if data.gender not in (None, "nam", "nu"):
        found.add(_("Giới tính ghi “Nam” hoặc “Nữ”."), "gender")
    address = " ".join(nfc(data.address).split()) or None
    if address and len(address) > 300:
        found.add(ngettext("Dài quá %(m)s ký tự: “%(v)s”.", "Dài quá %(m)s ký tự: “%(v)s”.", 300, m=300, v=address[:40]), "address")
    elif address and (problem := printed_text_problem(address, _l("Nơi ở hiện nay"))):
        found.add(problem, "address")
    clean, errors = clean_profile(data.profile)
    for key, message in errors.items():
        found.add(message, key)
    found.done()
    wanted = {"full_name": name, "birth_date": data.birth_date, "gender": data.gender, "address": address,
              **{PROFILE_FIELDS[key][0]: value for key, value in clean.items()}}
    changed = [attr for attr, value in wanted.items() if getattr(student, attr) != value]
    for attr in changed:
        if attr == "full_name":
            name_student(student, name)
        else:
            setattr(student, attr, wanted[attr])
    if changed:
        session.flush()
        audit.record(session, "student_profile_changed", actor_id=actor.id, school_id=student.school_id,
                     subject_type="student", subject_id=student.id, detail=", ".join(changed)[:200])
    return changed
