"""Contact-book forms: the school's settings and provider accounts, a parent's choices."""
from __future__ import annotations

from wtforms import BooleanField, IntegerField, PasswordField, StringField, SubmitField, TimeField
from wtforms.validators import InputRequired, NumberRange, Optional

from lms.core.forms import Form, MoneyField
from lms.i18n import lazy_gettext as _l


class SettingsForm(Form):
    quiet_start = TimeField(_l("Giờ yên lặng từ"), validators=[InputRequired(_l("Nhập giờ."))])
    quiet_end = TimeField(_l("Giờ yên lặng đến"), validators=[InputRequired(_l("Nhập giờ."))])
    urgent_bypass = BooleanField(_l("Tin khẩn (vắng không phép trong ngày) vẫn gửi trong giờ yên lặng"))
    digest_time = TimeField(_l("Giờ gửi tin tóm tắt (khi phụ huynh chưa chọn)"), validators=[InputRequired(_l("Nhập giờ."))])
    monthly_cap = IntegerField(_l("Tối đa tin Zalo/SMS mỗi phụ huynh mỗi tháng"),
                               validators=[InputRequired(_l("Nhập số.")), NumberRange(0, 1000)],
                               description=_l("Tin vắng học trong ngày không bị chặn bởi giới hạn này."))
    zns_cost = MoneyField(_l("Đơn giá ước tính một tin ZNS (đồng)"), description=_l("Ví dụ 250"),
                          validators=[InputRequired(_l("Nhập số.")), NumberRange(0, 100000)])
    sms_cost = MoneyField(_l("Đơn giá ước tính một SMS 160 ký tự (đồng)"), description=_l("Ví dụ 800"),
                          validators=[InputRequired(_l("Nhập số.")), NumberRange(0, 100000)])
    hw_minutes_primary = IntegerField(_l("Tiểu học"), validators=[Optional(), NumberRange(0, 600)])
    hw_minutes_lower = IntegerField(_l("Trung học cơ sở"), validators=[Optional(), NumberRange(0, 600)])
    hw_minutes_upper = IntegerField(_l("Trung học phổ thông"), validators=[Optional(), NumberRange(0, 600)])
    hw_latest_due = TimeField(_l("Không để hạn nộp bài tập sau"), validators=[Optional()])
    saturday_classes = BooleanField(_l("Trường học cả thứ Bảy (điểm danh được ngày thứ Bảy)"))
    submit = SubmitField(_l("Lưu cài đặt"))


class AccountForm(Form):
    """The provider's fields are added per provider (lms.messaging.settings.FIELDS)."""
    enabled = BooleanField(_l("Bật kênh này"))
    sandbox = BooleanField(_l("Dùng môi trường thử (không gửi tin thật)"))


def account_form(fields, data=None):
    """An account form with a text box per field (secrets as password boxes, never filled in)."""
    attrs = {f.name: (PasswordField if f.secret else StringField)(f.label, validators=[Optional()])
             for f in fields}
    form_class = type("ProviderAccountForm", (AccountForm,), attrs)
    return form_class(data=data) if data is not None else form_class()


class PreferenceForm(Form):
    email = BooleanField(_l("E-mail"))
    zalo = BooleanField(_l("Zalo (tin ZNS từ Zalo OA của trường)"))
    sms = BooleanField(_l("SMS"))
    digest = BooleanField(_l("Gộp thành một tin tóm tắt mỗi tối (tin vắng học vẫn báo ngay)"))
    digest_time = TimeField(_l("Giờ nhận tin tóm tắt"), validators=[Optional()],
                            description=_l("Để trống: theo giờ của trường."))
    submit = SubmitField(_l("Lưu lựa chọn"))
