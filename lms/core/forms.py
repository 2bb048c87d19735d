"""The base of every form: WTForms' built-in messages in the user's language.

WTForms ships no Vietnamese catalogue, so its English messages are mapped to Vietnamese source
strings of our own catalogue, which the English locale translates back.
"""
from __future__ import annotations

import re
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import StopValidation
from wtforms.widgets import Select, TextArea

from lms.core.errors import ValidationError
from lms.core.numbers import local_decimal, money, parse_amount, parse_decimal
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext

MESSAGES = {
    "This field is required.": _l("Trường này bắt buộc."),
    "Not a valid choice.": _l("Giá trị gửi lên không có trong danh sách: hãy chọn một mục của danh sách."),
    "Invalid Choice: could not coerce.": _l("Giá trị gửi lên không có trong danh sách: hãy chọn một mục của danh sách."),
    "Not a valid date value.": _l("Ngày không hợp lệ."),
    "Not a valid datetime value.": _l("Thời điểm không hợp lệ."),
    "Not a valid time value.": _l("Giờ không hợp lệ."),
    "Not a valid integer value.": _l("Cần nhập một số nguyên."),
    "Not a valid decimal value.": _l("Cần nhập một số."),
    "Not a valid float value.": _l("Cần nhập một số."),
    "Invalid email address.": _l("E-mail không hợp lệ."),
    "Invalid input.": _l("Giá trị không hợp lệ."),
    "Invalid URL.": _l("Địa chỉ web không hợp lệ."),
    "Number must be at least %(min)s.": _l("Số phải từ %(min)s trở lên."),
    "Number must be at most %(max)s.": _l("Số không được lớn hơn %(max)s."),
    "Number must be between %(min)s and %(max)s.": _l("Số phải từ %(min)s đến %(max)s."),
    "Field must be equal to %(other_name)s.": _l("Giá trị phải trùng với %(other_name)s."),
    "Field must be between %(min)d and %(max)d characters long.": _l("Cần từ %(min)d đến %(max)d ký tự."),
    "Field must be at least %(min)d characters long.": _l("Cần ít nhất %(min)d ký tự."),
    "Field cannot be longer than %(max)d characters.": _l("Không được dài quá %(max)d ký tự."),
    "Field must be exactly %(max)d characters long.": _l("Cần đúng %(max)d ký tự."),
    "This field cannot be edited.": _l("Không được sửa trường này."),
    "This field is disabled and cannot have a value.": _l("Không được sửa trường này."),
    "Invalid choice(s): one or more data inputs could not be coerced.": _l("Giá trị gửi lên không có trong danh sách: hãy chọn một mục của danh sách."),
    "'%(value)s' are not valid choices for this field.": _l("Có lựa chọn không hợp lệ: %(value)s."),
    "Not a valid week value.": _l("Tuần không hợp lệ."),
    "Date must be at least %(min)s.": _l("Ngày phải từ %(min)s trở đi."),
    "Date must be at most %(max)s.": _l("Ngày không được sau %(max)s."),
    "Date must be between %(min)s and %(max)s.": _l("Ngày phải từ %(min)s đến %(max)s."),
}
_SINGULAR = {
    "Field must be at least %(min)d character long.": "Field must be at least %(min)d characters long.",
    "Field cannot be longer than %(max)d character.": "Field cannot be longer than %(max)d characters.",
    "Field must be exactly %(max)d character long.": "Field must be exactly %(max)d characters long.",
    "'%(value)s' is not a valid choice for this field.": "'%(value)s' are not valid choices for this field.",
}


class _Translations:
    def gettext(self, string: str) -> str:
        message = MESSAGES.get(string)
        return str(message) if message is not None else string

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        # Vietnamese has no plural forms: one message serves every count.
        return self.gettext(_SINGULAR.get(singular, plural))


TRANSLATIONS = _Translations()

# A letter only Vietnamese writes: a choice whose words have one was named by people (a subject, a
# lesson, a category) or is a person's name, never one of our English messages.
_VIETNAMESE_LETTER = re.compile(r"[ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]", re.I)


