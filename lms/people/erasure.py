"""Erasing a person's data on request by pseudonymisation (Law 91/2025/QH15; security.md #51).

A leaving pupil's record, or a parent's account, keeps its rows — grades, attempts, invoices,
payments and ledger lines stay exactly what they were, so class averages, balances and accounting
totals do not move — but everything that tells who the person was is replaced: the name by a
pseudonym, identity numbers, addresses, phones, e-mails and the birth date emptied, the account's
sign-in names made unusable and its password, sessions, second factor and links removed.

The text around the records is cleaned the same way the subject export finds it, driven by the
schema: every row reachable from the pupil by foreign keys (an invoice's lines and payments, a
message thread's messages, a bank transfer matched to the pupil's invoice…) has each occurrence of
the person's name — as written, upper-case or without accents, as a bank memo has it — and of their
phone numbers, e-mails and identity numbers replaced by the pseudonym. Files the pupil uploaded
(homework photos) are deleted from storage.

Kept as they are, by law: the report cards and transcript records the school issued and signed
(their signature covers the name; học bạ are kept for the statutory period) and the audit trail,
which names no one (account ids, routes and times only).
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import String, Text, delete, func, or_, select, update
from sqlalchemy.orm import Session

from lms.auth.models import PasswordResetToken, RecoveryCode, SecondFactor, User, UserSession
from lms.core import audit
from lms.core.errors import DomainError, Forbidden
from lms.core.text import fold, nfc
from lms.db import Base
from lms.i18n import lazy_gettext as _l
from lms.people.models import Guardianship, Invitation, Membership, School, Student
from lms.people.subject_export import collect

# Official documents whose signature covers the pupil's name: kept under their statutory retention.
KEPT_BY_LAW = {"report_cards", "transcripts", "transcript_events", "audit_logs"}
# Columns never rewritten: secrets, hashes and codes that name no one.
UNTOUCHED = re.compile(r"(hash|token|secret|sealed|sha256|signature|key_id|idempotency)", re.IGNORECASE)
REASONS = ("left", "request")
MIN_LENGTH = 4  # shorter values (a given name alone, "An") would rewrite other people's text


@dataclass
class Erased:
    pseudonym: str
    rows_changed: int = 0
    files: list[str] = field(default_factory=list)  # stored names (homework area) to delete after commit


def _phone_forms(phone: str | None) -> set[str]:
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) < 9:
        return set()
    local = "0" + digits[2:] if digits.startswith("84") and len(digits) == 11 else digits
    national = local[1:] if local.startswith("0") else local
    return {phone, local, "84" + national, "+84" + national,
            f"{local[:4]} {local[4:7]} {local[7:]}", f"{local[:4]}.{local[4:7]}.{local[7:]}"}


def _patterns(values: set[str | None]) -> re.Pattern | None:
    """One pattern for every form of the person's identifying values: as written, and without
    accents (bank memos), any case."""
    forms: set[str] = set()
    for value in values:
        value = nfc(value)
        if len(value) >= MIN_LENGTH:
            forms |= {value, fold(value)}
    if not forms:
        return None
    alternatives = sorted((re.escape(f).replace(r"\ ", r"\s+") for f in forms), key=len, reverse=True)
    return re.compile("|".join(alternatives), re.IGNORECASE)


def _scrub(session: Session, tables: dict[str, list[dict]], pattern: re.Pattern | None, pseudonym: str) -> int:
    """Replace the person's identifying text in the string columns of these rows."""
    if pattern is None:
        return 0
    changed = 0
    for name, rows in tables.items():
        if name in KEPT_BY_LAW or name not in Base.metadata.tables:
            continue
        table = Base.metadata.tables[name]
        if "id" not in table.c:
            continue
        columns = [c for c in table.columns if isinstance(c.type, (String, Text)) and not UNTOUCHED.search(c.name)]
        for row in rows:
            values = {}
            for column in columns:
                text = row.get(column.name)
                if isinstance(text, str) and pattern.search(text):
                    values[column.name] = pattern.sub(pseudonym, text)
                    if column.type.length:
                        values[column.name] = values[column.name][:column.type.length]
            if values:
                session.execute(update(table).where(table.c.id == row["id"]).values(**values))
                changed += 1
    return changed


def _forms(values: set[str | None]) -> set[str]:
    out: set[str] = set()
    for value in values:
        value = nfc(value)
        if len(value) >= MIN_LENGTH:
            out |= {value, fold(value)}
    return out


