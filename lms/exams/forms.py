import re

from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, DateTimeLocalField, HiddenField, IntegerField, SelectField, SelectMultipleField,
                     StringField, SubmitField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, StopValidation

from lms.core.forms import Form
from lms.i18n import lazy_gettext as _l


class WholeNumberField(IntegerField):
    """A whole number from `low` to `high`, with one message in the user's language whatever is
    wrong: "abc" is not a number (and is not also reported as out of range), "-1" is out of it."""

    def __init__(self, label=None, validators=None, *, low: int, high: int, **kwargs):
        self.low, self.high = low, high
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        self.raw = (valuelist or [""])[0].strip()
        if not self.raw:
            self.data = None
            return
        if not re.fullmatch(r"[+-]?\d+", self.raw):
            self.data = None
            raise ValueError(_l("“%(v)s” không phải là một số nguyên.", v=self.raw[:20]))
        # A whole number however long ("99999999999") is a number: out of range, said as such.
        self.data = int(self.raw) if len(self.raw) <= 12 else (self.high + 1 if self.raw[0] != "-" else self.low - 1)

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()   # the reading's own message is the only one
        if self.data is not None and not self.low <= self.data <= self.high:
            self.data = None         # never handed on: the range is what to say
            raise StopValidation(_l("Nhập số từ %(a)s đến %(b)s.", a=self.low, b=self.high))


class CategoryForm(Form):
    subject_id = SelectField(_l("Môn học"), coerce=int, choices=[])
    name = StringField(_l("Tên danh mục"), validators=[DataRequired(_l("Nhập tên danh mục.")), Length(max=200)],
                       description=_l("Ví dụ: Toán 6 — Chương I. Số tự nhiên"))
    parent_id = SelectField(_l("Nằm trong danh mục"), coerce=int, choices=[])
    submit = SubmitField(_l("Lưu danh mục"))


class QuestionForm(Form):
    """The fields every question has; each type's own fields are read by its entry in the registry."""
    category_id = SelectField(_l("Danh mục"), coerce=int, choices=[])
    name = StringField(_l("Tên ngắn (không bắt buộc)"), validators=[Optional(), Length(max=200)])
    text = TextAreaField(_l("Nội dung câu hỏi"), render_kw={"rows": 5},
                         description=_l("Markdown; công thức toán viết giữa hai dấu $, ví dụ $\\frac{1}{2} + x^2$."))
    topic = StringField(_l("Chủ đề / bài"), validators=[Optional(), Length(max=200)])
    level = SelectField(_l("Mức độ nhận thức"), coerce=int, choices=[])
    grade = SelectField(_l("Khối"), coerce=int, choices=[])
    tags = StringField(_l("Từ khóa"), validators=[Optional(), Length(max=300)])
    default_mark = StringField(_l("Điểm mặc định"), default="1", validators=[DataRequired(_l("Nhập điểm."))])
    status = SelectField(_l("Trạng thái"), choices=[("ready", _l("Sẵn sàng")), ("draft", _l("Nháp")),
                                                    ("retired", _l("Ngừng dùng"))], default="ready")
    general_feedback = TextAreaField(_l("Lời giải / nhận xét chung (học sinh xem khi được phép)"),
                                     render_kw={"rows": 3})
    submit = SubmitField(_l("Lưu câu hỏi"))


