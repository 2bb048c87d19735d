"""Sending what is due, and recording what the providers report back.

Each due message is claimed by a guarded update (so two senders never both send it) and handled
in its own transaction. At send time the sender asks again whether the parent still consents,
holds what is not urgent through the quiet hours, and stops paid messages once the parent's
monthly cap is reached (a same-day absence is never stopped by the cap). A refused ZNS falls
back to SMS when the parent ticked SMS too. A failed try is retried after 1, 5, 30 and 120
minutes. A ZNS or e-mail whose call got no answer is never sent again (it may have arrived:
it is marked unknown for the school to see); an SMS is retried with the same RequestId, which
eSMS refuses to take twice.
"""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from lms.billing.secrets import unseal
from lms.messaging import consent, rules, texts
from lms.messaging.models import PAID, ChannelAccount, Channel, OutboundMessage, Provider, Status
from lms.messaging.providers import DELIVERED, PENDING, UNDELIVERED, DeliveryStatus, Kind, Outcome, esms, zns
from lms.messaging.routing import queue
from lms.messaging.settings import (access_token_of, account_of, is_ready, preference_of, secrets_of, settings_of,
                                    store_tokens)
from lms.people.models import School

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
TOKEN_MARGIN = timedelta(minutes=5)

# (method, url, headers, body) → (HTTP status, JSON answer, whether the request may have
# reached the provider); status 599 when no answer came.
Transport = Callable[[str, str, dict[str, str], bytes], tuple[int, dict, bool]]


@dataclass
class SendContext:
    box: object                                    # the secrets box (Fernet)
    transport: Transport
    text: Callable[[str, dict, str], str]          # (kind, params, locale) → the line in that language
    mail: Callable[[str, str, str], bool]          # (to, subject, body) → sent
    base_url: str                                  # this site, for links and callback URLs
    tz: str
    sandbox_on: bool
    # Ends each step's transaction: a sender commits after every claim and before every call (so no
    # write of its own waits on the provider); the demo, seeding in one transaction, only flushes.
    commit: Callable[[Session], None] = lambda session: session.commit()  # noqa: E731


def zalo_urls(ctx: SendContext, account: ChannelAccount) -> tuple[str, str]:
    if account.sandbox:
        base = ctx.base_url.rstrip("/") + "/sandbox/zalo"
        return base + zns.SEND_PATH, base + "/oauth" + zns.TOKEN_PATH
    return zns.SEND_URL, zns.TOKEN_URL


def esms_url(ctx: SendContext, account: ChannelAccount) -> str:
    if account.sandbox:
        return ctx.base_url.rstrip("/") + "/sandbox/esms" + esms.SEND_PATH
    return esms.SEND_URL


def callback_url(ctx: SendContext, account: ChannelAccount) -> str:
    return f"{ctx.base_url.rstrip('/')}/hooks/esms/{account.hook_token}"


# ---------------------------------------------------------------- sending

def send_due(session: Session, now: datetime, ctx: SendContext, limit: int = 200) -> int:
    """Send every message due by `now` (and the fallbacks this creates). Returns how many were
    handled."""
    _expire_leases(session, now, ctx)
    handled, seen = 0, set()
    for _pass in range(3):
        ids = [i for i in session.scalars(select(OutboundMessage.id).where(
            OutboundMessage.status == Status.QUEUED, OutboundMessage.send_after <= now)
            .order_by(OutboundMessage.urgent.desc(), OutboundMessage.send_after, OutboundMessage.id)
            .limit(limit)) if i not in seen]
        if not ids:
            break
        for message_id in ids:
            seen.add(message_id)
            claimed = session.execute(update(OutboundMessage).where(
                OutboundMessage.id == message_id, OutboundMessage.status == Status.QUEUED)
                .values(status=Status.SENDING, lease_until=now + LEASE)
                .execution_options(synchronize_session=False)).rowcount
            ctx.commit(session)
            if not claimed:
                continue
            message = session.get(OutboundMessage, message_id)
            session.refresh(message)
            send_one(session, message, now, ctx)
            ctx.commit(session)
            handled += 1
    return handled