def _school_rows(session: Session, school_id: int, forms: set[str]) -> dict[str, list[dict]]:
    """Rows of the school's own tables (those with a `school_id`) whose text holds one of the forms:
    what no foreign key leads to from the person — a bank transfer not yet matched, an
    accountant's task, a background job's message."""
    out: dict[str, list[dict]] = {}
    if not forms:
        return out
    for table in Base.metadata.sorted_tables:
        if table.name in KEPT_BY_LAW or "school_id" not in table.c or "id" not in table.c:
            continue
        columns = [c for c in table.columns if isinstance(c.type, (String, Text)) and not UNTOUCHED.search(c.name)]
        if not columns:
            continue
        matches = [func.lower(c).like(f"%{f.lower()}%", escape="\\") for c in columns
                   for f in (x.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for x in forms)]
        query = select(table.c.id, *columns).where(table.c.school_id == school_id, or_(*matches))
        for row in session.execute(query):
            out.setdefault(table.name, []).append(dict(row._mapping))
    return out


def _homonyms(session: Session, school_id: int, name: str, *, student_id: int | None = None,
              user_id: int | None = None) -> bool:
    """Whether someone else of the school bears the same name: then text no key ties to the person
    may be about the other one, and is left as it is."""
    folded = fold(name)
    pupils = [fold(n) for n in session.scalars(select(Student.full_name).where(
        Student.school_id == school_id, Student.id != (student_id or 0)))]
    members = [fold(n) for n in session.scalars(select(User.full_name).join(Membership).where(
        Membership.school_id == school_id, User.id != (user_id or 0)))]
    return folded in pupils or folded in members


def _merge(tables: dict[str, list[dict]], more: dict[str, list[dict]]) -> None:
    for name, rows in more.items():
        have = {r.get("id") for r in tables.get(name, [])}
        tables.setdefault(name, []).extend(r for r in rows if r.get("id") not in have)


def _close_account(session: Session, user: User, pseudonym: str) -> None:
    """The account can no longer sign in and names no one."""
    user.full_name = pseudonym
    user.sort_name = ""
    user.username = f"an-danh-{user.id}-{secrets.token_hex(4)}"
    user.email = user.phone = None
    user.password_hash = None
    user.active = False
    user.totp_enabled = False
    for model in (UserSession, PasswordResetToken, SecondFactor, RecoveryCode):
        session.execute(delete(model).where(model.user_id == user.id))
    session.execute(delete(Invitation).where(Invitation.user_id == user.id))


def _identifying(user: User | None) -> set[str | None]:
    if user is None:
        return set()
    return {user.full_name, user.email, user.username, *_phone_forms(user.phone)}


def pseudonymise_pupil(session: Session, actor: User, school: School, student: Student, *, confirm_code: str,
                       reason: str, now: datetime) -> Erased:
    """Erase a pupil's personal data by pseudonymisation; grades and money stay exact. The admin
    types the pupil's code to confirm (so no one erases the wrong pupil by one click)."""
    if student.school_id != school.id:
        raise Forbidden(_l("Không tìm thấy."))
    if student.pseudonymised_at is not None:
        raise DomainError(_l("Dữ liệu của học sinh này đã được ẩn danh."))
    if reason not in REASONS:
        raise DomainError(_l("Hãy chọn lý do."), field="reason")
    if nfc(confirm_code).upper() != nfc(student.student_code).upper():
        raise DomainError(_l("Mã học sinh nhập để xác nhận không khớp."), field="confirm_code")
    account = session.get(User, student.user_id) if student.user_id else None
    if account is not None:
        others = session.scalar(select(func.count()).select_from(Membership).where(
            Membership.user_id == account.id, Membership.school_id != school.id))
        if others:
            raise DomainError(_l("Tài khoản của học sinh còn thuộc một trường khác; trường đó phải xử lý trước."))
    pseudonym = f"HS ẩn danh {secrets.token_hex(3).upper()}"
    pattern = _patterns({student.full_name, student.student_code, student.personal_id, student.moet_code, student.email, student.address,
                         student.place_of_birth, *_phone_forms(student.phone), *_identifying(account)})
    tables = collect(session, {"students": {student.id}})
    if account is not None:
        _merge(tables, collect(session, {"users": {account.id}}, depth=1))
    names = {student.full_name} | ({account.full_name} if account is not None else set())
    if any(_homonyms(session, school.id, n, student_id=student.id, user_id=account.id if account else None)
           for n in names):
        names = set()
    # The code is searched for (and rewritten) itself: it was the account's username until
    # usernames took the school's part (`hsb002.b`), and receipts and messages quote it.
    _merge(tables, _school_rows(session, school.id, _forms(names | {
        student.student_code, student.personal_id, student.email, *_phone_forms(student.phone),
        *((account.username, account.email, *_phone_forms(account.phone)) if account is not None else ())})))
    result = Erased(pseudonym=pseudonym)
    result.rows_changed = _scrub(session, tables, pattern, pseudonym)
    result.files = _uploaded_files(session, tables)
    session.expire_all()
    student = session.get(Student, student.id)
    student.full_name, student.sort_name, student.search_text = pseudonym, "", fold(pseudonym)
    student.student_code = f"AN{secrets.token_hex(4).upper()}"
    for column in ("birth_date", "gender", "address", "moet_code", "personal_id", "place_of_birth", "hometown",
                   "ethnicity", "nationality", "email", "phone", "record_code"):
        setattr(student, column, None)
    student.pseudonymised_at = now
    # The family's link to the pupil ends; what the parents paid stays on the pupil's invoices.
    session.execute(delete(Guardianship).where(Guardianship.student_id == student.id))
    session.execute(delete(Invitation).where(Invitation.student_id == student.id))
    if account is not None:
        _close_account(session, session.get(User, account.id), pseudonym)
    audit.record(session, audit.Action.PSEUDONYMISED, actor_id=actor.id, school_id=school.id,
                 subject_type="student", subject_id=student.id,
                 detail=f"{reason}: {result.rows_changed} rows, {len(result.files)} files")
    session.flush()
    return result


