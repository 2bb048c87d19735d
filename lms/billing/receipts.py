"""Receipts (biên lai thu tiền): one per payment, numbered in the school's series, frozen as a
signed snapshot when the payment is recorded; the PDF is made from the snapshot and carries a
QR code to the public verification page.

What is signed is `lms-bienlai/1 \\n token \\n SHA-256(snapshot)`: changing any byte of the stored
snapshot (amount, payer, items…) makes verification fail.
"""
from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.core.numbers import money
from lms.billing import ledger, rules
from lms.billing.models import Allocation, Invoice, Payment, Receipt
from lms.billing.words import amount_in_words
from lms.core import jobs
from lms.core.errors import NotFound, ValidationError
from lms.core.signing import Signer, canonical_json, sha256_hex
from lms.core.timeutil import local_to_utc, school_tz, utc_to_local
from lms.db import bulk_work, insert_objects
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext
from lms.people.models import School

FORMAT = "lms-bienlai/1"
TEMPLATE_SYMBOL = "01-BLTT"
METHOD_TEXT = {"cash": "Tiền mặt", "qr": "Chuyển khoản (QR)", "website": "Cổng thanh toán trực tuyến",
               "mobile_money": "Ví điện tử / Mobile Money", "card_pos": "Thẻ (máy POS)"}


def signed_message(receipt: Receipt) -> bytes:
    return f"{FORMAT}\n{receipt.token}\n{receipt.snapshot_sha256}".encode()


def verify_path(token: str) -> str:
    return f"/receipts/verify/{token}"


def series_of(at: datetime) -> str:
    return f"{utc_to_local(at, school_tz()):%y}E"


def snapshot_of(session: Session, school: School, payment: Payment, series: str, number: int, token: str) -> dict:
    from lms.billing.models import InvoiceLine

    rows = session.execute(select(Allocation.amount, InvoiceLine.description, Invoice)
                           .join(InvoiceLine, InvoiceLine.id == Allocation.line_id)
                           .join(Invoice, Invoice.id == Allocation.invoice_id)
                           .where(Allocation.payment_id == payment.id).order_by(Allocation.id)).all()
    return build_snapshot(school, payment, payment.student, rows, series, number, token)


def build_snapshot(school: School, payment: Payment, student, rows, series: str, number: int, token: str) -> dict:
    """The receipt's content from its payment and the (amount, line text, invoice) it settled,
    in allocation order."""
    items: list[dict] = []
    for amount, text, inv in rows:
        if not items or items[-1]["invoice"] != inv.code:
            items.append({"invoice": inv.code, "number": inv.number, "reason": inv.reason, "amount": 0, "lines": []})
        items[-1]["amount"] += amount
        items[-1]["lines"].append({"text": text, "amount": amount})
    first = rows[0][2] if rows else None
    local = utc_to_local(payment.received_at, school_tz())
    return {
        "format": FORMAT, "token": token, "type": "BIÊN LAI THU TIỀN", "template": TEMPLATE_SYMBOL,
        "series": series, "number": number,
        "school": {"name": school.name, "tax_code": school.tax_code or "", "address": school.address or "",
                   "code": school.code},
        "payer": payment.payer_name, "beneficiary": payment.beneficiary_name,
        "student": {"name": student.full_name, "code": student.student_code,
                    "class": first.class_name if first else ""},
        "reason": payment.reason, "invoice_code": payment.invoice_code or (first.code if first else ""),
        "items": items, "credit": payment.amount - payment.applied,
        "amount": payment.amount, "amount_words": amount_in_words(payment.amount),
        "method": payment.method, "method_text": METHOD_TEXT.get(payment.method, payment.method),
        "card_last4": payment.card_last4 or "", "approval_code": payment.approval_code or "",
        "terminal_id": payment.terminal_id or "", "rrn": payment.rrn or "",
        "provider_txn_id": payment.provider_txn_id or "",
        "date": local.strftime("%d/%m/%Y %H:%M"), "payment_id": payment.id,
    }


def signed_receipt(school: School, payment: Payment, snapshot: dict, *, signer: Signer, now: datetime) -> Receipt:
    """A Receipt row for a snapshot whose series, number and token are set, signed."""
    text = canonical_json(snapshot)
    receipt = Receipt(school_id=school.id, payment_id=payment.id, series=snapshot["series"], number=snapshot["number"],
                      token=snapshot["token"], snapshot=text, snapshot_sha256=sha256_hex(text.encode()),
                      key_id=signer.key_id, signature="", issued_at=now)
    receipt.signature = signer.sign(signed_message(receipt))
    return receipt


