"""The school's transcript set-up: its codes in the sector database (mã trường, mã Sở), the
place printed on the transcript (the signer's title and name are the school's own setting), and
who signs with what — the school's organisation certificate and each homeroom teacher's personal
one, at a remote-signing provider (the account is the subscriber's ID number, or the school's tax
code), in a PKCS#12 file (checked with its password, then sealed with LMS_SECRETS_KEY), or on a USB
token at the school's signing computer (only its certificate is kept here)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.core import audit
from lms.core.errors import ValidationError
from lms.core.official import school_signer
from lms.core.personal_ids import PROVINCE_CODES
from lms.gradebook.transcript import pki
from lms.gradebook.transcript.assembly import setup_of
from lms.gradebook.transcript.models import SchoolTranscriptSetup, SignerAccount
from lms.gradebook.transcript.providers import seal_pkcs12
from lms.gradebook.transcript.token import certificate_from_file
from lms.i18n import lazy_gettext as _l
from lms.people.models import Membership, School, SchoolClass

MAX_P12 = 64 * 1024
ACCOUNT = re.compile(r"[0-9A-Za-z\-]{6,40}")
MYSIGN_USER = re.compile(r"(CMT|CCCD|MST|HC)_[0-9A-Za-z\-]{6,36}")   # MySign's user_id: CMT_<số>, MST_<mã số thuế>


# The school's codes in the sector database, by the setting that holds them. Our own code for the
# school (School.code, e.g. "THPT-LX") is never written where the Ministry asks for one of these.
CODE_NAMES = {"moet_school_code": _l("mã trường"), "department_code": _l("mã Sở GD&ĐT"),
              "district_code": _l("mã Phòng GD&ĐT")}
RECORD_CODES = ("moet_school_code", "department_code")     # matruong, masogd: every record carries both


def missing_codes(setup: SchoolTranscriptSetup, needed=RECORD_CODES) -> str | None:
    """What stops the records while the school's sector-database codes are not all set: the
    codes not set (only those), and where to fill them; None when every one is set. The class
    page's banner and every refusal say this same sentence."""
    missing = [str(CODE_NAMES[k]) for k in needed if not getattr(setup, k)]
    if not missing:
        return None
    return str(_l("Chưa ghi %(m)s trên CSDL ngành: quản trị trường ghi ở Cài đặt học bạ số → “Mã trường và thông tin "
                  "in trên học bạ”, rồi làm lại.", m=", ".join(missing)))


def require_codes(setup: SchoolTranscriptSetup, needed=RECORD_CODES) -> None:
    """Refuse what would carry the school's sector-database codes while one of them is not set,
    saying which and where to fill it."""
    problem = missing_codes(setup, needed)
    if problem:
        raise ValidationError(problem)


# The Ministry's codes are numbers from its code lists (moet.md §1.1: "theo danh mục của bộ ngành";
# the Department's is its province's code from the same appendix as the provinces'). Our own code for
# the school (School.code, e.g. "THPT-LX") has letters: it is refused where the Ministry's is asked.
CODE_FORMS = {"moet_school_code": re.compile(r"\d{4,20}"), "department_code": re.compile(r"\d{2}"),
              "district_code": re.compile(r"\d{3,20}")}
CODE_FORM_TEXT = {"moet_school_code": _l("một dãy 4–20 chữ số do CSDL ngành cấp, ví dụ 89001501"),
                  "department_code": _l("mã tỉnh, thành phố của Sở: 2 chữ số, ví dụ 89 (An Giang)"),
                  "district_code": _l("một dãy 3–20 chữ số theo danh mục đơn vị hành chính, ví dụ 883")}


def code_problem(key: str, value: str, school: School) -> str | None:
    """Why `value` cannot be the school's Ministry code `key`, in words (None when it can)."""
    if school.code and re.sub(r"\s", "", value).casefold() == re.sub(r"\s", "", school.code).casefold():
        return str(_l("Ô “%(f)s”: “%(v)s” là mã nội bộ của trường trên hệ thống này, không phải mã trên CSDL ngành "
                      "(%(h)s).", f=CODE_NAMES[key], v=value[:40], h=CODE_FORM_TEXT[key]))
    if not CODE_FORMS[key].fullmatch(value):
        return str(_l("Ô “%(f)s”: “%(v)s” không phải mã trên CSDL ngành (%(h)s).", f=CODE_NAMES[key], v=value[:40],
                      h=CODE_FORM_TEXT[key]))
    if key == "department_code" and f"0{value}" not in PROVINCE_CODES:
        return str(_l("Ô “%(f)s”: “%(v)s” không phải mã tỉnh, thành phố nào (%(h)s).", f=CODE_NAMES[key], v=value,
                      h=CODE_FORM_TEXT[key]))
    return None


@dataclass
class Overview:
    setup: SchoolTranscriptSetup
    accounts: list[SignerAccount]
    teachers: list[User]          # the school's homeroom teachers (who sign personally)
    signer: tuple[str | None, str, str | None]   # who signs for the school (the school's page sets it)


def overview(session: Session, school: School) -> Overview:
    teacher_ids = {c.homeroom_teacher_id for c in session.scalars(select(SchoolClass).where(
        SchoolClass.school_id == school.id, SchoolClass.homeroom_teacher_id.is_not(None)))}
    staff_ids = {m.user_id for m in session.scalars(select(Membership).where(Membership.school_id == school.id,
                                                                            Membership.role.in_(("teacher", "admin"))))}
    teachers = sorted((session.get(User, i) for i in teacher_ids & staff_ids), key=lambda u: u.full_name)
    accounts = list(session.scalars(select(SignerAccount).where(SignerAccount.school_id == school.id)
                                    .order_by(SignerAccount.holder)))
    return Overview(setup_of(session, school), accounts, teachers, school_signer(school))


