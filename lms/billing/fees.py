"""Fee types, fee plans and exemptions: what the accountant sets up before issuing invoices."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.billing import rules
from lms.billing.models import Category, Exemption, FeePlan, FeeType, Period, Scope
from lms.core import audit, uploads
from lms.core.cards import refuse_card_numbers
from lms.core.numbers import money
from lms.core.errors import NotFound, ValidationError
from lms.core.storage import Area
from lms.core.text import nfc
from lms.i18n import lazy_gettext as _l
from lms.people.models import SchoolClass, Student, School, SchoolYear

CODE_RE = re.compile(r"^[A-Z0-9_-]{1,20}$")
CATEGORY_LABELS = {
    Category.TUITION: _l("Học phí"), Category.SERVICE: _l("Dịch vụ (bán trú, nội trú…)"),
    Category.ON_BEHALF: _l("Thu hộ (BHYT…)"), Category.GOODS: _l("Hàng hoá (đồng phục, sách vở)"),
    Category.OPTIONAL: _l("Dịch vụ tự chọn (CLB, xe đưa đón)"), Category.VOLUNTARY: _l("Tự nguyện (quỹ, tài trợ)"),
}
PERIOD_LABELS = {Period.MONTHLY: _l("Hằng tháng"), Period.TERM: _l("Theo học kỳ"), Period.YEAR: _l("Cả năm"),
                 Period.ONCE: _l("Một lần")}
SCOPE_LABELS = {Scope.SCHOOL: _l("Toàn trường"), Scope.GRADE: _l("Theo khối"), Scope.CLASS: _l("Theo lớp"),
                Scope.STUDENTS: _l("Học sinh được chọn")}
MONTH_ERRORS = {
    "none": _l("Chọn ít nhất một tháng thu."),
    "invalid": _l("Tháng thu phải là các tháng 1–12, mỗi tháng một lần."),
    "tuition_months": _l("Học phí thu theo tháng tối đa 9 tháng một năm học."),
    "term_months": _l("Khoản thu theo học kỳ có tối đa hai tháng thu (mỗi học kỳ một tháng)."),
    "one_month": _l("Khoản thu cả năm hoặc một lần có đúng một tháng thu."),
}


# ---------------------------------------------------------------- fee types

@dataclass
class FeeTypeInput:
    code: str
    name: str
    category: str
    mandatory: bool = True
    exemptions_apply: bool = False
    legal_basis: str = ""


def fee_types_of(session: Session, school: School) -> list[FeeType]:
    return list(session.scalars(select(FeeType).where(FeeType.school_id == school.id).order_by(FeeType.code)))


def save_fee_type(session: Session, actor: User, school: School, data: FeeTypeInput,
                  fee_type: FeeType | None = None) -> FeeType:
    code = nfc(data.code).strip().upper()
    name = nfc(data.name).strip()
    if not CODE_RE.match(code):
        raise ValidationError(_l("Mã khoản thu gồm chữ in hoa không dấu, chữ số, “-” hoặc “_”, tối đa 20 ký tự."),
                              field="code")
    if not name:
        raise ValidationError(_l("Nhập tên khoản thu."), field="name")
    if data.category not in set(Category):
        raise ValidationError(_l("Chọn nhóm khoản thu."), field="category")
    taken = session.scalar(select(FeeType.id).where(FeeType.school_id == school.id, FeeType.code == code))
    if taken is not None and (fee_type is None or taken != fee_type.id):
        raise ValidationError(_l("Mã %(c)s đã dùng cho một khoản thu khác.", c=code), field="code")
    if fee_type is None:
        fee_type = FeeType(school_id=school.id)
        session.add(fee_type)
    mandatory = data.mandatory and data.category not in (Category.VOLUNTARY, Category.OPTIONAL)
    fee_type.code, fee_type.name, fee_type.category = code, name[:120], data.category
    fee_type.mandatory, fee_type.exemptions_apply = mandatory, data.exemptions_apply
    fee_type.legal_basis = nfc(data.legal_basis).strip()[:200]
    session.flush()
    audit.record(session, "fee_type_saved", actor_id=actor.id, school_id=school.id, subject_type="fee_type",
                 subject_id=fee_type.id, detail=code)
    return fee_type


def get_fee_type(session: Session, school: School, fee_type_id: int) -> FeeType:
    row = session.get(FeeType, fee_type_id)
    if row is None or row.school_id != school.id:
        raise NotFound(_l("Không có khoản thu này."))
    return row


# ---------------------------------------------------------------- plans

@dataclass
class PlanInput:
    fee_type_id: int
    name: str
    amount: int | None
    period: str
    months: list[int]
    due_day: int | None = 15
    scope: str = Scope.SCHOOL
    targets: list = field(default_factory=list)   # grades, class ids, or student codes by scope
    active: bool = True


def plans_of(session: Session, school: School, year: SchoolYear | None) -> list[FeePlan]:
    if year is None:
        return []
    return list(session.scalars(select(FeePlan).where(FeePlan.school_id == school.id,
                                                      FeePlan.school_year_id == year.id)
                                .order_by(FeePlan.active.desc(), FeePlan.id)))


def _targets(session: Session, school: School, year: SchoolYear, scope: str, raw: list) -> list:
    if scope == Scope.SCHOOL:
        return []
    if not raw:
        raise ValidationError(_l("Chọn đối tượng áp dụng (khối, lớp hoặc học sinh)."), field="targets")
    if scope == Scope.GRADE:
        grades = sorted({int(g) for g in raw})
        wrong = [g for g in grades if g not in school.grades]
        if wrong:
            raise ValidationError(_l("Trường không có khối %(g)s.", g=", ".join(map(str, wrong))), field="targets")
        return grades
    if scope == Scope.CLASS:
        ids = sorted({int(c) for c in raw})
        found = set(session.scalars(select(SchoolClass.id).where(SchoolClass.id.in_(ids),
                                                                 SchoolClass.school_id == school.id,
                                                                 SchoolClass.school_year_id == year.id)))
        if found != set(ids):
            raise ValidationError(_l("Có lớp không thuộc năm học này của trường."), field="targets")
        return ids
    codes = [str(c).strip() for c in raw if str(c).strip()]
    students = dict(session.execute(select(Student.student_code, Student.id).where(
        Student.school_id == school.id, Student.student_code.in_(codes))).all())
    unknown = [c for c in codes if c not in students]
    if unknown:
        raise ValidationError(_l("Không có học sinh mang mã: %(c)s.", c=", ".join(unknown[:10])), field="targets")
    return sorted({students[c] for c in codes})


def save_plan(session: Session, actor: User, school: School, year: SchoolYear, data: PlanInput,
              plan: FeePlan | None = None) -> FeePlan:
    """Create or change a plan. Invoices already issued keep their lines as they were."""
    fee_type = get_fee_type(session, school, data.fee_type_id)
    name = nfc(data.name).strip() or fee_type.name
    if data.amount is None or not 0 < data.amount <= rules.MAX_AMOUNT:
        raise ValidationError(_l("Số tiền phải từ 1 đến %(m)s đồng.", m=money(rules.MAX_AMOUNT)),
                              field="amount")
    if data.period not in set(Period):
        raise ValidationError(_l("Chọn kỳ thu."), field="period")
    problem = rules.check_months(fee_type.category, data.period, data.months)
    if problem:
        raise ValidationError(MONTH_ERRORS[problem], field="months")
    if data.due_day is None or not 1 <= data.due_day <= 28:
        raise ValidationError(_l("Hạn nộp là một ngày từ 1 đến 28 của tháng thu."), field="due_day")
    if data.scope not in set(Scope):
        raise ValidationError(_l("Chọn đối tượng áp dụng."), field="scope")
    targets = _targets(session, school, year, data.scope, data.targets)
    if plan is None:
        plan = FeePlan(school_id=school.id, school_year_id=year.id, created_by=actor.id)
        session.add(plan)
    plan.fee_type_id, plan.name, plan.amount, plan.period = fee_type.id, name[:160], data.amount, data.period
    plan.months = ",".join(str(m) for m in rules.ordered_months(data.months))
    plan.due_day, plan.scope, plan.targets, plan.active = data.due_day, data.scope, targets, data.active
    session.flush()
    audit.record(session, "fee_plan_saved", actor_id=actor.id, school_id=school.id, subject_type="fee_plan",
                 subject_id=plan.id, detail=f"{fee_type.code} {data.amount}")
    return plan


def target_codes(session: Session, plan: FeePlan) -> list[str]:
    """The student codes of a plan for chosen pupils (the form shows codes, the plan keeps ids)."""
    if plan.scope != Scope.STUDENTS or not plan.targets:
        return []
    return list(session.scalars(select(Student.student_code).where(Student.id.in_(plan.targets))
                                .order_by(Student.student_code)))


# ---------------------------------------------------------------- exemptions

@dataclass
class ExemptionInput:
    student_code: str
    fee_type_id: int | None
    percent: int | None
    amount: int | None
    valid_from: date | None
    valid_to: date | None
    reason: str


def exemptions_of(session: Session, school: School) -> list[Exemption]:
    """Every exemption of the school, those still standing first."""
    return list(session.scalars(select(Exemption).where(Exemption.school_id == school.id)
                                .order_by(Exemption.revoked_at.is_not(None), Exemption.id.desc())))


def add_exemption(session: Session, actor: User, school: School, data: ExemptionInput,
                  evidence: tuple[str, bytes] | None, folder: Area, limits_mb: dict[str, int]) -> Exemption:
    student = session.scalars(select(Student).where(Student.school_id == school.id,
                                                    Student.student_code == nfc(data.student_code).strip())).first()
    if student is None:
        raise ValidationError(_l("Không có học sinh mang mã “%(c)s” trong trường.", c=data.student_code),
                              field="student_code")
    if data.fee_type_id:
        fee_type = get_fee_type(session, school, data.fee_type_id)
        if not fee_type.exemptions_apply:
            raise ValidationError(_l("Khoản “%(n)s” không áp dụng miễn giảm.", n=fee_type.name), field="fee_type_id")
    if data.percent is not None and data.amount is not None:
        # Both given contradict each other: never guess which one was meant.
        raise ValidationError(_l("Đã chọn mức “%(p)s %%” nhưng cũng nhập số tiền giảm. Để giảm theo số tiền, chọn "
                                 "“Theo số tiền”; để giảm theo phần trăm, xoá số tiền.", p=data.percent), field="amount")
    if data.percent is None and data.amount is None:
        raise ValidationError(_l("Chọn mức miễn giảm theo phần trăm hoặc nhập số tiền giảm (một trong hai)."),
                              field="percent")
    if data.percent is not None and data.percent not in rules.PERCENTS:
        raise ValidationError(_l("Mức miễn giảm theo phần trăm là 100, 70 hoặc 50."), field="percent")
    if data.amount is not None and not 0 < data.amount <= rules.MAX_AMOUNT:
        raise ValidationError(_l("Số tiền giảm phải lớn hơn 0 và không quá %(m)s đồng.", m=money(rules.MAX_AMOUNT)),
                              field="amount")
    if data.valid_from is None or data.valid_to is None or data.valid_from > data.valid_to:
        raise ValidationError(_l("Nhập thời gian hiệu lực: từ ngày không sau đến ngày."), field="valid_to")
    reason = nfc(data.reason).strip()
    if not reason:
        raise ValidationError(_l("Nhập căn cứ miễn giảm (đối tượng, quyết định…)."), field="reason")
    refuse_card_numbers(reason=reason)
    row = Exemption(school_id=school.id, student_id=student.id, fee_type_id=data.fee_type_id or None,
                    percent=data.percent, amount=data.amount, valid_from=data.valid_from, valid_to=data.valid_to,
                    reason=reason[:300], created_by=actor.id)
    if evidence is not None:
        name, content = evidence
        checked = uploads.check_upload(name, content, limits_mb)
        checked, content = uploads.without_metadata(checked, content)
        row.evidence_path, row.evidence_name = folder.save(checked, content), checked.filename
    session.add(row)
    session.flush()
    audit.record(session, "exemption_added", actor_id=actor.id, school_id=school.id, subject_type="student",
                 subject_id=student.id, detail=f"{data.percent or data.amount}")
    return row


def revoke_exemption(session: Session, actor: User, exemption: Exemption, now: datetime) -> None:
    """Ends an exemption for invoices issued from now on; invoices already issued keep theirs."""
    if exemption.revoked_at is None:
        exemption.revoked_at, exemption.revoked_by = now, actor.id
        session.flush()
        audit.record(session, "exemption_revoked", actor_id=actor.id, school_id=exemption.school_id,
                     subject_type="student", subject_id=exemption.student_id)


def benefits_of(session: Session, school: School, student_ids: list[int] | None = None) -> dict[int, list[rules.Benefit]]:
    stmt = select(Exemption).where(Exemption.school_id == school.id, Exemption.revoked_at.is_(None))
    if student_ids is not None:
        stmt = stmt.where(Exemption.student_id.in_(student_ids or [0]))
    out: dict[int, list[rules.Benefit]] = {}
    for e in session.scalars(stmt.order_by(Exemption.id)):
        out.setdefault(e.student_id, []).append(rules.Benefit(e.id, e.fee_type_id, e.percent, e.amount,
                                                              e.valid_from, e.valid_to))
    return out


def benefit_text(benefit: rules.Benefit) -> str:
    if benefit.percent is not None:
        return str(_l("Miễn giảm %(p)s %%", p=benefit.percent))
    return str(_l("Giảm %(a)s đ", a=money(benefit.amount)))