def issue_receipt(session: Session, school: School, payment: Payment, *, signer: Signer, now: datetime,
                  mail: bool = False) -> Receipt:
    """The receipt of a payment (made once; asking again returns it)."""
    existing = session.scalars(select(Receipt).where(Receipt.payment_id == payment.id)).first()
    if existing is not None:
        return existing
    series = series_of(payment.received_at)
    token = secrets.token_urlsafe(24)
    snapshot = snapshot_of(session, school, payment, series, 0, token)
    # The series' counter row is locked from here to the commit: take the number last.
    snapshot["number"] = ledger.take_numbers(session, school.id, f"receipt-{series}")
    receipt = signed_receipt(school, payment, snapshot, signer=signer, now=now)
    session.add(receipt)
    session.flush()
    if mail:
        jobs.enqueue(session, None, "receipt_mail", {"receipt_id": receipt.id}, school_id=school.id)
    return receipt


# ---------------------------------------------------------------- a gateway's receipt, after the claim's commit

RECEIPT_JOB = "issue_receipt"
SWEEP_AFTER = timedelta(minutes=2)     # a receipt job not done by then is done by the sweep
SWEEP_RUNNING = timedelta(minutes=10)  # a job still "running" after this died with its process
SWEEP_DAYS = 30                        # how far back the sweep looks (jobs.created_at is indexed)
SWEEP_BATCH = 200


def issue_later(session: Session, payment: Payment) -> jobs.Job:
    """The payment's receipt (number, snapshot, signature), made by a job once the transaction
    that records the payment commits — so that a gateway's notification holds its checkout's row
    lock only for the claim and the payment, not for the receipt. The job's row is written in
    the same transaction as the payment: if the process dies after the commit and before the job
    runs, `sweep_receipts` finds the job and makes the receipt; making it is idempotent (one
    receipt per payment, enforced by the table), so running it twice never makes two."""
    return jobs.enqueue(session, None, RECEIPT_JOB, {"payment_id": payment.id}, school_id=payment.school_id)


def _issue_once(session: Session, payment_id: int, signer: Signer, now: datetime) -> bool:
    """Make the payment's receipt unless it has one; True when this call made it."""
    from sqlalchemy.exc import IntegrityError

    payment = session.get(Payment, payment_id)
    if payment is None or session.scalar(select(Receipt.id).where(Receipt.payment_id == payment_id)) is not None:
        return False
    school = session.get(School, payment.school_id)
    series = series_of(payment.received_at)
    try:
        with session.begin_nested():
            # The number first, here (off the notification's path): its counter's UPDATE is the
            # transaction's first statement, so SQLite waits for its write lock instead of failing.
            number = ledger.take_numbers(session, school.id, f"receipt-{series}")
            snapshot = snapshot_of(session, school, payment, series, number, secrets.token_urlsafe(24))
            session.add(signed_receipt(school, payment, snapshot, signer=signer, now=now))
            session.flush()
    except IntegrityError:    # another run made it meanwhile (receipts.payment_id is unique)
        return False
    return True


def issue_later_many(session: Session, school_id: int, payment_ids: list[int]) -> jobs.Job | None:
    """`issue_later` for a whole statement's payments: one job, written in the same transaction,
    that makes their receipts after the commit, numbered in the order of the payments."""
    if not payment_ids:
        return None
    return jobs.enqueue(session, None, RECEIPT_JOB, {"payment_ids": sorted(payment_ids)}, school_id=school_id,
                        total=len(payment_ids))


def _payment_ids(params: dict | None) -> list[int]:
    params = params or {}
    return sorted(int(i) for i in params.get("payment_ids") or [params["payment_id"]])


ISSUE_CHUNK = 500


