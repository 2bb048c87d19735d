"""Billing services on both databases: issuing, exemptions, payments, credit, refunds, the ledger."""
from __future__ import annotations

from sqlalchemy import select

from lms.billing import ledger, payments, receipts
from lms.billing.models import Account, Invoice, InvoiceStatus, Method, Payment
from lms.core.signing import signer_from_config
from lms.core.timeutil import utcnow
from lms.people.models import School, Student
from tests.billing_helpers import exempt, issue, set_up_fees


def _pay(session, app, school, invoice, amount, method=Method.CASH, **extra):
    s = session.get(School, school.school.id)
    student = session.get(Student, invoice.student_id)
    data = payments.PaymentInput(method=method, amount=amount, payer_name="Nguyễn Thị Lan", received_at=utcnow(),
                                 **extra)
    return payments.record_payment(session, school.accountant, s, student, invoice, data,
                                   signer=signer_from_config(app.config), now=utcnow())


def test_issue_exempt_pay_partially_overpay_credit_note_and_refund(app, world, dbs):
    with dbs() as s:
        set_up_fees(s, world.a)
        exempt(s, world.a, "HSA002", 50)
        run = issue(s, world.a)
        s.commit()
        assert len(run.drafts) == 3
        again = issue(s, world.a)
        assert again.drafts == [] and again.already == 9
        invoices = {i.student.student_code: i for i in s.scalars(select(Invoice).where(Invoice.school_id == world.a.school.id))}
        an, binh = invoices["HSA001"], invoices["HSA002"]
        assert an.total == 700_000 + 631_800 + 200_000
        assert binh.total == 350_000 + 631_800 + 200_000  # 50 % on meals only (BHYT and the fund take none)
        assert an.code.startswith("HP") and an.beneficiary_name == "TRUONG THCS THU A" and an.payer_name == "Nguyễn Thị Lan"
        # Partial, then the rest and 100,000 over: the excess is the family's credit.
        _pay(s, app, world.a, an, 1_000_000)
        s.commit()
        s.refresh(an)
        assert (an.status, an.paid) == (InvoiceStatus.PARTIAL, 1_000_000)
        p2 = _pay(s, app, world.a, an, 631_800, Method.CARD_POS, terminal_id="12345678", approval_code="A1B2C3",
                  rrn="123456789012", card_last4="4242")
        s.commit()
        s.refresh(an)
        assert an.status == InvoiceStatus.PAID and payments.credit_of(s, an.student_id) == 100_000
        assert p2.receipt is not None and "4242" in p2.receipt.snapshot
        # A credit note of 200,000 on the paid invoice moves paid money to credit, and that can be refunded.
        payments.add_credit_note(s, world.a.accountant, an, 200_000, "Không tham gia quỹ", now=utcnow())
        s.commit()
        assert payments.credit_of(s, an.student_id) == 300_000
        refund = payments.request_refund(s, world.a.accountant, p2, 300_000, "cash", "Trả lại tiền thừa", now=utcnow())
        payments.pay_refund(s, world.a.accountant, refund, "", now=utcnow())
        s.commit()
        assert payments.credit_of(s, an.student_id) == 0
        school_id = world.a.school.id
        balances = ledger.trial_balance(s, school_id)
        assert sum(balances.values()) == 0 and ledger.unbalanced(s) == []
        assert balances.get(Account.UNAPPLIED, 0) == 0 and balances.get(Account.REFUNDS, 0) == 0
        for inv in s.scalars(select(Invoice).where(Invoice.school_id == world.a.school.id)):
            assert ledger.balance(s, school_id, Account.RECEIVABLE, invoice_id=inv.id) == inv.due
        v = receipts.verify_receipt(s, p2.receipt.token, signer_from_config(app.config))
        assert v.authentic and v.data["amount_words"] == "Sáu trăm ba mươi mốt nghìn tám trăm đồng"


def test_void_lets_the_fees_be_billed_again_and_a_paid_invoice_cannot_be_voided(app, world, dbs):
    with dbs() as s:
        set_up_fees(s, world.a)
        issue(s, world.a)
        s.commit()
        first, second = s.scalars(select(Invoice).where(Invoice.school_id == world.a.school.id).order_by(Invoice.id).limit(2)).all()
        _pay(s, app, world.a, second, 10_000)
        payments.void_invoice(s, world.a.accountant, first, "Sai danh sách", now=utcnow())
        s.commit()
        import pytest

        from lms.core.errors import ValidationError
        with pytest.raises(ValidationError):
            payments.void_invoice(s, world.a.accountant, s.get(Invoice, second.id), "x", now=utcnow())
        rerun = issue(s, world.a)
        s.commit()
        assert len(rerun.drafts) == 1 and rerun.drafts[0].student.id == first.student_id
        assert ledger.unbalanced(s) == [] and sum(ledger.trial_balance(s, world.a.school.id).values()) == 0


def test_payment_without_invoice_goes_mandatory_first_and_card_numbers_are_refused(app, world, dbs):
    import pytest

    from lms.core.errors import ValidationError

    with dbs() as s:
        set_up_fees(s, world.a, meals=700_000, insurance=631_800, fund=200_000)
        issue(s, world.a)
        s.commit()
        student = s.scalars(select(Student).where(Student.student_code == "HSA003")).one()
        school = s.get(School, world.a.school.id)
        data = payments.PaymentInput(Method.CASH, 1_331_800, "Trần Văn Dũng", utcnow())
        payments.record_payment(s, world.a.accountant, school, student, None, data,
                                signer=signer_from_config(app.config), now=utcnow())
        s.commit()
        inv = s.scalars(select(Invoice).where(Invoice.student_id == student.id)).one()
        assert inv.paid == 1_331_800 and inv.due == 200_000  # the voluntary fund is left for last
        for field, value in (("note", "thẻ 4111 1111 1111 1111"), ("card_last4", "4111111111111111")):
            bad = payments.PaymentInput(Method.CARD_POS, 1000, "Trần Văn Dũng", utcnow(), terminal_id="12345678",
                                        approval_code="123456", rrn="123456789012",
                                        **{"card_last4": "1111", field: value})
            with pytest.raises(ValidationError) as err:
                payments.record_payment(s, world.a.accountant, school, student, inv, bad,
                                        signer=signer_from_config(app.config), now=utcnow())
            assert err.value.field == field
        assert s.scalar(select(Payment.id).where(Payment.amount == 1000)) is None


def test_a_partial_payment_is_split_over_the_lines_mandatory_first(app, world, dbs):
    """tuition.md §7's example: BHYT 631,800 (due 5/9) + meals 700,000 (due 10/9) + fund 200,000
    (voluntary), 1,000,000 paid → BHYT settled, meals get 368,200, the fund nothing."""
    from lms.billing.models import Allocation, InvoiceLine

    with dbs() as s:
        plans = set_up_fees(s, world.a)
        plans["bhyt"].due_day = 5
        issue(s, world.a)
        s.commit()
        inv = s.scalars(select(Invoice).where(Invoice.school_id == world.a.school.id)).first()
        payment = _pay(s, app, world.a, inv, 1_000_000)
        s.commit()
        split = {line.description.split(" — ")[0]: amount for line, amount in s.execute(
            select(InvoiceLine, Allocation.amount).join(Allocation, Allocation.line_id == InvoiceLine.id)
            .where(Allocation.payment_id == payment.id))}
        assert split == {"BHYT 12 tháng": 631_800, "Tiền ăn bán trú": 368_200}
        items = receipts.data_of(payment.receipt)["items"][0]["lines"]
        assert sum(i["amount"] for i in items) == 1_000_000 and len(items) == 2
