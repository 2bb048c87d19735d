"""A model-based test (Hypothesis stateful) of every path that sees a bank credit: SePay and Casso
webhooks, their redeliveries, statement imports (with and without the bank's reference), the
accountant's manual assignment and setting aside, refunds and voids — across two schools whose
families sometimes pay the other school's code — and the four gateways' notifications (VNPay's
IPN, MoMo's IPN, payOS's webhook, the Mobile Money aggregator's callback): checkouts started (some
left to expire, some replaced), notifications paid, failed, for another amount or forged, any of
them sent again later, out of order, after expiry or after the invoice was settled another way. A
payOS payment is a real transfer into the school's account, so SePay, Casso or a statement may
report it too, before or after payOS. After every step, on both databases:

- each real transfer is one credit, whoever reported it and however often, at the school whose
  account received it;
- each credit is recorded once: a matched or assigned credit's payments sum to its amount, a
  queued or set-aside one has none — so the credits seen add up to payments + queued + set aside;
- every payment, and each of its allocations, is of the school that received the money;
- the ledger is balanced and no payment is refunded beyond its amount;
- a checkout is paid at most once, by its own school; a VNPay, MoMo or Mobile Money checkout for
  what it asked (another amount is kept whole as credit; a payOS transfer is a bank credit, paid by
  whichever path saw it first); no gateway transaction is recorded twice, and none that the
  provider did not send genuinely (a forged or failed notification moves no money)."""
from __future__ import annotations

import itertools
import json
from urllib.parse import urlencode
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import func, or_, select, update

from lms.billing import channel_settings, ledger, matching, payments
from lms.billing.channels import mobile_money, momo, payos, vnpay
from lms.billing.models import (Allocation, BankSighting, BankTransaction, Checkout, CheckoutStatus, Invoice,
                                InvoiceStatus, Payment, Refund, TransferStatus)
from lms.billing.statements import distinct_ids
from lms.core.errors import DomainError
from lms.core.signing import signer_from_config
from lms.core.timeutil import local_to_utc, utc_to_local, utcnow
from lms.people.models import School
from tests.billing_helpers import issue, set_up_fees

ACCOUNTS = {"a": "0071000123456", "b": "1903555000999"}
TMN = {"a": "THCSAVNP", "b": "THPTBVNP"}
VNPAY_SECRET = {"a": "BIMATVNPAYTRUONGA0123456789", "b": "BIMATVNPAYTRUONGB9876543210"}
KEYS = {   # each school's settings of each gateway (merchant identifiers differ across schools)
    "vnpay": {k: {"tmn_code": TMN[k], "hash_secret": VNPAY_SECRET[k]} for k in "ab"},
    "momo": {k: {"partner_code": f"MOMOTRUONG{k.upper()}", "access_key": f"momo-access-{k}",
                 "secret_key": f"momo-secret-{k}"} for k in "ab"},
    "payos": {k: {"client_id": f"client-{k}", "api_key": f"api-{k}", "checksum_key": f"payos-checksum-{k}"}
              for k in "ab"},
    "mobile_money": {k: {"business_id": f"biz-{k}", "channel_code": "VIETTELPAY", "api_key": f"xnd-{k}",
                         "callback_token": f"token-{k}"} for k in "ab"},
}
GATEWAYS = tuple(KEYS)
PROVIDER = {"vnpay": "vnpay", "momo": "momo", "payos": "payos", "mobile_money": "xendit"}
_numbers = itertools.count(1)


@dataclass
class Transfer:
    """A real transfer into one school's account, as the bank knows it."""
    school: str                      # "a" or "b": whose account received it
    reference: str                   # the bank's own reference
    amount: int
    memo: str
    at: object
    ids: set[tuple[str, str]] = field(default_factory=set)   # (source, source's id) of each report made