def issue_missing(session: Session, payment_ids: list[int], signer: Signer, now: datetime, *,
                  step: Callable[[int], None] | None = None) -> int:
    """Make the receipts of those payments that have none, in batched statements, numbered in
    payment order: one receipt per payment whatever runs it (the job, the sweep, both). Each chunk
    is complete when `step(done)` is called (the job's progress, which commits). Returns how
    many receipts it made."""
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm import noload

    from lms.billing.models import InvoiceLine

    made = 0
    ids = sorted(set(payment_ids))
    for start in range(0, len(ids), ISSUE_CHUNK):
        chunk = ids[start:start + ISSUE_CHUNK]
        have = set(session.scalars(select(Receipt.payment_id).where(Receipt.payment_id.in_(chunk))))
        todo = list(session.scalars(select(Payment).options(noload(Payment.receipt))
                                    .where(Payment.id.in_([i for i in chunk if i not in have])).order_by(Payment.id)))
        rows: dict[int, list] = {}
        for payment_id, amount, text, invoice in session.execute(
                select(Allocation.payment_id, Allocation.amount, InvoiceLine.description, Invoice)
                .join(InvoiceLine, InvoiceLine.id == Allocation.line_id).join(Invoice, Invoice.id == Allocation.invoice_id)
                .where(Allocation.payment_id.in_([p.id for p in todo] or [0])).order_by(Allocation.id)):
            rows.setdefault(payment_id, []).append((amount, text, invoice))
        try:
            with session.begin_nested():
                # The numbers first (SQLite waits for the write lock on the counter's UPDATE), then
                # the receipts; another run that made one meanwhile undoes this chunk (below).
                numbers = {}
                for payment in todo:
                    key = (payment.school_id, series_of(payment.received_at))
                    numbers[key] = numbers.get(key, 0) + 1
                for key, count in sorted(numbers.items()):
                    numbers[key] = ledger.take_numbers(session, key[0], f"receipt-{key[1]}", count)
                schools = {sid: session.get(School, sid) for sid in {p.school_id for p in todo}}
                issued = []
                for payment in todo:
                    key = (payment.school_id, series_of(payment.received_at))
                    snapshot = build_snapshot(schools[payment.school_id], payment, payment.student,
                                              rows.get(payment.id, []), key[1], numbers[key], secrets.token_urlsafe(24))
                    numbers[key] += 1
                    issued.append(signed_receipt(schools[payment.school_id], payment, snapshot, signer=signer, now=now))
                insert_objects(session, issued)
            made += len(issued)
        except IntegrityError:    # another run made some of them: one by one, each once
            made += sum(_issue_once(session, payment.id, signer, now) for payment in todo)
        if step is not None:
            step(start + len(chunk))
    return made


@jobs.handler(RECEIPT_JOB)
def _issue_receipt_job(session: Session, ctx: jobs.JobContext) -> None:
    from lms.core.signing import signer_from_config
    from lms.core.timeutil import utcnow

    with bulk_work():
        issue_missing(session, _payment_ids(ctx.params), signer_from_config(ctx.config), utcnow(), step=ctx.progress)


def sweep_receipts(session: Session, now: datetime, signer: Signer) -> int:
    """Make the receipts whose job did not run: queued but never started (the process died after
    the payment's commit), died while running, or failed; mark those jobs done. Returns how many
    receipts it made."""
    from sqlalchemy import or_, update

    from lms.core.models import Job

    stale = list(session.scalars(select(Job).where(
        Job.kind == RECEIPT_JOB, Job.created_at >= now - timedelta(days=SWEEP_DAYS),
        or_((Job.status == jobs.Status.QUEUED) & (Job.created_at < now - SWEEP_AFTER),
            (Job.status == jobs.Status.RUNNING) & (Job.started_at < now - SWEEP_RUNNING),
            Job.status == jobs.Status.FAILED)).order_by(Job.id).limit(SWEEP_BATCH)))
    made = 0
    for job in stale:
        made += issue_missing(session, _payment_ids(job.params), signer, now)
        session.execute(update(Job).where(Job.id == job.id, Job.status != jobs.Status.DONE)
                        .values(status=jobs.Status.DONE, finished_at=now, message="")
                        .execution_options(synchronize_session=False))
        session.commit()
    return made


def data_of(receipt: Receipt) -> dict:
    return json.loads(receipt.snapshot)


def receipt_filename(receipt: Receipt) -> str:
    data = data_of(receipt)
    return f"Biên lai {receipt.series}-{receipt.number:07d} {data['student']['name']}.pdf"


def receipt_html(receipt: Receipt, render: Callable[..., str], base_url: str) -> str:
    from lms.core.qr import qr_data_url

    url = base_url.rstrip("/") + verify_path(receipt.token)
    return render("billing/receipt_pdf.html", {"r": data_of(receipt), "receipt": receipt, "qr": qr_data_url(url),
                                               "url": url}, "vi")


def receipt_pdf(receipt: Receipt, render: Callable[..., str], base_url: str) -> bytes:
    from lms.core.pdf import render_pdf

    return render_pdf(receipt_html(receipt, render, base_url))


@dataclass
class Verification:
    receipt: Receipt
    authentic: bool
    data: dict | None


def verify_receipt(session: Session, token: str, signer: Signer) -> Verification:
    receipt = session.scalars(select(Receipt).where(Receipt.token == token)).first()
    if receipt is None:
        raise NotFound(_l("Không có biên lai nào mang mã xác minh này."))
    ok = (sha256_hex(receipt.snapshot.encode()) == receipt.snapshot_sha256
          and signer.verify(signed_message(receipt), receipt.signature, receipt.key_id))
    try:
        data = json.loads(receipt.snapshot) if ok else None
    except ValueError:
        data, ok = None, False
    return Verification(receipt, ok, data)


