"""Card terminal settlement reports, on both databases: matched on (TID, RRN) or (TID, approval
code, amount), money moved from in-transit to the bank less the fee, differences and unrecorded
lines listed, nothing twice, and never a card number kept."""
from __future__ import annotations

import io
import re

from sqlalchemy import select

from lms.billing import ledger, payments
from lms.billing.models import Account, BillingTask, CardSettlement, Invoice, Method
from lms.core.signing import signer_from_config
from lms.core.timeutil import utcnow
from lms.people.models import School
from tests.billing_helpers import issue, set_up_fees


def test_a_settlement_report_is_matched_posted_and_never_keeps_a_card_number(app, world, client, dbs):
    with dbs() as s:
        set_up_fees(s, world.a)
        issue(s, world.a)
        school = s.get(School, world.a.school.id)
        for code, rrn, approval in (("HSA001", "402611223344", "A1B2C3"), ("HSA002", "402611223355", "D4E5F6")):
            inv = s.scalars(select(Invoice).where(Invoice.student_id == world.a.students[code].id)).one()
            payments.record_payment(s, world.a.accountant, school, inv.student, inv, payments.PaymentInput(
                Method.CARD_POS, 1_000_000, inv.payer_name, utcnow(), terminal_id="ND000501", approval_code=approval,
                rrn=rrn, card_last4="1111"), signer=signer_from_config(app.config), now=utcnow())
        s.commit()
    csv = ("BÁO CÁO THANH TOÁN GIAO DỊCH THẺ,,,,,,\n"
           "TID,Số thẻ,Ngày giao dịch,Mã chuẩn chi,Số tham chiếu,Số tiền,Phí,Số tiền thanh toán\n"
           "ND000501,4111111111111111,05/09/2026 08:15,A1B2C3,402611223344,1.000.000,11.000,989.000\n"
           "ND000501,411111******2222,05/09/2026 09:00,D4E5F6,402611223355,900.000,9.900,890.100\n"
           "ND000501,411111******3333,06/09/2026 10:00,G7H8I9,402611229999,500.000,5.500,494.500\n").encode()
    client.login("kt.a")
    page = client.post("/billing/settlements", {"file": (io.BytesIO(csv), "settlement.csv")},
                       content_type="multipart/form-data")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "4111111111111111" not in body and "···1111" in body
    token = re.search(r'name="token" value="([0-9a-f]+)"', body).group(1)
    stored = (app.config["UPLOAD_DIR"] / "imports" / f"{token}.json").read_text()
    assert "4111111111111111" not in stored and "411111" not in stored
    assert client.post("/billing/settlements", {"token": token, "confirm": "1"}).status_code == 302
    with dbs() as s:
        rows = {r.rrn: r for r in s.scalars(select(CardSettlement).where(CardSettlement.school_id == world.a.school.id))}
        assert {r.status for r in rows.values()} == {"matched", "amount_differs", "not_recorded"}
        assert rows["402611223344"].card_last4 == "1111"
        school_id = world.a.school.id
        assert ledger.balance(s, school_id, Account.BANK) == 989_000
        assert ledger.balance(s, school_id, Account.FEES) == 11_000
        assert ledger.balance(s, school_id, Account.CLEARING) == 1_000_000   # the other slip still in transit
        assert len(s.scalars(select(BillingTask).where(BillingTask.kind == "card")).all()) == 2
    again = client.post("/billing/settlements", {"file": (io.BytesIO(csv), "settlement.csv")},
                        content_type="multipart/form-data")
    token = re.search(r'name="token" value="([0-9a-f]+)"', again.get_data(as_text=True)).group(1)
    client.post("/billing/settlements", {"token": token, "confirm": "1"})
    with dbs() as s:
        assert len(s.scalars(select(CardSettlement).where(CardSettlement.school_id == world.a.school.id)).all()) == 3
        assert ledger.unbalanced(s) == []
    bad = client.post("/billing/settlements", {"file": (io.BytesIO(csv.replace(b"ND000501,4111", b"ND01,4111")),
                                                        "settlement.csv")}, content_type="multipart/form-data")
    assert bad.status_code == 422 and '<tr class="import-error" data-line="3"><td>3</td><td>TID (A)</td>' in \
        bad.get_data(as_text=True)