def _expire_leases(session: Session, now: datetime, ctx: SendContext) -> None:
    """A sender that died mid-call: an SMS goes again (eSMS takes a RequestId once); anything else
    may have arrived, so it is left for the school to see."""
    session.execute(update(OutboundMessage).where(OutboundMessage.status == Status.SENDING,
                                                  OutboundMessage.lease_until < now,
                                                  OutboundMessage.channel == Channel.SMS)
                    .values(status=Status.QUEUED, send_after=now).execution_options(synchronize_session=False))
    session.execute(update(OutboundMessage).where(OutboundMessage.status == Status.SENDING,
                                                  OutboundMessage.lease_until < now)
                    .values(status=Status.UNKNOWN, error_code="lease", finished_at=now,
                            error_text="Không rõ đã gửi được chưa (bộ gửi dừng giữa chừng)")
                    .execution_options(synchronize_session=False))
    ctx.commit(session)


def paid_this_month(session: Session, school_id: int, user_id: int, now: datetime, tz: str,
                    exclude: int | None = None) -> int:
    start, end = rules.month_bounds(now, tz)
    stmt = select(func.count()).select_from(OutboundMessage).where(
        OutboundMessage.school_id == school_id, OutboundMessage.user_id == user_id,
        OutboundMessage.channel.in_(PAID),
        or_(OutboundMessage.status.in_([Status.ACCEPTED, Status.DELIVERED]) & (OutboundMessage.sent_at >= start)
            & (OutboundMessage.sent_at < end),
            OutboundMessage.status == Status.SENDING))
    if exclude is not None:
        stmt = stmt.where(OutboundMessage.id != exclude)
    return session.scalar(stmt) or 0


def _finish(message: OutboundMessage, status: str, now: datetime, code: str = "", text: str = "", **values) -> None:
    """End a message: its status, the provider's code and words as it answered (or ours) — kept as
    they were and logged; the pages read the reason from them (lms.messaging.reasons), with
    `values` for the reasons that name a number (the cap, the minutes waited)."""
    message.status, message.error_code, message.error_text = status, code[:20], text[:300]
    message.finished_at, message.lease_until = now, None
    if values:
        message.payload = {**(message.payload or {}), "reason": values}
    if code:
        log.info("message %s (%s) %s: %s %s", message.tracking_id, message.channel, status, code, text)


def send_one(session: Session, message: OutboundMessage, now: datetime, ctx: SendContext) -> None:
    """Send one claimed message (status SENDING) and record what happened."""
    settings = settings_of(session, message.school_id)
    user = message.recipient
    invitation = message.kind == "invitation"    # to the number a school typed (routing.queue_invitation)
    if message.channel in PAID and not invitation:
        if not consent.outside_channels_allowed(session, message.user_id, message.student_id, message.school_id):
            _finish(message, Status.SKIPPED, now, "consent", "Phụ huynh chưa đồng ý hoặc đã rút lại sự đồng ý")
            return
        if not message.urgent and paid_this_month(session, message.school_id, message.user_id, now, ctx.tz,
                                                  exclude=message.id) >= settings.monthly_cap:
            _finish(message, Status.CAPPED, now, "cap", f"Đã đủ {settings.monthly_cap} tin trong tháng",
                    n=settings.monthly_cap)
            return
    if not (message.urgent and settings.urgent_bypass):
        release = rules.send_time(now, ctx.tz, settings.quiet_start, settings.quiet_end, urgent=False, bypass=False)
        if release > now:
            message.status, message.send_after, message.lease_until = Status.QUEUED, release, None
            return
    stale = no_longer_true(session, message)
    if stale:
        _finish(message, Status.SKIPPED, now, stale, STALE[stale])
        return
    if message.channel == Channel.EMAIL:
        _send_email(message, user, now, ctx)
        return
    if not invitation:
        if not user.phone:
            _finish(message, Status.SKIPPED, now, "phone", "Phụ huynh chưa có số điện thoại")
            return
        message.address = user.phone
    provider = Provider.ZNS if message.channel == Channel.ZNS else Provider.ESMS
    account = account_of(session, message.school_id, provider)
    if not is_ready(account) or (account.sandbox and not ctx.sandbox_on):
        _handle(session, message, Outcome(Kind.REJECTED, "setup", "Tài khoản nhà cung cấp chưa sẵn sàng", setup=True),
                now, settings, ctx)
        return
    if provider == Provider.ZNS:
        outcome = _send_zns(session, message, account, now, ctx)
    else:
        outcome = _send_sms(session, message, account, ctx)
    _handle(session, message, outcome, now, settings, ctx)