def _machine(app, dbs, world):
    signer = signer_from_config(app.config)
    seen: list[Transfer] = []
    # every genuine success a provider sent, in every run (the database carries over): (provider, school, txn id)
    genuine: set[tuple[str, str, str]] = set()

    class Money(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.made: list[Transfer] = []
            self.checkouts: list[tuple[str, str, str, int]] = []   # (channel, school, txn_ref, amount)
            self.sent: list[tuple[str, str, object]] = []          # every notification sent, to send again

        # ---------------------------------------------------------------- the bank and its feeds

        @rule(school=st.sampled_from("ab"), which=st.integers(0, 50),
              kind=st.sampled_from(["due", "own_code_other_amount", "other_school_code", "no_code", "two_codes"]))
        def a_family_transfers(self, school, which, kind):
            with dbs() as s:
                own = s.scalars(select(Invoice).where(Invoice.school_id == getattr(world, school).school.id)
                                .order_by(Invoice.id)).all()
                other = s.scalars(select(Invoice).where(Invoice.school_id != getattr(world, school).school.id)
                                  .order_by(Invoice.id)).all()
            invoice = own[which % len(own)]
            amount, memo = invoice.total, f"PH CK {invoice.code} hoc phi"
            if kind == "own_code_other_amount":
                amount = invoice.total // 2 + 1000 * (which + 1)
            elif kind == "other_school_code":
                invoice = other[which % len(other)]
                memo = f"CK {invoice.code[:6].lower()} {invoice.code[6:]}"
            elif kind == "no_code":
                amount, memo = 150_000 + which, "UNG HO QUY KHUYEN HOC"
            elif kind == "two_codes":
                second = own[(which + 1) % len(own)]
                amount, memo = invoice.total + second.total, f"{invoice.code} {second.code}"
            n = next(_numbers)
            # Banks add their own trace number to the memo, so two families paying the same code and
            # amount the same day are told apart even by a statement without references (without it
            # nothing could tell them apart: the nearest in time is taken).
            self.made.append(Transfer(school, f"FT26{n:09d}", amount, f"{memo} MBVCB.{n:07d}",
                                      utcnow() - timedelta(hours=n % 30)))

        def _report(self, t: Transfer, source: str, txn_id: str, *, reference: str | None = None, many=False):
            with dbs() as s:
                school = s.get(School, getattr(world, t.school).school.id)
                incoming = matching.TransferIn(source, txn_id, t.amount, t.memo, t.at,
                                               bank_reference=t.reference if reference is None else reference,
                                               account_number=ACCOUNTS[t.school], counter_name="PHU HUYNH")
                if many:
                    matching.receive_many(s, school, distinct_ids([incoming]), now=utcnow())
                else:
                    matching.receive_transfer(s, school, incoming, signer=signer, now=utcnow())
                s.commit()
            t.ids.add((source, txn_id))
            if t not in seen:
                seen.append(t)

        @precondition(lambda self: self.made)
        @rule(which=st.integers(0, 50), source=st.sampled_from(["sepay", "casso"]))
        def a_webhook_reports_it(self, which, source):
            t = self.made[which % len(self.made)]
            self._report(t, source, f"{source}-{t.reference[-6:]}")

        @precondition(lambda self: any(t.ids for t in self.made))
        @rule(which=st.integers(0, 50))
        def the_provider_redelivers(self, which):
            sent = [t for t in self.made if any(src != "payos" for src, _ in t.ids)]
            if not sent:
                return      # payOS's notices are sent again by `a_gateway_notifies`
            t = sent[which % len(sent)]
            ids = sorted(i for i in t.ids if i[0] != "payos")
            source, txn_id = ids[which % len(ids)]
            self._report(t, source, txn_id, reference=t.reference if source != "statement" or txn_id == t.reference
                         else "", many=source == "statement")

        @precondition(lambda self: self.made)
        @rule(which=st.integers(0, 50), with_reference=st.booleans())
        def a_statement_lists_it(self, which, with_reference):
            import hashlib

            t = self.made[which % len(self.made)]
            txn_id = t.reference if with_reference else "h" + hashlib.sha256(
                f"{t.at.isoformat()}|{t.amount}|{t.memo}".encode()).hexdigest()[:40]
            self._report(t, "statement", txn_id, reference=t.reference if with_reference else "", many=True)

        # ---------------------------------------------------------------- the gateways and their notifications

        @rule(school=st.sampled_from("ab"), which=st.integers(0, 50), expired=st.booleans(),
              channel=st.sampled_from(GATEWAYS))
        def a_parent_starts_a_checkout(self, school, which, expired, channel):
            """A checkout for what an invoice owes (expired: the parent let its 15 minutes pass). The
            invoice may be settled meanwhile by a transfer, voided, or paid: the notification comes
            all the same."""
            with dbs() as s:
                invoices = s.scalars(select(Invoice).where(Invoice.school_id == getattr(world, school).school.id)
                                     .order_by(Invoice.id)).all()
                invoice = invoices[which % len(invoices)]
                n = next(_numbers)
                now = utcnow()
                # A new checkout replaces the invoice's pending one (one pending per invoice), as
                # `checkouts.start_checkout` does; a notification for the replaced one can still come.
                s.execute(update(Checkout).where(Checkout.invoice_id == invoice.id,
                                                 Checkout.status == CheckoutStatus.PENDING)
                          .values(status=CheckoutStatus.REPLACED))
                setting = channel_settings.setting_of(s, invoice.school_id, channel)
                checkout = Checkout(school_id=invoice.school_id, invoice_id=invoice.id, channel=channel,
                                    method=setting.counts_as, txn_ref=f"{invoice.code}-{n}",
                                    amount=invoice.due if invoice.due > 0 else invoice.total,
                                    payer_name="PHU HUYNH", created_at=now,
                                    expires_at=now + (timedelta(minutes=-1) if expired else timedelta(minutes=15)))
                s.add(checkout)
                s.flush()
                if channel == "payos":
                    checkout.order_code = payos.ORDER_CODE_BASE + checkout.id
                    checkout.provider_ref = f"pl{checkout.order_code:x}"
                s.commit()
                self.checkouts.append((channel, school, checkout.txn_ref, checkout.amount))

        def _notice(self, channel, school, txn_ref, amount, outcome):
            """What the provider sends about a checkout, signed with the school's keys (a forged one
            is changed after signing, or carries another token): (payload, genuine success id)."""
            keys, n = KEYS[channel][school], next(_numbers)
            paid_amount = amount + (1000 if outcome == "other_amount" else 0)
            success = outcome != "failed"
            if channel == "vnpay":
                params = {"vnp_Amount": str(paid_amount * 100), "vnp_BankCode": "NCB", "vnp_BankTranNo": f"VNP{n}",
                          "vnp_CardType": "ATM", "vnp_OrderInfo": f"{txn_ref.split('-')[0]} Thu tien hoc",
                          "vnp_PayDate": "20260905081500", "vnp_ResponseCode": "00" if success else "24",
                          "vnp_TmnCode": keys["tmn_code"], "vnp_TransactionNo": str(14_000_000 + n),
                          "vnp_TransactionStatus": "00" if success else "02", "vnp_TxnRef": txn_ref}
                params["vnp_SecureHash"] = vnpay.sign(params, keys["hash_secret"])
                if outcome == "forged":
                    params["vnp_Amount"] = str(int(params["vnp_Amount"]) // 2)
                return params, params["vnp_TransactionNo"]
            if channel == "momo":
                body = {"partnerCode": keys["partner_code"], "orderId": txn_ref, "requestId": f"{txn_ref}-r",
                        "amount": paid_amount, "orderInfo": "Thu tien hoc", "orderType": "momo_wallet",
                        "transId": 4_000_000_000 + n, "resultCode": 0 if success else 1006, "message": "",
                        "payType": "qr", "responseTime": 1_788_000_000_000 + n, "extraData": ""}
                body["signature"] = momo.sign_ipn(body, keys["access_key"], keys["secret_key"])
                if outcome == "forged":
                    body["amount"] = paid_amount // 2
                return body, str(body["transId"])
            if channel == "payos":
                # orderCode and paymentLinkId are the checkout's (set by the caller, then signed)
                data = {"orderCode": 0, "amount": paid_amount, "description": txn_ref.split("-")[0],
                        "accountNumber": ACCOUNTS[school], "reference": f"FT26P{n:09d}",
                        "transactionDateTime": f"{utc_to_local(utcnow(), 'Asia/Ho_Chi_Minh'):%Y-%m-%d %H:%M:%S}",
                        "currency": "VND", "paymentLinkId": "", "code": "00" if success else "01",
                        "desc": "success" if success else "fail", "counterAccountName": "PHU HUYNH",
                        "counterAccountNumber": None}
                return data, f"{data['paymentLinkId']}:{data['reference']}"
            data = {"payment_id": f"py-{n}", "payment_request_id": f"pr-{n}", "reference_id": txn_ref,
                    "status": "SUCCEEDED" if success else "FAILED", "request_amount": paid_amount, "currency": "VND",
                    "channel_code": keys["channel_code"],
                    "captures": [{"capture_id": f"cp-{n}", "capture_amount": paid_amount}] if success else [],
                    "failure_code": None if success else "USER_DECLINED_PAYMENT"}
            body = {"event": "payment.capture" if success else "payment.failure", "business_id": keys["business_id"],
                    "created": "2026-09-05T01:15:00+00:00", "data": data}
            return {"body": body, "token": keys["callback_token"] if outcome != "forged" else "token-guessed"}, \
                data["payment_id"]

        @precondition(lambda self: self.checkouts)
        @rule(which=st.integers(0, 50), outcome=st.sampled_from(["paid", "paid", "failed", "other_amount", "forged"]),
              redelivery=st.booleans())
        def a_gateway_notifies(self, which, outcome, redelivery):
            """A gateway's notification for a checkout: paid, failed, with another amount, or forged —
            or one it already sent again (duplicates and late or reordered deliveries: any may come
            again, after the checkout expired, after a later one)."""
            if redelivery and self.sent:
                channel, school, payload = self.sent[which % len(self.sent)]
            else:
                channel, school, txn_ref, amount = self.checkouts[which % len(self.checkouts)]
                payload, txn_id = self._notice(channel, school, txn_ref, amount, outcome)
                if channel == "payos":
                    with dbs() as s:
                        code = s.scalar(select(Checkout.order_code).where(Checkout.txn_ref == txn_ref))
                    link = f"pl{code:x}"
                    payload = dict(payload, orderCode=code, paymentLinkId=link)
                    txn_id = f"{link}:{payload['reference']}"
                    signed = payos.sign_data(payload, KEYS["payos"][school]["checksum_key"])
                    if outcome == "forged":
                        payload["amount"] //= 2
                    payload = {"code": "00", "desc": "success", "success": True, "data": payload, "signature": signed}
                    if outcome != "forged" and outcome != "failed":
                        # The money is in the school's account: the bank feeds and the statement see it too.
                        data = payload["data"]
                        at = local_to_utc(datetime.strptime(data["transactionDateTime"], "%Y-%m-%d %H:%M:%S"),
                                          "Asia/Ho_Chi_Minh")
                        t = Transfer(school, data["reference"], data["amount"], data["description"], at,
                                     {("payos", txn_id)})
                        self.made.append(t)
                        seen.append(t)
                if outcome in ("paid", "other_amount"):
                    genuine.add((PROVIDER[channel], school, txn_id))
                self.sent.append((channel, school, payload))
            box = app.extensions["lms_secrets"]
            code = getattr(world, school).school.code
            with dbs() as s:
                if channel == "vnpay":
                    answer = vnpay.notification(s, list(payload.items()), urlencode(payload).encode(), box=box,
                                                signer=signer, now=utcnow())
                    assert answer["RspCode"] in ("00", "01", "02", "04", "97"), answer
                elif channel == "momo":
                    assert momo.notification(s, json.dumps(payload).encode(), box=box, signer=signer,
                                             now=utcnow()) in (204, 401)
                elif channel == "payos":
                    assert payos.notification(s, code, json.dumps(payload).encode(), box=box, signer=signer,
                                              now=utcnow()) in (200, 401)
                else:
                    assert mobile_money.notification(s, code, payload["token"], json.dumps(payload["body"]).encode(),
                                                     box=box, signer=signer, now=utcnow()) in (200, 401)
                s.commit()

        # ---------------------------------------------------------------- the accountant

        def _queued(self, s):
            return s.scalars(select(BankTransaction).where(BankTransaction.status == TransferStatus.UNMATCHED)
                             .order_by(BankTransaction.id)).all()

        @rule(which=st.integers(0, 50), same_school=st.booleans())
        def the_accountant_assigns_a_queued_credit(self, which, same_school):
            with dbs() as s:
                queued = self._queued(s)
                if not queued:
                    return
                row = queued[which % len(queued)]
                invoices = s.scalars(select(Invoice).where(
                    (Invoice.school_id == row.school_id) if same_school else (Invoice.school_id != row.school_id))
                    .order_by(Invoice.id)).all()
                invoice = invoices[which % len(invoices)]
                actor = world.a.accountant if row.school_id == world.a.school.id else world.b.accountant
                try:
                    matching.assign_transfer(s, actor, row, invoice.code, signer=signer, now=utcnow())
                    s.commit()
                    assert same_school, "a credit was assigned to another school's invoice"
                except DomainError:
                    s.rollback()

        @rule(which=st.integers(0, 50))
        def the_accountant_sets_one_aside(self, which):
            with dbs() as s:
                queued = self._queued(s)
                if not queued:
                    return
                row = queued[which % len(queued)]
                actor = world.a.accountant if row.school_id == world.a.school.id else world.b.accountant
                matching.ignore_transfer(s, actor, row, "Tiền ủng hộ quỹ khuyến học", now=utcnow())
                s.commit()

        @rule(which=st.integers(0, 50), part=st.integers(1, 3))
        def the_accountant_refunds(self, which, part):
            with dbs() as s:
                paid = s.scalars(select(Payment).where(Payment.amount > Payment.refunded).order_by(Payment.id)).all()
                if not paid:
                    return
                payment = paid[which % len(paid)]
                actor = world.a.accountant if payment.school_id == world.a.school.id else world.b.accountant
                try:
                    payments.request_refund(s, actor, payment, max(1, (payment.amount - payment.refunded) // part),
                                            "transfer", "Phụ huynh nộp thừa", now=utcnow())
                    s.commit()
                except DomainError:
                    s.rollback()

        @rule(which=st.integers(0, 50))
        def the_accountant_voids(self, which):
            with dbs() as s:
                open_ = s.scalars(select(Invoice).where(Invoice.status == InvoiceStatus.ISSUED)
                                  .order_by(Invoice.id)).all()
                if not open_:
                    return
                invoice = open_[which % len(open_)]
                actor = world.a.accountant if invoice.school_id == world.a.school.id else world.b.accountant
                try:
                    payments.void_invoice(s, actor, invoice, "Học sinh chuyển trường", now=utcnow())
                    s.commit()
                except DomainError:
                    s.rollback()

        # ---------------------------------------------------------------- what must always hold

        @invariant()
        def each_real_transfer_is_one_credit_of_its_school(self):
            with dbs() as s:
                for t in seen:
                    rows = set(s.scalars(select(BankSighting.bank_transaction_id).where(
                        BankSighting.school_id == getattr(world, t.school).school.id,
                        or_(*[(BankSighting.source == src) & (BankSighting.provider_txn_id == tid)
                              for src, tid in t.ids]))))
                    assert len(rows) == 1, (t, rows)
                    row = s.get(BankTransaction, rows.pop())
                    assert row.school_id == getattr(world, t.school).school.id and row.amount == t.amount

        @invariant()
        def each_credit_is_recorded_once_and_money_balances(self):
            with dbs() as s:
                assert ledger.unbalanced(s) == []
                for school in (world.a, world.b):
                    credits = s.scalars(select(BankTransaction).where(
                        BankTransaction.school_id == school.school.id)).all()
                    totals = {"paid": 0, "queued": 0, "aside": 0}
                    for row in credits:
                        recorded = s.scalar(select(func.coalesce(func.sum(Payment.amount), 0)).where(
                            Payment.school_id == row.school_id,
                            or_((Payment.provider == row.source) & or_(
                                Payment.provider_txn_id == row.provider_txn_id,
                                Payment.provider_txn_id.like(f"{row.provider_txn_id}#%")),
                                Payment.id == row.payment_id)))   # a payOS notice settling a queued credit
                        if row.status in (TransferStatus.MATCHED, TransferStatus.ASSIGNED):
                            assert recorded == row.amount, row.id
                            totals["paid"] += recorded
                        else:
                            assert recorded == 0, row.id
                            totals["queued" if row.status == TransferStatus.UNMATCHED else "aside"] += row.amount
                    assert sum(r.amount for r in credits) == sum(totals.values())
                # A checkout is paid at most once, by the school that sold it, however many notifications
                # came, in whatever order, early or late; a forged or failed one moves no money; another
                # amount is kept whole as credit (applied to nothing) — except through payOS, whose
                # transfer is a bank credit that a feed may have matched by its memo first.
                for checkout in s.scalars(select(Checkout)):
                    for p in s.scalars(select(Payment).where(Payment.id == checkout.payment_id)):
                        assert p.school_id == checkout.school_id
                        assert checkout.channel == "payos" or p.amount == checkout.amount or p.applied == 0, \
                            (checkout.channel, p.amount, checkout.amount)
                    if checkout.status == CheckoutStatus.PAID:
                        assert checkout.payment_id is not None
                providers = tuple(PROVIDER.values())
                twice = s.execute(select(Payment.provider, Payment.provider_txn_id, func.count())
                                  .where(Payment.provider.in_(providers))
                                  .group_by(Payment.provider, Payment.provider_txn_id).having(func.count() > 1)).all()
                assert twice == [], twice
                claimed = s.execute(select(Payment.invoice_id, func.count()).join(
                    Checkout, Checkout.payment_id == Payment.id).where(Payment.provider.in_(providers),
                                                                      Payment.applied > 0)
                    .group_by(Checkout.id, Payment.invoice_id).having(func.count() > 1)).all()
                assert claimed == [], claimed
                for provider, txn_id, school_id in s.execute(select(Payment.provider, Payment.provider_txn_id,
                                                                    Payment.school_id)
                                                             .where(Payment.provider.in_(providers))):
                    key = "a" if school_id == world.a.school.id else "b"
                    assert (provider, key, txn_id) in genuine, (provider, txn_id)   # nothing the provider did not send
                strangers = s.scalar(select(func.count()).select_from(Allocation).join(
                    Payment, Payment.id == Allocation.payment_id).join(Invoice, Invoice.id == Allocation.invoice_id)
                    .where(Invoice.school_id != Payment.school_id))
                assert strangers == 0
                over = s.scalar(select(func.count()).select_from(Payment).where(Payment.refunded > Payment.amount))
                refunds = s.scalar(select(func.coalesce(func.sum(Refund.amount), 0)))
                assert over == 0 and refunds == s.scalar(select(func.coalesce(func.sum(Payment.refunded), 0)))

    return Money


def test_every_path_that_sees_a_credit_counts_each_transfer_once_and_never_for_another_school(app, world, dbs):
    with dbs() as s:
        for key in ("a", "b"):
            set_up_fees(s, getattr(world, key))
            issue(s, getattr(world, key))
            school = s.get(School, getattr(world, key).school.id)
            school.bank_account_number = ACCOUNTS[key]
            for channel in GATEWAYS:
                channel_settings.save_channel(s, getattr(world, key).admin, school, channel, KEYS[channel][key],
                                              enabled=True, counts_as=None, mode="sandbox",
                                              box=app.extensions["lms_secrets"])
        s.commit()
    machine = _machine(app, dbs, world)
    # The database carries over from one run to the next (a fresh one per run would take minutes), so
    # the invariants are checked over everything written so far, and a failing run is reported as
    # found, not shrunk (a shrunk replay would meet a different database).
    run_state_machine_as_test(machine, settings=settings(max_examples=12, stateful_step_count=25, deadline=None,
                                                         database=None, phases=[Phase.generate],
                                                         suppress_health_check=list(HealthCheck)))


def test_one_transfer_in_two_exports_of_a_statement_with_and_without_references_is_one_credit(app, world, dbs):
    """Found by the model above: the portal's Excel (with the reference column) and its CSV
    (without) listed the same transfer; the second was taken for another credit because the same
    source had already reported it. Two identical lines of one export without references stay two."""
    with dbs() as s:
        set_up_fees(s, world.a)
        issue(s, world.a)
        s.commit()
        school = s.get(School, world.a.school.id)
        code = s.scalars(select(Invoice).where(Invoice.school_id == school.id).order_by(Invoice.id)).first().code
        at = utcnow() - timedelta(hours=3)

        def line(reference: str, txn_id: str, amount: int = 123_000):
            return matching.TransferIn("statement", txn_id, amount, f"CK {code}", at, bank_reference=reference)

        # Two alike transfers in the Excel with references, then in the CSV without: still two.
        for lines in ([line("FT26000111", "FT26000111"), line("FT26000112", "FT26000112")],
                      [line("", "h-twin"), line("", "h-twin")],
                      [line("", "h-alone", 124_000), line("", "h-alone", 124_000)]):   # only without: two
            matching.receive_many(s, school, distinct_ids(lines), now=utcnow())
            s.commit()
        rows = s.scalars(select(BankTransaction).where(BankTransaction.school_id == school.id,
                                                       BankTransaction.amount.in_([123_000, 124_000]))).all()
        assert sorted(r.amount for r in rows) == [123_000, 123_000, 124_000, 124_000], [
            (r.source, r.provider_txn_id, r.bank_reference) for r in rows]
