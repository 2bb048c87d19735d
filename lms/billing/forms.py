"""Forms of the billing pages."""
from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (BooleanField, DateTimeLocalField, HiddenField, IntegerField, SelectField, SelectMultipleField,
                     StringField, SubmitField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.billing.channels.registry import METHOD_LABELS, MOBILE_MONEY_COUNTS_AS, MODE_LABELS, MODES
from lms.billing.fees import CATEGORY_LABELS, PERIOD_LABELS, SCOPE_LABELS
from lms.billing.payments import FEED_MAX, REFUND_METHODS, SCHEMES
from lms.core.cards import CARD_MESSAGE, has_card_number
from lms.core.forms import DayField, Form, MoneyField
from lms.core.numbers import money
from lms.core.tables import ACCEPT as TABLE_ACCEPT
from lms.i18n import lazy_gettext as _l

MONEY_HELP = _l("Số tiền bằng đồng, ví dụ 700.000 hoặc 700000.")
MONTH_CHOICES = [(m, _l("Tháng %(m)s", m=m)) for m in (9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8)]


class BillingForm(Form):
    """The base of every billing form a person types text into: no text field keeps a full card
    number (PCI DSS 3.3.1) — the one check, on what was typed, before any service sees it."""

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for field in self:
            if isinstance(field, (StringField, TextAreaField)) and not isinstance(field, MoneyField) \
                    and any(has_card_number(raw) for raw in field.raw_data or () if isinstance(raw, str)):
                field.errors = [str(CARD_MESSAGE)]     # the one thing to say, even if also too long
                ok = False
        return ok


def _local_now():
    """Now on the school's wall clock, to the minute (what a datetime-local input shows)."""
    from lms.core.timeutil import school_tz, utc_to_local, utcnow

    return utc_to_local(utcnow(), school_tz()).replace(second=0, microsecond=0)


class ReceivedAtField(DateTimeLocalField):
    """A time the money was received: left blank it is now (None here; the view takes now)."""

    def process_formdata(self, valuelist):
        if not valuelist or not "".join(str(v) for v in valuelist).strip():
            self.data = None
            return
        super().process_formdata(valuelist)


def _money(label, required=True):
    validators = [InputRequired(_l("Nhập số tiền."))] if required else [Optional()]
    return MoneyField(label, validators=validators + [NumberRange(min=1, message=_l("Số tiền phải lớn hơn 0."))],
                      description=MONEY_HELP)


class FeeTypeForm(BillingForm):
    code = StringField(_l("Mã khoản thu"), validators=[DataRequired(_l("Nhập mã.")), Length(max=20)],
                       description=_l("Ví dụ BANTRU, BHYT, DONGPHUC."))
    name = StringField(_l("Tên khoản thu"), validators=[DataRequired(_l("Nhập tên.")), Length(max=120)])
    category = SelectField(_l("Nhóm"), choices=list(CATEGORY_LABELS.items()))
    mandatory = BooleanField(_l("Bắt buộc"), default=True,
                             description=_l("Khoản tự nguyện và dịch vụ tự chọn không bao giờ là bắt buộc."))
    exemptions_apply = BooleanField(_l("Áp dụng miễn giảm"))
    legal_basis = StringField(_l("Căn cứ (nghị quyết HĐND, quyết định…)"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Lưu khoản thu"))


class PlanForm(BillingForm):
    fee_type_id = SelectField(_l("Khoản thu"), coerce=int, choices=[])
    name = StringField(_l("Tên trên hoá đơn"), validators=[Optional(), Length(max=160)],
                       description=_l("Để trống thì dùng tên khoản thu."))
    amount = _money(_l("Số tiền mỗi kỳ (đồng)"))
    period = SelectField(_l("Kỳ thu"), choices=list(PERIOD_LABELS.items()))
    months = SelectMultipleField(_l("Tháng thu"), coerce=int, choices=MONTH_CHOICES,
                                 description=_l("Hằng tháng: các tháng thu (học phí tối đa 9). Học kỳ: tháng thu của "
                                                "mỗi học kỳ. Cả năm, một lần: một tháng."))
    due_day = IntegerField(_l("Hạn nộp (ngày trong tháng)"), default=15,
                           validators=[DataRequired(_l("Nhập ngày.")),
                                       NumberRange(min=1, max=28, message=_l("Từ ngày 1 đến 28."))])
    scope = SelectField(_l("Áp dụng cho"), choices=list(SCOPE_LABELS.items()))
    grades = SelectMultipleField(_l("Khối"), coerce=int, choices=[])
    class_ids = SelectMultipleField(_l("Lớp"), coerce=int, choices=[])
    student_codes = TextAreaField(_l("Mã học sinh (mỗi dòng hoặc cách nhau bởi dấu phẩy)"), render_kw={"rows": 3})
    active = BooleanField(_l("Đang áp dụng"), default=True)
    submit = SubmitField(_l("Lưu kế hoạch thu"))


class ExemptionForm(BillingForm):
    student_code = StringField(_l("Mã học sinh"), validators=[DataRequired(_l("Nhập mã học sinh.")), Length(max=20)])
    fee_type_id = SelectField(_l("Khoản được miễn giảm"), coerce=int, choices=[])
    percent = SelectField(_l("Mức miễn giảm"), coerce=int, choices=[(0, _l("Theo số tiền (nhập bên cạnh)")),
                                                                    (100, _l("Miễn 100 %")), (70, _l("Giảm 70 %")),
                                                                    (50, _l("Giảm 50 %"))], default=100)
    amount = _money(_l("Hoặc số tiền giảm mỗi khoản (đồng)"), required=False)
    valid_from = DayField(_l("Hiệu lực từ"), validators=[DataRequired(_l("Nhập ngày bắt đầu."))])
    valid_to = DayField(_l("Đến ngày"), validators=[DataRequired(_l("Nhập ngày kết thúc."))])
    reason = StringField(_l("Đối tượng, căn cứ"), validators=[DataRequired(_l("Nhập căn cứ.")), Length(max=300)])
    evidence = FileField(_l("Minh chứng (PDF hoặc ảnh)"))
    submit = SubmitField(_l("Lưu miễn giảm"))


class IssueForm(BillingForm):
    month = SelectField(_l("Tháng thu"), coerce=int, choices=MONTH_CHOICES)
    class_id = SelectField(_l("Phạm vi"), coerce=int, choices=[])
    preview = SubmitField(_l("Xem trước"))
    confirm = SubmitField(_l("Phát hành hoá đơn"))


class PaymentForm(BillingForm):
    method = SelectField(_l("Hình thức"), choices=[("cash", _l("Tiền mặt")), ("card_pos", _l("Thẻ tại máy POS"))])
    amount = _money(_l("Số tiền nhận (đồng)"))
    payer_name = StringField(_l("Người nộp"), validators=[DataRequired(_l("Nhập họ tên người nộp.")), Length(max=120)])
    received_at = ReceivedAtField(_l("Thời điểm nhận"), format="%Y-%m-%dT%H:%M", default=_local_now,
                                  validators=[Optional()],
                                  description=_l("Để trống là lúc này; không được sau lúc này hay trước ngày phát hành "
                                                 "hoá đơn."))
    terminal_id = StringField(_l("Mã máy POS (TID)"), validators=[Optional(), Length(max=8)])
    approval_code = StringField(_l("Mã chuẩn chi"), validators=[Optional(), Length(max=6)])
    rrn = StringField(_l("Số tham chiếu (RRN)"), validators=[Optional(), Length(max=12)])
    card_last4 = StringField(_l("4 số cuối của thẻ"), validators=[Optional(), Length(max=4)],
                             render_kw={"inputmode": "numeric", "autocomplete": "off"})
    card_scheme = SelectField(_l("Loại thẻ"), choices=[("", "—")] + [(s, s) for s in SCHEMES], default="",
                              validate_choice=False)  # the service checks it
    note = StringField(_l("Ghi chú"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Ghi nhận tiền"))


class CreditUseForm(BillingForm):
    amount = _money(_l("Số tiền dùng (đồng)"), required=False)
    submit = SubmitField(_l("Dùng tiền thừa cho hoá đơn này"))


class CreditNoteForm(BillingForm):
    amount = _money(_l("Số tiền ghi giảm (đồng)"))
    reason = StringField(_l("Lý do"), validators=[DataRequired(_l("Nhập lý do.")), Length(max=300)])
    submit = SubmitField(_l("Ghi giảm"))


class VoidForm(BillingForm):
    reason = StringField(_l("Lý do huỷ"), validators=[DataRequired(_l("Nhập lý do.")), Length(max=300)])
    submit = SubmitField(_l("Huỷ hoá đơn"))


class RefundForm(BillingForm):
    amount = _money(_l("Số tiền hoàn (đồng)"))
    method = SelectField(_l("Cách hoàn"), choices=list(REFUND_METHODS.items()))
    reason = StringField(_l("Lý do"), validators=[DataRequired(_l("Nhập lý do.")), Length(max=300)])
    submit = SubmitField(_l("Duyệt hoàn tiền"))


class RefundPaidForm(BillingForm):
    reference = StringField(_l("Mã giao dịch chuyển khoản / số phiếu chi"), validators=[Optional(), Length(max=60)])
    submit = SubmitField(_l("Đã chi"))


class RemindForm(BillingForm):
    class_id = SelectField(_l("Lớp"), coerce=int, choices=[])
    submit = SubmitField(_l("Nhắc phụ huynh các hoá đơn quá hạn"))


class ChannelForm(Form):
    """The fields are added per channel from its registry entry (lms.billing.channels.registry)."""
    enabled = BooleanField(_l("Bật kênh này"), default=True)
    counts_as = SelectField(_l("Tính là phương thức"), choices=[(m.value, METHOD_LABELS[m]) for m in MOBILE_MONEY_COUNTS_AS],
                            default="website", validate_choice=False)  # only mobile_money reads it
    mode = SelectField(_l("Môi trường"), choices=[(m, MODE_LABELS[m]) for m in MODES],
                       default="test", validate_choice=False)  # lms.billing.channel_settings checks it
    submit = SubmitField(_l("Lưu cài đặt"))


class AssignForm(BillingForm):
    invoice_code = StringField(_l("Mã hoá đơn"), validators=[DataRequired(_l("Nhập mã hoá đơn.")), Length(max=20)])
    submit = SubmitField(_l("Gán cho hoá đơn"))


class IgnoreForm(BillingForm):
    note = StringField(_l("Lý do"), validators=[DataRequired(_l("Nhập lý do.")), Length(max=300)])
    submit = SubmitField(_l("Không phải khoản thu"))


class ResolveItemForm(BillingForm):
    """The accountant's decision on a reconciliation difference: dismissed, or the transfer
    recorded (reconciliation.resolve_item) — always with the reason."""
    note = StringField(_l("Lý do"), validators=[DataRequired(_l("Nhập lý do.")), Length(max=300)])
    action = HiddenField()


class StatementForm(BillingForm):
    """The upload of a bank's or a provider's table (statements, card settlements, reconciliation):
    its chooser offers every format the one table reader takes (lms.core.tables.ACCEPT, a bank
    portal's .txt included), said in its label from the same list."""
    file = FileField(_l("Tệp (%(kinds)s) tải từ trang của ngân hàng hoặc nhà cung cấp",
                        kinds=", ".join(TABLE_ACCEPT.split(","))),
                     render_kw={"accept": TABLE_ACCEPT})
    submit = SubmitField(_l("Đọc sao kê"))


class SimulateTransferForm(Form):
    """What a bank would send (the sandbox): a memo is never refused, a card number in it is masked
    on arrival (lms.billing.matching), as for a real credit."""
    content = StringField(_l("Nội dung chuyển khoản"), validators=[DataRequired(_l("Nhập nội dung.")), Length(max=200)])
    # What a bank feed can report in one credit (checkouts.feed_amount): beyond it the webhook
    # itself would refuse the call, so the form says it on its field first.
    amount = MoneyField(_l("Số tiền (đồng)"), validators=[
        InputRequired(_l("Nhập số tiền.")),
        NumberRange(min=1, max=FEED_MAX, message=_l("Số tiền phải từ 1 đến %(m)s đồng (mức lớn nhất một ngân hàng "
                                                    "báo trong một giao dịch).", m=money(FEED_MAX)))],
        description=MONEY_HELP)
    payer = StringField(_l("Tên người chuyển"), validators=[Optional(), Length(max=120)])
    via = SelectField(_l("Báo qua"), choices=[("sepay", "SePay"), ("casso", "Casso")])
    submit = SubmitField(_l("Giả lập chuyển khoản đến"))


class PaidReportForm(BillingForm):
    """A parent's "I have paid" for an invoice (lms.billing.paid_reports)."""
    channel = SelectField(_l("Đã thanh toán qua"), choices=[], validate_choice=False)
    amount = _money(_l("Số tiền đã nộp (đồng)"))
    paid_on = DayField(_l("Ngày thanh toán"), validators=[DataRequired(_l("Nhập ngày thanh toán."))])
    bank_reference = StringField(_l("Mã giao dịch của ngân hàng (nếu có)"), validators=[Length(max=64)])
    screenshot = FileField(_l("Ảnh chụp màn hình giao dịch (nếu có)"))
    submit = SubmitField(_l("Gửi báo đã thanh toán"))


class ResolveReportForm(BillingForm):
    outcome = SelectField(_l("Kết quả"), choices=[("matched", _l("Khớp")), ("refunded", _l("Đã hoàn trả")),
                                                  ("rejected", _l("Không tìm thấy khoản tiền"))],
                          validate_choice=False)
    transfer_id = IntegerField(_l("Giao dịch khớp"), validators=[Optional()])
    payment_id = IntegerField(_l("Khoản tiền đã ghi khớp"), validators=[Optional()])
    note = StringField(_l("Lý do / ghi chú cho phụ huynh"), validators=[Length(max=300)])
    submit = SubmitField(_l("Lưu"))