class _PeoplesChoices(Select):
    """A select whose choices people named are marked with their language on a page in another one
    (WCAG 3.1.2), as templates mark such text (lms.core.templating.user_text)."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        from lms.core.templating import CONTENT_LANGUAGE

        if _VIETNAMESE_LETTER.search(str(choice.label or "")):
            kwargs.setdefault("lang", CONTENT_LANGUAGE)
        return super().render_option(choice, **kwargs)


class Form(FlaskForm):
    # The title of the summary at the top of the page when the form is refused
    # (macros/ui.html error_summary): what did not happen, then how many things to correct. A form
    # that saves nothing says what it does instead (sign-in: "Chưa đăng nhập", not "Chưa lưu").
    refused_title = _l("Chưa lưu. Cần sửa (%(n)s):")

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return TRANSLATIONS

        def wrap_formdata(self, form, formdata):
            """A form posted as JSON: only an object of plain values is form data (Flask-WTF hands
            any JSON to a MultiDict, so a list or a number in the body was an HTTP 500)."""
            from flask_wtf.form import _Auto

            if formdata is _Auto and _json_posted():
                return _json_fields()
            return super().wrap_formdata(form, formdata)

        def render_field(self, field, render_kw):
            """Every input names its own error and hint for screen readers: aria-invalid when
            the field was refused, aria-describedby pointing at the message and the hint, whose
            ids the layout's form macros (templates/bootstrap5/form.html) give them — after the
            input's own id, which a template may give when two forms on a page share a field name."""
            from lms.core.templating import CONTENT_LANGUAGE, lang_attr

            render_kw = {**(field.render_kw or {}), **render_kw}
            if getattr(field.widget, "input_type", None) in ("hidden", "submit"):
                return field.widget(field, **render_kw)  # a button or a hidden value has no message beside it
            ident = render_kw.get("id") or field.id
            described = [render_kw.get("aria-describedby") or render_kw.get("aria_describedby")]
            if field.errors:
                render_kw["aria-invalid"] = "true"
                described.append(f"{ident}-error")
            if field.description:
                described.append(f"{ident}-hint")
            render_kw.pop("aria_describedby", None)
            if any(described):
                render_kw["aria-describedby"] = " ".join(d for d in described if d)
            if type(field.widget) is Select and lang_attr():
                return _PeoplesChoices(field.widget.multiple)(field, **render_kw)
            if isinstance(field.widget, TextArea) and lang_attr() and _VIETNAMESE_LETTER.search(field._value() or ""):
                render_kw.setdefault("lang", CONTENT_LANGUAGE)     # the text people wrote, as it is edited
            return field.widget(field, **render_kw)

    def validate(self, extra_validators=None) -> bool:
        """WTForms' checks, and no whole number beyond what an INTEGER column holds (it would reach
        the database as an error, not as a message on its field), nor a date outside 1900–2100;
        one message per field whatever is wrong with it."""
        from datetime import date

        from wtforms import IntegerField

        from lms.core.inputs import DATE_MAX, DATE_MIN, date_in_range, in_range

        ok = super().validate(extra_validators)
        for field in self:
            # A field left empty is not a reading error: an optional date left blank is no mistake,
            # and a required one says "required" through its own validator.
            if field.process_errors and any(str(v).strip() for v in (field.raw_data or [])):
                # What was typed could not be read ("abc"): that is the one thing to say, not also
                # "out of range" or "required" from the validators that ran on the missing value.
                field.errors = list(field.process_errors)
            elif field.errors:
                continue         # one message per field: a range's message already says "too large"
            elif isinstance(field, IntegerField) and isinstance(field.data, int) and not in_range(field.data):
                field.errors = list(field.errors) + [str(_l("Số quá lớn."))]
                ok = False
            elif isinstance(field.data, date) and not date_in_range(field.data):
                field.errors = list(field.errors) + [str(_l("Ngày phải trong khoảng năm %(a)s–%(b)s.",
                                                            a=DATE_MIN.year, b=DATE_MAX.year))]
                ok = False
        # A refused form's values may still be handed to a service, which checks them all at once:
        # a number no INTEGER column holds (an id of 20 digits) never goes with them.
        def too_big(value) -> bool:
            return isinstance(value, int) and not isinstance(value, bool) and not in_range(value)

        for field in self:
            if isinstance(field, MoneyField):
                continue     # BIGINT whole đồng, bounded by the field itself: a service names its own maximum
            if too_big(field.data):
                field.data = None
            elif isinstance(field.data, list):
                field.data = [v for v in field.data if not too_big(v)]
        return ok


def _json_posted() -> bool:
    from flask import has_request_context, request

    return has_request_context() and request.method in ("POST", "PUT", "PATCH", "DELETE") and request.is_json \
        and not request.form and not request.files


