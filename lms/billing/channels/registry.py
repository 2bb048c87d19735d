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

# Where each gateway is reached, per mode (domain/payments.md §3–5). "sandbox" is the local
# imitation (LMS_PAYMENT_SANDBOX, never in production), a path under the sandbox's address;
# "test" the provider's own test environment; "production" its live one. VNPay's production
# address is given in the merchant contract; the default is the one VNPay publishes for it.
# Xendit and payOS have one address (Xendit's test mode is the key's; payOS has no test host).
SANDBOX, TEST, PRODUCTION = "sandbox", "test", "production"
MODES = (SANDBOX, TEST, PRODUCTION)
MODE_LABELS = {SANDBOX: _l("Sandbox cục bộ (không có tiền thật)"), TEST: _l("Môi trường thử của nhà cung cấp"),
               PRODUCTION: _l("Thật (production)")}
ENDPOINTS: dict[str, dict[str, dict[str, str]]] = {
    "vnpay": {SANDBOX: {"pay": "/sandbox/vnpay/vpcpay.html", "api": "/sandbox/vnpay/merchant_webapi/api/transaction"},
              TEST: {"pay": "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html",
                     "api": "https://sandbox.vnpayment.vn/merchant_webapi/api/transaction"},
              PRODUCTION: {"pay": "https://pay.vnpay.vn/vpcpay.html",
                           "api": "https://merchant.vnpay.vn/merchant_webapi/api/transaction"}},
    "momo": {SANDBOX: {"api": "/sandbox/momo"}, TEST: {"api": "https://test-payment.momo.vn"},
             PRODUCTION: {"api": "https://payment.momo.vn"}},
    "mobile_money": {SANDBOX: {"api": "/sandbox/xendit"}, TEST: {"api": "https://api.xendit.co"},
                     PRODUCTION: {"api": "https://api.xendit.co"}},
    "payos": {SANDBOX: {"api": "/sandbox/payos"}, TEST: {"api": "https://api-merchant.payos.vn"},
              PRODUCTION: {"api": "https://api-merchant.payos.vn"}},
}
# Channels that confirm transfers (SePay, Casso) are fed by the provider; their mode says whether
# the feed is the local sandbox's simulated transfer, a test account, or the school's real account.
MODED = ("sepay", "casso", "payos", "vnpay", "momo", "mobile_money")
