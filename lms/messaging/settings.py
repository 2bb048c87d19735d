"""A school's contact-book settings and provider accounts, and a parent's choices."""
from __future__ import annotations

import re
import secrets as pysecrets
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.billing import secrets as sealing
from lms.core import audit
from lms.core.errors import Problems, ValidationError
from lms.core.numbers import money
from lms.core.text import nfc
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext
from lms.messaging import rules
from lms.messaging.consent import NOTICE_VERSION
from lms.messaging.models import (PAID, ChannelAccount, ContactSettings, OutboundMessage, ParentPreference, Provider,
                                  Status)
from lms.people.models import Guardianship, School, Student

DEFAULTS = {"quiet_start": time(21, 0), "quiet_end": time(6, 0), "urgent_bypass": True, "monthly_cap": 40,
            "zns_cost": 250, "sms_cost": 800, "digest_time": time(19, 0), "hw_minutes_primary": None,
            "hw_minutes_lower": None, "hw_minutes_upper": None, "hw_latest_due": None,
            "saturday_classes": False}


def settings_of(session: Session, school_id: int) -> ContactSettings:
    """The school's settings (the defaults, unsaved, until an admin saves them)."""
    row = session.scalars(select(ContactSettings).where(ContactSettings.school_id == school_id)).first()
    return row if row is not None else ContactSettings(school_id=school_id, **DEFAULTS)


def settings_by_school(session: Session, school_ids: set[int]) -> dict[int, ContactSettings]:
    rows = {r.school_id: r for r in session.scalars(select(ContactSettings).where(
        ContactSettings.school_id.in_(school_ids or [0])))}
    return {sid: rows.get(sid) or ContactSettings(school_id=sid, **DEFAULTS) for sid in school_ids}


def rules_for_parent(session: Session, user_id: int) -> list[tuple[list[str], ContactSettings]]:
    """The quiet hours and default digest time of each school the parent has a child in, as
    (school names, settings): schools with the same hours share one line, each line names its
    schools (a parent with children in two schools must know which hours are whose)."""
    ids = schools_of_parent(session, user_id)
    by_school = settings_by_school(session, set(ids))
    names = dict(session.execute(select(School.id, School.name).where(School.id.in_(ids or [0]))).all())
    groups: dict[tuple, tuple[list[str], ContactSettings]] = {}
    for school_id in sorted(ids, key=lambda i: names.get(i, "")):
        row = by_school[school_id]
        key = (row.quiet_start, row.quiet_end, row.digest_time)
        groups.setdefault(key, ([], row))[0].append(names.get(school_id, ""))
    return list(groups.values())


@dataclass
class SettingsInput:
    quiet_start: time | None
    quiet_end: time | None
    urgent_bypass: bool
    monthly_cap: int | None
    zns_cost: int | None
    sms_cost: int | None
    digest_time: time | None
    hw_minutes_primary: int | None
    hw_minutes_lower: int | None
    hw_minutes_upper: int | None
    hw_latest_due: time | None
    saturday_classes: bool = False


def save_settings(session: Session, actor: User, school: School, data: SettingsInput, *, now: datetime
                  ) -> ContactSettings:
    for name, label in (("quiet_start", _l("Giờ yên lặng từ")), ("quiet_end", _l("Giờ yên lặng đến")),
                        ("digest_time", _l("Giờ gửi tin tóm tắt"))):
        if getattr(data, name) is None:
            raise ValidationError(_l("Nhập “%(f)s”.", f=label), field=name)
    for name, low, high, needed in (("monthly_cap", 0, 1000, True), ("zns_cost", 0, 100_000, True),
                                    ("sms_cost", 0, 100_000, True), ("hw_minutes_primary", 0, 600, False),
                                    ("hw_minutes_lower", 0, 600, False), ("hw_minutes_upper", 0, 600, False)):
        value = getattr(data, name)
        if (value is None and needed) or (value is not None and not low <= value <= high):
            raise ValidationError(_l("Nhập số từ %(a)s đến %(b)s.", a=low, b=high), field=name)
    if data.quiet_start == data.quiet_end:  # neither "none" nor "all day" is what a school means by it
        raise ValidationError(_l("Giờ yên lặng phải kết thúc ở giờ khác giờ bắt đầu (ví dụ từ 21:00 đến 06:00)."),
                              field="quiet_end")
    if rules.in_quiet(data.digest_time, data.quiet_start, data.quiet_end):
        raise ValidationError(_l("Giờ gửi tin tóm tắt phải ngoài giờ yên lặng."), field="digest_time")
    if data.hw_latest_due is not None and data.hw_latest_due < time(12, 0):
        raise ValidationError(_l("Hạn nộp muộn nhất phải sau 12:00."), field="hw_latest_due")
    before = settings_of(session, school.id)
    old = (before.quiet_start, before.quiet_end, before.urgent_bypass)
    row = session.scalars(select(ContactSettings).where(ContactSettings.school_id == school.id)).first()
    if row is None:
        row = ContactSettings(school_id=school.id)
        session.add(row)
    for name in DEFAULTS:
        setattr(row, name, getattr(data, name))
    row.updated_by, row.updated_at = actor.id, now
    session.flush()
    _retime_held(session, school.id, old, row, now)
    audit.record(session, "contact_settings_saved", actor_id=actor.id, school_id=school.id, subject_type="school",
                 subject_id=school.id)
    return row


