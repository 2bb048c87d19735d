"""Refusals on the accountant's queue say what is wrong with what was typed (issue #27)."""
from __future__ import annotations

from sqlalchemy import select

from lms.billing.models import BankTransaction
from tests.billing_helpers import once_key
from tests.integration.test_channels import _sepay, _setup


def test_setting_aside_with_a_card_number_in_the_reason_is_refused_for_the_card_number(world, client, make_client, dbs):
    _setup(dbs, world, client)
    assert _sepay(make_client(), "ung ho quy lop 6A1", 300_000, 7201).status_code == 200
    with dbs() as s:
        row_id = s.scalars(select(BankTransaction.id).where(BankTransaction.provider_txn_id == "7201")).one()
    client.login("kt.a")
    for note in ("4111 1111 1111 1111", "tra lai the 4111.1111.1111.1111"):
        refused = client.post(f"/billing/transfers/{row_id}/ignore",
                              {"note": note, "key": once_key(client, "/billing/transfers", "ignore")})
        body = refused.get_data(as_text=True)
        assert refused.status_code == 422, note
        assert "số thẻ" in body and "Nhập lý do" not in body, note
        assert "4111 1111 1111 1111" not in body and "4111.1111.1111.1111" not in body
    with dbs() as s:
        assert s.get(BankTransaction, row_id).status == "unmatched"


def test_the_queue_reasons_and_an_invoice_history_read_in_english(world, client, make_client, dbs):
    """Why a credit waits is stored once, in Vietnamese, by a webhook outside any request — and
    shown in the reader's language, its codes and times put back (issue #27, finding 10)."""
    from datetime import timedelta

    from lms.billing import sandbox
    from lms.core.timeutil import utcnow

    invoices = _setup(dbs, world, client)
    inv_id, code, due = invoices["HSA001"]
    bank = make_client()
    assert _sepay(bank, f"{code} hoc phi", due, 7301).status_code == 200          # paid
    assert _sepay(bank, f"{code} hoc phi lan 2", 1000, 7302).status_code == 200   # already paid: queued
    assert _sepay(bank, "HP00010099990 hoc phi", 5000, 7303).status_code == 200   # no such invoice
    headers, body = sandbox.sepay_transfer("sepay-khoa-thu-nghiem-123", amount=7000, content="ung ho",
                                           account="0071000123456", when=utcnow() + timedelta(days=2), txn_id=7304)
    assert bank.http.post("/callbacks/sepay/A", data=body, headers=headers).status_code == 200   # in the future
    client.login("kt.a")
    client.get("/language/en")
    queue = client.get("/billing/transfers").get_data(as_text=True)
    assert f"Invoice {code} is already paid" in queue and "Invoice code HP00010099990 does not exist" in queue
    assert "đã nộp đủ" not in queue and "không tồn tại" not in queue and "là sau lúc này" not in queue
    history = client.get(f"/billing/invoices/{inv_id}").get_data(as_text=True)
    assert "QR code (VietQR)" in history and "Mã QR (VietQR)" not in history
    # The same rows read in Vietnamese by a Vietnamese reader.
    client.get("/language/vi")
    assert f"Hoá đơn {code} đã nộp đủ" in client.get("/billing/transfers").get_data(as_text=True)


def test_the_sandbox_transfer_names_the_channel_by_its_name(world, client, dbs):
    from lms.billing.models import ChannelSetting

    _setup(dbs, world, client)
    with dbs() as s:
        for row in s.scalars(select(ChannelSetting).where(ChannelSetting.channel == "casso")):
            s.delete(row)
        s.commit()
    client.login("kt.a")
    page = client.post("/billing/sandbox/transfer", {"content": "HP hoc phi", "amount": "10000", "via": "casso"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Hãy bật Casso ở chế độ thử" in page and "Hãy bật casso" not in page


def test_every_billing_text_field_refuses_a_card_number_with_the_card_message(app):
    """The class of finding 12: whatever else a text field requires (a reason, a length, a shape),
    a full card number in it — spaces, dots, dashes or non-breaking spaces between its digits — is
    refused with the one card-number message, on that field, never with another."""
    from wtforms import StringField, TextAreaField
    from werkzeug.datastructures import MultiDict

    from lms.billing import forms
    from lms.core.cards import CARD_MESSAGE

    written = ("4111 1111 1111 1111", "4111.1111.1111.1111", "4111-1111-1111-1111", "4111\u00a01111\u00a01111\u00a01111")
    classes = [c for c in vars(forms).values()
               if isinstance(c, type) and issubclass(c, forms.BillingForm) and c is not forms.BillingForm]
    checked = 0
    with app.test_request_context(method="POST"):
        for cls in classes:
            names = [f.name for f in cls(meta={"csrf": False})
                     if isinstance(f, (StringField, TextAreaField)) and not isinstance(f, forms.MoneyField)
                     and f.type != "HiddenField"]
            for name in names:
                for card in written:
                    form = cls(formdata=MultiDict({name: card}), meta={"csrf": False})
                    form.validate()
                    assert form.errors.get(name) == [str(CARD_MESSAGE)], (cls.__name__, name, card, form.errors.get(name))
                    checked += 1
    assert checked >= 4 * 10     # notes, reasons, references, payer names… of every billing form
