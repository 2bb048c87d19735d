"""The steps every gateway shares (each provider's own steps are in `channels/<provider>.py`):
starting a checkout, claiming it once, recording the money it brought, failing or expiring it.

A parent starts a checkout (at most one pending per invoice; a repeated click with the same key
returns the same one; a new one while another is pending — the parent may have paid it and come
back with the browser's back button — only once the parent confirms, `PaymentWaiting`); the gateway's server-to-server notification is the only thing that changes
money: the checkout is claimed with one guarded UPDATE, and the payment and its ledger posting
are written in the same transaction — so 50 identical notifications at once record one payment.
The receipt (number, snapshot, signature) is made by a job written in that transaction and run
after its commit (receipts.issue_later), so the copies of a notification wait on the claim's row
lock only for the payment. The return page only displays. Money a gateway reports as captured is never dropped: a
wrong amount becomes the family's credit with a task, a success after the checkout expired or the
invoice was settled or voided is recorded (applied if possible) with a task."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.billing import channel_settings, payments, receipts, states
from lms.billing.channels import registry
from lms.billing.matching import task
from lms.billing.models import CallbackLog, Checkout, CheckoutStatus, Invoice
from lms.core.text import stored_body
from lms.core import audit
from lms.core.errors import Conflict, NotFound, ValidationError
from lms.core.numbers import money
from lms.core.timeutil import school_tz, utc_to_local
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext
from lms.people.models import School, Student

CHECKOUT_MINUTES = 15
# The scheduler's recovery (`recovery.py`, which builds on this module) asks a gateway about a
# checkout ASK_AFTER its expiry (a late IPN gets two minutes first), and again every ASK_AGAIN
# while the gateway has not answered; the parent's waiting notice counts with the same times.
ASK_AFTER = timedelta(minutes=2)
ASK_AGAIN = timedelta(minutes=10)
# Why a success that claimed its checkout needs the accountant, by what the checkout was before:
# each says what happened — never "arrived late" for a payment the gateway had called failed.
LATE = {CheckoutStatus.EXPIRED: _l("Thanh toán đến sau khi yêu cầu đã hết hạn"),
        CheckoutStatus.REPLACED: _l("Thanh toán đến cho một yêu cầu đã được thay bằng yêu cầu mới: kiểm tra phụ huynh "
                                    "có thanh toán cả hai lần không"),
        CheckoutStatus.FAILED: _l("Cổng báo thanh toán thành công sau khi đã báo giao dịch không thành công: tiền đã "
                                  "vào; kiểm tra phụ huynh có thanh toán lại không (hoàn tiền nếu trả hai lần)")}
SECOND = _l("Lần thanh toán thứ hai cho cùng một yêu cầu: giữ làm tiền thừa")


@dataclass
class Started:
    checkout: Checkout
    redirect: str


@dataclass
class Begin:
    """What a provider's `start` needs besides the checkout: where the parent comes back, the
    app's public address (for notifications), the local sandbox's address, and how to call the
    provider's API: `post_json(url, body, headers) -> (status, dict)`."""
    base_url: str
    return_url: str
    client_ip: str
    locale: str
    now: datetime
    post_json: object = None
    sandbox_url: str = ""


@dataclass
class Status:
    """What a provider's status API said, in our terms (`channels/<provider>.ask`)."""
    state: str                       # captured | failed | pending | not_found | error
    captures: list[tuple[str, int, str]]   # (provider txn id, amount, note) for state "captured"
    raw: dict
    detail: str = ""
    extra: dict = field(default_factory=dict)
    paid_at: datetime | None = None        # when the provider says the payer paid (VNPay's vnp_PayDate)


@dataclass
class Waiting:
    """An online payment of an invoice started and not yet answered (confirmed, failed, expired):
    the gateway's name, when it began and within how many minutes its result is known at the
    latest — at once when the gateway notifies us, else when the scheduler asks the gateway,
    shortly after the checkout's time is up (ASK_AFTER, plus one scheduler pass)."""
    checkout: Checkout
    gateway: str
    minutes: int

    @property
    def started(self) -> str:
        return f"{utc_to_local(self.checkout.created_at, school_tz()):%H:%M}"

    @property
    def message(self):
        """What the parent is told, on the invoice and before paying again."""
        return ngettext("Đang chờ xác nhận từ cổng thanh toán %(g)s (bắt đầu lúc %(t)s). Nếu bạn đã trả, đừng trả "
                        "lại; kết quả sẽ được cập nhật trong %(m)s phút.",
                        "Đang chờ xác nhận từ cổng thanh toán %(g)s (bắt đầu lúc %(t)s). Nếu bạn đã trả, đừng trả "
                        "lại; kết quả sẽ được cập nhật trong %(m)s phút.", self.minutes, g=self.gateway,
                        t=self.started, m=self.minutes)


