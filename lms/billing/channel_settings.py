"""A school's payment channels: saving their settings (secrets encrypted), which of the four
legal methods are ready, and which channels parents are offered."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.billing import secrets
from lms.billing.channels.registry import (CASHLESS, METHOD_LABELS, CHANNELS, ENDPOINTS, MOBILE_MONEY_COUNTS_AS, MODED, MODES, PRODUCTION,
                                          SANDBOX, TEST)
from lms.billing.models import ChannelIdentifier, ChannelSetting, Method, Payment
from lms.core import audit
from lms.core.errors import Conflict, ValidationError
from lms.core.text import nfc
from lms.core.timeutil import utcnow
from lms.i18n import lazy_gettext as _l
from lms.people.models import School

MINIMUM_METHODS = 3


def settings_of(session: Session, school: School) -> dict[str, ChannelSetting]:
    return {s.channel: s for s in session.scalars(select(ChannelSetting).where(ChannelSetting.school_id == school.id))}


def setting_of(session: Session, school_id: int, channel: str) -> ChannelSetting | None:
    return session.scalars(select(ChannelSetting).where(ChannelSetting.school_id == school_id,
                                                        ChannelSetting.channel == channel)).first()


def save_channel(session: Session, actor: User, school: School, channel: str, values: dict[str, str], *,
                 enabled: bool, counts_as: str | None, mode: str, box, sandbox_allowed: bool = True) -> ChannelSetting:
    """Save one channel in `mode` (sandbox, test or production: which endpoints it talks to). A
    secret left empty keeps the stored one; nothing secret is ever shown."""
    info = CHANNELS.get(channel)
    if info is None:
        raise ValidationError(_l("Không có kênh thanh toán này."))
    row = setting_of(session, school.id, channel)
    stored = secrets.unseal(box, row.secret) if row else {}
    public, hidden = dict(row.public) if row else {}, dict(stored)
    for f in info.fields:
        value = nfc(values.get(f.name) or "").strip()
        if f.secret and not value and f.name in stored:
            continue
        if enabled and not re.match(f.pattern, value):
            raise ValidationError(_l("Ô “%(f)s” chưa đúng: %(r)s.", f=f.label, r=f.rule), field=f.name)
        (hidden if f.secret else public)[f.name] = value
    _reserve_identifiers(session, school, channel, public)
    method = info.method
    if channel == "mobile_money":
        # Left out it is a website payment (the aggregator has not confirmed Mobile Money); anything
        # else than the two choices is refused, never silently read as one of them.
        if counts_as and counts_as not in MOBILE_MONEY_COUNTS_AS:
            raise ValidationError(_l("Chọn phương thức kênh này được tính: %(m)s.",
                                     m=" / ".join(str(METHOD_LABELS[m]) for m in MOBILE_MONEY_COUNTS_AS)),
                                  field="counts_as")
        method = counts_as or Method.WEBSITE
    if channel not in MODED:
        mode = PRODUCTION
    elif mode not in MODES or (mode == SANDBOX and not sandbox_allowed):
        raise ValidationError(_l("Hãy chọn môi trường của kênh: thử hoặc thật."), field="mode")
    public["mode"], public["sandbox"] = mode, mode == SANDBOX
    if row is None:
        row = ChannelSetting(school_id=school.id, channel=channel)
        session.add(row)
    row.enabled, row.counts_as, row.public, row.secret = enabled, method, public, secrets.seal(box, hidden)
    row.updated_by, row.updated_at = actor.id, utcnow()
    session.flush()
    audit.record(session, "payment_channel_saved", actor_id=actor.id, school_id=school.id, subject_type="channel",
                 detail=f"{channel} enabled={enabled} as={method}")
    return row


def identifiers_of(channel: str, public: dict) -> list[tuple[str, str]]:
    """(field, value) of each merchant identifier in a channel's public settings (a terminal list
    gives one per TID)."""
    out = []
    for f in CHANNELS[channel].fields:
        if f.identifies and public.get(f.name):
            out.extend((f.name, v.strip()) for v in str(public[f.name]).split(",") if v.strip())
    return out


def _reserve_identifiers(session: Session, school: School, channel: str, public: dict) -> None:
    """A provider's merchant identifier belongs to one school: another school's is refused on its
    field (without saying whose), so the provider's notifications name exactly one school."""
    wanted = identifiers_of(channel, public)
    taken = session.execute(select(ChannelIdentifier.field, ChannelIdentifier.value).where(
        ChannelIdentifier.channel == channel, ChannelIdentifier.school_id != school.id,
        ChannelIdentifier.value.in_([v for _, v in wanted] or [""]))).first()
    if taken is not None:
        label = next(f.label for f in CHANNELS[channel].fields if f.name == taken[0])
        raise ValidationError(_l("Ô “%(f)s”: “%(v)s” đã được một trường khác khai báo cho kênh này. Mỗi mã do nhà cung "
                                 "cấp cấp cho một trường; hãy kiểm tra lại với nhà cung cấp.", f=label, v=taken[1]),
                              field=taken[0])
    session.execute(delete(ChannelIdentifier).where(ChannelIdentifier.school_id == school.id,
                                                    ChannelIdentifier.channel == channel))
    try:
        with session.begin_nested():
            session.add_all([ChannelIdentifier(school_id=school.id, channel=channel, field=f, value=v) for f, v in wanted])
    except IntegrityError as exc:     # another school saved the same identifier at this moment
        raise Conflict(_l("Một trường khác vừa khai báo mã này; hãy kiểm tra lại với nhà cung cấp.")) from exc