def _holder(session: Session, school: School, value: str) -> tuple[str, int | None]:
    if value == "school":
        return "school", None
    if value.startswith("user:") and value[5:].isdigit():
        user_id = int(value[5:])
        member = session.scalars(select(Membership).where(Membership.school_id == school.id,
                                                          Membership.user_id == user_id,
                                                          Membership.role.in_(("teacher", "admin")))).first()
        if member is not None:
            return value, user_id
    raise ValidationError(_l("Chọn người ký trong danh sách."), field="holder")


def apply(session: Session, actor: User, school: School, form, p12: bytes | None, *, box: Fernet,
          sandbox: pki.SandboxCA | None, now: datetime) -> str:
    """One change of the set-up page; returns what to tell the admin."""
    what = form.get("what")
    if what == "codes":
        setup = setup_of(session, school)
        values = {k: (form.get(k) or "").strip() for k in CODE_NAMES}
        for key in CODE_NAMES:
            problem = code_problem(key, values[key], school) if values[key] else None
            if problem:
                raise ValidationError(problem, field=key)
        for key, value in values.items():
            setattr(setup, key, value)
        setup.updated_at = now
        audit.record(session, "transcript_setup_changed", actor_id=actor.id, school_id=school.id)
        return str(_l("Đã lưu mã trường trên CSDL ngành."))
    holder, user_id = _holder(session, school, form.get("holder") or "")
    account = session.scalars(select(SignerAccount).where(SignerAccount.school_id == school.id,
                                                          SignerAccount.holder == holder)).first()
    if what == "remove":
        if account is not None:
            session.delete(account)
            audit.record(session, "signer_account_removed", actor_id=actor.id, school_id=school.id, detail=holder)
        return str(_l("Đã xoá chữ ký số của người ký này."))
    if what == "enrol":
        if sandbox is None or account is None or account.provider not in ("smartca", "mysign"):
            raise ValidationError(_l("Chỉ dùng được khi bật môi trường thử nghiệm và đã khai báo tài khoản SmartCA."))
        name = school.name if holder == "school" else account.user.full_name
        pair = sandbox.enrol(account.account_id, name, organisation=holder == "school")
        account.cert_subject, account.cert_valid_to = pki.subject_text(pair.cert)[:300], pair.cert.not_valid_after_utc
        return str(_l("Đã tạo thuê bao thử nghiệm %(a)s trong môi trường ký số thử nghiệm (%(p)s).", a=account.account_id,
                      p=account.provider))
    if what != "account":
        raise ValidationError(_l("Thao tác không hợp lệ."))
    provider = form.get("provider")
    if provider not in ("smartca", "mysign", "pkcs12", "token"):
        raise ValidationError(_l("Chọn nơi giữ khoá ký."), field="provider")
    if account is None:
        account = SignerAccount(school_id=school.id, holder=holder, user_id=user_id, provider=provider)
        session.add(account)
    account.provider, account.updated_at = provider, now
    if provider == "smartca":
        account_id = re.sub(r"\s", "", form.get("account_id") or "")
        if not ACCOUNT.fullmatch(account_id):
            raise ValidationError(_l("Ghi số định danh (CCCD) của người ký, hoặc mã số thuế của trường."),
                                  field="account_id")
        account.account_id, account.serial_number = account_id, (form.get("serial_number") or "").strip()[:80]
        account.sealed_p12, account.sealed_password, account.cert_pem = None, "", ""
    elif provider == "mysign":
        account_id = re.sub(r"\s", "", form.get("account_id") or "")
        if not MYSIGN_USER.fullmatch(account_id):
            raise ValidationError(_l("Tài khoản MySign ghi dạng CMT_<số CCCD> cho người ký, hoặc MST_<mã số thuế> cho "
                                     "trường (đang ghi “%(v)s”).", v=account_id), field="account_id")
        account.account_id, account.serial_number = account_id, (form.get("serial_number") or "").strip()[:80]
        account.sealed_p12, account.sealed_password, account.cert_pem = None, "", ""
    elif provider == "token":
        if not p12:
            raise ValidationError(_l("Chọn tệp chứng thư số xuất từ USB token (.cer, .crt, .pem hoặc .p7b)."),
                                  field="p12")
        cert_pem, cert = certificate_from_file(p12)
        account.cert_pem, account.sealed_p12, account.sealed_password = cert_pem, None, ""
        account.account_id, account.serial_number = "", format(cert.serial_number, "x")
        account.cert_subject, account.cert_valid_to = pki.subject_text(cert)[:300], cert.not_valid_after_utc
    else:
        if not p12:
            raise ValidationError(_l("Chọn tệp chứng thư số (.p12 hoặc .pfx)."), field="p12")
        try:
            sealed, sealed_password, pair = seal_pkcs12(box, p12, form.get("password") or "")
        except pki.KeyFileError as exc:
            raise ValidationError(_l("Không mở được tệp chứng thư số: %(e)s.", e=str(exc.message)), field="p12") from exc
        account.sealed_p12, account.sealed_password, account.cert_pem = sealed, sealed_password, ""
        account.account_id, account.serial_number = "", format(pair.cert.serial_number, "x")
        account.cert_subject, account.cert_valid_to = pki.subject_text(pair.cert)[:300], pair.cert.not_valid_after_utc
    session.flush()
    audit.record(session, "signer_account_saved", actor_id=actor.id, school_id=school.id, detail=f"{holder} {provider}")
    return str(_l("Đã lưu chữ ký số của người ký."))
