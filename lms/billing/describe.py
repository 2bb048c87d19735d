"""What a payment says about itself, wherever it goes: the invoice code always (it is how the
money finds its invoice), then the reason and the pupil as far as each carrier's rules allow.
Công văn 2741 asks for four fields on every payment — payer, beneficiary, reason, invoice code;
the invoice, the receipt and the Excel carry all four, the VietQR purpose (tag 62/08) and each
gateway's order description carry what their length and characters allow, built here once:

- VietQR purpose and payOS description: at most 25 characters (payOS answers code 20 above),
  ASCII — the code and a short reason ("HP0001000123K THU TIEN T9");
- VNPay `vnp_OrderInfo`: no diacritics, only [A-Za-z0-9 _.-], at most 255;
- MoMo `orderInfo` and the Mobile Money aggregator's description: Unicode, at most 255."""
from __future__ import annotations

import re

from lms.billing.models import Invoice
from lms.billing.rules import month_of_key
from lms.core.text import fold

QR_LIMIT = 25
VNPAY_CHARS = re.compile(r"[^A-Za-z0-9 _.-]")


def _month(invoice: Invoice) -> int | None:
    try:
        return month_of_key(invoice.period_key)[1]
    except (ValueError, TypeError, IndexError):
        return None


def qr_purpose(invoice: Invoice, limit: int = QR_LIMIT) -> str:
    """The code and the shortest reason that fits `limit` (ASCII upper case, as banks copy it)."""
    month = _month(invoice)
    tail = [f"THU TIEN T{month}", f"TIEN T{month}", f"T{month}"] if month else ["THU TIEN", "THU"]
    for reason in tail:
        text = f"{invoice.code} {reason}"
        if len(text) <= limit:
            return text
    return invoice.code[:limit]


def order_info(invoice: Invoice, *, limit: int = 255, ascii_only: bool = False) -> str:
    """"<code> <reason> <pupil>" for a gateway's order description: the code first and whole,
    the pupil's name shortened last."""
    month = _month(invoice)
    reason = f"Thu tiền tháng {month}" if month else "Thu tiền"
    text = f"{invoice.code} {reason} HS {invoice.student_name}"
    if ascii_only:
        text = VNPAY_CHARS.sub("", fold(text).upper()).strip()
    return text[:limit].rstrip()