STALE = {"newer": "Đã có tin mới hơn về điểm danh ngày này: chỉ gửi tin cuối",
         "told": "Không gửi: phụ huynh đã được báo đúng như vậy về ngày này"}
GONE_OUT = (Status.SENDING, Status.ACCEPTED, Status.DELIVERED, Status.FAILED, Status.UNKNOWN)


def no_longer_true(session: Session, message: OutboundMessage) -> str:
    """Why an absence notice (or its correction) about to go no longer tells the truth ("newer",
    "told"; STALE says each), or "".
    The notices of a pupil's day to a parent on a channel collapse to the last one made (the
    day's final state): an earlier one still waiting when a later one exists is not sent, and
    the last is not sent when it tells what already went out (absent again after a correction
    that never left) or corrects what never did. So notices held through quiet hours tell only
    what is still true when they are released."""
    if message.kind not in rules.URGENT_KINDS or message.fallback_of_id is not None:
        return ""
    day = (message.payload or {}).get("params", {}).get("date")
    if day is None:
        return ""               # an approval about no day of absence told
    same = [m for m in session.scalars(select(OutboundMessage).where(
        OutboundMessage.user_id == message.user_id, OutboundMessage.student_id == message.student_id,
        OutboundMessage.school_id == message.school_id, OutboundMessage.channel == message.channel,
        OutboundMessage.kind.in_(rules.URGENT_KINDS), OutboundMessage.fallback_of_id.is_(None),
        OutboundMessage.id != message.id).order_by(OutboundMessage.id))
        if (m.payload or {}).get("params", {}).get("date") == day]
    if any(m.id > message.id for m in same):
        return "newer"
    told = [m.kind for m in same if m.status in GONE_OUT]
    last = told[-1] if told else "absence_corrected"      # nothing told: nothing to correct
    if last == message.kind:
        return "told"
    return ""


def _handle(session: Session, message: OutboundMessage, outcome: Outcome, now: datetime, settings,
            ctx: SendContext) -> None:
    message.attempts += 1
    if outcome.kind == Kind.ACCEPTED:
        message.status, message.sent_at, message.lease_until = Status.ACCEPTED, now, None
        message.provider_id = outcome.provider_id or message.provider_id
        message.error_code, message.error_text = "", ""
        message.cost = settings.zns_cost if message.channel == Channel.ZNS else settings.sms_cost * message.segments
        return
    if outcome.kind == Kind.AMBIGUOUS and message.channel != Channel.SMS:
        _finish(message, Status.UNKNOWN, now, outcome.code or "timeout",
                outcome.text or "Không nhận được trả lời của nhà cung cấp")
        return
    if outcome.kind in (Kind.RETRY, Kind.AMBIGUOUS, Kind.TOKEN):
        again = rules.next_try(message.attempts, now)
        if again is not None:
            message.status, message.send_after, message.lease_until = Status.QUEUED, again, None
            message.error_code, message.error_text = outcome.code[:20], outcome.text[:300]
            return
    _finish(message, Status.FAILED, now, outcome.code, outcome.text)
    if message.channel == Channel.ZNS:
        fallback(session, message, now)


def fallback(session: Session, message: OutboundMessage, now: datetime) -> OutboundMessage | None:
    """A ZNS that could not be delivered goes by SMS when the parent ticked SMS too."""
    pref = preference_of(session, message.user_id)
    if not pref.sms or not is_ready(account_of(session, message.school_id, Provider.ESMS)):
        return None
    return queue(session, school_id=message.school_id, user=message.recipient, student_id=message.student_id,
                 channel=Channel.SMS.value, kind=message.kind, urgent=message.urgent,
                 dedupe_key=f"fb{message.id}", payload=message.payload, send_after=now, now=now,
                 fallback_of=message.id)


