"""Billing: fee types and plans, exemptions, invoices with their lines and history, payments and
their allocations, credit notes, refunds, receipts, and the double-entry ledger.

Money is whole đồng in BIGINT columns. Money rows (payments, allocations, credit notes, refunds,
ledger lines) are only ever inserted: a correction is a new row. An invoice's `paid` and
`credited` are running totals kept in step with those rows by guarded UPDATEs in the same
transaction (see lms.billing.payments), so the balance check and the write cannot race.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, SmallInteger, String,
                        Text, UniqueConstraint)
from sqlalchemy import text as text_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.timeutil import utcnow
from lms.db import Base, Json, Money, UTCDateTime


class Category(StrEnum):
    TUITION = "tuition"
    SERVICE = "service"
    ON_BEHALF = "collect_on_behalf"
    GOODS = "goods"
    OPTIONAL = "optional_service"
    VOLUNTARY = "voluntary"


class Period(StrEnum):
    MONTHLY = "monthly"
    TERM = "term"
    YEAR = "year"
    ONCE = "once"


class Scope(StrEnum):
    SCHOOL = "school"
    GRADE = "grade"
    CLASS = "class"
    STUDENTS = "students"


class Method(StrEnum):
    """The legal method a payment counts as (the 3-of-4 rule counts these), and cash."""
    CASH = "cash"
    QR = "qr"
    WEBSITE = "website"
    MOBILE_MONEY = "mobile_money"
    CARD_POS = "card_pos"


class Account(StrEnum):
    RECEIVABLE = "131"        # phải thu của học sinh
    REVENUE = "511"           # thu của nhà trường
    ON_BEHALF = "3383"        # thu hộ (BHYT): owed to Social Insurance, not school revenue
    CASH = "111"              # tiền mặt
    BANK = "112"              # tiền gửi ngân hàng
    CLEARING = "113"          # tiền đang chuyển: card terminals and gateways until settled
    UNAPPLIED = "3388"        # tiền thừa của gia đình, chưa phân bổ (a liability)
    REFUNDS = "3381"          # hoàn trả đã duyệt, chờ chi
    FEES = "6427"             # phí ngân hàng, phí thanh toán thẻ (MDR)


class FeeType(Base):
    __tablename__ = "fee_types"
    __table_args__ = (UniqueConstraint("school_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(20))
    mandatory: Mapped[bool] = mapped_column(Boolean, default=True)
    exemptions_apply: Mapped[bool] = mapped_column(Boolean, default=False)
    legal_basis: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FeePlan(Base):
    """An amount of a fee type billed to a group of pupils in chosen months of a school year."""

    __tablename__ = "fee_plans"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),
                      CheckConstraint("due_day BETWEEN 1 AND 28", name="due_day_range"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id", ondelete="CASCADE"), index=True)
    fee_type_id: Mapped[int] = mapped_column(ForeignKey("fee_types.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    amount: Mapped[int] = mapped_column(Money)
    period: Mapped[str] = mapped_column(String(10))
    months: Mapped[str] = mapped_column(String(40))     # billing months, e.g. "9,10,11,12,1,2,3,4,5"
    due_day: Mapped[int] = mapped_column(SmallInteger, default=15)
    scope: Mapped[str] = mapped_column(String(10), default=Scope.SCHOOL)
    targets: Mapped[list] = mapped_column(Json, default=list)   # grades, class ids or student ids by scope
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    fee_type = relationship(FeeType, lazy="joined")

    @property
    def month_list(self) -> list[int]:
        return [int(m) for m in self.months.split(",") if m]


class Exemption(Base):
    """A reduction for one pupil: a percentage (100/70/50) or an amount per line, for the fee
    types that take exemptions (or one fee type), valid between two dates."""

    __tablename__ = "exemptions"
    __table_args__ = (CheckConstraint("(percent IS NULL) <> (amount IS NULL)", name="percent_or_amount"),
                      CheckConstraint("percent IS NULL OR (percent > 0 AND percent <= 100)", name="percent_range"),
                      CheckConstraint("amount IS NULL OR amount > 0", name="amount_positive"),
                      CheckConstraint("valid_from <= valid_to", name="dates_ordered"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    fee_type_id: Mapped[int | None] = mapped_column(ForeignKey("fee_types.id", ondelete="CASCADE"))
    percent: Mapped[int | None] = mapped_column(SmallInteger)
    amount: Mapped[int | None] = mapped_column(Money)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(300))
    evidence_name: Mapped[str | None] = mapped_column(String(200))      # the uploaded file's own name
    evidence_path: Mapped[str | None] = mapped_column(String(100))      # stored under its SHA-256
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    student = relationship("Student", lazy="joined")
    fee_type = relationship(FeeType, lazy="joined")


class Counter(Base):
    """Per-school number sequences (invoices, receipts, credit notes), taken with one guarded UPDATE."""

    __tablename__ = "billing_counters"
    __table_args__ = (UniqueConstraint("school_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(20))
    value: Mapped[int] = mapped_column(Integer, default=0)


class InvoiceStatus(StrEnum):
    ISSUED = "issued"
    PARTIAL = "partial"
    PAID = "paid"
    VOID = "void"


class Invoice(Base):
    __tablename__ = "invoices"
    # The code is unique across the deployment (it carries the school: reference.invoice_reference), so a
    # transfer naming it can only ever settle this invoice.
    __table_args__ = (UniqueConstraint("school_id", "number"), UniqueConstraint("code"),
                      CheckConstraint("total >= 0 AND paid >= 0 AND credited >= 0", name="amounts_not_negative"),
                      CheckConstraint("paid + credited <= total", name="not_over_settled"),
                      Index("ix_invoices_school_status_due", "school_id", "status", "due_date"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="RESTRICT"), index=True)
    class_id: Mapped[int | None] = mapped_column(ForeignKey("classes.id", ondelete="SET NULL"), index=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id", ondelete="RESTRICT"))
    number: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(20))            # payment reference with its check character
    period_key: Mapped[str] = mapped_column(String(7))       # the billing month, "2026-12"
    reason: Mapped[str] = mapped_column(String(200))         # nội dung thu
    payer_name: Mapped[str] = mapped_column(String(120))     # the guardian billed
    beneficiary_name: Mapped[str] = mapped_column(String(120))  # the school's account holder
    student_name: Mapped[str] = mapped_column(String(120))
    class_name: Mapped[str] = mapped_column(String(30), default="")
    total: Mapped[int] = mapped_column(Money)
    paid: Mapped[int] = mapped_column(Money, default=0)
    credited: Mapped[int] = mapped_column(Money, default=0)
    status: Mapped[str] = mapped_column(String(10), default=InvoiceStatus.ISSUED)
    due_date: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    void_reason: Mapped[str | None] = mapped_column(String(300))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines = relationship("InvoiceLine", order_by="InvoiceLine.id", lazy="selectin", back_populates="invoice")
    student = relationship("Student", lazy="joined")

    @property
    def due(self) -> int:
        return self.total - self.paid - self.credited


class InvoiceLine(Base):
    """One fee for one period. Billing the same plan, pupil and month twice is impossible while
    the first invoice stands."""

    __tablename__ = "invoice_lines"
    __table_args__ = (UniqueConstraint("fee_plan_id", "student_id", "period_key", "live"),
                      CheckConstraint("base_amount >= 0 AND discount >= 0 AND amount = base_amount - discount",
                                      name="amounts_add_up"))

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    fee_plan_id: Mapped[int] = mapped_column(ForeignKey("fee_plans.id", ondelete="RESTRICT"))
    fee_type_id: Mapped[int] = mapped_column(ForeignKey("fee_types.id", ondelete="RESTRICT"))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="RESTRICT"))
    period_key: Mapped[str] = mapped_column(String(7))
    due_date: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(20))
    mandatory: Mapped[bool] = mapped_column(Boolean, default=True)
    base_amount: Mapped[int] = mapped_column(Money)
    discount: Mapped[int] = mapped_column(Money, default=0)
    amount: Mapped[int] = mapped_column(Money)
    exemption_id: Mapped[int | None] = mapped_column(ForeignKey("exemptions.id", ondelete="SET NULL"))
    exemption_text: Mapped[str] = mapped_column(String(120), default="")
    # True while the invoice stands; NULL once it is void, so the fee can be billed again (NULLs
    # never collide in a unique constraint).
    live: Mapped[bool | None] = mapped_column(Boolean, default=True)

    invoice = relationship(Invoice, back_populates="lines")


class InvoiceEvent(Base):
    """The history of an invoice: who did what, when, and the status it moved between."""

    __tablename__ = "invoice_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(20))      # issued | payment | credit | credit_note | void | reminder
    from_status: Mapped[str | None] = mapped_column(String(10))
    to_status: Mapped[str | None] = mapped_column(String(10))
    amount: Mapped[int | None] = mapped_column(Money)
    note: Mapped[str] = mapped_column(String(300), default="")

    actor = relationship("User", lazy="joined")


class Payment(Base):
    """Money received for a pupil, by any channel, with the four Công văn 2741 fields."""

    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("school_id", "provider", "provider_txn_id"),
                      UniqueConstraint("school_id", "idempotency_key"),
                      UniqueConstraint("school_id", "terminal_id", "rrn"),
                      CheckConstraint("amount > 0", name="amount_positive"),
                      CheckConstraint("refunded >= 0 AND refunded <= amount", name="refunds_within_amount"),
                      CheckConstraint("card_last4 IS NULL OR length(card_last4) = 4", name="last4_only"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="RESTRICT"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="RESTRICT"), index=True)
    method: Mapped[str] = mapped_column(String(15))
    channel: Mapped[str] = mapped_column(String(20))          # cash | pos | vietqr_bank | vnpay | momo | …
    amount: Mapped[int] = mapped_column(Money)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    payer_name: Mapped[str] = mapped_column(String(120))
    beneficiary_name: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(String(200))
    invoice_code: Mapped[str] = mapped_column(String(20), default="")
    provider: Mapped[str | None] = mapped_column(String(20))
    provider_txn_id: Mapped[str | None] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    terminal_id: Mapped[str | None] = mapped_column(String(8))
    approval_code: Mapped[str | None] = mapped_column(String(6))
    rrn: Mapped[str | None] = mapped_column(String(12))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    card_scheme: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(300), default="")
    applied: Mapped[int] = mapped_column(Money, default=0)    # how much went to invoices at once
    refunded: Mapped[int] = mapped_column(Money, default=0)   # given back so far (never above amount)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    student = relationship("Student", lazy="joined")
    receipt = relationship("Receipt", uselist=False, lazy="selectin", back_populates="payment")


class Allocation(Base):
    """Money applied to one line of an invoice: from a payment, or from the family's credit. A
    payment that covers part of an invoice is split over its lines, mandatory ones first, so
    receipts and reports by fee type say exactly what was paid."""

    __tablename__ = "allocations"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="RESTRICT"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("invoice_lines.id", ondelete="RESTRICT"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id", ondelete="RESTRICT"), index=True)
    source: Mapped[str] = mapped_column(String(10))     # payment | credit
    amount: Mapped[int] = mapped_column(Money)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class StudentAccount(Base):
    """A pupil's family credit (overpayments not yet used or refunded), kept in step with the
    ledger's unapplied account; the guarded UPDATE on it stops two uses of the same money."""

    __tablename__ = "student_accounts"
    __table_args__ = (CheckConstraint("credit >= 0", name="credit_not_negative"),)

    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    credit: Mapped[int] = mapped_column(Money, default=0)


