"""The payment channels a school can switch on, the legal method each counts as
(domain/payments.md §1, §4.4–4.5), and the settings each needs (secrets marked) — the one list of
channels, methods and their labels; pages, reports and forms read them from here.

Each bank feed (SePay, Casso: FEEDS) has one module, `channels/<code>.py`, with the same parts:
`refusal` (its key or signature), `transfer` (its payload read as a credit), `OK` and `MALFORMED`
(its answers), `CREDENTIAL` (the header carrying its key); the shared path is
lms.billing.callbacks.bank_feed. Each gateway a parent pays through has one module,
`channels/<code>.py` (GATEWAYS), with the same parts: `start` (begin a checkout), `notification` (verify and decide its server-to-server call),
`returned` (the return page's reading, display only), `ask` (its status API, or None), and
`REPORT_COLUMNS` (its transaction report's column names, for reconciliation); `PROVIDER` is the
name its payments are recorded under. The shared claim/record steps are lms.billing.checkouts."""
from __future__ import annotations

import importlib
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
    rule: object = _l("không để trống, tối đa 200 ký tự")   # what `pattern` asks, said in a refusal


@dataclass(frozen=True)
class ChannelInfo:
    code: str
    label: object
    method: str                # the legal method; mobile_money's is chosen per school
    fields: tuple[Field, ...]
    parent_pays: bool          # parents start a payment through it (else it confirms transfers)
    help: object = ""
    short: str = ""            # the provider's own name, as on its portal and in reports
    provider: str = ""         # what its payments and bank credits are recorded under (Payment.provider)


CHANNELS: dict[str, ChannelInfo] = {c.code: c for c in (
    ChannelInfo("sepay", _l("SePay — xác nhận chuyển khoản VietQR tự động"), Method.QR,
                (Field("api_key", _l("API key của webhook"), secret=True),), False,
                _l("Khai báo webhook SePay trỏ tới địa chỉ bên dưới, xác thực “API Key”, mã thanh toán dạng HP + chữ số."),
                "SePay", "sepay"),
    ChannelInfo("casso", _l("Casso — xác nhận chuyển khoản VietQR tự động"), Method.QR,
                (Field("checksum_key", _l("Khoá checksum webhook v2"), secret=True),), False,
                _l("Khai báo webhook v2 của Casso trỏ tới địa chỉ bên dưới."), "Casso", "casso"),
    ChannelInfo("payos", _l("payOS — liên kết thanh toán VietQR"), Method.QR,
                (Field("client_id", _l("Client ID"), identifies=True), Field("api_key", _l("API key"), secret=True),
                 Field("checksum_key", _l("Checksum key"), secret=True)), True, "", "payOS", "payos"),
    ChannelInfo("vnpay", _l("VNPay — cổng thanh toán (thẻ ATM, QR, thẻ quốc tế)"), Method.WEBSITE,
                (Field("tmn_code", _l("Mã website (vnp_TmnCode)"), pattern=r"^[A-Z0-9]{8}$", identifies=True,
                       rule=_l("đúng 8 chữ in hoa hoặc chữ số, như VNPay cấp (ví dụ NGUYENDU)")),
                 Field("hash_secret", _l("Chuỗi bí mật (vnp_HashSecret)"), secret=True)), True, "", "VNPay", "vnpay"),
    ChannelInfo("momo", _l("MoMo — ví điện tử (tính là thanh toán qua website)"), Method.WEBSITE,
                # MoMo matches its IPNs to the school by this code: as MoMo issues it (MOMOBKUN20180529).
                (Field("partner_code", _l("Partner code"), pattern=r"^[A-Z0-9]{4,50}$", identifies=True,
                       rule=_l("chữ in hoa và chữ số, 4 đến 50 ký tự, như MoMo cấp (ví dụ MOMOBKUN20180529)")),
                 Field("access_key", _l("Access key"), secret=True),
                 Field("secret_key", _l("Secret key"), secret=True)), True, "", "MoMo", "momo"),
    ChannelInfo("mobile_money", _l("Mobile Money — Viettel Money, VNPT Money qua đơn vị trung gian"), Method.MOBILE_MONEY,
                (Field("business_id", _l("Business ID"), identifies=True),
                 Field("channel_code", _l("Ví (VNPTWALLET hoặc VIETTELPAY)"), pattern=r"^(VNPTWALLET|VIETTELPAY)$",
                       rule=_l("VNPTWALLET hoặc VIETTELPAY")),
                 Field("api_key", _l("Secret API key"), secret=True),
                 Field("callback_token", _l("Callback token"), secret=True)), True,
                _l("Chỉ tính là Mobile Money khi đơn vị trung gian xác nhận bằng văn bản tiền được trừ từ tài khoản "
                   "Mobile Money; khi chưa có, tính là thanh toán qua website."), "Mobile Money", "xendit"),
    ChannelInfo("pos", _l("Máy POS thanh toán thẻ tại trường"), Method.CARD_POS,
                (Field("terminal_ids", _l("Mã máy (TID), cách nhau bởi dấu phẩy"), pattern=r"^[A-Z0-9]{8}(,\s*[A-Z0-9]{8})*$",
                       identifies=True, rule=_l("mỗi mã đúng 8 chữ in hoa hoặc chữ số, cách nhau bởi dấu phẩy")),),
                False, "", "POS", "pos"),
)}
# The legal methods (the 3-of-4 rule counts the cashless ones) and cash, as every page names them.
METHOD_LABELS = {Method.QR: _l("Mã QR (VietQR)"), Method.WEBSITE: _l("Website (cổng thanh toán)"),
                 Method.MOBILE_MONEY: _l("Mobile Money"), Method.CARD_POS: _l("Thẻ qua máy POS"),
                 Method.CASH: _l("Tiền mặt")}
