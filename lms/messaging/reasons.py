"""Why a message did not go, or did not arrive, in the reader's language.

A message that failed or was not sent keeps what happened in `error_code` and `error_text`: the
provider's own code and words as it answered (Zalo ZNS: "-118", "Zalo account not existed";
eSMS: "104", "Brandname does not exist"), or our own code for what stopped it before any call
("consent", "cap", "phone"…). Those stay as they were, for the log and for the school to quote to
its provider; what the school and the parent read is the reason below, from the code, said in
their language — one table for every page that shows a failure.

The providers' codes are those they publish:
- Zalo ZNS: https://zalo.cloud/zns/guidelines/handle-error-code (codes -100 to -124);
- eSMS: https://developers.esms.vn/en/esms-api/table-of-error-codes (CodeResult).
A code not in the table shows the provider's own words (a new code is still shown, never hidden).
"""
from __future__ import annotations

from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext

ZNS: dict[str, object] = {
    "-100": _l("Lỗi không xác định phía Zalo (sẽ thử lại)"),
    "-101": _l("Ứng dụng Zalo của trường không hợp lệ (kiểm tra App ID)"),
    "-102": _l("Ứng dụng Zalo của trường không tồn tại (kiểm tra App ID)"),
    "-103": _l("Ứng dụng Zalo của trường chưa được kích hoạt"),
    "-104": _l("Khoá bí mật (secret key) của ứng dụng Zalo không đúng"),
    "-105": _l("Ứng dụng Zalo chưa liên kết với Zalo OA của trường"),
    "-106": _l("Zalo không hỗ trợ cách gửi này"),
    "-107": _l("Mã tin không hợp lệ"),
    "-108": _l("Số điện thoại không hợp lệ"),
    "-109": _l("Mã mẫu tin ZNS không hợp lệ (kiểm tra mã mẫu trong cài đặt)"),
    "-110": _l("Phiên bản Zalo của phụ huynh không nhận được tin ZNS"),
    "-111": _l("Dữ liệu mẫu tin để trống"),
    "-112": _l("Dữ liệu mẫu tin không hợp lệ (không khớp mẫu đã đăng ký)"),
    "-113": _l("Nút bấm trong mẫu tin không hợp lệ"),
    "-114": _l("Phụ huynh không nhận được tin Zalo (tài khoản không hoạt động, đã chặn tin, hoặc Zalo quá cũ)"),
    "-115": _l("Zalo OA của trường đã hết hạn mức gửi tin ZNS"),
    "-116": _l("Nội dung tin không hợp lệ"),
    "-117": _l("Ứng dụng hoặc Zalo OA không có quyền dùng mẫu tin này"),
    "-118": _l("Số điện thoại của phụ huynh chưa có tài khoản Zalo"),
    "-119": _l("Tài khoản Zalo của phụ huynh không nhận được tin ZNS"),
    "-124": _l("Access token của Zalo OA không còn hiệu lực (tự làm mới rồi gửi lại)"),
}
ESMS: dict[str, object] = {
    "99": _l("Số điện thoại bị chặn trên hệ thống eSMS"),
    "101": _l("Sai ApiKey hoặc SecretKey của eSMS"),
    "102": _l("Tài khoản eSMS chưa có bảng giá"),
    "103": _l("Tài khoản eSMS không đủ tiền để gửi"),
    "104": _l("Brand name chưa đăng ký với eSMS"),
    "108": _l("Số điện thoại không đúng định dạng"),
    "118": _l("eSMS không hỗ trợ loại tin này"),
    "124": _l("Tin này eSMS đã nhận từ lần gửi trước"),
    "140": _l("Địa chỉ IP của máy chủ chưa được eSMS cho phép gửi tin"),
    "146": _l("Nội dung không khớp mẫu tin chăm sóc khách hàng đã đăng ký"),
    "177": _l("Nhà mạng của số này chưa được đăng ký với eSMS"),
}
OURS: dict[str, object] = {
    "consent": _l("Chưa có sự đồng ý gửi tin ra ngoài: phụ huynh (hoặc học sinh từ 7 tuổi) chưa đồng ý xử lý "
                  "dữ liệu của học sinh, hoặc đã rút lại"),
    "withdrawn": _l("Phụ huynh đã bỏ chọn kênh này"),
    "cap": _l("Phụ huynh đã nhận đủ số tin Zalo/SMS tối đa của tháng (%(n)s)"),
    "newer": _l("Đã có tin mới hơn về điểm danh ngày này: chỉ gửi tin cuối"),
    "told": _l("Phụ huynh đã được báo đúng như vậy về ngày này"),
    "leave": _l("Đơn xin nghỉ đã được duyệt cho ngày này: tin vắng không phép không còn đúng"),
    "phone": _l("Phụ huynh chưa có số điện thoại"),
    "email": _l("Phụ huynh chưa có e-mail"),
    "setup": _l("Tài khoản nhà cung cấp của trường chưa sẵn sàng"),
    "token": _l("Không lấy được access token của Zalo OA (kiểm tra App ID, khoá bí mật, refresh token)"),
    "timeout": _l("Không nhận được trả lời của nhà cung cấp: không rõ tin đã gửi chưa"),
    "lease": _l("Không rõ đã gửi được chưa (bộ gửi dừng giữa chừng)"),
    "smtp": _l("Máy chủ thư không nhận"),
    "network": _l("Nhà mạng báo không gửi được"),
    "missing": _l("Zalo không có tin này"),
    "http": _l("Nhà cung cấp trả lời lỗi HTTP %(n)s"),
}


# The reasons that count something (the minutes or hours waited), in plural forms.
COUNTED = {
    "undelivered": lambda n: ngettext("Zalo chưa đưa tin tới điện thoại của phụ huynh sau %(n)s phút",
                                      "Zalo chưa đưa tin tới điện thoại của phụ huynh sau %(n)s phút", n, n=n),
    "unconfirmed": lambda n: ngettext("Nhà mạng chưa báo đã nhận tin sau %(n)s giờ",
                                      "Nhà mạng chưa báo đã nhận tin sau %(n)s giờ", n, n=n),
}


def reason(channel: str, code: str, text: str = "", values: dict | None = None) -> str:
    """What `code` on `channel` means, in the current language; the provider's own words for a
    code not in the tables."""
    code = (code or "").strip()
    values = values or {}
    if code.startswith("http "):
        return str(OURS["http"]) % {"n": code[5:]}
    if code == "undelivered" and values.get("missing"):
        code = "missing"
    if code in COUNTED and isinstance(values.get("n"), int):
        return COUNTED[code](values["n"])
    table = ZNS if channel == "zns" and code.lstrip("-").isdigit() else ESMS if code.isdigit() else OURS
    found = table.get(code)
    if found is None:
        return text or code
    try:
        return str(found) % values if "%(" in str(found) else str(found)
    except (KeyError, TypeError, ValueError):
        return text or code


def reason_of(message) -> str:
    """The reason a message failed or was not sent, as its reader reads it."""
    if not message.error_code and not message.error_text:
        return ""
    return reason(message.channel, message.error_code, message.error_text,
                  (message.payload or {}).get("reason"))


def provider_code(message) -> str:
    """The provider's own code of a failure, for the school to quote to Zalo or eSMS ("-118",
    "104"), or "" when the reason is ours (no consent, the cap…)."""
    code = (message.error_code or "").strip()
    return code if code.lstrip("-").isdigit() or code.startswith("http ") else ""