def setting_by(session: Session, channel: str, field: str, value: object) -> ChannelSetting | None:
    """The switched-on setting whose merchant identifier `field` is `value` (one school at most)."""
    if not value or not isinstance(value, str):
        return None
    # One statement: every provider notification (each copy of an IPN too) starts here.
    row = session.scalars(select(ChannelSetting).join(ChannelIdentifier, (ChannelIdentifier.school_id ==
                                                                          ChannelSetting.school_id)
                                                      & (ChannelIdentifier.channel == ChannelSetting.channel))
                          .where(ChannelIdentifier.channel == channel, ChannelIdentifier.field == field,
                                 ChannelIdentifier.value == value)).first()
    return row if row is not None and row.enabled else None


def mode_of(setting: ChannelSetting | None) -> str:
    """The setting's mode. A setting saved before modes existed talked to the providers' test
    hosts (or the local sandbox), so it stays there until the admin chooses production."""
    if setting is None:
        return TEST
    if setting.channel not in MODED:
        return PRODUCTION
    mode = (setting.public or {}).get("mode")
    if mode in MODES:
        return mode
    return SANDBOX if (setting.public or {}).get("sandbox") else TEST


def endpoint(setting: ChannelSetting, kind: str, *, sandbox_url: str) -> str:
    """The address of a gateway's `kind` ("pay" page or "api" root) for the setting's mode; the
    local sandbox's paths are under `sandbox_url` (LMS_PAYMENT_SANDBOX_URL, else the public address)."""
    mode = mode_of(setting)
    url = ENDPOINTS[setting.channel][mode][kind]
    return sandbox_url.rstrip("/") + url if mode == SANDBOX else url


def secrets_of(box, setting: ChannelSetting) -> dict[str, str]:
    return secrets.unseal(box, setting.secret)


def terminals_of(session: Session, school_id: int) -> list[str]:
    """The school's own card terminals (TIDs), as its admin declared them on the channels page:
    the only ones a card payment at the school can be recorded on."""
    setting = setting_of(session, school_id, "pos")
    if not is_configured(setting):
        return []
    return [v for _, v in identifiers_of("pos", setting.public)]


def is_configured(setting: ChannelSetting | None) -> bool:
    if setting is None or not setting.enabled:
        return False
    info = CHANNELS[setting.channel]
    return all(setting.public.get(f.name) for f in info.fields if not f.secret) and bool(setting.secret or not any(
        f.secret for f in info.fields))


@dataclass
class MethodState:
    method: str
    ready: bool
    channels: list[str] = field(default_factory=list)
    testing: list[str] = field(default_factory=list)    # configured, but in a test mode: not counted
    payments: int = 0


def readiness(session: Session, school: School) -> list[MethodState]:
    """Which of the four methods the school can take now, through which channels, and how many
    payments each has brought. QR is ready once the school's account is declared: every invoice
    carries its VietQR and transfers can always be matched from an imported statement. A channel
    in the local sandbox or the provider's test environment takes no real money: it is listed
    under `testing` and never makes its method ready."""
    return readiness_by_school(session, [school])[school.id]


def readiness_by_school(session: Session, schools: list[School], *,
                        payments: bool = True) -> dict[int, list[MethodState]]:
    """`readiness` of many schools (a province's side-by-side view) in two statements, whatever
    their number; with `payments=False` (only which methods are ready) in one, without counting
    every payment of the province."""
    ids = [school.id for school in schools] or [0]
    settings: dict[int, list[ChannelSetting]] = {}
    for row in session.scalars(select(ChannelSetting).where(ChannelSetting.school_id.in_(ids))
                               .order_by(ChannelSetting.school_id, ChannelSetting.id)):
        settings.setdefault(row.school_id, []).append(row)
    used: dict[tuple[int, str], int] = {(school_id, method): int(n) for school_id, method, n in session.execute(
        select(Payment.school_id, Payment.method, func.count()).where(Payment.school_id.in_(ids))
        .group_by(Payment.school_id, Payment.method))} if payments else {}
    out = {}
    for school in schools:
        states = {m: MethodState(m, False) for m in CASHLESS}
        if school.bank_bin and school.bank_account_number:
            states[Method.QR].ready = True
            states[Method.QR].channels.append("vietqr")
        for row in settings.get(school.id, []):
            if is_configured(row) and mode_of(row) != PRODUCTION:
                states[row.counts_as].testing.append(row.channel)
            elif is_configured(row):
                states[row.counts_as].ready = True
                states[row.counts_as].channels.append(row.channel)
        for m, state in states.items():
            state.payments = used.get((school.id, m), 0)
        out[school.id] = list(states.values())
    return out


def parent_channels(session: Session, school_id: int) -> list[ChannelSetting]:
    """The gateways a parent may start a payment through (configured and switched on)."""
    rows = session.scalars(select(ChannelSetting).where(ChannelSetting.school_id == school_id,
                                                        ChannelSetting.enabled.is_(True)))
    return [r for r in rows if CHANNELS[r.channel].parent_pays and is_configured(r)]