def _call(ctx: SendContext, url: str, headers: dict[str, str], body: bytes, reader) -> Outcome:
    status, answer, reached = ctx.transport("POST", url, headers, body)
    if status == 599:
        return Outcome(Kind.AMBIGUOUS if reached else Kind.RETRY, "network", "Không kết nối được nhà cung cấp")
    return reader(status, answer)


def _access_token(session: Session, account: ChannelAccount, now: datetime, ctx: SendContext, *,
                  force: bool = False) -> str | Outcome:
    """A valid access token: the stored one, or a new one from the one-time refresh token."""
    token = access_token_of(ctx.box, account)
    if token and not force and account.access_expires_at and account.access_expires_at > now + TOKEN_MARGIN:
        return token
    version = account.token_version
    hidden = secrets_of(ctx.box, account)
    _send_url, token_url = zalo_urls(ctx, account)
    headers, body = zns.refresh_request(account.public.get("app_id", ""), hidden.get("app_secret", ""),
                                        hidden.get("refresh_token", ""))
    ctx.commit(session)    # no write of ours may wait on the call (the sandbox answers from its own session)
    status, answer, _reached = ctx.transport("POST", token_url, headers, body)
    if status == 599 or status >= 500:
        return Outcome(Kind.RETRY, "token", "Không lấy được access token (mạng)")
    try:
        access, refresh, lifetime = zns.read_refresh_answer(status, answer)
    except zns.TokenError as exc:
        return Outcome(Kind.REJECTED, "token", f"Zalo không cấp access token: {exc}", setup=True)
    stored = store_tokens(session, ctx.box, account, version=version, access_token=access, refresh_token=refresh,
                          expires_at=now + timedelta(seconds=lifetime))
    ctx.commit(session)    # the old refresh token is spent: the new one must outlive whatever happens next
    if not stored:
        return access_token_of(ctx.box, account) or Outcome(Kind.RETRY, "token", "")
    return access


# The absence template's `status` when the register was corrected after the notice went out.
CORRECTED = {"": "Đã sửa: có mặt", "P": "Đã sửa: vắng có phép", "M": "Đã sửa: đi muộn"}


def absence_status(periods: str) -> str:
    """The absence template's `status`: the whole day, or the periods (with their subjects when
    they fit the parameter's 30 characters, else the periods' numbers)."""
    if not periods:
        return "Vắng không phép"
    status = f"Vắng không phép tiết {periods}"
    if len(status) > rules.ZNS_PARAMS["status"]:
        status = "Vắng không phép tiết " + ", ".join(re.findall(r"(?:^|, )(\d+)(?= \(|, |$)", periods))
    return status


def pupil_names(session: Session, message: OutboundMessage) -> str:
    """The ZNS `student_name` of a notice: the pupil it is about, or — for a notice to a class or
    the school — the recipient's children at the school (given names when several), never the
    class's name (the template's field is the pupil's)."""
    from lms.people.models import Guardianship, Student

    params = (message.payload or {}).get("params") or {}
    if message.student is not None:
        return message.student.full_name
    if params.get("student"):
        return str(params["student"])
    kids = list(session.scalars(select(Student).join(Guardianship, Guardianship.student_id == Student.id).where(
        Guardianship.guardian_id == message.user_id, Student.school_id == message.school_id)
        .order_by(Student.sort_name)))
    if len(kids) == 1:
        return kids[0].full_name
    return ", ".join(k.full_name.split(" ")[-1] for k in kids)


def template_values(session: Session, message: OutboundMessage, ctx: SendContext) -> tuple[str, dict[str, str]]:
    """The template (absence, digest or notice) and its data, in Vietnamese."""
    payload = message.payload or {}
    school = session.get(School, message.school_id)
    if message.kind in ("absence", "absence_corrected"):
        params = payload.get("params", {})
        status = (absence_status(params.get("periods") or "") if message.kind == "absence"
                  else CORRECTED.get(params.get("mark") or "", CORRECTED[""]))
        return "absence", rules.zns_data({"student_name": params.get("student", ""),
                                          "class_name": params.get("class", ""), "date": params.get("date", ""),
                                          "status": status, "school_name": school.name})
    if message.kind == "digest":
        items = payload.get("items", [])
        return "digest", rules.zns_data({"student_name": ", ".join(payload.get("students", [])),
                                         "date": payload.get("day", ""), "summary": texts.summary(items),
                                         "count": len(items)})
    params = payload.get("params", {})
    return "notice", rules.zns_data({"student_name": pupil_names(session, message), "title": texts.title(message.kind),
                                     "content": ctx.text(message.kind, params, "vi"),
                                     "date": rules.to_local(message.created_at, ctx.tz).strftime("%d/%m/%Y")})


