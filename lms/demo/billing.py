"""Demo billing, entered through the billing services: fee types and plans of a public school in
2026–27 (tuition is free, so meals, drinking water, BHYT, uniforms, a club and the parents'
fund), exemptions of every kind, September to December issued, and payments that leave
invoices in every state — paid in cash, by card at the terminal and by bank transfer, partly
paid, overpaid (credit), credit-noted, voided and billed again, refunded, still unpaid."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.billing import fees, invoicing, payments, rules, states
from lms.billing.models import Category, Invoice, InvoiceStatus, Method, Period, Scope
from lms.core.timeutil import local_to_utc, school_tz
from lms.db import refresh_statistics
from lms.people.models import School, Student
from lms.people.services import classes_of_year, current_year, students_of_class

TYPES = [("BANTRU", "Tiền ăn bán trú", Category.SERVICE, True, "NQ 12/2025/NQ-HĐND tỉnh An Giang"),
         ("NUOC", "Nước uống tinh khiết", Category.SERVICE, False, "Thoả thuận với cha mẹ học sinh"),
         ("BHYT", "Bảo hiểm y tế học sinh", Category.ON_BEHALF, False, "Luật BHYT; NĐ 188/2025/NĐ-CP"),
         ("DONGPHUC", "Đồng phục", Category.GOODS, False, "Thông báo công khai ngày 15/8/2026"),
         ("CLB", "Câu lạc bộ Robotics", Category.OPTIONAL, False, "Đăng ký của cha mẹ học sinh"),
         ("QUY", "Quỹ hội cha mẹ học sinh", Category.VOLUNTARY, False, "Tự nguyện")]


def _at(day: date, rng: random.Random, now: datetime) -> datetime:
    """A school-hours time of `day` — never after the demo's clock (on the clock's own day, a
    random hour could be later than it): nothing in the demo happens in its future."""
    return min(local_to_utc(datetime.combine(day, time(rng.randint(7, 19), rng.randint(0, 59))), school_tz()), now)


def seed_billing(session: Session, school: School, accountant: User, rng: random.Random, now: datetime, *,
                 signer, box=None, admin: User | None = None) -> None:
    year = current_year(session, school)
    if year is None:
        return
    t = {code: fees.save_fee_type(session, accountant, school, fees.FeeTypeInput(code, name, cat, True, exempt, basis))
         for code, name, cat, exempt, basis in TYPES}
    classes = classes_of_year(session, year)
    pupils = [(c, s) for c in classes for s in students_of_class(session, c)]
    first_grade = min(c.grade for c in classes)
    club = [s.student_code for _, s in pupils if rng.random() < 0.15]
    plans = [
        fees.PlanInput(t["BANTRU"].id, "Tiền ăn bán trú", 750_000, Period.MONTHLY, [9, 10, 11, 12, 1, 2, 3, 4, 5], 10),
        fees.PlanInput(t["NUOC"].id, "Nước uống", 20_000, Period.MONTHLY, [9, 10, 11, 12, 1, 2, 3, 4, 5], 10),
        fees.PlanInput(t["BHYT"].id, "BHYT học sinh 12 tháng (phần gia đình đóng)", 631_800, Period.YEAR, [9], 25),
        fees.PlanInput(t["DONGPHUC"].id, "Đồng phục (2 bộ)", 360_000, Period.ONCE, [9], 25, Scope.GRADE, [first_grade]),
        fees.PlanInput(t["CLB"].id, "CLB Robotics", 300_000, Period.TERM, [9, 1], 20, Scope.STUDENTS, club),
        fees.PlanInput(t["QUY"].id, "Quỹ hội cha mẹ học sinh", 150_000, Period.YEAR, [10], 28),
    ]
    for plan in plans:
        if plan.scope == Scope.STUDENTS and not plan.targets:
            continue   # a school too small for anyone to have joined the club
        fees.save_plan(session, accountant, school, year, plan)
    start = year.start_date
    benefits = [(100, "Hộ nghèo — Giấy chứng nhận hộ nghèo 2026"), (70, "Học sinh dân tộc thiểu số, xã khu vực III"),
                (50, "Hộ cận nghèo — Quyết định của UBND phường")]
    exempted = rng.sample([s for _, s in pupils], min(len(pupils), 9))
    for i, student in enumerate(exempted):
        percent, reason = benefits[i % 3]
        fees.add_exemption(session, accountant, school, fees.ExemptionInput(
            student.student_code, t["BANTRU"].id, percent, None, start, year.end_date, reason), None, None, {})
    # One pupil holds two benefits: only the more favourable (100 %) is granted.
    fees.add_exemption(session, accountant, school, fees.ExemptionInput(
        exempted[0].student_code, None, None, 100_000, start, year.end_date, "Hỗ trợ của Hội khuyến học"),
        None, None, {})
    if box is not None and admin is not None:   # first: a card payment is taken only on the school's terminal
        _channels(session, school, admin, rng, now, signer, box)
    today = now.date()
    months = [m for m in (9, 10, 11, 12) if date(*rules.month_of_key(rules.month_key(start.year, m)), 1) <= today]
    paid_share = {9: 0.9, 10: 0.8, 11: 0.6, 12: 0.2}
    for month in months:
        run = invoicing.issue_run(session, accountant, school, year, month,
                                  now=_at(date(*rules.month_of_key(rules.month_key(start.year, month)), 1), rng, now))
        key = run.key
        invoices = list(session.scalars(select(Invoice).where(Invoice.school_id == school.id,
                                                              Invoice.period_key == key).order_by(Invoice.id)))
        if month == 10 and invoices:
            # A wrong invoice voided and billed again for the class.
            wrong = invoices[-1]
            payments.void_invoice(session, accountant, wrong, "Lập nhầm trước khi cập nhật miễn giảm", now=wrong.issued_at)
            invoicing.issue_run(session, accountant, school, year, month, wrong.class_id, now=wrong.issued_at)
            invoices = list(session.scalars(select(Invoice).where(Invoice.school_id == school.id, Invoice.period_key == key,
                                                                  Invoice.status != InvoiceStatus.VOID)))
        y, m = rules.month_of_key(key)
        refresh_statistics(session)  # thousands of invoices and lines written in this transaction
        for invoice in invoices:
            if invoice.status not in states.OPEN:
                continue
            roll = rng.random()
            if roll > paid_share[month] + 0.07:
                continue  # still unpaid
            student = session.get(Student, invoice.student_id)
            method = rng.choices(*METHOD_MIX.get(school.code.split("-")[0], METHOD_MIX["TH"]))[0]
            amount = invoice.due if roll <= paid_share[month] else rng.choice([300_000, 500_000])
            if rng.random() < 0.02:
                amount += 50_000   # a family that rounded up: the rest is credit
            day = min(date(y, m, rng.randint(2, 14)), today)
            _pay(session, accountant, school, student, invoice, method, min(amount, rules.MAX_AMOUNT),
                 max(_at(day, rng, now), invoice.issued_at), rng, signer)   # never before the invoice, nor after now
    _corrections(session, school, accountant, rng, now, signer)


# Sandbox keys of the demo only: the local sandbox signs with them; no provider knows them.
DEMO_CHANNELS = {
    "THCS": [("sepay", {"api_key": "demo-sepay-api-key"}),
             ("vnpay", {"tmn_code": "NGUYENDU", "hash_secret": "DEMOVNPAYSECRETNGUYENDU2026"}),
             ("momo", {"partner_code": "MOMONGUYENDU", "access_key": "demo-momo-access", "secret_key": "demo-momo-secret"}),
             ("mobile_money", {"business_id": "demo-business-nguyendu", "channel_code": "VNPTWALLET",
                               "api_key": "xnd_development_demo_nguyendu", "callback_token": "demo-callback-token"}),
             ("pos", {"terminal_ids": "ND000501"})],
    "THPT": [("casso", {"checksum_key": "demo-casso-checksum-key"}),
             ("payos", {"client_id": "demo-payos-client-longxuyen", "api_key": "demo-payos-api-key",
                        "checksum_key": "demo-payos-checksum-key"}),
             ("vnpay", {"tmn_code": "LONGXUYE", "hash_secret": "DEMOVNPAYSECRETLONGXUYEN2026"}),
             ("pos", {"terminal_ids": "LX000702"})],
}


def _channels(session, school, admin, rng, now, signer, box) -> None:
    """Sandbox channels (THCS: SePay, VNPay, MoMo, Mobile Money through the aggregator — counted as
    website until confirmed —, card terminal; THPT: Casso, payOS, VNPay, card terminal; the primary school
    only its VietQR, so its page warns), and two transfers waiting to be matched."""
    from lms.billing import channel_settings, matching

    level = school.code.split("-")[0]
    for channel, values in DEMO_CHANNELS.get(level, []):
        channel_settings.save_channel(session, admin, school, channel, values, enabled=True, counts_as=None,
                                      mode="sandbox", box=box)
    if level == "THCS":
        for i, (amount, content, payer) in enumerate([(770_000, "chuyen tien an thang 11 cho chau Khang lop 6A2",
                                                       "NGUYEN VAN TAM"),
                                                      (150_000, "UNG HO QUY KHUYEN HOC", "CONG TY TNHH AN PHAT")]):
            matching.receive_transfer(session, school, matching.TransferIn(
                "sepay", f"demo-{i}", amount, content, now - timedelta(days=2 - i), bank_reference=f"FT2633{i:06d}",
                counter_name=payer, account_number=school.bank_account_number), signer=signer, now=now)


# How families pay, per level: the primary school has only its VietQR and cash; the others take
# cards and, through their gateways, website payments (VNPay, MoMo; payOS links count as QR).
METHOD_MIX = {"TH": ([Method.QR, Method.CASH], [0.7, 0.3]),
              "THCS": ([Method.QR, Method.WEBSITE, Method.CARD_POS, Method.CASH], [0.5, 0.12, 0.13, 0.25]),
              "THPT": ([Method.QR, Method.WEBSITE, Method.CARD_POS, Method.CASH], [0.52, 0.1, 0.13, 0.25])}
GATEWAYS = {"THCS": ("vnpay", "momo"), "THPT": ("vnpay",)}


def _pay(session, accountant, school, student, invoice, method, amount, at, rng, signer):
    extra = {}
    if method == Method.CARD_POS:
        extra = {"terminal_id": "ND000501" if school.code.startswith("THCS") else "LX000702",
                 "approval_code": f"{rng.randint(0, 999999):06d}", "rrn": f"{rng.randint(0, 10**12 - 1):012d}",
                 "card_last4": f"{rng.randint(0, 9999):04d}", "card_scheme": rng.choice(["NAPAS", "Visa", "Mastercard"])}
    elif method == Method.QR:
        extra = {"channel": "vietqr_bank", "provider": "bank",
                 "provider_txn_id": f"FT{at:%y%j}{rng.randint(0, 10**8 - 1):08d}"}
    elif method == Method.WEBSITE:
        gateway = rng.choice(GATEWAYS.get(school.code.split("-")[0], ("vnpay",)))
        extra = {"channel": gateway, "provider": gateway, "provider_txn_id": f"{rng.randint(10**7, 10**8 - 1)}"}
    data = payments.PaymentInput(method, amount, invoice.payer_name, at,
                                 note={Method.QR: "Chuyển khoản, đối soát theo sao kê",
                                       Method.WEBSITE: "Thanh toán trực tuyến"}.get(method, ""), **extra)
    return payments.record_payment(session, accountant, school, student, invoice, data, signer=signer, now=at)


def _corrections(session, school, accountant, rng, now, signer) -> None:
    """A credit note on a paid invoice, its credit partly refunded (paid out), another refund
    waiting to be paid out, and credit used on a later invoice."""
    paid = list(session.scalars(select(Invoice).where(Invoice.school_id == school.id, Invoice.status == InvoiceStatus.PAID,
                                                      Invoice.total > 0).order_by(Invoice.id).limit(3)))
    if len(paid) < 2:
        return
    first = paid[0]
    payments.add_credit_note(session, accountant, first, min(150_000, first.total), "Học sinh nghỉ ốm 8 ngày: giảm tiền ăn",
                             now=min(first.issued_at + timedelta(days=20), now))
    pay = session.scalars(select(payments.Payment).where(payments.Payment.student_id == first.student_id)
                          .order_by(payments.Payment.id)).first()
    if pay is not None:
        refund = payments.request_refund(session, accountant, pay, min(100_000, payments.credit_of(session, first.student_id)),
                                         "cash", "Trả lại tiền ăn những ngày nghỉ", now=now - timedelta(days=3))
        payments.pay_refund(session, accountant, refund, "PC-0012", now=now - timedelta(days=2))
    second = paid[1]
    payments.add_credit_note(session, accountant, second, min(200_000, second.total), "Không đăng ký câu lạc bộ",
                             now=min(second.issued_at + timedelta(days=15), now))
    pay2 = session.scalars(select(payments.Payment).where(payments.Payment.student_id == second.student_id)
                           .order_by(payments.Payment.id)).first()
    if pay2 is not None:
        payments.request_refund(session, accountant, pay2, min(100_000, payments.credit_of(session, second.student_id)),
                                "bank", "Hoàn về tài khoản đã chuyển", now=now - timedelta(days=1))
    later = session.scalars(select(Invoice).where(Invoice.student_id == second.student_id,
                                                  Invoice.status.in_(states.OPEN))).first()
    if later is not None and payments.credit_of(session, second.student_id):
        payments.apply_credit(session, accountant, later, None, now=now)