@jobs.handler("receipt_mail")
def _mail_receipt(session: Session, ctx: jobs.JobContext) -> None:
    """E-mail the receipt PDF to the pupil's guardians who have an address."""
    from lms.auth.models import User
    from lms.core.mail import send_mail
    from lms.people.models import Guardianship

    receipt = session.get(Receipt, ctx.params["receipt_id"])
    payment = receipt.payment
    emails = list(session.scalars(select(User.email).join(Guardianship, Guardianship.guardian_id == User.id)
                                  .where(Guardianship.student_id == payment.student_id, User.email.is_not(None))))
    if not emails:
        return
    pdf = receipt_pdf(receipt, ctx.render, ctx.config["PUBLIC_BASE_URL"])
    data = data_of(receipt)

    body = (f"{data['school']['name']} xác nhận đã nhận {money(data['amount'], 'vi')} đồng ({data['amount_words']}) "
            f"cho học sinh {data['student']['name']}, nội dung: {data['reason']}.\n"
            f"Biên lai số {receipt.series}-{receipt.number:07d} đính kèm. Tra cứu trong ứng dụng của nhà trường.")
    sent = list(ctx.params.get("sent", []))  # addresses a previous try reached
    for email in emails:
        if email not in sent and send_mail(email, f"Biên lai {receipt.series}-{receipt.number:07d}", body,
                                           attachments=[(receipt_filename(receipt), "application/pdf", pdf)]):
            sent.append(email)
    if set(emails) - set(sent):
        ctx.job.params = {**ctx.params, "sent": sent}
        ctx.progress(len(sent))
        raise jobs.RetryLater(_l("%(n)s thư chưa gửi được; sẽ thử lại.", n=len(set(emails) - set(sent))))


# ---------------------------------------------------------------- a month's receipts in one file

BULK_LIMIT = 1000
MONTH_KEY = re.compile(r"20\d\d-(0[1-9]|1[0-2])")  # what <input type="month"> sends


def _bulk_query(school_id: int, month_key: str, class_id: int | None, tz_name: str):
    from lms.people.models import Enrollment

    year, month = rules.month_of_key(month_key)
    start = local_to_utc(datetime(year, month, 1), tz_name)
    end = local_to_utc(datetime(year + month // 12, month % 12 + 1, 1), tz_name)
    stmt = (select(Receipt).join(Payment, Payment.id == Receipt.payment_id)
            .where(Receipt.school_id == school_id, Receipt.issued_at >= start, Receipt.issued_at < end))
    if class_id:
        stmt = stmt.where(Payment.student_id.in_(select(Enrollment.student_id).where(Enrollment.class_id == class_id)))
    return stmt


def start_bulk(session: Session, actor, school, month_key: str, class_id: int | None, *, tz_name: str,
               locale: str) -> jobs.Job:
    """One PDF of the receipts issued in a month (of one class, or the whole school), built by a job."""
    if not MONTH_KEY.fullmatch(month_key or ""):
        raise ValidationError(_l("Chọn tháng cần in biên lai."), field="month")
    count = session.scalar(select(func.count()).select_from(
        _bulk_query(school.id, month_key, class_id, tz_name).subquery()))
    if not count:
        raise ValidationError(_l("Không có biên lai nào trong tháng %(m)s.", m=rules.month_label(month_key)),
                              field="month")
    if count > BULK_LIMIT:
        raise ValidationError(ngettext("Tháng này có %(n)s biên lai, quá %(max)s cho một tệp: hãy chọn một lớp.", "Tháng này có %(n)s biên lai, quá %(max)s cho một tệp: hãy chọn một lớp.", count, n=count, max=BULK_LIMIT), field="class_id")
    return jobs.enqueue(session, actor.id, "receipts_pdf", {"month": month_key, "class_id": class_id, "tz": tz_name},
                        school_id=school.id, total=count, locale=locale)


@jobs.handler("receipts_pdf")
def _bulk_receipts(session: Session, ctx: jobs.JobContext) -> None:
    from lms.core.pdf import render_pdf_many
    from lms.people.models import SchoolClass

    p = ctx.params
    receipts = list(session.scalars(_bulk_query(ctx.job.school_id, p["month"], p["class_id"], p["tz"])
                                    .order_by(Receipt.series, Receipt.number)))
    pages = [receipt_html(receipt, ctx.render, ctx.config["PUBLIC_BASE_URL"]) for receipt in receipts]
    label = rules.month_label(p["month"]).replace("/", "-")
    if p["class_id"]:
        label += " " + session.get(SchoolClass, p["class_id"]).name
    ctx.progress(0, len(pages))
    step = max(1, len(pages) // 20)
    pdf = render_pdf_many(pages, lambda i: ctx.progress(i) if i % step == 0 else None)
    ctx.save_result(pdf, "pdf", f"Biên lai tháng {label}.pdf")
