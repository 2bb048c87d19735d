"""Issuing a month's invoices for the whole school or one class, in one action.

`plan_run()` works out, without writing, what each pupil would be billed for the month: every
active plan whose billing months include it and whose scope takes the pupil, less the best
exemption, less what is already billed (a line is unique per plan, pupil and month). The preview
shows its totals; `issue_run()` recomputes the same plan and writes it: invoice numbers reserved
in one guarded UPDATE, invoices and lines inserted in bulk, one balanced posting per invoice.
Running it again finds nothing left to bill and creates nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.core.numbers import money_vnd
from lms.auth.models import User
from lms.billing import fees, ledger, rules, states
from lms.billing.ledger import Account, cr, dr
from lms.billing.models import (Category, FeePlan, Invoice, InvoiceEvent, InvoiceLine, Period, Scope)
from lms.billing.reference import SCHOOL_DIGITS, SERIAL_DIGITS, invoice_reference
from lms.core import audit, jobs
from lms.core.errors import ValidationError
from lms.core.timeutil import utcnow
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext
from lms.people.models import Enrollment, Guardianship, School, SchoolClass, SchoolYear, Student

PREFIX = "HP"
TERM_NAMES = {1: "HK I", 2: "HK II"}


@dataclass
class DraftLine:
    plan: FeePlan
    base: int
    discount: int
    benefit: rules.Benefit | None
    label: str

    @property
    def amount(self) -> int:
        return self.base - self.discount


@dataclass
class Draft:
    student: Student
    school_class: SchoolClass
    payer_name: str
    lines: list[DraftLine] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)


@dataclass
class ClassTotals:
    school_class: SchoolClass
    invoices: int = 0
    base: int = 0
    discount: int = 0
    total: int = 0
    exempt: int = 0     # invoices with nothing left to pay


@dataclass
class RunPlan:
    year: SchoolYear
    month: int
    key: str
    drafts: list[Draft]
    already: int               # lines already billed for this month (skipped)
    pupils: int                # pupils in scope of the run
    classes: list[ClassTotals]

    @property
    def total(self) -> int:
        return sum(d.total for d in self.drafts)

    @property
    def base(self) -> int:
        return sum(c.base for c in self.classes)

    @property
    def discount(self) -> int:
        return sum(c.discount for c in self.classes)


def line_label(plan: FeePlan, key: str, year: SchoolYear) -> str:
    y, m = rules.month_of_key(key)
    if plan.period == Period.MONTHLY:
        return f"{plan.name} — tháng {m:02d}/{y}"
    if plan.period == Period.TERM:
        months = plan.month_list
        term = months.index(m) + 1 if len(months) == 2 else (1 if m >= 9 else 2)
        return f"{plan.name} — {TERM_NAMES[term]} {year.name}"
    if plan.period == Period.YEAR:
        return f"{plan.name} — năm học {year.name}"
    return plan.name


def _takes(plan: FeePlan, student_id: int, school_class: SchoolClass) -> bool:
    if plan.scope == Scope.SCHOOL:
        return True
    if plan.scope == Scope.GRADE:
        return school_class.grade in plan.targets
    if plan.scope == Scope.CLASS:
        return school_class.id in plan.targets
    return student_id in plan.targets


def payers_of(session: Session, student_ids: list[int]) -> dict[int, str]:
    """The guardian an invoice is addressed to: the first linked guardian of each pupil."""
    out: dict[int, str] = {}
    for student_id, name in session.execute(select(Guardianship.student_id, User.full_name)
                                            .join(User, User.id == Guardianship.guardian_id)
                                            .where(Guardianship.student_id.in_(student_ids or [0]))
                                            .order_by(Guardianship.id)):
        out.setdefault(student_id, name)
    return out


def plan_run(session: Session, school: School, year: SchoolYear, month: int, class_id: int | None = None) -> RunPlan:
    if month not in rules.SCHOOL_MONTHS:
        raise ValidationError(_l("Chọn tháng thu từ 1 đến 12."), field="month")
    key = rules.month_key(year.start_date.year, month)
    plans = [p for p in fees.plans_of(session, school, year) if p.active and month in p.month_list]
    stmt = (select(Enrollment.student_id, SchoolClass).join(SchoolClass, SchoolClass.id == Enrollment.class_id)
            .where(Enrollment.school_year_id == year.id, SchoolClass.school_id == school.id))
    if class_id:
        stmt = stmt.where(SchoolClass.id == class_id)
    enrolled = session.execute(stmt).all()
    if class_id and not enrolled and session.get(SchoolClass, class_id) is None:
        raise ValidationError(_l("Không có lớp này."), field="class_id")
    student_ids = [sid for sid, _ in enrolled]
    students = {s.id: s for s in session.scalars(select(Student).where(Student.id.in_(student_ids or [0])))}
    billed = set(session.execute(select(InvoiceLine.fee_plan_id, InvoiceLine.student_id).where(
        InvoiceLine.period_key == key, InvoiceLine.live.is_(True),
        InvoiceLine.fee_plan_id.in_([p.id for p in plans] or [0]))).all())
    benefits = fees.benefits_of(session, school, student_ids)
    payers = payers_of(session, student_ids)
    due_on = date(*rules.month_of_key(key), 1)
    drafts, already, totals = [], 0, {}
    for student_id, school_class in sorted(enrolled, key=lambda r: (r[1].grade, r[1].name,
                                                                    students[r[0]].sort_name)):
        student = students[student_id]
        draft = Draft(student, school_class, payers.get(student_id, student.full_name))
        for plan in plans:
            if not _takes(plan, student_id, school_class):
                continue
            if (plan.id, student_id) in billed:
                already += 1
                continue
            discount, benefit = rules.best_benefit(plan.amount, plan.fee_type_id, plan.fee_type.exemptions_apply,
                                                   due_on, benefits.get(student_id, []))
            draft.lines.append(DraftLine(plan, plan.amount, discount, benefit, line_label(plan, key, year)))
        if draft.lines:
            drafts.append(draft)
            t = totals.setdefault(school_class.id, ClassTotals(school_class))
            t.invoices += 1
            t.base += sum(line.base for line in draft.lines)
            t.discount += sum(line.discount for line in draft.lines)
            t.total += draft.total
            t.exempt += draft.total == 0
    return RunPlan(year, month, key, drafts, already, len(enrolled), list(totals.values()))


def check_run(school: School, run: RunPlan) -> None:
    """What would stop a run from being issued, as the error to show (before a job is started)."""
    if not (school.bank_bin and school.bank_account_number and school.bank_account_name):
        raise ValidationError(_l("Trường chưa khai báo tài khoản ngân hàng nhận tiền: hoá đơn phải ghi người "
                                 "thụ hưởng. Quản trị trường khai báo ở mục Thông tin trường."))
    if school.id >= 10 ** SCHOOL_DIGITS:
        raise ValidationError(ngettext("Mã hoá đơn chỉ dành chỗ cho %(n)s trường trong một hệ thống.", "Mã hoá đơn chỉ dành chỗ cho %(n)s trường trong một hệ thống.", 10 ** SCHOOL_DIGITS - 1, n=10 ** SCHOOL_DIGITS - 1))
    too_big = next((d for d in run.drafts if d.total > rules.MAX_AMOUNT), None)
    if too_big is not None:
        raise ValidationError(_l("Hoá đơn của %(n)s vượt 500 triệu đồng, mức tối đa một lần chuyển khoản.",
                                 n=too_big.student.full_name))


def issue_run(session: Session, actor: User, school: School, year: SchoolYear, month: int,
              class_id: int | None = None, *, now: datetime) -> RunPlan:
    """Issue what `plan_run` finds. Refuses when the school has no account to be paid into."""
    run = plan_run(session, school, year, month, class_id)
    check_run(school, run)
    if not run.drafts:
        return run
    first = ledger.take_numbers(session, school.id, "invoice", len(run.drafts))
    if first + len(run.drafts) > 10 ** SERIAL_DIGITS:
        raise ValidationError(_l("Trường đã dùng hết %(n)s số hoá đơn của mình.", n=10 ** SERIAL_DIGITS - 1))
    label = rules.month_label(run.key)
    invoices = []
    for offset, draft in enumerate(run.drafts):
        number = first + offset
        due_date = min(rules.due_date_of(run.key, line.plan.due_day) for line in draft.lines)
        status = states.status_for(draft.total, 0, 0)
        invoice = Invoice(school_id=school.id, student_id=draft.student.id, class_id=draft.school_class.id,
                          school_year_id=year.id, number=number, code=invoice_reference(PREFIX, school.id, number),
                          period_key=run.key, payer_name=draft.payer_name[:120],
                          beneficiary_name=school.bank_account_name, student_name=draft.student.full_name,
                          class_name=draft.school_class.name, total=draft.total, paid=0, credited=0,
                          status=status, due_date=due_date, issued_at=now, issued_by=actor.id,
                          reason=f"Thu tiền tháng {label} HS {draft.student.full_name} lớp {draft.school_class.name}"[:200])
        invoices.append(invoice)
    session.add_all(invoices)
    session.flush()
    lines, events, postings = [], [], []
    for invoice, draft in zip(invoices, run.drafts):
        for line in draft.lines:
            lines.append(InvoiceLine(invoice_id=invoice.id, fee_plan_id=line.plan.id, fee_type_id=line.plan.fee_type_id,
                                     student_id=draft.student.id, period_key=run.key,
                                     due_date=rules.due_date_of(run.key, line.plan.due_day), description=line.label[:200],
                                     category=line.plan.fee_type.category, mandatory=line.plan.fee_type.mandatory,
                                     base_amount=line.base, discount=line.discount, amount=line.amount,
                                     exemption_id=line.benefit.id if line.benefit else None,
                                     exemption_text=fees.benefit_text(line.benefit) if line.benefit else "", live=True))
        events.append(InvoiceEvent(invoice_id=invoice.id, at=now, actor_id=actor.id, action="issued",
                                   to_status=invoice.status, amount=invoice.total))
        on_behalf = sum(line.amount for line in draft.lines if line.plan.fee_type.category == Category.ON_BEHALF)
        refs = {"student_id": draft.student.id, "invoice_id": invoice.id}
        postings.append(("invoice", [dr(Account.RECEIVABLE, invoice.total, **refs),
                                     cr(Account.REVENUE, invoice.total - on_behalf, **refs),
                                     cr(Account.ON_BEHALF, on_behalf, **refs)], invoice.code))
    session.add_all(lines + events)
    ledger.post_many(session, school.id, postings, actor_id=actor.id)
    _tell_guardians(session, school, invoices)
    session.flush()
    audit.record(session, "invoices_issued", actor_id=actor.id, school_id=school.id, subject_type="school",
                 subject_id=school.id, detail=f"{run.key} class={class_id or 'all'} n={len(invoices)}")
    return run


def start_run(session: Session, actor: User, school: School, year: SchoolYear, month: int,
              class_id: int | None, *, locale: str, planned: int) -> jobs.Job:
    """Issue the month in the background (a whole school is thousands of rows): the job runs
    `issue_run` in one transaction, so it issues everything or nothing. Its progress counts
    invoices: `planned` of them (the plan the accountant confirmed), then the number issued."""
    key = rules.month_key(year.start_date.year, month)
    return jobs.enqueue(session, actor.id, "invoice_run", {"year_id": year.id, "month": month, "class_id": class_id,
                                                           "period": key},
                        school_id=school.id, total=planned, locale=locale)


@jobs.handler("invoice_run")
def _issue_in_background(session: Session, ctx: jobs.JobContext) -> None:

    p = ctx.params
    school, year = session.get(School, ctx.job.school_id), session.get(SchoolYear, p["year_id"])
    actor = session.get(User, ctx.job.user_id)
    ctx.progress(0, None, str(_l("Đang phát hành…")))
    run = issue_run(session, actor, school, year, p["month"], p["class_id"], now=utcnow())
    if run.drafts:
        message = ngettext("Đã phát hành %(n)s hoá đơn tháng %(m)s, tổng %(t)s.", "Đã phát hành %(n)s hoá đơn tháng %(m)s, tổng %(t)s.", len(run.drafts), n=len(run.drafts), m=rules.month_label(run.key), t=money_vnd(run.total))
    else:
        message = _l("Không có gì mới để phát hành: các khoản của tháng này đã có hoá đơn.")
    # Counted in invoices, as the page says ("7/7 hoá đơn"); commits the invoices and the job's end together.
    ctx.progress(len(run.drafts), len(run.drafts), str(message))


def _tell_guardians(session: Session, school: School, invoices: list[Invoice]) -> None:
    """One notice per guardian and invoice that asks for money (amount, due date, code; the
    details are behind the sign-in)."""
    from lms.core import notify

    guardians: dict[int, list[User]] = {}
    for student_id, user in session.execute(select(Guardianship.student_id, User).join(
            User, User.id == Guardianship.guardian_id).where(
            Guardianship.student_id.in_([i.student_id for i in invoices] or [0]))):
        guardians.setdefault(student_id, []).append(user)
    for invoice in invoices:
        if invoice.total > 0:
            notify.notify(session, guardians.get(invoice.student_id, []), "invoice_issued",
                          {"student": invoice.student_name, "amount": invoice.total,
                           "due": invoice.due_date.strftime("%d/%m/%Y"), "code": invoice.code},
                          f"/fees/invoices/{invoice.id}", school.id, flush=False)


def billing_months(year: SchoolYear) -> list[tuple[int, str]]:
    """The months of a school year for the month picker, as (month, "12/2026")."""
    return [(m, rules.month_label(rules.month_key(year.start_date.year, m))) for m in rules.SCHOOL_MONTHS]


def invoices_per_month(session: Session, year: SchoolYear) -> dict[str, int]:
    """How many invoices each month of the year has (for the issue page)."""
    from sqlalchemy import func

    return dict(session.execute(select(Invoice.period_key, func.count()).where(Invoice.school_year_id == year.id)
                                .group_by(Invoice.period_key)).all())

