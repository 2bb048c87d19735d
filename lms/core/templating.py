"""Jinja globals and filters shared by every template."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask, g, has_request_context, request
from flask_babel import format_date, format_datetime, get_locale
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from lms.core.numbers import local_decimal, percent_text, size_text
from lms.i18n import lazy_gettext as _l
from lms.i18n import plural_count

ROLE_LABELS = {
    "admin": _l("Quản trị trường"),
    "teacher": _l("Giáo viên"),
    "accountant": _l("Kế toán"),
    "student": _l("Học sinh"),
    "parent": _l("Phụ huynh"),
    "department": _l("Phòng/Sở GD&ĐT"),
}
LEVEL_LABELS = {"TH": _l("Tiểu học"), "THCS": _l("Trung học cơ sở"), "THPT": _l("Trung học phổ thông")}
ASSESSMENT_LABELS = {"score": _l("Điểm số kết hợp nhận xét"), "comment": _l("Nhận xét")}


def vn_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, "dd/MM/yyyy HH:mm")
    return format_date(value, "dd/MM/yyyy")


vn_percent = percent_text     # the reader's language: "12,5 %" in Vietnamese, "12.5 %" in English


def local_number(value, places: int | None = None) -> str:
    """A decimal as the reader writes it ("0,85" / "0.85"); "—" for none."""
    return "—" if value is None else local_decimal(value, None, places)


vn_size = size_text           # the reader's language: "2,4 MB" in Vietnamese, "2.4 MB" in English


def local_day(value: datetime | date | str | None) -> date | None:
    """The school-time calendar day of a stored UTC time, or of one written in ISO form in a
    frozen snapshot (a date passes through)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if value else None
    if value is None or not isinstance(value, datetime):
        return value
    from lms.core.timeutil import school_tz, utc_to_local

    return utc_to_local(value, school_tz()).date()


# What a school's people write in (questions, lessons, remarks, subject and class names): Vietnamese,
# unless the thing written declares otherwise (an exam's paper language, "en" for an English test).
CONTENT_LANGUAGE = "vi"


def page_language() -> str:
    return str(get_locale() or "vi") if has_request_context() else "vi"


def lang_attr(language: str | None = None) -> Markup:
    """` lang="vi"` for an element holding text people wrote, where that text's language differs from
    the page's (WCAG 3.1.2: an English page reads a Vietnamese question with Vietnamese voice); none
    where they agree. `<div class="lesson-body"{{ lang_attr() }}>`, `{{ lang_attr(exam.paper_language) }}`."""
    language = language or CONTENT_LANGUAGE
    if language == page_language():
        return Markup("")
    return Markup(' lang="%s"') % language


def user_text(value, language: str | None = None) -> Markup:
    """Text people wrote, escaped (HTML already made safe passes as it is), in a `<span lang>` of its
    language where that differs from the page's: `{{ exam.title|user_text(exam.paper_language) }}`."""
    text = escape("" if value is None else value)
    attribute = lang_attr(language)
    if not text or not attribute:
        return text
    return Markup("<span%s>%s</span>") % (attribute, text)


def install_template_helpers(app: Flask) -> None:
    from lms.core.text import in_sentence
    from lms.core import official


    app.jinja_env.filters["vn_date"] = vn_date
    app.jinja_env.filters["vn_percent"] = vn_percent
    app.jinja_env.filters["local_number"] = local_number
    app.jinja_env.filters["vn_size"] = vn_size
    app.jinja_env.filters["local_day"] = local_day
    app.jinja_env.filters["in_sentence"] = in_sentence
    app.jinja_env.filters["user_text"] = user_text
    app.jinja_env.globals["lang_attr"] = lang_attr
    # {{ ngettext(singular, plural, count|plural_count, n=…) }}: a mark's count (0,5 or 1,0) chooses the form.
    app.jinja_env.filters["plural_count"] = plural_count
    app.jinja_env.globals.update(official_date_line=official.date_line, school_place=official.school_place,
                                 department_place=official.department_place, head_title=official.head_title,
                                 department_issuer=official.department_issuer,
                                 school_signer=official.school_signer,
                                 department_recipients=official.department_recipients,
                                 heading_columns=official.heading_columns, line_em=official.line_em,
                                 national_name=official.NATION, national_motto=official.MOTTO)
    from lms.core.tables import ACCEPT as table_accept
    app.jinja_env.globals["table_accept"] = table_accept   # the file chooser of every table import
    app.jinja_env.globals.update(ROLE_LABELS=ROLE_LABELS, LEVEL_LABELS=LEVEL_LABELS,
                                 ASSESSMENT_LABELS=ASSESSMENT_LABELS, csrf_token=generate_csrf)

    @app.context_processor
    def _inject():
        # Templates also render outside requests (PDFs made by background jobs).
        return {"ctx": getattr(g, "ctx", None), "current_locale": str(get_locale() or "vi"),
                "current_path": request.full_path.rstrip("?") if has_request_context() else "/",
                "unread_notifications": _unread, "brand_name": _brand_name, "product_name": _product_name}


def _product_name() -> str:
    from flask import current_app

    return current_app.config["PRODUCT_NAME"]


def _brand_name() -> str:
    """What the top bar and the window title name: the school its people work in (a department's
    viewers, their department); the product where no one school applies (sign-in, a parent whose
    children may be in several schools)."""
    ctx = getattr(g, "ctx", None)
    if ctx is not None and getattr(ctx, "current", None) is not None:
        if ctx.school is not None and ctx.role != "parent":
            return ctx.school.name
        if ctx.department is not None:
            return ctx.department.name
    return _product_name()


def _unread() -> int:
    """Unread notifications of the signed-in user (called by the layout, once per page)."""
    from flask_login import current_user

    from lms.core.notify import unread_count
    from lms.extensions import db

    if not getattr(current_user, "is_authenticated", False):
        return 0
    return unread_count(db.session, current_user)