def sms_text(session: Session, message: OutboundMessage, ctx: SendContext) -> str:
    """The SMS, unaccented, in at most two segments, ending with where to read more."""
    payload = message.payload or {}
    school = session.get(School, message.school_id)
    if message.kind == "digest":
        lines = [ctx.text(i["kind"], i.get("params", {}), "vi") for i in payload.get("items", [])]
        body = f"Tin ngay {payload.get('day', '')}: " + "; ".join(lines)
    else:
        body = ctx.text(message.kind, payload.get("params", {}), "vi")
    link = payload.get("link") or ""
    if payload.get("sealed_link"):      # an invitation's one-time link: opened only to send it
        link = unseal(ctx.box, payload["sealed_link"]).get("link", "")
    tail = f" {ctx.base_url.rstrip('/')}{link}" if link else ""
    return rules.sms_compose(f"{school.name}: ", body, tail)


def _send_zns(session: Session, message: OutboundMessage, account: ChannelAccount, now: datetime,
              ctx: SendContext) -> Outcome:
    purpose, data = template_values(session, message, ctx)
    template_id = account.public.get(f"template_{purpose}", "")
    send_url, _token_url = zalo_urls(ctx, account)
    outcome = None
    for force in (False, True):
        token = _access_token(session, account, now, ctx, force=force)
        if isinstance(token, Outcome):
            return token
        headers, body = zns.send_request(token, rules.international(message.address), template_id, data,
                                         message.tracking_id)
        ctx.commit(session)
        outcome = _call(ctx, send_url, headers, body, zns.read_send_answer)
        if outcome.kind != Kind.TOKEN:
            break
    message.payload = {**(message.payload or {}), "sent": {"template_id": template_id, "template_data": data}}
    return outcome


def _send_sms(session: Session, message: OutboundMessage, account: ChannelAccount, ctx: SendContext) -> Outcome:
    text = sms_text(session, message, ctx)
    message.segments = rules.sms_segments(text)
    hidden = secrets_of(ctx.box, account)
    body = esms.send_body(hidden.get("api_key", ""), hidden.get("secret_key", ""), message.address, text,
                          account.public.get("brandname", ""), message.tracking_id, callback_url(ctx, account))
    shown = text.split(" http", 1)[0] + " [liên kết]" if (message.payload or {}).get("sealed_link") else text
    message.payload = {**(message.payload or {}), "sent": {"text": shown}}
    ctx.commit(session)
    return _call(ctx, esms_url(ctx, account), {"Content-Type": "application/json"},
                 json.dumps(body, ensure_ascii=False).encode(), esms.read_send_answer)


def _send_email(message: OutboundMessage, user, now: datetime, ctx: SendContext) -> None:
    if not user.email:
        _finish(message, Status.SKIPPED, now, "email", "Phụ huynh chưa có e-mail")
        return
    payload, locale = message.payload or {}, user.locale or "vi"
    if message.kind == "digest":
        lines = [ctx.text(i["kind"], i.get("params", {}), locale) for i in payload.get("items", [])]
        subject = ctx.text("digest_subject", {"day": payload.get("day", ""),
                                              "students": ", ".join(payload.get("students", []))}, locale)
        body = "\n".join(f"• {line}" for line in lines)
    else:
        body = ctx.text(message.kind, payload.get("params", {}), locale)
        subject = body.split("\n", 1)[0]
    if payload.get("link"):
        body += f"\n\n{ctx.base_url.rstrip('/')}{payload['link']}"
    message.address = user.email
    if ctx.mail(user.email, subject[:120], body):
        message.status, message.sent_at, message.delivered_at = Status.DELIVERED, now, now
        message.lease_until, message.attempts = None, message.attempts + 1
        message.finished_at = now
        return
    message.attempts += 1
    again = rules.next_try(message.attempts, now)
    if again is None:
        _finish(message, Status.FAILED, now, "smtp", "Máy chủ thư không nhận")
    else:
        message.status, message.send_after, message.lease_until = Status.QUEUED, again, None
        message.error_code, message.error_text = "smtp", "Máy chủ thư không nhận; sẽ thử lại"


