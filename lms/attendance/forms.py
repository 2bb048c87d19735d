"""Attendance forms. The register's marks are radio groups named by pupil (`s-<id>`), read by the
view; the form carries the CSRF token and the register's day and period."""
from __future__ import annotations

from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.core.forms import DayField, Form
from lms.i18n import lazy_gettext as _l


class RegisterForm(Form):
    day = DayField(_l("Ngày"), validators=[DataRequired(_l("Chọn ngày."))])
    period = IntegerField(_l("Tiết"), default=0, validators=[NumberRange(0, 10)])
    course_id = SelectField(_l("Môn"), coerce=int, choices=[], validators=[Optional()])
    submit = SubmitField(_l("Lưu điểm danh"))


class LeaveForm(Form):
    first_day = DayField(_l("Nghỉ từ ngày"), validators=[DataRequired(_l("Chọn ngày nghỉ."))])
    last_day = DayField(_l("Đến hết ngày"), validators=[Optional()],
                         description=_l("Để trống nếu chỉ nghỉ một ngày."))
    reason = TextAreaField(_l("Lý do"), render_kw={"rows": 3}, validators=[Length(max=500)])
    submit = SubmitField(_l("Gửi đơn xin nghỉ"))


class DecideForm(Form):
    decision = HiddenField()
    note = StringField(_l("Ghi chú cho phụ huynh"), validators=[Length(max=300)])


class DayOffForm(Form):
    first_day = DayField(_l("Nghỉ từ ngày"), validators=[DataRequired(_l("Chọn ngày nghỉ."))])
    last_day = DayField(_l("Đến hết ngày"), validators=[Optional()],
                         description=_l("Để trống nếu chỉ nghỉ một ngày."))
    reason = StringField(_l("Lý do"), validators=[Length(max=200)],
                         description=_l("Ví dụ: nghỉ bù ngày 30/4, hội khoẻ phù đổng, trường làm điểm thi."))
    confirmed = BooleanField(_l("Vẫn khai báo: các lượt vắng đã ghi trong những ngày này không còn tính vào tổng "
                                "buổi nghỉ"))
    submit = SubmitField(_l("Thêm ngày nghỉ"))
