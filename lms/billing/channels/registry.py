"""The payment channels a school can switch on, the legal method each counts as
(domain/payments.md §1, §4.4–4.5), and the settings each needs (secrets marked)."""
from __future__ import annotations

from dataclasses import dataclass

from lms.billing.models import Method
from lms.i18n import lazy_gettext as _l


@dataclass(frozen=True)
class Field:
    name: str
    label: object
    secret: bool = False
    pattern: str = r"^.{1,200}$"
    identifies: bool = False   # a merchant identifier: unique per channel across the deployment


@dataclass(frozen=True)
class ChannelInfo:
    code: str
    label: object
    method: str                # the legal method; mobile_money's is chosen per school
    fields: tuple[Field, ...]
    parent_pays: bool          # parents start a payment through it (else it confirms transfers)
    help: object = ""


CHANNELS: dict[str, ChannelInfo] = {c.code: c for c in (
    ChannelInfo("sepay", _l("SePay — xác nhận chuyển khoản VietQR tự động"), Method.QR,
                (Field("api_key", _l("API key của webhook"), secret=True),), False,
                _l("Khai báo webhook SePay trỏ tới địa chỉ bên dưới, xác thực “API Key”, mã thanh toán dạng HP + chữ số.")),
    ChannelInfo("casso", _l("Casso — xác nhận chuyển khoản VietQR tự động"), Method.QR,
                (Field("checksum_key", _l("Khoá checksum webhook v2"), secret=True),), False,
                _l("Khai báo webhook v2 của Casso trỏ tới địa chỉ bên dưới.")),
    ChannelInfo("payos", _l("payOS — liên kết thanh toán VietQR"), Method.QR,
                (Field("client_id", _l("Client ID"), identifies=True), Field("api_key", _l("API key"), secret=True),
                 Field("checksum_key", _l("Checksum key"), secret=True)), True),
    ChannelInfo("vnpay", _l("VNPay — cổng thanh toán (thẻ ATM, QR, thẻ quốc tế)"), Method.WEBSITE,
                (Field("tmn_code", _l("Mã website (vnp_TmnCode)"), pattern=r"^[A-Z0-9]{8}$", identifies=True),
                 Field("hash_secret", _l("Chuỗi bí mật (vnp_HashSecret)"), secret=True)), True),
    ChannelInfo("momo", _l("MoMo — ví điện tử (tính là thanh toán qua website)"), Method.WEBSITE,
                (Field("partner_code", _l("Partner code"), identifies=True), Field("access_key", _l("Access key"), secret=True),
                 Field("secret_key", _l("Secret key"), secret=True)), True),
    ChannelInfo("mobile_money", _l("Mobile Money — Viettel Money, VNPT Money qua đơn vị trung gian"), Method.MOBILE_MONEY,
                (Field("business_id", _l("Business ID"), identifies=True),
                 Field("channel_code", _l("Ví (VNPTWALLET hoặc VIETTELPAY)"), pattern=r"^(VNPTWALLET|VIETTELPAY)$"),
                 Field("api_key", _l("Secret API key"), secret=True),
                 Field("callback_token", _l("Callback token"), secret=True)), True,
                _l("Chỉ tính là Mobile Money khi đơn vị trung gian xác nhận bằng văn bản tiền được trừ từ tài khoản "
                   "Mobile Money; khi chưa có, tính là thanh toán qua website.")),
    ChannelInfo("pos", _l("Máy POS thanh toán thẻ tại trường"), Method.CARD_POS,
                (Field("terminal_ids", _l("Mã máy (TID), cách nhau bởi dấu phẩy"), pattern=r"^[A-Z0-9]{8}(,\s*[A-Z0-9]{8})*$",
                       identifies=True),),
                False),
)}
METHOD_LABELS = {Method.QR: _l("Mã QR (VietQR)"), Method.WEBSITE: _l("Website (cổng thanh toán)"),
                 Method.MOBILE_MONEY: _l("Mobile Money"), Method.CARD_POS: _l("Thẻ qua máy POS")}
CASHLESS = (Method.QR, Method.WEBSITE, Method.MOBILE_MONEY, Method.CARD_POS)
SHORT_NAMES = {"sepay": "SePay", "casso": "Casso", "payos": "payOS", "vnpay": "VNPay", "momo": "MoMo",
               "mobile_money": "Mobile Money", "pos": "POS"}
# Who can report a bank credit (lms.billing.matching): the webhooks, payOS, an imported statement.
SOURCE_LABELS = {"sepay": "SePay", "casso": "Casso", "payos": "payOS", "statement": _l("Sao kê")}