def waiting_payment(session: Session, invoice_id: int, now: datetime) -> Waiting | None:
    """The invoice's pending checkout, if any (at most one: uq_checkouts_one_pending)."""
    checkout = session.scalars(select(Checkout).where(Checkout.invoice_id == invoice_id,
                                                      Checkout.status == CheckoutStatus.PENDING)).first()
    if checkout is None:
        return None
    left = (checkout.expires_at + ASK_AFTER + timedelta(minutes=1) - now).total_seconds()
    # Past that moment the gateway has not answered the scheduler yet: it is asked again after ASK_AGAIN.
    minutes = math.ceil(left / 60) if left > 0 else int(ASK_AGAIN.total_seconds() // 60)
    return Waiting(checkout, registry.SHORT_NAMES.get(checkout.channel, checkout.channel), minutes)


class PaymentWaiting(Conflict):
    """A new online payment asked for while one is waiting for its gateway's answer: the parent
    is shown `waiting` and asked to confirm (they may have paid it already)."""

    def __init__(self, waiting: Waiting):
        super().__init__(waiting.message)
        self.waiting = waiting


def start_checkout(session: Session, parent: User, invoice: Invoice, channel: str, *, key: str | None, box,
                   base_url: str, return_url: str, client_ip: str, locale: str, now: datetime,
                   post_json=None, sandbox_url: str | None = None, confirm: bool = False,
                   voluntary: bool = True) -> Started:
    """Begin paying an open invoice through a gateway; returns where to send the parent. The
    provider's own part (`channels/<provider>.start`) fills in the gateway's address; its endpoints
    are those of the channel's mode (`channel_settings.endpoint`), the local sandbox under
    `sandbox_url` (default: `base_url`). While another checkout of the invoice waits for its
    gateway's answer, a new one is started (and the waiting one replaced, still asked about by the
    scheduler) only with `confirm` — the parent said they have not paid it — else `PaymentWaiting`.
    Without `voluntary` the checkout asks for the invoice less its voluntary items still owed
    (`payments.amount_to_pay`): they stay owed."""
    if invoice.status not in states.OPEN or invoice.due <= 0:
        raise ValidationError(_l("Hoá đơn này không còn khoản phải nộp."))
    amount = payments.amount_to_pay(session, invoice, voluntary=voluntary)
    if amount <= 0:
        raise ValidationError(_l("Hoá đơn chỉ còn các khoản tự nguyện; chọn nộp cả khoản tự nguyện nếu bạn muốn đóng góp."))
    setting = channel_settings.setting_of(session, invoice.school_id, channel)
    if not channel_settings.is_configured(setting) or channel not in registry.GATEWAYS:
        raise NotFound(_l("Kênh thanh toán này chưa được nhà trường bật."))
    if key:
        same = session.scalars(select(Checkout).where(Checkout.school_id == invoice.school_id,
                                                      Checkout.idempotency_key == key)).first()
        if same is not None:
            if same.invoice_id != invoice.id or same.channel != channel:
                raise Conflict(_l("Yêu cầu thanh toán này đã được gửi cho một hoá đơn khác."))
            return Started(same, same.pay_url or "")
    waiting = waiting_payment(session, invoice.id, now)
    if waiting is not None and not confirm:
        raise PaymentWaiting(waiting)
    session.execute(update(Checkout).where(Checkout.invoice_id == invoice.id, Checkout.status == CheckoutStatus.PENDING)
                    .values(status=CheckoutStatus.REPLACED, finished_at=now).execution_options(synchronize_session=False))
    attempt = (session.scalar(select(func.count()).select_from(Checkout).where(Checkout.invoice_id == invoice.id)) or 0) + 1
    checkout = Checkout(school_id=invoice.school_id, invoice_id=invoice.id, channel=channel,
                        method=setting.counts_as, txn_ref=f"{invoice.code}-{attempt}", amount=amount,
                        payer_name=parent.full_name, idempotency_key=key, created_by=parent.id, created_at=now,
                        expires_at=now + timedelta(minutes=CHECKOUT_MINUTES))
    try:
        with session.begin_nested():
            session.add(checkout)
    except IntegrityError as exc:
        raise Conflict(_l("Đang có một yêu cầu thanh toán khác cho hoá đơn này; hãy tải lại trang.")) from exc
    begin = Begin(base_url, return_url, client_ip, locale, now, post_json, sandbox_url or base_url)
    registry.gateway(channel).start(checkout, invoice, setting, channel_settings.secrets_of(box, setting), begin)
    session.flush()
    audit.record(session, "checkout_started", actor_id=parent.id, school_id=invoice.school_id,
                 subject_type="invoice", subject_id=invoice.id, detail=f"{channel} {checkout.amount}")
    return Started(checkout, checkout.pay_url or "")


def returned_payment(session: Session, checkout: Checkout, txn_id: str | None = None) -> payments.Payment | None:
    """The payment a return page is about: the one the gateway's own transaction id names (the
    return's genuine parameters: VNPay's vnp_TransactionNo, MoMo's transId), else the checkout's
    latest. A checkout paid twice (the parent came back to the gateway's page and paid again)
    has two; the second's `applied` is what reached the invoice, the rest is the family's credit."""
    if txn_id:
        found = session.scalars(select(payments.Payment).where(
            payments.Payment.school_id == checkout.school_id, payments.Payment.invoice_id == checkout.invoice_id,
            payments.Payment.provider == registry.CHANNELS[checkout.channel].provider,
            payments.Payment.provider_txn_id == str(txn_id))).first()
        if found is not None:
            return found
    return session.get(payments.Payment, checkout.payment_id) if checkout.payment_id else None


def feed_amount(value: object) -> int:
    """An amount a provider reports, as whole đồng — the one parser of every channel's payload
    (SePay, Casso, MoMo, payOS, Mobile Money, the status queries): an integer (or its digits)
    within what a BIGINT column holds; anything else (a fraction like 770000.5, 2**63, true)
    raises ValueError — a 4xx answer naming the field, never a 500 and never a rounded amount."""
    if isinstance(value, bool) or value is None:
        raise ValueError("amount")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("amount")
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"-?\d{1,19}", text):
            raise ValueError("amount")
        value = int(text)
    if not isinstance(value, int) or abs(value) > payments.FEED_MAX:
        raise ValueError("amount")
    return value


