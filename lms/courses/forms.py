from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import (BooleanField, DateTimeLocalField, IntegerField, RadioField, SelectField,
                     SelectMultipleField, StringField, SubmitField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.core.forms import Form, MarkField
from lms.i18n import lazy_gettext as _l


class LessonForm(Form):
    title = StringField(_l("Tên bài học"), validators=[DataRequired(_l("Nhập tên bài học.")), Length(max=200)])
    period_ids = SelectMultipleField(_l("Gắn với các tiết trong kế hoạch"), coerce=int, choices=[],
                                     description=_l("Giữ Ctrl (hoặc ⌘) để chọn nhiều tiết."))
    body = TextAreaField(_l("Nội dung (Markdown)"), render_kw={"rows": 14},
                         description=_l("Dùng # cho tiêu đề, - cho danh sách, | cho bảng, ![mô tả](địa chỉ ảnh) "
                                        "cho ảnh trong thư viện."))
    video_links = TextAreaField(_l("Đường dẫn video (mỗi dòng một đường dẫn)"), render_kw={"rows": 3})
    files = MultipleFileField(_l("Tệp đính kèm (PDF, ảnh, Word, Excel, PowerPoint, âm thanh, video)"))
    resource_ids = SelectMultipleField(_l("Thêm tài liệu từ thư viện"), coerce=int, choices=[])
    prerequisite_id = SelectField(_l("Chỉ mở khi học sinh đã học xong bài"), coerce=int, choices=[])
    publish = RadioField(_l("Đăng bài"), choices=[("draft", _l("Lưu nháp (học sinh chưa thấy)")),
                                                  ("now", _l("Đăng ngay")),
                                                  ("at", _l("Hẹn giờ đăng"))], default="draft")
    publish_at = DateTimeLocalField(_l("Thời điểm đăng"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    submit = SubmitField(_l("Lưu bài học"))


class PlanImportForm(Form):
    file = FileField(_l("Tệp kế hoạch (.xlsx, .xls, .csv hoặc .txt Unicode Text)"), validators=[FileRequired(_l("Chọn tệp cần nhập."))])
    submit = SubmitField(_l("Nhập kế hoạch"))


class ResourceForm(Form):
    files = MultipleFileField(_l("Tệp"))
    title = StringField(_l("Tên tài liệu"), validators=[Optional(), Length(max=200)],
                        description=_l("Để trống thì lấy tên tệp."))
    subject_id = SelectField(_l("Môn học"), coerce=int, choices=[])
    grade = SelectField(_l("Khối"), coerce=int, choices=[])
    topic = StringField(_l("Chủ đề"), validators=[Optional(), Length(max=200)])
    tags = StringField(_l("Từ khóa"), validators=[Optional(), Length(max=300)],
                       description=_l("Cách nhau bằng dấu phẩy."))
    shared_with_department = BooleanField(_l("Chia sẻ với các trường cùng Phòng/Sở"))
    submit = SubmitField(_l("Lưu vào thư viện"))


class AnnouncementForm(Form):
    course_id = SelectField(_l("Gửi tới"), coerce=int, choices=[])
    title = StringField(_l("Tiêu đề"), validators=[DataRequired(_l("Nhập tiêu đề thông báo.")), Length(max=200)])
    body = TextAreaField(_l("Nội dung"), validators=[DataRequired(_l("Nhập nội dung thông báo.")), Length(max=5000)],
                         render_kw={"rows": 4})
    submit = SubmitField(_l("Gửi thông báo"))


class MessageForm(Form):
    body = TextAreaField(_l("Nội dung tin nhắn"), validators=[DataRequired(_l("Nhập nội dung tin nhắn.")), Length(max=5000)],
                         render_kw={"rows": 3})
    submit = SubmitField(_l("Gửi"))


class NewThreadForm(Form):
    other = SelectField(_l("Người nhận"), choices=[])
    body = TextAreaField(_l("Nội dung tin nhắn"), validators=[DataRequired(_l("Nhập nội dung tin nhắn.")), Length(max=5000)],
                         render_kw={"rows": 3})
    submit = SubmitField(_l("Gửi"))


class EventForm(Form):
    kind = SelectField(_l("Loại"), choices=[("exam", _l("Kiểm tra")), ("homework", _l("Hạn nộp bài")),
                                             ("other", _l("Sự kiện"))])
    title = StringField(_l("Nội dung"), validators=[DataRequired(_l("Nhập tên sự kiện.")), Length(max=200)])
    starts_at = DateTimeLocalField(_l("Bắt đầu"), format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired(_l("Chọn thời điểm."))])
    submit = SubmitField(_l("Thêm vào lịch"))


class TargetsForm(Form):
    target_TH = MarkField(_l("Tiểu học (%)"), validators=[NumberRange(0, 100)])
    target_THCS = MarkField(_l("Trung học cơ sở (%)"), validators=[NumberRange(0, 100)])
    target_THPT = MarkField(_l("Trung học phổ thông (%)"), validators=[NumberRange(0, 100)])
    target_OTHER = MarkField(_l("Khác (%)"), validators=[NumberRange(0, 100)])
    open_percent = IntegerField(_l("Tiết trực tuyến được tính là đã dạy khi ít nhất bao nhiêu % học sinh của lớp đã mở "
                                   "bài"), validators=[NumberRange(1, 100)])
    submit = SubmitField(_l("Lưu chỉ tiêu"))


class AssignmentForm(Form):
    title = StringField(_l("Tên bài tập"), validators=[DataRequired(_l("Nhập tên bài tập.")), Length(max=200)])
    course_ids = SelectMultipleField(_l("Giao cho các lớp"), coerce=int, choices=[],
                                     description=_l("Các lớp cùng một môn; giữ Ctrl (hoặc ⌘) để chọn nhiều lớp."))
    lesson_id = SelectField(_l("Gắn với bài học (không bắt buộc)"), coerce=int, choices=[])
    instructions = TextAreaField(_l("Hướng dẫn (Markdown)"), render_kw={"rows": 6},
                                 description=_l("Công thức toán viết giữa hai dấu $, ví dụ $x^2 + 1$."))
    files = MultipleFileField(_l("Tệp đính kèm (đề bài, phiếu học tập…)"))
    open_at = DateTimeLocalField(_l("Giờ mở"), format="%Y-%m-%dT%H:%M",
                                 validators=[DataRequired(_l("Chọn giờ mở."))])
    due_at = DateTimeLocalField(_l("Hạn nộp"), format="%Y-%m-%dT%H:%M",
                                validators=[DataRequired(_l("Chọn hạn nộp."))])
    late_policy = SelectField(_l("Khi nộp sau hạn"), choices=[("refuse", _l("Không nhận sau hạn nộp")),
                                                          ("penalty", _l("Nhận, trừ điểm theo ngày muộn"))])
    penalty_percent = IntegerField(_l("Trừ mỗi ngày muộn (phần trăm số điểm)"), default=10,
                                   validators=[Optional(), NumberRange(0, 100)])
    cutoff_at = DateTimeLocalField(_l("Hạn chót nhận bài muộn"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    max_score = StringField(_l("Điểm tối đa"), default="10", validators=[DataRequired(_l("Nhập điểm tối đa."))])
    resubmissions = IntegerField(_l("Số lần được nộp lại"), default=0, validators=[Optional(), NumberRange(0, 20)])
    rubric = TextAreaField(_l("Bảng tiêu chí chấm (không bắt buộc)"), render_kw={"rows": 4},
                           description=_l("Mỗi dòng một tiêu chí: Tên tiêu chí | tên mức = điểm | tên mức = điểm… "
                                          "Ví dụ: Nội dung | Đầy đủ, chính xác = 6 | Còn thiếu = 3 | Chưa làm = 0"))
    publish = BooleanField(_l("Giao cho học sinh (bỏ chọn để lưu nháp)"), default=True)
    minutes = IntegerField(_l("Thời gian làm ước tính (phút)"), default=30,
                           validators=[InputRequired(_l("Nhập số phút.")),   # 0 is typed, just out of range
                                       NumberRange(1, 600, _l("Thời gian làm bài ước tính từ 1 đến 600 phút."))])
    override_load = BooleanField(_l("Vẫn giao dù buổi tối của lớp đã quá giới hạn của nhà trường"), default=False)
    submit = SubmitField(_l("Lưu bài tập"))


class HandInForm(Form):
    text = TextAreaField(_l("Bài làm"), render_kw={"rows": 6})
    photos = MultipleFileField(_l("Chụp ảnh bài làm"))
    files = MultipleFileField(_l("Chọn tệp (ảnh, PDF, Word…)"))
    submit = SubmitField(_l("Nộp bài"))


class GradeForm(Form):
    score = StringField(_l("Điểm"))
    comment = TextAreaField(_l("Nhận xét"), render_kw={"rows": 3})
    revise_by = DateTimeLocalField(_l("Hạn nộp lại"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    save = SubmitField(_l("Lưu điểm"))
    give_back = SubmitField(_l("Trả bài để sửa"))


class PostScoresForm(Form):
    gradebook = SelectField(_l("Cột điểm"), choices=[])
    submit = SubmitField(_l("Ghi điểm vào sổ"))