# ---------------------------------------------------------------- asking what became of a message

# An accepted ZNS or SMS whose delivery report has not come is asked about (Zalo's and eSMS's
# status APIs) this long after it was sent, then again at this interval, until the window of its
# channel has passed. A ZNS still not on the parent's phone after its window has failed for the
# parent (the same-morning absence cannot wait for Zalo): it goes by SMS when the parent ticked
# SMS too, and costs nothing (Zalo charges delivered messages). An SMS is the last channel: one
# the network has not confirmed after its window is shown to the school as unknown (it may yet
# arrive, and a late report still settles it).
CHECK_AFTER = timedelta(minutes=5)
CHECK_EVERY = timedelta(minutes=10)
WINDOWS = {Channel.ZNS: (timedelta(minutes=15), timedelta(hours=2)),      # (urgent, other)
           Channel.SMS: (timedelta(hours=1), timedelta(hours=24))}
PROVIDERS = {Channel.ZNS: Provider.ZNS, Channel.SMS: Provider.ESMS}


def window_of(message: OutboundMessage) -> timedelta:
    urgent, other = WINDOWS[Channel(message.channel)]
    return urgent if message.urgent else other


def check_deliveries(session: Session, now: datetime, ctx: SendContext, limit: int = 200) -> int:
    """Ask the provider's status API about each accepted ZNS and SMS without a delivery report
    whose time has come: delivered (the webhook or callback was lost), still on its way, or never
    there. Returns how many were settled."""
    due = list(session.scalars(select(OutboundMessage).where(
        OutboundMessage.channel.in_(PROVIDERS), OutboundMessage.status == Status.ACCEPTED,
        OutboundMessage.provider_id.is_not(None), OutboundMessage.sent_at <= now - CHECK_AFTER,
        or_(OutboundMessage.checked_at.is_(None), OutboundMessage.checked_at <= now - CHECK_EVERY))
        .order_by(OutboundMessage.urgent.desc(), OutboundMessage.sent_at).limit(limit)))
    settled = 0
    for message in due:
        account = account_of(session, message.school_id, PROVIDERS[Channel(message.channel)])
        if not is_ready(account) or (account.sandbox and not ctx.sandbox_on):
            continue
        if message.channel == Channel.ZNS:
            report = _ask_zns_status(session, message, account, now, ctx)
        else:
            report = _ask_sms_status(session, message, account, ctx)
        message = session.get(OutboundMessage, message.id)
        message.checked_at = now
        settled += settle(session, message, report, now)
        ctx.commit(session)
    return settled


def _ask_zns_status(session: Session, message: OutboundMessage, account: ChannelAccount, now: datetime,
                    ctx: SendContext) -> DeliveryStatus:
    send_url, _token_url = zalo_urls(ctx, account)
    status_url = send_url[:-len(zns.SEND_PATH)] + zns.STATUS_PATH
    report = DeliveryStatus(Kind.RETRY)
    for force in (False, True):
        token = _access_token(session, account, now, ctx, force=force)
        if isinstance(token, Outcome):
            return DeliveryStatus(Kind.RETRY, text=token.text)
        query, headers = zns.status_request(token, message.provider_id, rules.international(message.address))
        ctx.commit(session)
        status, answer, _reached = ctx.transport("GET", f"{status_url}?{query}", headers, b"")
        report = zns.read_status_answer(status, answer) if status != 599 else DeliveryStatus(Kind.RETRY)
        if report.state != Kind.TOKEN:
            break
    return report