def in_school(session: Session, school_id: int, txn_ref: object) -> Checkout | None:
    """A school's checkout by our order reference (vnp_TxnRef, MoMo's orderId, the wallet's reference_id)."""
    return session.scalars(select(Checkout).where(Checkout.txn_ref == str(txn_ref),
                                                  Checkout.school_id == school_id)).first()


def by_ref(session: Session, txn_ref: str | None) -> Checkout | None:
    return session.scalars(select(Checkout).where(Checkout.txn_ref == str(txn_ref))).first() if txn_ref else None


def by_order_code(session: Session, order_code: str | None) -> Checkout | None:
    return session.scalars(select(Checkout).where(Checkout.order_code == int(order_code))).first() \
        if order_code and str(order_code).isdigit() else None


def log(session: Session, school_id: int | None, provider: str, raw: bytes, now: datetime) -> CallbackLog:
    entry = CallbackLog(school_id=school_id, provider=provider, received_at=now,
                        body=stored_body(raw))
    session.add(entry)
    session.flush()
    return entry


def record(session: Session, checkout: Checkout, *, provider: str, txn_id: str, amount: int, note: str,
           entry: CallbackLog, signer, now: datetime, apply: bool, why: str | None,
           paid_at: datetime | None = None) -> None:
    """Write the payment a gateway reported for `checkout` and its posting, and queue its receipt
    (made after the commit); a task for the accountant when it arrived late, was more than due or
    not applied. The payment is dated when the provider says the payer paid (`paid_at`, if it lies
    between the checkout's start, to the minute, and `now`), else `now` — a payment recovered by
    asking is not dated at the time of asking."""
    if amount <= 0:
        return
    invoice = session.get(Invoice, checkout.invoice_id)
    school = session.get(School, checkout.school_id)
    student = session.get(Student, invoice.student_id)
    when = paid_at if paid_at is not None and checkout.created_at - timedelta(minutes=1) <= paid_at <= now else now
    data = payments.PaymentInput(checkout.method, amount, checkout.payer_name or invoice.payer_name, when,
                                 note=note, channel=checkout.channel, provider=provider, provider_txn_id=txn_id)
    # A claimed checkout's first capture is new; only the unusual paths can meet a payment again.
    new = (why is None and apply) or not known(session, school.id, provider, txn_id)
    payment = payments.record_payment(session, None, school, student, invoice, data, signer=signer, now=now,
                                      apply=apply, receipt=False)
    entry.payment_id = payment.id
    session.execute(update(Checkout).where(Checkout.id == checkout.id).values(payment_id=payment.id)
                    .execution_options(synchronize_session=False))
    if new and (why or payment.applied < payment.amount):
        task(session, school.id, "gateway", f"{checkout.txn_ref}: {why or 'tiền thừa'} ({money(amount, 'vi')} đ)",
             payment_id=payment.id, checkout_id=checkout.id)
    if new:    # a payment met again already has its receipt, or the job that makes it
        receipts.issue_later(session, payment)


