from lms.core.forms import Form
from wtforms import BooleanField, HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from lms.i18n import lazy_gettext as _l


class LoginForm(Form):
    refused_title = _l("Chưa đăng nhập. Cần sửa (%(n)s):")
    identifier = StringField(_l("Tên đăng nhập, e-mail hoặc số điện thoại"),
                             validators=[DataRequired(_l("Nhập tên đăng nhập, e-mail hoặc số điện thoại.")),
                                         Length(max=254)])
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(_l("Nhập mật khẩu.")), Length(max=1024)])
    remember = BooleanField(_l("Ghi nhớ đăng nhập trên máy này (30 ngày)"))
    next = HiddenField()
    submit = SubmitField(_l("Đăng nhập"))


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("Mật khẩu hiện tại"), validators=[DataRequired(_l("Nhập mật khẩu hiện tại."))])
    new_password = PasswordField(_l("Mật khẩu mới"), validators=[DataRequired(_l("Nhập mật khẩu mới."))])
    confirm = PasswordField(_l("Nhập lại mật khẩu mới"),
                            validators=[EqualTo("new_password", _l("Hai lần nhập mật khẩu mới không khớp."))])
    sign_out_others = BooleanField(_l("Đăng xuất khỏi các thiết bị khác"), default=True)
    submit = SubmitField(_l("Đổi mật khẩu"))


class ResetPasswordForm(Form):
    new_password = PasswordField(_l("Mật khẩu mới"), validators=[DataRequired(_l("Nhập mật khẩu mới."))])
    confirm = PasswordField(_l("Nhập lại mật khẩu mới"),
                            validators=[EqualTo("new_password", _l("Hai lần nhập mật khẩu mới không khớp."))])
    submit = SubmitField(_l("Đặt mật khẩu"))


class ForgotPasswordForm(Form):
    refused_title = _l("Chưa gửi. Cần sửa (%(n)s):")
    identifier = StringField(_l("Tên đăng nhập, e-mail hoặc số điện thoại"),
                             validators=[DataRequired(_l("Nhập tên đăng nhập, e-mail hoặc số điện thoại.")),
                                         Length(max=254)])
    submit = SubmitField(_l("Gửi liên kết đặt lại mật khẩu"))


class ContextForm(Form):
    key = HiddenField(validators=[DataRequired()])


class CodeForm(Form):
    refused_title = _l("Chưa đăng nhập. Cần sửa (%(n)s):")
    code = StringField(_l("Mã xác thực"), validators=[DataRequired(_l("Nhập mã.")), Length(max=40)],
                       description=_l("6 chữ số trên ứng dụng xác thực, hoặc một mã khôi phục."))
    submit = SubmitField(_l("Xác nhận"))


class EnableSecondFactorForm(Form):
    code = StringField(_l("Mã 6 chữ số trên ứng dụng"), validators=[DataRequired(_l("Nhập mã.")), Length(max=12)])
    submit = SubmitField(_l("Bật xác thực hai lớp"))


class DisableSecondFactorForm(Form):
    password = PasswordField(_l("Mật khẩu hiện tại"), validators=[DataRequired(_l("Nhập mật khẩu hiện tại."))])
    submit = SubmitField(_l("Tắt xác thực hai lớp"))
