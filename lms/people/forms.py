from lms.core.forms import DayField, Form
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (BooleanField, HiddenField, IntegerField, SelectField, SelectMultipleField,
                     StringField, SubmitField)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.core.tables import ACCEPT as TABLE_ACCEPT
from lms.i18n import lazy_gettext as _l
from lms.people.profile import PROFILE_LABELS


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LogoForm(Form):
    logo = FileField(_l("Logo của trường"), validators=[FileRequired(_l("Chọn một tệp ảnh."))],
                     description=_l("Ảnh PNG, JPG hoặc WebP, tối đa 2 MB; hiện bên tên trường ở đầu mỗi trang."))
    submit = SubmitField(_l("Tải logo lên"))


class SchoolForm(Form):
    name = StringField(_l("Tên trường"), validators=[DataRequired(_l("Nhập tên trường.")), Length(max=200)])
    levels = MultiCheckboxField(_l("Cấp học"), choices=[("TH", _l("Tiểu học")), ("THCS", _l("Trung học cơ sở")),
                                                        ("THPT", _l("Trung học phổ thông"))])
    tax_code = StringField(_l("Mã số thuế"), validators=[Optional(), Length(max=14)])
    address = StringField(_l("Địa chỉ"), validators=[Optional(), Length(max=300)])
    place_name = StringField(_l("Địa danh ghi trên văn bản"), validators=[Optional(), Length(max=60)],
                             description=_l("Dòng ngày tháng của báo cáo, học bạ: “Long Xuyên, ngày 06 tháng 12 năm "
                                            "2026”. Để trống: lấy thành phố, huyện (hoặc xã, phường) trong địa chỉ."))
    principal_name = StringField(_l("Họ tên hiệu trưởng"), validators=[Optional(), Length(max=120)],
                                 description=_l("In dưới chữ ký “HIỆU TRƯỞNG” của báo cáo, tổng hợp lớp, học bạ."))
    deputy_signer_name = StringField(_l("Phó hiệu trưởng ký thay"), validators=[Optional(), Length(max=120)],
                                     description=_l("Điền khi phó hiệu trưởng ký thay: văn bản ký “KT. HIỆU TRƯỞNG / "
                                                    "PHÓ HIỆU TRƯỞNG” với họ tên này. Để trống: hiệu trưởng ký."))
    phone = StringField(_l("Điện thoại"), validators=[Optional(), Length(max=20)])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    bank_bin = SelectField(_l("Ngân hàng nhận học phí"), choices=[])
    bank_account_number = StringField(_l("Số tài khoản"), validators=[Optional(), Length(max=19)])
    bank_account_name = StringField(_l("Tên chủ tài khoản"), validators=[Optional(), Length(max=100)],
                                    description=_l("Viết như ngân hàng hiển thị, không dấu, ví dụ TRUONG THCS NGUYEN DU."))
    payment_contact_name = StringField(_l("Người phụ trách thu phí"), validators=[Optional(), Length(max=120)])
    payment_contact_phone = StringField(_l("Điện thoại người phụ trách"), validators=[Optional(), Length(max=20)])
    payment_contact_email = StringField(_l("E-mail người phụ trách"), validators=[Optional(), Length(max=254)])
    require_staff_totp = BooleanField(_l("Bắt buộc quản trị và kế toán đăng nhập bằng xác thực hai lớp "
                                         "(mật khẩu và mã từ ứng dụng trên điện thoại)"))
    submit = SubmitField(_l("Lưu"))


class SchoolYearForm(Form):
    name = StringField(_l("Năm học"), validators=[DataRequired(_l("Nhập năm học, ví dụ 2025-2026.")), Length(max=20)])
    term1_start = DayField(_l("Học kỳ I bắt đầu"), validators=[InputRequired(_l("Chọn ngày."))])
    term1_end = DayField(_l("Học kỳ I kết thúc"), validators=[InputRequired(_l("Chọn ngày."))])
    term2_start = DayField(_l("Học kỳ II bắt đầu"), validators=[InputRequired(_l("Chọn ngày."))])
    term2_end = DayField(_l("Học kỳ II kết thúc"), validators=[InputRequired(_l("Chọn ngày."))])
    submit = SubmitField(_l("Tạo năm học"))