class CreditNote(Base):
    __tablename__ = "credit_notes"
    __table_args__ = (UniqueConstraint("school_id", "number"), CheckConstraint("amount > 0", name="amount_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="RESTRICT"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(Money)
    to_credit: Mapped[int] = mapped_column(Money, default=0)   # paid money moved to the family's credit
    reason: Mapped[str] = mapped_column(String(300))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RefundStatus(StrEnum):
    APPROVED = "approved"
    PAID = "paid"


class Refund(Base):
    """Money given back from the family's credit, against one payment (never more than it brought)."""

    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),
                      UniqueConstraint("school_id", "idempotency_key"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="RESTRICT"), index=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id", ondelete="RESTRICT"), index=True)
    amount: Mapped[int] = mapped_column(Money)
    method: Mapped[str] = mapped_column(String(15))      # cash | bank
    reason: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(10), default=RefundStatus.APPROVED)
    reference: Mapped[str] = mapped_column(String(60), default="")   # the bank transfer's reference, once paid
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    payment = relationship(Payment, lazy="joined")


class Receipt(Base):
    """The biên lai of one payment: a frozen, signed snapshot; its PDF is made from the snapshot."""

    __tablename__ = "receipts"
    __table_args__ = (UniqueConstraint("school_id", "series", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id", ondelete="RESTRICT"), unique=True)
    series: Mapped[str] = mapped_column(String(12))
    number: Mapped[int] = mapped_column(Integer)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    snapshot: Mapped[str] = mapped_column(Text)
    snapshot_sha256: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(120))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    payment = relationship(Payment, back_populates="receipt")


class LedgerTransaction(Base):
    __tablename__ = "ledger_transactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))   # invoice | payment | credit_use | credit_note | void | refund…
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    memo: Mapped[str] = mapped_column(String(200), default="")

    lines = relationship("LedgerLine", lazy="selectin", order_by="LedgerLine.id")


class LedgerLine(Base):
    """One side of a posting. Each transaction's debits equal its credits (checked by the
    service and, on PostgreSQL, by a deferred constraint trigger); no line is ever changed."""

    __tablename__ = "ledger_lines"
    __table_args__ = (CheckConstraint("debit >= 0 AND credit >= 0 AND (debit = 0) <> (credit = 0)",
                                      name="one_side"),
                      Index("ix_ledger_lines_account_student", "account", "student_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id", ondelete="RESTRICT"), index=True)
    account: Mapped[str] = mapped_column(String(6))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id", ondelete="RESTRICT"))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="RESTRICT"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id", ondelete="RESTRICT"))
    debit: Mapped[int] = mapped_column(Money, default=0)
    credit: Mapped[int] = mapped_column(Money, default=0)