class ExamForm(Form):
    title = StringField(_l("Tên bài thi"), validators=[DataRequired(_l("Nhập tên bài thi.")), Length(max=200)])
    subject_id = SelectField(_l("Môn học"), coerce=int, choices=[])
    course_ids = SelectMultipleField(_l("Các lớp làm bài"), coerce=int, choices=[],
                                     description=_l("Giữ Ctrl (hoặc ⌘) để chọn nhiều lớp."))
    instructions = TextAreaField(_l("Hướng dẫn làm bài"), render_kw={"rows": 3})
    open_at = DateTimeLocalField(_l("Giờ mở"), format="%Y-%m-%dT%H:%M",
                                 validators=[InputRequired(_l("Chọn giờ mở."))])
    close_at = DateTimeLocalField(_l("Giờ đóng"), format="%Y-%m-%dT%H:%M",
                                  validators=[InputRequired(_l("Chọn giờ đóng."))])
    time_limit_min = WholeNumberField(_l("Thời gian làm bài (phút, 0 = đến giờ đóng)"), default=45, low=0, high=600,
                                     validators=[InputRequired(_l("Nhập một số."))])
    attempts_allowed = WholeNumberField(_l("Số lần làm (0 = không giới hạn)"), default=1, low=0, high=50,
                                     validators=[InputRequired(_l("Nhập một số."))])
    grading_method = SelectField(_l("Điểm khi làm nhiều lần"), choices=[])
    shuffle_questions = BooleanField(_l("Trộn thứ tự câu hỏi"), default=True)
    shuffle_options = BooleanField(_l("Trộn thứ tự phương án"), default=True)
    per_page = WholeNumberField(_l("Số câu mỗi trang (0 = tất cả một trang)"), default=5, low=0, high=100,
                                     validators=[InputRequired(_l("Nhập một số."))])
    navigation = SelectField(_l("Cách chuyển câu"), choices=[("free", _l("Tự do (quay lại được)")),
                                                            ("sequential", _l("Lần lượt (không quay lại)"))])
    overdue = SelectField(_l("Khi hết giờ"), choices=[("autosubmit", _l("Tự động nộp bài với các câu đã lưu")),
                                                     ("grace", _l("Cho thêm thời gian để bấm nộp"))])
    grace_minutes = WholeNumberField(_l("Thời gian gia hạn để nộp (phút)"), default=0, low=0, high=120,
                                     validators=[InputRequired(_l("Nhập một số."))])
    access_code = StringField(_l("Mã truy cập (để trống nếu không cần)"), validators=[Optional(), Length(max=40)])
    ip_ranges = TextAreaField(_l("Chỉ cho làm từ các địa chỉ IP"), render_kw={"rows": 2},
                              description=_l("Mỗi dòng một địa chỉ, tiền tố (192.168.), CIDR (10.1.0.0/20) hoặc dải "
                                             "(10.1.2.10-20). Để trống: mọi nơi."))
    after_submit_score = BooleanField(_l("Điểm"), default=True)
    after_submit_responses = BooleanField(_l("Bài làm của em"), default=True)
    after_submit_correct = BooleanField(_l("Đáp án đúng"))
    after_submit_feedback = BooleanField(_l("Lời giải, nhận xét"))
    after_release_score = BooleanField(_l("Điểm"), default=True)
    after_release_responses = BooleanField(_l("Bài làm của em"), default=True)
    after_release_correct = BooleanField(_l("Đáp án đúng"), default=True)
    after_release_feedback = BooleanField(_l("Lời giải, nhận xét"), default=True)
    release_at_close = BooleanField(_l("Tự công bố kết quả khi bài thi đóng"))
    gradebook = SelectField(_l("Ghi điểm vào sổ điểm"), choices=[])
    lesson_id = SelectField(_l("Kiểm tra chuẩn bị cho bài học"), coerce=int, choices=[],
                            description=_l("Chọn bài học nếu đây là bài kiểm tra ngắn làm trước giờ học; "
                                           "trang bài học sẽ cho biết ai đã sẵn sàng."))
    ready_percent = WholeNumberField(_l("Sẵn sàng khi đạt (phần trăm số điểm)"), default=70, low=1, high=100,
                                     validators=[InputRequired(_l("Nhập một số."))])
    submit = SubmitField(_l("Lưu bài thi"))


class OverrideForm(Form):
    student_id = SelectField(_l("Học sinh"), coerce=int, choices=[])
    open_at = DateTimeLocalField(_l("Giờ mở riêng"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    close_at = DateTimeLocalField(_l("Giờ đóng riêng"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    extra_minutes = WholeNumberField(_l("Thêm phút làm bài"), default=0, low=0, high=600,
                                     validators=[Optional()])
    past_close = BooleanField(_l("Thời gian thêm được làm quá giờ đóng của bài thi"), default=True)
    extra_attempts = WholeNumberField(_l("Thêm lần làm"), default=0, low=0, high=20,
                                     validators=[Optional()])
    reason = StringField(_l("Lý do"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Lưu"))


class StartForm(Form):
    refused_title = _l("Chưa bắt đầu làm bài. Cần sửa (%(n)s):")
    access_code = StringField(_l("Mã truy cập"), validators=[Optional(), Length(max=40)])
    submit = SubmitField(_l("Bắt đầu làm bài"))


class QuestionImportForm(Form):
    file = FileField(_l("Tệp câu hỏi (.docx, .txt, .gift)"), validators=[FileRequired(_l("Chọn tệp cần nhập."))])
    fmt = SelectField(_l("Định dạng"), choices=[])
    category_id = SelectField(_l("Nhập vào danh mục"), coerce=int, choices=[],
                              description=_l("Các phần (PHẦN I, II…) hoặc $CATEGORY: trong tệp thành danh mục con."))
    level = SelectField(_l("Mức độ nhận thức"), coerce=int, choices=[])
    topic = StringField(_l("Chủ đề / bài"), validators=[Optional(), Length(max=200)])
    mark = StringField(_l("Điểm mỗi câu"), default="1", validators=[DataRequired(_l("Nhập điểm."))])
    keyless_as_essay = BooleanField(_l("Giữ câu trả lời ngắn chưa có đáp án thành câu tự luận"),
                                    description=_l("Câu tự luận được chấm tay. Không đánh dấu: câu trả lời ngắn chưa có "
                                                   "đáp án là lỗi, cần ghi đáp án vào tệp."))
    submit = SubmitField(_l("Xem trước"))


class ConfirmQuestionImportForm(Form):
    token = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Lưu các câu hỏi vào ngân hàng"))