class SchoolYearDatesForm(Form):
    """A saved year's term dates, corrected (its name stays)."""
    term1_start = DayField(_l("Học kỳ I bắt đầu"), validators=[InputRequired(_l("Chọn ngày."))])
    term1_end = DayField(_l("Học kỳ I kết thúc"), validators=[InputRequired(_l("Chọn ngày."))])
    term2_start = DayField(_l("Học kỳ II bắt đầu"), validators=[InputRequired(_l("Chọn ngày."))])
    term2_end = DayField(_l("Học kỳ II kết thúc"), validators=[InputRequired(_l("Chọn ngày."))])
    submit = SubmitField(_l("Lưu ngày của năm học"))


class ClassForm(Form):
    grade = SelectField(_l("Khối"), coerce=int, choices=[])
    name = StringField(_l("Tên lớp"), validators=[DataRequired(_l("Nhập tên lớp, ví dụ 6A1.")), Length(max=30)])
    homeroom_teacher_id = SelectField(_l("Giáo viên chủ nhiệm"), coerce=int, choices=[])
    submit = SubmitField(_l("Lưu lớp"))


class SubjectForm(Form):
    name = StringField(_l("Tên môn"), validators=[DataRequired(_l("Nhập tên môn.")), Length(max=120)])
    assessment = SelectField(_l("Hình thức đánh giá"), choices=[("score", _l("Điểm số kết hợp nhận xét")),
                                                                 ("comment", _l("Nhận xét"))])
    submit = SubmitField(_l("Lưu môn học"))


class CourseForm(Form):
    class_id = SelectField(_l("Lớp"), coerce=int, choices=[])
    subject_id = SelectField(_l("Môn học"), coerce=int, choices=[])
    teacher_id = SelectField(_l("Giáo viên dạy"), coerce=int, choices=[])
    submit = SubmitField(_l("Lưu"))


class StaffForm(Form):
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(_l("Nhập họ và tên.")), Length(max=120)])
    email = StringField(_l("E-mail"), validators=[Optional(), Email(_l("E-mail không hợp lệ.")), Length(max=254)])
    phone = StringField(_l("Số điện thoại"), validators=[Optional(), Length(max=20)])
    roles = MultiCheckboxField(_l("Vai trò"), choices=[("teacher", _l("Giáo viên")), ("accountant", _l("Kế toán")),
                                                      ("admin", _l("Quản trị trường"))],
                               validators=[DataRequired(_l("Chọn ít nhất một vai trò."))])
    submit = SubmitField(_l("Thêm nhân sự"))


class GuardianForm(Form):
    full_name = StringField(_l("Họ và tên phụ huynh"), validators=[DataRequired(_l("Nhập họ và tên.")), Length(max=120)])
    relation = StringField(_l("Quan hệ với học sinh"), validators=[Optional(), Length(max=30)],
                           description=_l("Bố, Mẹ, Ông, Bà, Người giám hộ…"))
    phone = StringField(_l("Số điện thoại"), validators=[Optional(), Length(max=20)])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    submit = SubmitField(_l("Thêm phụ huynh"))


class ImportForm(Form):
    # What the one table reader takes (lms.core.tables.ACCEPT): the label, the chooser and the check say it alike.
    file = FileField(_l("Tệp bảng tính (%(kinds)s)", kinds=", ".join(TABLE_ACCEPT.split(","))),
                     validators=[FileRequired(_l("Chọn tệp cần nhập.")),
                                 FileAllowed([kind.lstrip(".") for kind in TABLE_ACCEPT.split(",")],
                                             _l("Chỉ nhận tệp %(kinds)s (.txt là Unicode Text của Excel).",
                                                kinds=", ".join(TABLE_ACCEPT.split(","))))],
                     render_kw={"accept": TABLE_ACCEPT})
    # A class list without a class column: every pupil joins the class chosen here.
    school_class = SelectField(_l("Lớp (khi tệp không có cột Lớp)"), choices=[], validate_choice=False, default="")
    submit = SubmitField(_l("Xem trước"))