def _retime_held(session: Session, school_id: int, old: tuple, row: ContactSettings, now: datetime) -> int:
    """Messages the old quiet hours held (queued, never tried, due later) are timed again by the
    new ones: shortened quiet hours let them go when the new hours end, not when the old did."""
    from lms.core.timeutil import school_tz

    start, end, bypass = old
    moved = 0
    for message in session.scalars(select(OutboundMessage).where(
            OutboundMessage.school_id == school_id, OutboundMessage.status == Status.QUEUED,
            OutboundMessage.attempts == 0, OutboundMessage.send_after > now)):
        held = rules.send_time(message.created_at, school_tz(), start, end, urgent=message.urgent, bypass=bypass)
        if held != message.send_after or held == message.created_at:
            continue                      # not held by the quiet hours (a retry, a digest's own time)
        when = rules.send_time(message.created_at, school_tz(), row.quiet_start, row.quiet_end,
                               urgent=message.urgent, bypass=row.urgent_bypass)
        if when != message.send_after:
            message.send_after = max(when, now)
            moved += 1
    session.flush()
    return moved


def digests_in_quiet(session: Session, school_id: int) -> int:
    """How many of the school's parents chose a digest time inside its quiet hours (their digest
    then waits for the hours to end)."""
    row = settings_of(session, school_id)
    times = session.scalars(select(ParentPreference.digest_time).where(
        ParentPreference.digest_time.is_not(None),
        ParentPreference.user_id.in_(select(Guardianship.guardian_id).join(Student, Student.id == Guardianship.student_id)
                                     .where(Student.school_id == school_id))))
    return sum(1 for t in times if rules.in_quiet(t, row.quiet_start, row.quiet_end))


# ---------------------------------------------------------------- provider accounts

@dataclass(frozen=True)
class Field:
    name: str
    label: object
    secret: bool = False
    pattern: str = r"^.{1,200}$"
    required: bool = True
    rule: object = None        # what the provider expects, said when a value is refused (and as the hint)


_DIGITS_ID = _l("chỉ gồm chữ số, từ 5 đến 25 chữ số")
_TEMPLATE = _l("chỉ gồm chữ số, tối đa 20 chữ số (mã mẫu Zalo đã duyệt)")
_SECRET = _l("tối đa 200 ký tự, dán đúng như nhà cung cấp cấp")
_PHONE_LIST = _l("các số điện thoại bắt đầu bằng 0 (10 hoặc 11 chữ số), cách nhau bằng dấu phẩy")


