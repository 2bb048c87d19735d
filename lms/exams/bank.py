"""The question bank: categories per school and subject (shared with colleagues), questions with
topic, cognitive level, grade and tags, and their immutable versions."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.core import audit
from lms.core.errors import DomainError, ValidationError, problems_of
from lms.core.text import fold, nfc, nfc_text
from lms.core.numbers import local_decimal
from lms.db import matching_words, where_given
from lms.exams import qtypes
from lms.exams.mathtext import plain
from lms.exams.models import CategoryShare, Question, QuestionCategory, QuestionStatus, QuestionVersion
from lms.exams.permissions import category_access, require_category
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext
from lms.people.models import Membership, School, Subject

TEXT_MAX = 20_000


def to_e4(value: Decimal | str | int, what: str = "mark") -> int:
    """Points (0,25 or 1 or "0.5") in ten-thousandths."""
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise ValidationError(_l("“%(v)s” không phải là số điểm.", v=value), field=what) from None
    if not number.is_finite() or number <= 0 or number > 100:
        raise ValidationError(_l("Điểm phải lớn hơn 0 và không quá 100 (đã nhập “%(v)s”).", v=str(value).strip()[:20]),
                              field=what)
    return int((number * 10000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def e4_text(value: int | None, locale: str | None = "vi") -> str:
    """2500 → "0,25" ("0.25" in English); 10000 → "1"."""
    if value is None:
        return ""
    return local_decimal((Decimal(value) / 10000).normalize(), locale)


# ---------------------------------------------------------------- categories

def categories_for(session: Session, user: User, role: str, school: School) -> list[tuple[QuestionCategory, str]]:
    """Every category the user may use, with "edit" or "use", in subject and name order."""
    stmt = select(QuestionCategory).join(Subject, Subject.id == QuestionCategory.subject_id).where(
        QuestionCategory.school_id == school.id)
    if role != "admin":
        shared = select(CategoryShare.category_id).where(CategoryShare.user_id == user.id)
        stmt = stmt.where(or_(QuestionCategory.owner_id == user.id, QuestionCategory.id.in_(shared)))
    categories = sorted(session.scalars(stmt), key=lambda c: (c.subject.name, category_path(c)))
    shares = {s.category_id: s for s in session.scalars(select(CategoryShare).where(
        CategoryShare.user_id == user.id, CategoryShare.category_id.in_([c.id for c in categories] or [0])))}
    out = []
    for c in categories:
        if role == "admin" or c.owner_id == user.id:
            out.append((c, "edit"))
        else:
            out.append((c, "edit" if shares[c.id].can_edit else "use"))
    return out


def category_path(category: QuestionCategory) -> str:
    names, node, seen = [], category, set()
    while node is not None and node.id not in seen:
        seen.add(node.id)
        names.append(node.name)
        node = node.parent
    return " / ".join(reversed(names))


def descendants(session: Session, category: QuestionCategory) -> list[int]:
    """The category and every category below it."""
    ids, frontier = [category.id], [category.id]
    while frontier:
        frontier = list(session.scalars(select(QuestionCategory.id).where(QuestionCategory.parent_id.in_(frontier),
                                                                          QuestionCategory.id.notin_(ids))))
        ids.extend(frontier)
    return ids


def save_category(session: Session, actor: User, role: str, school: School, *, subject_id: int, name: str,
                  parent_id: int | None = None, category: QuestionCategory | None = None) -> QuestionCategory:
    name = nfc(name)
    if not name:
        raise ValidationError(_l("Nhập tên danh mục."), field="name")
    if len(name) > 200:
        raise ValidationError(_l("Tên danh mục dài quá 200 ký tự."), field="name")
    subject = session.get(Subject, subject_id)
    if subject is None or subject.school_id != school.id:
        raise ValidationError(_l("Chọn môn học của trường."), field="subject_id")
    parent = None
    if parent_id:
        parent = session.get(QuestionCategory, parent_id)
        if parent is None or parent.school_id != school.id or parent.subject_id != subject.id:
            raise ValidationError(_l("Danh mục cha phải cùng môn học."), field="parent_id")
        require_category(session, actor, role, parent, edit=True)
        if category is not None and parent.id in descendants(session, category):
            raise ValidationError(_l("Không thể đặt danh mục vào bên trong chính nó."), field="parent_id")
    if category is None:
        category = QuestionCategory(school_id=school.id, owner_id=actor.id, subject_id=subject.id, name=name)
        session.add(category)
    else:
        require_category(session, actor, role, category, edit=True)
        category.subject_id = subject.id
    category.name, category.parent_id = name, parent.id if parent else None
    session.flush()
    return category


def share_category(session: Session, actor: User, role: str, school: School, category: QuestionCategory,
                   shares: dict[int, bool]) -> int:
    """Set the colleagues of a category: user id → may edit. Only the owner or an admin shares."""
    if not (role == "admin" or category.owner_id == actor.id):
        raise ValidationError(_l("Chỉ người tạo danh mục hoặc quản trị trường được chia sẻ."))
    teachers = set(session.scalars(select(Membership.user_id).where(Membership.school_id == school.id,
                                                                    Membership.role.in_(("teacher", "admin")))))
    if set(shares) - teachers:
        raise ValidationError(_l("Chỉ chia sẻ được với giáo viên của trường."), field="shares")
    existing = {s.user_id: s for s in session.scalars(select(CategoryShare).where(
        CategoryShare.category_id == category.id))}
    for user_id, row in existing.items():
        if user_id not in shares:
            session.delete(row)
    for user_id, can_edit in shares.items():
        if user_id == category.owner_id:
            continue
        row = existing.get(user_id)
        if row is None:
            session.add(CategoryShare(category_id=category.id, user_id=user_id, can_edit=can_edit))
        else:
            row.can_edit = can_edit
    session.flush()
    audit.record(session, "category_shared", actor_id=actor.id, school_id=school.id, subject_type="question_category",
                 subject_id=category.id, detail=f"{len(shares)} colleagues")
    return len(shares)


def shares_of(session: Session, category: QuestionCategory) -> list[CategoryShare]:
    return list(session.scalars(select(CategoryShare).where(CategoryShare.category_id == category.id)))


# ---------------------------------------------------------------- questions

@dataclass
class QuestionInput:
    category_id: int
    qtype: str
    text: str
    data: dict = field(default_factory=dict)
    general_feedback: str = ""
    name: str = ""
    topic: str = ""
    level: int = 1
    grade: int | None = None
    tags: str = ""
    default_mark: str = "1"
    status: str = QuestionStatus.READY


def search_form(text: str) -> str:
    """Text as the bank's search compares it: folded (accents, case), formulas as their readable
    text and sub/superscripts as plain digits — "$\\mathrm{H}_{2}\\mathrm{O}$", "H₂O" and "H2O" all
    read "h2o", "$x^{2}$" reads "x2"."""
    return fold(unicodedata.normalize("NFKC", plain(re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", text or ""))))


def _search_text(question: Question, text: str) -> str:
    return search_form(" ".join([question.name, question.topic, question.tags, text[:600]]))[:1000]


def question_problems(session: Session, actor: User, role: str, school: School, data: QuestionInput, *,
                      question: Question | None = None) -> list[DomainError]:
    """Every reason the question is refused, each on its field, all at once (the type's own
    fields are checked when `data.data` is given; None: the editor's rows could not be read)."""
    problems: list[DomainError] = []

    def attempt(check) -> None:
        try:
            check()
        except DomainError as exc:
            problems.extend(problems_of(exc))   # each of a type's rows on its own

    category = session.get(QuestionCategory, data.category_id) if data.category_id else None
    if category is None or category.school_id != school.id:
        problems.append(ValidationError(_l("Chọn danh mục câu hỏi."), field="category_id"))
    else:
        attempt(lambda: require_category(session, actor, role, category, edit=True))
    text = nfc_text(data.text)
    if not text and data.qtype != "description":
        problems.append(ValidationError(_l("Nhập nội dung câu hỏi."), field="text"))
    if len(text) > TEXT_MAX:
        problems.append(ValidationError(ngettext("Nội dung dài quá %(n)s ký tự.", "Nội dung dài quá %(n)s ký tự.", TEXT_MAX, n=TEXT_MAX), field="text"))
    if data.level not in qtypes.LEVELS:
        problems.append(ValidationError(_l("Chọn mức độ nhận thức."), field="level"))
    if data.status not in tuple(QuestionStatus):
        problems.append(ValidationError(_l("Trạng thái không hợp lệ."), field="status"))
    if data.data is not None:
        attempt(lambda: qtypes.qtype(data.qtype).check(data.data))
    attempt(lambda: to_e4(data.default_mark, "default_mark"))
    if question is not None:
        attempt(lambda: require_category(session, actor, role, question.category, edit=True))
        if question.qtype != data.qtype:
            problems.append(ValidationError(_l("Không đổi được loại của câu hỏi đã có; hãy tạo câu hỏi mới."),
                                            field="qtype"))
    return problems


def save_question(session: Session, actor: User, role: str, school: School, data: QuestionInput, *,
                  now: datetime, question: Question | None = None) -> Question:
    """Create a question, or edit one: a version an attempt has shown is never changed — the edit
    becomes a new version, and attempts keep the one they had."""
    qtypes.qtype(data.qtype)
    problems = question_problems(session, actor, role, school, data, question=question)
    if problems:
        raise problems[0]
    category = session.get(QuestionCategory, data.category_id)
    text = nfc_text(data.text)
    mark = to_e4(data.default_mark, "default_mark")
    if question is None:
        question = Question(school_id=school.id, qtype=data.qtype, owner_id=actor.id, created_at=now)
        session.add(question)
    question.category_id = category.id
    question.name, question.topic, question.tags = nfc(data.name)[:200], nfc(data.topic)[:200], nfc(data.tags)[:300]
    question.level, question.grade, question.default_mark_e4 = data.level, data.grade, mark
    question.status, question.updated_at = data.status, now
    question.search_text = _search_text(question, text)
    session.flush()
    current = session.get(QuestionVersion, question.current_version_id) if question.current_version_id else None
    feedback = nfc_text(data.general_feedback)
    if current is not None and not current.used:
        current.text, current.data, current.general_feedback = text, data.data, feedback
    elif current is None or (current.text, current.data, current.general_feedback) != (text, data.data, feedback):
        version = QuestionVersion(question_id=question.id, number=(current.number + 1) if current else 1, text=text,
                                  data=data.data, general_feedback=feedback, created_by=actor.id, created_at=now)
        session.add(version)
        session.flush()
        question.current_version_id = version.id
    session.flush()
    return question


def question_of(session: Session, actor: User, role: str, school: School, question_id: int, *,
                edit: bool = False) -> Question:
    question = session.get(Question, question_id)
    if question is None or question.school_id != school.id:
        from lms.core.errors import NotFound

        raise NotFound(_l("Không tìm thấy câu hỏi."))
    require_category(session, actor, role, question.category, edit=edit)
    return question


def versions_of(session: Session, question: Question) -> list[QuestionVersion]:
    return list(session.scalars(select(QuestionVersion).where(QuestionVersion.question_id == question.id)
                                .order_by(QuestionVersion.number.desc())))


@dataclass
class BankFilter:
    category_id: int | None = None
    q: str = ""
    level: int | None = None
    qtype: str = ""
    status: str = ""
    topic: str = ""
    in_order: bool = False       # the bank's own order (for picking into an exam), else newest first


def questions_query(session: Session, actor: User, role: str, school: School, f: BankFilter):
    """The questions the user may see, filtered; for db.paginate."""
    allowed = [c.id for c, _ in categories_for(session, actor, role, school)]
    if f.category_id:
        wanted = [cid for cid in descendants(session, session.get(QuestionCategory, f.category_id))
                  if cid in allowed] if f.category_id in allowed else []
    else:
        wanted = allowed
    stmt = select(Question).where(Question.school_id == school.id, Question.category_id.in_(wanted or [0]))
    stmt = where_given(matching_words(stmt, Question.search_text, search_form(f.q)), (Question.status, f.status))
    stmt = narrow(stmt, topic=f.topic, level=f.level, qtype=f.qtype)
    return stmt.order_by(*BANK_ORDER) if f.in_order else stmt.order_by(Question.id.desc())


# The bank's own order: by category (a Word file's parts become categories in the file's order),
# then each question's own order within it (the order it was written or imported in).
BANK_ORDER = (Question.category_id, Question.id)


def bank_order_key(question: Question) -> tuple[int, int]:
    """`BANK_ORDER` for questions already loaded: questions added to an exam together go in this order."""
    return (question.category_id, question.id)


def narrow(stmt, *, topic=None, level=None, qtype=None):
    """Questions of this topic, cognitive level and type (each only when given): the bank's
    filters and a blueprint row's cell."""
    return where_given(stmt, (Question.topic, topic), (Question.level, level), (Question.qtype, qtype))


def counts_by_category(session: Session, category_ids: list[int]) -> dict[int, int]:
    if not category_ids:
        return {}
    return dict(session.execute(select(Question.category_id, func.count()).where(
        Question.category_id.in_(category_ids), Question.status != QuestionStatus.RETIRED)
        .group_by(Question.category_id)).all())


def topics_of(session: Session, category_ids: list[int]) -> list[str]:
    return sorted({t for t in session.scalars(select(Question.topic).where(Question.category_id.in_(category_ids or [0]),
                                                                            Question.topic != "")).all()})


def access_of(session: Session, actor: User, role: str, question: Question) -> str | None:
    return category_access(session, actor, role, question.category)
