"""Each carrier of a payment's description gets the invoice code whole, then the reason and the
pupil as far as its rules allow (lms.billing.describe)."""
import re
from types import SimpleNamespace as Invoice   # what describe reads of an invoice

import pytest

from lms.billing import describe, vietqr

LONG_NAME = "Tôn Nữ Hoàng Phương Thảo Nguyên Khánh Linh Đặng Thị Bảo Ngọc" * 4


@pytest.mark.parametrize("month", range(1, 13))
@pytest.mark.parametrize("name", ["Lê Văn Đức", LONG_NAME])
def test_every_description_keeps_the_code_and_fits_its_carrier(month, name):
    invoice = Invoice(code="HP0012000345K", period_key=f"2026-{month:02d}", student_name=name)
    purpose = describe.qr_purpose(invoice)
    assert purpose.startswith("HP0012000345K ") and len(purpose) <= 25 and purpose.isascii()
    assert f"T{month}" in purpose
    # The bank copies the purpose; the QR payload built with it parses back to the same text.
    payload = vietqr.build_payload("970436", "0071000123456", amount=700_000, bill_number=invoice.code,
                                   purpose=purpose)
    assert vietqr.parse_payload(payload)["purpose"] == purpose
    vnp = describe.order_info(invoice, ascii_only=True)
    assert vnp.startswith("HP0012000345K THU TIEN THANG") and len(vnp) <= 255
    assert re.fullmatch(r"[A-Za-z0-9 _.-]+", vnp) and " HS " in vnp
    momo = describe.order_info(invoice)
    assert momo.startswith(f"HP0012000345K Thu tiền tháng {month} HS ") and len(momo) <= 255
    if name != LONG_NAME:
        assert vnp.endswith("LE VAN DUC") and momo.endswith("Lê Văn Đức")


def test_an_invoice_without_a_month_says_only_the_reason():
    invoice = Invoice(code="HP0012000345K", period_key="2026-Y", student_name="Lê Văn Đức")
    assert describe.qr_purpose(invoice) == "HP0012000345K THU TIEN"
    assert describe.order_info(invoice) == "HP0012000345K Thu tiền HS Lê Văn Đức"