_PHONES = r"^(0\d{9,10}(\s*,\s*0\d{9,10})*)?$"
FIELDS: dict[str, tuple[Field, ...]] = {
    Provider.ZNS: (
        Field("app_id", _l("App ID (ứng dụng Zalo)"), pattern=r"^\d{5,25}$", rule=_DIGITS_ID),
        Field("oa_id", _l("OA ID (Official Account của trường)"), pattern=r"^\d{5,25}$", rule=_DIGITS_ID),
        Field("template_absence", _l("Mã mẫu ZNS: vắng học"), pattern=r"^\d{1,20}$", rule=_TEMPLATE),
        Field("template_digest", _l("Mã mẫu ZNS: tin tóm tắt trong ngày"), pattern=r"^\d{1,20}$", rule=_TEMPLATE),
        Field("template_notice", _l("Mã mẫu ZNS: thông báo"), pattern=r"^\d{1,20}$", rule=_TEMPLATE),
        Field("app_secret", _l("Khoá bí mật của ứng dụng (secret_key)"), secret=True, rule=_SECRET),
        Field("oa_secret_key", _l("Khoá bí mật của OA (xác thực webhook)"), secret=True, rule=_SECRET),
        Field("refresh_token", _l("Refresh token của OA"), secret=True, rule=_SECRET),
        Field("sandbox_no_zalo", _l("Môi trường thử: số điện thoại không có Zalo"), pattern=_PHONES, required=False,
              rule=_PHONE_LIST),
        Field("sandbox_undelivered", _l("Môi trường thử: số nhận tin nhưng không báo đã nhận"), pattern=_PHONES,
              required=False, rule=_PHONE_LIST),
    ),
    Provider.ESMS: (
        Field("brandname", _l("Brandname đã đăng ký"), pattern=r"^[A-Za-z0-9 ._-]{2,11}$",
              rule=_l("từ 2 đến 11 ký tự không dấu: chữ cái, chữ số, dấu cách, dấu chấm, gạch dưới, gạch ngang "
                      "(như đã đăng ký với nhà mạng)")),
        Field("api_key", _l("ApiKey"), secret=True, rule=_SECRET),
        Field("secret_key", _l("SecretKey"), secret=True, rule=_SECRET),
        Field("sandbox_failed", _l("Môi trường thử: số nhà mạng báo gửi không thành công"), pattern=_PHONES,
              required=False, rule=_PHONE_LIST),
        Field("sandbox_unreported", _l("Môi trường thử: số không có báo cáo gửi về (phải hỏi eSMS)"),
              pattern=_PHONES, required=False, rule=_PHONE_LIST),
    ),
}
LABELS = {Provider.ZNS: _l("Zalo ZNS — tin thông báo qua Zalo OA của trường"),
          Provider.ESMS: _l("SMS brandname qua eSMS")}


def accounts_of(session: Session, school_id: int) -> dict[str, ChannelAccount]:
    return {a.provider: a for a in session.scalars(select(ChannelAccount).where(ChannelAccount.school_id == school_id))}


def account_of(session: Session, school_id: int, provider: str) -> ChannelAccount | None:
    return session.scalars(select(ChannelAccount).where(ChannelAccount.school_id == school_id,
                                                        ChannelAccount.provider == provider)).first()


def is_ready(account: ChannelAccount | None) -> bool:
    if account is None or not account.enabled:
        return False
    return all(account.public.get(f.name) for f in FIELDS[account.provider] if not f.secret and f.required) \
        and bool(account.secret)


def phones_of(account: ChannelAccount, name: str) -> set[str]:
    return {p.strip() for p in (account.public.get(name) or "").split(",") if p.strip()}


def save_account(session: Session, actor: User, school: School, provider: str, values: dict[str, str], *,
                 enabled: bool, sandbox: bool, box, now: datetime) -> ChannelAccount:
    """Save a provider account. A secret left empty keeps the stored one; none is ever shown."""
    if provider not in FIELDS:
        raise ValidationError(_l("Không có nhà cung cấp này."))
    row = account_of(session, school.id, provider)
    stored = sealing.unseal(box, row.secret) if row and row.secret else {}
    public = dict(row.public) if row else {}
    hidden = dict(stored)
    refused: list[ValidationError] = []       # every field's refusal at once, each on its field
    for f in FIELDS[provider]:
        value = nfc(values.get(f.name) or "").strip()
        if f.secret and not value and f.name in stored:
            continue
        if enabled and f.required and not value:
            refused.append(ValidationError(_l("Nhập “%(f)s”.", f=f.label), field=f.name))
        elif value and not re.fullmatch(f.pattern, value):
            refused.append(ValidationError(ngettext("“%(f)s” chưa đúng: cần %(rule)s (đã nhập %(n)s ký tự).",
                                                    "“%(f)s” chưa đúng: cần %(rule)s (đã nhập %(n)s ký tự).",
                                                    len(value), f=f.label, rule=f.rule, n=money(len(value))),
                                           field=f.name))
        (hidden if f.secret else public)[f.name] = value
    if refused:
        raise Problems(refused)
    if row is None:
        row = ChannelAccount(school_id=school.id, provider=provider, hook_token=pysecrets.token_urlsafe(24))
        session.add(row)
    if hidden.get("refresh_token") != stored.get("refresh_token"):
        row.access_token, row.access_expires_at = "", None   # a new refresh token starts a new chain
        row.token_version = (row.token_version or 0) + 1
    row.enabled, row.sandbox, row.public = enabled, sandbox, public
    row.secret = sealing.seal(box, {k: v for k, v in hidden.items() if v})
    row.updated_by, row.updated_at = actor.id, now
    session.flush()
    audit.record(session, "message_account_saved", actor_id=actor.id, school_id=school.id, subject_type="school",
                 subject_id=school.id, detail=f"{provider} enabled={enabled} sandbox={sandbox}")
    return row


def secrets_of(box, account: ChannelAccount) -> dict[str, str]:
    return sealing.unseal(box, account.secret) if account.secret else {}