# ---------------------------------------------------------------- payment channels (issue #9)

class ChannelSetting(Base):
    """A school's settings for one payment channel. Secrets are stored encrypted (Fernet, key
    from the environment: lms.billing.secrets); a channel without settings is hidden from parents."""

    __tablename__ = "channel_settings"
    __table_args__ = (UniqueConstraint("school_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))        # sepay | casso | payos | vnpay | momo | mobile_money | pos
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    counts_as: Mapped[str] = mapped_column(String(15))      # the legal method (mobile_money: per school)
    public: Mapped[dict] = mapped_column(Json, default=dict)  # merchant codes, terminal ids, sandbox flag
    secret: Mapped[str] = mapped_column(Text, default="")     # encrypted JSON of the secrets
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChannelIdentifier(Base):
    """A merchant identifier a provider gives one school (VNPay's vnp_TmnCode, MoMo's partner
    code, payOS's client id, the aggregator's business id, a card terminal's TID). Unique per
    channel across the deployment, so a provider's notification names exactly one school."""

    __tablename__ = "channel_identifiers"
    __table_args__ = (UniqueConstraint("channel", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    field: Mapped[str] = mapped_column(String(30))
    value: Mapped[str] = mapped_column(String(200))


class CheckoutStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    EXPIRED = "expired"
    REPLACED = "replaced"


class Checkout(Base):
    """One attempt to pay an invoice through a gateway (VNPay, MoMo, payOS, a wallet). At most
    one is pending per invoice; a late success of an expired or replaced one is still recorded."""

    __tablename__ = "checkouts"
    __table_args__ = (UniqueConstraint("txn_ref"), UniqueConstraint("school_id", "idempotency_key"),
                      CheckConstraint("amount > 0", name="amount_positive"),
                      Index("uq_checkouts_one_pending", "invoice_id", unique=True,
                            sqlite_where=text_("status = 'pending'"), postgresql_where=text_("status = 'pending'")))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="RESTRICT"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(15))
    txn_ref: Mapped[str] = mapped_column(String(40))          # our order id at the provider
    order_code: Mapped[int | None] = mapped_column(BigInteger, unique=True)  # payOS wants an integer
    amount: Mapped[int] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(10), default=CheckoutStatus.PENDING)
    provider_ref: Mapped[str | None] = mapped_column(String(100))  # payment link id, request id…
    pay_url: Mapped[str | None] = mapped_column(String(1000))
    qr_payload: Mapped[str | None] = mapped_column(String(500))
    payer_name: Mapped[str] = mapped_column(String(120), default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failure: Mapped[str] = mapped_column(String(100), default="")
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id", ondelete="SET NULL"))
    queried_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last time we asked the provider

    invoice = relationship(Invoice)


class CallbackLog(Base):
    """Every callback as received (raw body, receive time) and what was decided about it."""

    __tablename__ = "callback_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    body: Mapped[str] = mapped_column(Text)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str] = mapped_column(String(40), default="")
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id", ondelete="SET NULL"))


class TransferStatus(StrEnum):
    MATCHED = "matched"
    UNMATCHED = "unmatched"
    ASSIGNED = "assigned"
    IGNORED = "ignored"


class BankTransaction(Base):
    """One credit to the school's account, however many sources reported it (SePay, Casso,
    payOS, imported statements: each report is a BankSighting): the same transfer seen by a
    webhook and again in a statement is one credit, recorded once (lms.billing.matching). A bank
    reference alone does not make it unique — banks use their short references again on other days
    and accounts —: it names a credit with its amount, account and day (`matching.same_credit`),
    decided under the school's credit lock. `source` and `provider_txn_id` are those of its first
    sighting."""

    __tablename__ = "bank_transactions"
    __table_args__ = (UniqueConstraint("school_id", "source", "provider_txn_id"),
                      CheckConstraint("amount > 0", name="amount_positive"),
                      Index("ix_bank_transactions_school_status", "school_id", "status"),
                      Index("ix_bank_transactions_reference", "school_id", "bank_reference",
                            sqlite_where=text_("bank_reference <> ''"), postgresql_where=text_("bank_reference <> ''")),
                      Index("ix_bank_transactions_school_amount", "school_id", "amount", "transacted_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(20))          # sepay | casso | payos | statement | sandbox
    provider_txn_id: Mapped[str] = mapped_column(String(64))
    bank_reference: Mapped[str] = mapped_column(String(64), default="")
    amount: Mapped[int] = mapped_column(Money)
    content: Mapped[str] = mapped_column(String(500), default="")
    counter_name: Mapped[str] = mapped_column(String(120), default="")
    counter_account: Mapped[str] = mapped_column(String(40), default="")
    account_number: Mapped[str] = mapped_column(String(40), default="")
    transacted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default=TransferStatus.UNMATCHED)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="SET NULL"))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class BankSighting(Base):
    """One source's report of a bank credit: a webhook call, a statement line. Unique per source
    and the source's own id, so a redelivery or a re-imported statement adds nothing."""

    __tablename__ = "bank_sightings"
    __table_args__ = (UniqueConstraint("school_id", "source", "provider_txn_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    bank_transaction_id: Mapped[int] = mapped_column(ForeignKey("bank_transactions.id", ondelete="CASCADE"),
                                                     index=True)
    source: Mapped[str] = mapped_column(String(20))          # sepay | casso | payos | statement
    provider_txn_id: Mapped[str] = mapped_column(String(64))
    bank_reference: Mapped[str] = mapped_column(String(64), default="")
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BillingTask(Base):
    """Something the accountant must look at: money that arrived but could not simply settle an
    invoice (over the amount due, a second channel, after a void, a wrong amount…)."""

    __tablename__ = "billing_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(String(300))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id", ondelete="SET NULL"))
    checkout_id: Mapped[int | None] = mapped_column(ForeignKey("checkouts.id", ondelete="SET NULL"))
    bank_transaction_id: Mapped[int | None] = mapped_column(ForeignKey("bank_transactions.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution: Mapped[str] = mapped_column(String(300), default="")


class CardSettlement(Base):
    """One line of a card terminal's settlement report, matched to the card payment the
    accountant recorded from the slip (on terminal + RRN, or terminal + approval code + amount)."""

    __tablename__ = "card_settlements"
    __table_args__ = (UniqueConstraint("school_id", "terminal_id", "rrn"),
                      CheckConstraint("amount > 0 AND settled_amount >= 0 AND fee >= 0", name="amounts"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    terminal_id: Mapped[str] = mapped_column(String(8))
    rrn: Mapped[str] = mapped_column(String(12))
    approval_code: Mapped[str] = mapped_column(String(6), default="")
    card_last4: Mapped[str] = mapped_column(String(4), default="")
    amount: Mapped[int] = mapped_column(Money)
    settled_amount: Mapped[int] = mapped_column(Money)
    fee: Mapped[int] = mapped_column(Money, default=0)
    transacted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    settled_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))      # matched | amount_differs | not_recorded
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id", ondelete="SET NULL"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReconciliationItem(Base):
    """A difference between a provider's own transaction report and what the school recorded.
    Unique per school, provider, kind and key: reconciling the same report again adds nothing."""

    __tablename__ = "reconciliation_items"
    __table_args__ = (UniqueConstraint("school_id", "provider", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))   # missing | not_in_report | duplicate | mismatch | unknown
    key: Mapped[str] = mapped_column(String(80))
    amount: Mapped[int] = mapped_column(Money, default=0)
    detail: Mapped[str] = mapped_column(String(300), default="")
    order_ref: Mapped[str] = mapped_column(String(100), default="")  # the provider's order id, when the report has one
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The report's line as read (a bank feed's: its time, memo and receiving account), so that a
    # transfer the provider has and the school had not can be recorded from it.
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    content: Mapped[str] = mapped_column(String(500), default="")
    account: Mapped[str] = mapped_column(String(40), default="")
    # The accountant's decision (reconciliation.resolve_item): dismissed, or recorded (the credit).
    outcome: Mapped[str] = mapped_column(String(20), default="")
    resolution: Mapped[str] = mapped_column(String(300), default="")
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    bank_transaction_id: Mapped[int | None] = mapped_column(ForeignKey("bank_transactions.id", ondelete="SET NULL"))


class FormSubmission(Base):
    """A money-moving form, sent once: its server-made key, what it asked (a digest) and where it
    sent the user, so the same form sent again is answered the same (lms.billing.once)."""

    __tablename__ = "form_submissions"
    __table_args__ = (UniqueConstraint("key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(40))
    digest: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(Text, default="")      # a gateway's payment address can be long
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _guard_ledger(target, connection, **kw) -> None:
    from lms.billing import ddl

    ddl.install(connection)


# create_all (tests, fresh databases) gets the same guards as the migration.
from sqlalchemy import event  # noqa: E402

event.listen(LedgerLine.__table__, "after_create", _guard_ledger)


class ReportStatus(StrEnum):
    OPEN = "open"
    MATCHED = "matched"
    REFUNDED = "refunded"
    REJECTED = "rejected"


class PaymentReport(Base):
    """A parent's "I have paid" for an invoice the school shows as unpaid: how, how much, when,
    the bank's reference and a screenshot (an image stripped of its metadata). It waits in the
    accountant's queue beside the unmatched transfers until resolved — matched to a transfer or a
    payment, refunded, or rejected with a reason — and the parent is told."""

    __tablename__ = "payment_reports"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),
                      Index("ix_payment_reports_school_status", "school_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(20))
    amount: Mapped[int] = mapped_column(Money)
    paid_on: Mapped[date] = mapped_column(Date)
    bank_reference: Mapped[str] = mapped_column(String(64), default="")
    screenshot_path: Mapped[str | None] = mapped_column(String(200))
    screenshot_name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default=ReportStatus.OPEN)
    resolution: Mapped[str] = mapped_column(String(300), default="")
    bank_transaction_id: Mapped[int | None] = mapped_column(ForeignKey("bank_transactions.id", ondelete="SET NULL"))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    invoice: Mapped[Invoice] = relationship()