class ConfirmImportForm(Form):
    token = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Xác nhận nhập"))


class ActionForm(Form):
    """A button that changes something: CSRF token only."""


def periods_field(label):
    return IntegerField(label, validators=[Optional(), NumberRange(1, 1000, _l("Từ 1 đến 1000 tiết."))])


class CourseTeacherForm(Form):
    teacher_id = SelectField(_l("Giáo viên dạy"), coerce=int, choices=[])
    submit = SubmitField(_l("Lưu"))


class StudentProfileForm(Form):
    """The pupil's profile as the report card and the sector database need it (lms.people.profile)."""

    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(_l("Nhập họ và tên.")), Length(max=120)])
    birth_date = DayField(_l("Ngày sinh"), validators=[Optional()])
    gender = SelectField(_l("Giới tính"), choices=[("", _l("— Chưa rõ —")), ("nam", _l("Nam")), ("nu", _l("Nữ"))])
    place_of_birth = StringField(PROFILE_LABELS["place_of_birth"], validators=[Optional(), Length(max=200)])
    hometown = StringField(PROFILE_LABELS["hometown"], validators=[Optional(), Length(max=200)])
    ethnicity = StringField(PROFILE_LABELS["ethnicity"], validators=[Optional(), Length(max=40)])
    nationality = StringField(PROFILE_LABELS["nationality"], validators=[Optional(), Length(max=40)])
    address = StringField(_l("Nơi ở hiện nay"), validators=[Optional(), Length(max=300)])
    moet_code = StringField(PROFILE_LABELS["moet_code"], validators=[Optional(), Length(max=20)])
    personal_id = StringField(PROFILE_LABELS["personal_id"], validators=[Optional(), Length(max=20)],
                              description=_l("12 chữ số, như trên thẻ căn cước hoặc giấy khai sinh."))
    student_email = StringField(PROFILE_LABELS["student_email"], validators=[Optional(), Length(max=254)])
    student_phone = StringField(PROFILE_LABELS["student_phone"], validators=[Optional(), Length(max=20)])
    policy_status = StringField(PROFILE_LABELS["policy_status"], validators=[Optional(), Length(max=100)],
                                description=_l("Như hồ sơ ghi, ví dụ: Con thương binh, Hộ nghèo. Để trống nếu không có."))
    registration_number = StringField(PROFILE_LABELS["registration_number"], validators=[Optional(), Length(max=20)],
                                      description=_l("Số thứ tự của học sinh trong sổ đăng bộ của trường."))
    submit = SubmitField(_l("Lưu hồ sơ"))


ERASE_REASONS = [("", _l("— chọn —")), ("left", _l("Học sinh đã chuyển trường hoặc ra trường")),
                 ("request", _l("Người được quyền yêu cầu xoá dữ liệu (Luật 91/2025/QH15)"))]


class ErasePupilForm(Form):
    """Erasing a pupil's personal data: the admin types the pupil's code to confirm."""
    reason = SelectField(_l("Lý do"), choices=ERASE_REASONS, validators=[DataRequired(_l("Hãy chọn lý do."))])
    confirm_code = StringField(_l("Nhập mã học sinh để xác nhận"),
                               validators=[DataRequired(_l("Nhập mã học sinh.")), Length(max=20)])
    submit = SubmitField(_l("Ẩn danh hoá dữ liệu của học sinh"))


class EraseParentForm(Form):
    reason = SelectField(_l("Lý do"), choices=ERASE_REASONS, validators=[DataRequired(_l("Hãy chọn lý do."))])
    confirm_name = StringField(_l("Nhập họ tên phụ huynh để xác nhận"),
                               validators=[DataRequired(_l("Nhập họ và tên.")), Length(max=120)])
    submit = SubmitField(_l("Ẩn danh hoá dữ liệu của phụ huynh"))