def store_tokens(session: Session, box, account: ChannelAccount, *, version: int, access_token: str,
                 refresh_token: str, expires_at: datetime) -> bool:
    """Keep a new access token and its one-time refresh token, unless another process refreshed
    first (the version moved): then this pair is dropped and the stored one is used."""
    hidden = secrets_of(box, account)
    hidden["refresh_token"] = refresh_token
    done = session.execute(update(ChannelAccount).where(ChannelAccount.id == account.id,
                                                        ChannelAccount.token_version == version)
                           .values(access_token=sealing.seal(box, {"access_token": access_token}),
                                   access_expires_at=expires_at, secret=sealing.seal(box, hidden),
                                   token_version=version + 1)
                           .execution_options(synchronize_session=False)).rowcount
    session.refresh(account)
    return bool(done)


def access_token_of(box, account: ChannelAccount) -> str:
    return sealing.unseal(box, account.access_token).get("access_token", "") if account.access_token else ""


# ---------------------------------------------------------------- a parent's choices

def preference_of(session: Session, user_id: int) -> ParentPreference:
    """The parent's choices (the defaults, unsaved, until the parent saves them): in the app and
    by e-mail, as one digest in the evening."""
    row = session.scalars(select(ParentPreference).where(ParentPreference.user_id == user_id)).first()
    return row if row is not None else ParentPreference(user_id=user_id, email=True, zalo=False, sms=False,
                                                        digest=True, digest_time=None)


def schools_of_parent(session: Session, user_id: int) -> list[int]:
    return sorted(set(session.scalars(select(Student.school_id).join(Guardianship, Guardianship.student_id == Student.id)
                                      .where(Guardianship.guardian_id == user_id))))


@dataclass
class PreferenceInput:
    email: bool
    zalo: bool
    sms: bool
    digest: bool
    digest_time: time | None


def save_preference(session: Session, user: User, data: PreferenceInput, *, now: datetime) -> ParentPreference:
    """A parent's own choices. Ticking Zalo or SMS records the parent's consent to outside
    channels; unticking both withdraws it and stops what had not been sent yet."""
    if (data.zalo or data.sms) and not user.phone:
        raise ValidationError(_l("Tài khoản chưa có số điện thoại để nhận Zalo hay SMS."), field="zalo")
    if data.digest_time is not None:
        for names, settings in rules_for_parent(session, user.id):
            if rules.in_quiet(data.digest_time, settings.quiet_start, settings.quiet_end):
                raise ValidationError(_l("Giờ nhận tin tóm tắt phải ngoài giờ yên lặng của %(s)s (%(a)s–%(b)s).",
                                         s=", ".join(names), a=settings.quiet_start.strftime("%H:%M"),
                                         b=settings.quiet_end.strftime("%H:%M")), field="digest_time")
    row = session.scalars(select(ParentPreference).where(ParentPreference.user_id == user.id)).first()
    if row is None:
        row = ParentPreference(user_id=user.id)
        session.add(row)
    outside_before = bool((row.zalo or row.sms) and row.consent_at and not row.withdrawn_at)
    outside_now = data.zalo or data.sms
    row.email, row.zalo, row.sms, row.digest, row.digest_time = (data.email, data.zalo, data.sms, data.digest,
                                                                 data.digest_time)
    if outside_now and not outside_before:
        row.consent_at, row.consent_version, row.consent_method, row.withdrawn_at = now, NOTICE_VERSION, "form", None
        audit.record(session, "outside_channels_consent", actor_id=user.id, detail=f"given {NOTICE_VERSION}")
    elif outside_before and not outside_now:
        row.withdrawn_at = now
        audit.record(session, "outside_channels_consent", actor_id=user.id, detail="withdrawn")
    row.updated_at = now
    session.flush()
    _stop_unwanted(session, user.id, row, now)
    return row


def _stop_unwanted(session: Session, user_id: int, pref: ParentPreference, now: datetime) -> None:
    """Messages not yet sent on a channel the parent no longer wants are not sent."""
    dropped = [c for c, wanted in (("zns", pref.zalo), ("sms", pref.sms), ("email", pref.email)) if not wanted]
    if not (pref.zalo or pref.sms):
        dropped = list({*dropped, *PAID})
    if dropped:
        session.execute(update(OutboundMessage).where(OutboundMessage.user_id == user_id,
                                                      OutboundMessage.status == Status.QUEUED,
                                                      OutboundMessage.channel.in_(dropped))
                        .values(status=Status.SKIPPED, error_code="withdrawn",
                                error_text="Phụ huynh đã bỏ chọn kênh này", finished_at=now)
                        .execution_options(synchronize_session=False))

