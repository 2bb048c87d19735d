"""A school's payment channels: saving their settings (secrets encrypted), which of the four
legal methods are ready, and which channels parents are offered."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.billing import secrets
from lms.billing.channels.registry import CASHLESS, CHANNELS
from lms.billing.models import ChannelSetting, Method, Payment
from lms.core import audit
from lms.core.errors import ValidationError
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
                 enabled: bool, counts_as: str | None, sandbox: bool, box) -> ChannelSetting:
    """Save one channel. A secret left empty keeps the stored one; nothing secret is ever shown."""
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
            raise ValidationError(_l("Ô “%(f)s” chưa đúng.", f=f.label), field=f.name)
        (hidden if f.secret else public)[f.name] = value
    method = info.method
    if channel == "mobile_money":
        method = counts_as if counts_as in (Method.MOBILE_MONEY, Method.WEBSITE) else Method.WEBSITE
    public["sandbox"] = bool(sandbox)
    if row is None:
        row = ChannelSetting(school_id=school.id, channel=channel)
        session.add(row)
    row.enabled, row.counts_as, row.public, row.secret = enabled, method, public, secrets.seal(box, hidden)
    row.updated_by, row.updated_at = actor.id, utcnow()
    session.flush()
    audit.record(session, "payment_channel_saved", actor_id=actor.id, school_id=school.id, subject_type="channel",
                 detail=f"{channel} enabled={enabled} as={method}")
    return row


def secrets_of(box, setting: ChannelSetting) -> dict[str, str]:
    return secrets.unseal(box, setting.secret)


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
    payments: int = 0


def readiness(session: Session, school: School) -> list[MethodState]:
    """Which of the four methods the school can take now, through which channels, and how many
    payments each has brought. QR is ready once the school's account is declared: every invoice
    carries its VietQR and transfers can always be matched from an imported statement."""
    rows = settings_of(session, school)
    used = dict(session.execute(select(Payment.method, func.count()).where(Payment.school_id == school.id)
                                .group_by(Payment.method)).all())
    states = {m: MethodState(m, False) for m in CASHLESS}
    if school.bank_bin and school.bank_account_number:
        states[Method.QR].ready = True
        states[Method.QR].channels.append("vietqr")
    for code, row in rows.items():
        if is_configured(row):
            states[row.counts_as].ready = True
            states[row.counts_as].channels.append(code)
    for m, s in states.items():
        s.payments = int(used.get(m, 0))
    return list(states.values())


def parent_channels(session: Session, school_id: int) -> list[ChannelSetting]:
    """The gateways a parent may start a payment through (configured and switched on)."""
    rows = session.scalars(select(ChannelSetting).where(ChannelSetting.school_id == school_id,
                                                        ChannelSetting.enabled.is_(True)))
    return [r for r in rows if CHANNELS[r.channel].parent_pays and is_configured(r)]