def pseudonymise_parent(session: Session, actor: User, school: School, parent: User, *, confirm_name: str,
                        reason: str, now: datetime) -> Erased:
    """Erase a parent's personal data: their account names no one and cannot sign in; what they
    paid stays on their children's invoices under the pseudonym. Only an account whose every role
    is in schools the admin manages (permissions.can_manage_account)."""
    from lms.people import permissions

    if reason not in REASONS:
        raise DomainError(_l("Hãy chọn lý do."), field="reason")
    if not permissions.can_manage_account(session, actor, parent):
        raise Forbidden(_l("Tài khoản này còn thuộc một trường khác; trường đó phải xử lý trước."))
    if fold(confirm_name) != fold(parent.full_name):
        raise DomainError(_l("Họ tên nhập để xác nhận không khớp."), field="confirm_name")
    pseudonym = f"PH ẩn danh {secrets.token_hex(3).upper()}"
    links = list(session.scalars(select(Guardianship).where(Guardianship.guardian_id == parent.id)))
    pattern = _patterns(_identifying(parent) | {g.second_phone for g in links})
    tables = collect(session, {"users": {parent.id}}, depth=1)
    children = {g.student_id for g in links}
    if children:  # what the parent paid for their children: payer names, bank memos, messages
        _merge(tables, collect(session, {"students": children}))
    names = set() if _homonyms(session, school.id, parent.full_name, user_id=parent.id) else {parent.full_name}
    _merge(tables, _school_rows(session, school.id, _forms(names | {
        parent.username, parent.email, *_phone_forms(parent.phone), *(g.second_phone for g in links)})))
    result = Erased(pseudonym=pseudonym)
    result.rows_changed = _scrub(session, tables, pattern, pseudonym)
    session.expire_all()
    session.execute(delete(Guardianship).where(Guardianship.guardian_id == parent.id))
    session.execute(delete(Membership).where(Membership.user_id == parent.id))
    _close_account(session, session.get(User, parent.id), pseudonym)
    audit.record(session, audit.Action.PSEUDONYMISED, actor_id=actor.id, school_id=school.id,
                 subject_type="user", subject_id=parent.id, detail=f"{reason}: {result.rows_changed} rows")
    session.flush()
    return result


def _uploaded_files(session: Session, tables: dict[str, list[dict]]) -> list[str]:
    """The pupil's homework uploads, deleted with the rows' names; a file whose identical content
    another pupil also handed in (files are kept once by content) stays for them."""
    from lms.courses.models import SubmissionFile

    rows = tables.get("submission_files", [])
    ids = [r["id"] for r in rows]
    if not ids:
        return []
    names = {r["stored_name"] for r in rows}
    shared = set(session.scalars(select(SubmissionFile.stored_name).where(
        SubmissionFile.stored_name.in_(names), SubmissionFile.id.notin_(ids))))
    session.execute(update(SubmissionFile).where(SubmissionFile.id.in_(ids)).values(filename="(đã xoá)", size=0))
    return sorted(names - shared)