def _ask_sms_status(session: Session, message: OutboundMessage, account: ChannelAccount,
                    ctx: SendContext) -> DeliveryStatus:
    hidden = secrets_of(ctx.box, account)
    status_url = esms_url(ctx, account)[:-len(esms.SEND_PATH)] + esms.STATUS_PATH
    query = esms.status_query(hidden.get("api_key", ""), hidden.get("secret_key", ""), message.provider_id or "")
    ctx.commit(session)
    status, answer, _reached = ctx.transport("GET", f"{status_url}?{query}", {}, b"")
    return esms.read_status_answer(status, answer) if status != 599 else DeliveryStatus(Kind.RETRY)


def settle(session: Session, message: OutboundMessage, report: DeliveryStatus, now: datetime) -> int:
    """Record what the provider said of an accepted message: 1 when it settled the message."""
    window = window_of(message)
    minutes = int(window.total_seconds() // 60)
    overdue = report.state == PENDING and now - message.sent_at >= window
    if message.channel == Channel.SMS:
        if report.state in (DELIVERED, UNDELIVERED):
            return int(record_sms_report(session, message.school_id, message.provider_id or "", message.tracking_id,
                                         report.state == DELIVERED, now))
        if overdue:
            _finish(message, Status.UNKNOWN, now, "unconfirmed",
                    f"Nhà mạng chưa báo đã nhận tin sau {minutes // 60} giờ", n=minutes // 60)
            return 1
        return 0
    if report.state == DELIVERED:
        when = datetime.fromtimestamp(report.delivered_ms / 1000, tz=now.tzinfo) if report.delivered_ms else now
        return int(record_zns_delivery(session, message.school_id, message.provider_id or "", message.tracking_id,
                                       when))
    if report.state == UNDELIVERED or overdue:
        text = ("Zalo không có tin này" if report.state == UNDELIVERED else
                f"Zalo chưa đưa tin tới điện thoại của phụ huynh sau {minutes} phút")
        _finish(message, Status.FAILED, now, "undelivered", text,
                **({"missing": True} if report.state == UNDELIVERED else {"n": minutes}))
        message.cost = 0
        fallback(session, message, now)
        return 1
    return 0


# ---------------------------------------------------------------- delivery reports

def _reported(session: Session, school_id: int, channel: str, provider_id: str, tracking_id: str
              ) -> OutboundMessage | None:
    conditions = []
    if provider_id:
        conditions.append(OutboundMessage.provider_id == provider_id)
    if tracking_id:
        conditions.append(OutboundMessage.tracking_id == tracking_id)
    if not conditions:
        return None
    return session.scalars(select(OutboundMessage).where(OutboundMessage.school_id == school_id,
                                                         OutboundMessage.channel == channel, or_(*conditions))).first()


def record_zns_delivery(session: Session, school_id: int, msg_id: str, tracking_id: str, when: datetime) -> bool:
    """Zalo's `user_received_message`: the ZNS reached the parent's phone. Idempotent."""
    message = _reported(session, school_id, Channel.ZNS, msg_id, tracking_id)
    if message is None:
        return False
    # A ZNS given up as undelivered (and sent by SMS) that reaches the phone after all is told
    # as it is: delivered, and paid for.
    late = message.status == Status.FAILED and message.error_code == "undelivered"
    if message.status in (Status.ACCEPTED, Status.UNKNOWN, Status.SENDING) or late:
        message.status, message.delivered_at, message.finished_at = Status.DELIVERED, when, when
        message.provider_id = message.provider_id or msg_id or None
        if not message.cost:
            message.cost = settings_of(session, school_id).zns_cost
        message.error_code = message.error_text = ""
    return True


def record_sms_report(session: Session, school_id: int, smsid: str, request_id: str, delivered: bool | None,
                      when: datetime) -> bool:
    """eSMS's callback. A network's refusal is final (SMS is the last channel) and costs nothing."""
    message = _reported(session, school_id, Channel.SMS, smsid, request_id)
    if message is None:
        return False
    message.provider_id = message.provider_id or smsid or None
    if delivered is None or message.status not in (Status.ACCEPTED, Status.UNKNOWN, Status.SENDING):
        return True
    if delivered:
        message.status, message.delivered_at, message.finished_at = Status.DELIVERED, when, when
    else:
        _finish(message, Status.FAILED, when, "network", "Nhà mạng báo không gửi được")
        message.cost = 0
    return True