def _json_fields():
    """The JSON body's plain values as form data (lists of them as repeated fields); None when the
    body is not an object."""
    from flask import request
    from werkzeug.datastructures import ImmutableMultiDict

    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return None
    plain = (str, int, float, bool)
    items = []
    for key, value in body.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, plain) and not isinstance(item, bool):
                items.append((key, str(item).replace("\x00", "")))
            elif isinstance(item, bool):
                items.append((key, "y" if item else ""))
    return ImmutableMultiDict(items)


def show_error(form, exc) -> None:
    """Attach a service error to the field it names (or flash it) so the user sees where; each of
    several refusals found together (`lms.core.errors.Problems`) on its own field."""
    from flask import flash

    from lms.core.errors import problems_of

    for problem in problems_of(exc):
        field = getattr(form, problem.field, None) if getattr(problem, "field", None) else None
        if field is not None:
            field.errors = list(field.errors) + [str(problem.message)]
        else:
            flash(str(problem.message), "danger")


class DayField(DateField):
    """The one date field: a date as the browser sends it (2027-02-28) or as people type it
    (28/02/2027), refused in words that name the field and say what is wrong: "Ngày sinh
    31/02/2012 không có: tháng 2 năm 2012 có 29 ngày."."""

    def process_formdata(self, valuelist):
        import calendar
        import re
        from datetime import date

        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        raw = valuelist[0].strip()
        label = self.label.text
        m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", raw)
        d = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", raw)
        if m:
            year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
        elif d:
            day, month, year = int(d.group(1)), int(d.group(2)), int(d.group(3))
        else:
            raise ValueError(str(_l("%(f)s “%(v)s” không phải ngày: chọn trong lịch hoặc gõ dạng ngày/tháng/năm, ví "
                                    "dụ 05/09/2026.", f=label, v=raw[:20])))
        typed = f"{day:02d}/{month:02d}/{year}"
        from lms.core.inputs import DATE_MAX, DATE_MIN

        if not DATE_MIN.year <= year <= DATE_MAX.year:     # the one range every date field keeps
            raise ValueError(str(_l("%(f)s %(v)s không hợp lệ: năm phải từ %(a)s đến %(b)s.", f=label, v=typed,
                                    a=DATE_MIN.year, b=DATE_MAX.year)))
        if not 1 <= month <= 12:
            raise ValueError(str(_l("%(f)s %(v)s không có: tháng phải từ 1 đến 12.", f=label, v=typed)))
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            raise ValueError(str(ngettext("%(f)s %(v)s không có: tháng %(m)s năm %(y)s có %(n)s ngày.",
                                          "%(f)s %(v)s không có: tháng %(m)s năm %(y)s có %(n)s ngày.", last,
                                          f=label, v=typed, m=month, y=year, n=last)))
        self.data = date(year, month, day)


MONEY_MAX = 2 ** 63 - 1      # a money column (BIGINT) holds whole đồng up to this


class MoneyField(StringField):
    """An amount in whole đồng, typed as people type it: "1.250.000", "1250000", "1 250 000 đ".
    `data` is an int (None when left empty); the field shows it back as "1.250.000" ("1,250,000" in English)."""

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {"inputmode": "numeric", "autocomplete": "off", **(kwargs.pop("render_kw", None) or {})}
        kwargs.setdefault("description", _l("Ví dụ 1.250.000"))
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and str(valuelist[0]).strip():
            try:
                self.data = parse_amount(valuelist[0], field=self.name)
            except ValidationError as exc:
                raise ValueError(str(exc.message)) from None
            if self.data > MONEY_MAX:   # it would reach the database as an error, not as a message here
                self.data = None
                raise ValueError(str(_l("Số tiền quá lớn.")))

    def pre_validate(self, form):
        if self.process_errors:     # what was typed could not be read: say that, not also "above 0"
            raise StopValidation()

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if isinstance(self.data, int):
            return money(self.data)
        return "" if self.data is None else str(self.data)


class MarkField(StringField):
    """A mark or other decimal, typed with a comma or a point: "6,5", "6.5", "10". `data` is a
    Decimal (None when left empty); the field shows it back as its reader writes it ("6,5" / "6.5")."""

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {"inputmode": "decimal", "autocomplete": "off", **(kwargs.pop("render_kw", None) or {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and str(valuelist[0]).strip():
            try:
                self.data = parse_decimal(valuelist[0], field=self.name)
            except ValidationError as exc:
                raise ValueError(str(exc.message)) from None

    def pre_validate(self, form):
        if self.process_errors:     # what was typed could not be read: say that, not also "above 0"
            raise StopValidation()

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if isinstance(self.data, (Decimal, int)):
            return local_decimal(self.data)
        return "" if self.data is None else str(self.data)