CASHLESS = (Method.QR, Method.WEBSITE, Method.MOBILE_MONEY, Method.CARD_POS)
METHODS = (*CASHLESS, Method.CASH)
# A method mobile_money may count as (the aggregator's written confirmation decides; §4.5).
MOBILE_MONEY_COUNTS_AS = (Method.WEBSITE, Method.MOBILE_MONEY)
SHORT_NAMES = {c.code: c.short for c in CHANNELS.values()}
# The gateways a parent pays through, each with its module (channels/<code>.py).
GATEWAYS = tuple(c.code for c in CHANNELS.values() if c.parent_pays)
# Who can report a bank credit (lms.billing.matching): the webhooks, payOS, an imported statement.
SOURCE_LABELS = {**{c.provider: c.short for c in CHANNELS.values() if c.method == Method.QR}, "statement": _l("Sao kê")}
# Whose transaction report can be reconciled (lms.billing.reconciliation), by recorded provider.
REPORT_PROVIDERS = {c.provider: c.short for c in CHANNELS.values() if c.code != "pos"}
# The bank feeds: their reports list bank credits, not gateway payments.
BANK_FEEDS = tuple(c.provider for c in CHANNELS.values() if c.method == Method.QR and not c.parent_pays)


def gateway(code: str):
    """The module of a gateway (channels/<code>.py), loaded when first asked for: the modules use
    the billing services, which read this registry."""
    if code not in GATEWAYS:
        raise KeyError(code)
    return importlib.import_module(f"lms.billing.channels.{code}")


# The bank feeds that report credits by webhook, each with its module (channels/<code>.py: `CREDENTIAL`,
# `refusal`, `transfer`, `OK`, `MALFORMED`), called by lms.billing.callbacks.bank_feed.
FEEDS = tuple(c.code for c in CHANNELS.values() if c.method == Method.QR and not c.parent_pays)


def feed(code: str):
    """The module of a bank feed (channels/<code>.py), loaded when first asked for."""
    if code not in FEEDS:
        raise KeyError(code)
    return importlib.import_module(f"lms.billing.channels.{code}")


def by_provider(provider: str):
    """The gateway module whose payments are recorded under `provider`, or None."""
    code = next((c.code for c in CHANNELS.values() if c.provider == provider and c.parent_pays), None)
    return gateway(code) if code else None

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