def claim(session: Session, checkout: Checkout, now: datetime) -> tuple[bool, str | None]:
    """Mark a checkout paid, once: (claimed by this call, why the accountant must look — the
    checkout had failed, expired or been replaced; None for a success in time)."""
    before = checkout.status
    claimed = session.execute(update(Checkout).where(Checkout.id == checkout.id, Checkout.status != CheckoutStatus.PAID)
                              .values(status=CheckoutStatus.PAID, finished_at=now)
                              .returning(Checkout.id).execution_options(synchronize_session=False)).scalar()
    if before == CheckoutStatus.PENDING and checkout.expires_at < now:
        before = CheckoutStatus.EXPIRED
    return claimed is not None, str(LATE[before]) if before in LATE else None


def fail(session: Session, checkout: Checkout, failure: str, now: datetime) -> None:
    session.execute(update(Checkout).where(Checkout.id == checkout.id, Checkout.status == CheckoutStatus.PENDING)
                    .values(status=CheckoutStatus.FAILED, finished_at=now, failure=failure[:100])
                    .execution_options(synchronize_session=False))


def expire(session: Session, checkout: Checkout, now: datetime) -> bool:
    done = session.execute(update(Checkout).where(Checkout.id == checkout.id, Checkout.status == CheckoutStatus.PENDING)
                           .values(status=CheckoutStatus.EXPIRED, finished_at=now)
                           .returning(Checkout.id).execution_options(synchronize_session=False)).scalar()
    return done is not None


def captured(session: Session, checkout: Checkout, *, provider: str, school_id: int, txn_id: str, amount: int,
             note: str, entry: CallbackLog, signer, now: datetime, wrong_amount: object,
             paid_at: datetime | None = None) -> None:
    """Money a gateway reports as captured for one of our checkouts: a wrong amount is credit
    with a task; otherwise the checkout is claimed once and the payment recorded; another
    provider id for a checkout already paid is more money, kept as credit with a task; the same
    id again is a duplicate and writes nothing."""
    if amount != checkout.amount:
        entry.outcome = "wrong amount"
        record(session, checkout, provider=provider, txn_id=txn_id, amount=amount, note=note, entry=entry,
               signer=signer, now=now, apply=False, why=str(wrong_amount), paid_at=paid_at)
        return
    claimed, late = claim(session, checkout, now)
    if claimed or not known(session, school_id, provider, txn_id):
        entry.outcome = "paid" if claimed else "second payment"
        record(session, checkout, provider=provider, txn_id=txn_id, amount=amount, note=note, entry=entry,
               signer=signer, now=now, apply=True, why=late if claimed else str(SECOND), paid_at=paid_at)
    else:
        entry.outcome = "duplicate"


def unknown_order(session: Session, school_id: int, entry: CallbackLog, what: str, **refs) -> None:
    """A success for an order we never started: nothing to claim; the accountant is told (with
    the queued credit, when the money reached the school's account: `bank_transaction_id`)."""
    entry.outcome = "unknown order"
    task(session, school_id, "gateway", what, **refs)


def known(session: Session, school_id: int, provider: str, txn_id: str) -> bool:
    return session.scalar(select(payments.Payment.id).where(payments.Payment.school_id == school_id,
                                                            payments.Payment.provider == provider,
                                                            payments.Payment.provider_txn_id == txn_id)) is not None
