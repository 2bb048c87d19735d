"""Asking a gateway what became of a checkout — VNPay `querydr`, MoMo's status query, payOS's
payment-link lookup — so a lost notification is recovered by asking, not by waiting.

Each provider's question is its module's `ask` (channels/<provider>.py); the answer goes through
the same path as a notification (`checkouts.captured`): the checkout is
claimed once, so an IPN arriving before, during or after the question records nothing twice. A
checkout whose payer never paid is marked expired once its time is up. The scheduler asks about
every pending checkout shortly after it expires, and about every checkout replaced by a newer one
(the parent may have paid it, then pressed "pay" again) until its provider says it was not paid; the accountant can ask about one from the
invoice, and reconciliation asks about every "missing" transaction it finds."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from lms.billing import channel_settings, checkouts
from lms.billing.channels import registry
from lms.billing.checkouts import ASK_AFTER, ASK_AGAIN, Status
from lms.billing.models import CallbackLog, Checkout, CheckoutStatus, ReconciliationItem
from lms.i18n import lazy_gettext as _l

GIVE_UP = timedelta(days=3)          # a checkout still unanswered after this is only marked expired
BATCH = 100
OUTCOMES = {"paid": _l("Cổng báo đã thanh toán: đã ghi nhận"), "duplicate": _l("Cổng báo đã thanh toán; đã ghi trước đó"),
            "failed": _l("Cổng báo giao dịch không thành công"), "pending": _l("Cổng báo người nộp chưa thanh toán"),
            "expired": _l("Người nộp không thanh toán; yêu cầu đã hết hạn"),
            "not_found": _l("Cổng không có giao dịch này"), "error": _l("Cổng chưa trả lời; sẽ hỏi lại sau"),
            "unsupported": _l("Kênh này chưa hỗ trợ truy vấn trạng thái")}

Call = Callable[..., tuple[int, dict]]   # (method, url, body, headers) -> (status, json)
__all__ = ["Status", "Asked", "query_checkout", "sweep", "recover_missing", "askable", "askable_channels"]


@dataclass
class Asked:
    checkout: Checkout
    outcome: str                     # a key of OUTCOMES

    @property
    def message(self) -> str:
        return str(OUTCOMES[self.outcome])


def askable(channel: str) -> bool:
    """Whether the channel's provider has a status API we ask (its module's `ask`)."""
    return channel in registry.GATEWAYS and registry.gateway(channel).ask is not None


def askable_channels() -> tuple[str, ...]:
    return tuple(c for c in registry.GATEWAYS if askable(c))


def query_checkout(session: Session, checkout: Checkout, *, box, signer, call: Call, base_url: str, now: datetime,
                   client_ip: str = "127.0.0.1") -> Asked:
    """Ask the provider about one checkout and act on the answer as its notification would."""
    if not askable(checkout.channel):
        return Asked(checkout, "unsupported")
    setting = channel_settings.setting_of(session, checkout.school_id, checkout.channel)
    if not channel_settings.is_configured(setting):
        return Asked(checkout, "unsupported")
    secret = channel_settings.secrets_of(box, setting)
    checkout.queried_at = now
    provider = registry.gateway(checkout.channel)
    status = provider.ask(checkout, setting, secret, call=call, base_url=base_url, now=now, client_ip=client_ip)
    entry = CallbackLog(school_id=checkout.school_id, provider=provider.PROVIDER, received_at=now,
                        body=json.dumps(status.raw, ensure_ascii=False)[:20000], verified=status.state != "error",
                        outcome=f"query: {status.state} {status.detail}".strip()[:100])
    session.add(entry)
    session.flush()
    if status.state == "captured":
        if getattr(provider, "recorded", None):   # payOS: a bank credit too, recognised once with the feeds'
            provider.recorded(session, checkout, status.captures, entry=entry, signer=signer, now=now,
                              details=status.extra.get("transactions"))
        else:
            for txn_id, amount, note in status.captures:
                checkouts.captured(session, checkout, provider=provider.PROVIDER, school_id=checkout.school_id,
                                   txn_id=txn_id, amount=amount, note=note, entry=entry, signer=signer, now=now,
                                   wrong_amount=_l("Cổng báo số tiền khác số tiền của yêu cầu thanh toán"),
                                   paid_at=status.paid_at)
        entry.outcome = f"query: {entry.outcome}"[:100]
        session.refresh(checkout)
        return Asked(checkout, "paid" if entry.payment_id else "duplicate")
    if checkout.status == CheckoutStatus.REPLACED and status.state in ("failed", "pending", "not_found") \
            and (status.state == "failed" or checkout.expires_at + ASK_AFTER <= now):
        checkout.failure = f"{ANSWERED}{status.state}"[:100]   # not paid: the sweep does not ask again
    if status.state == "failed":
        checkouts.fail(session, checkout, status.detail or "query", now)
        return Asked(checkout, "failed")
    if status.state in ("pending", "not_found") and checkout.expires_at + ASK_AFTER <= now:
        if checkouts.expire(session, checkout, now):
            return Asked(checkout, "expired")
    return Asked(checkout, status.state)


ANSWERED = "query: "     # a replaced checkout's `failure` once its provider said it was not paid


def due_checkouts(session: Session, now: datetime, limit: int = BATCH) -> list[Checkout]:
    """Checkouts the parent may have paid with no final answer, whose time is up (plus the grace
    for a late IPN) and that were not asked about in the last ASK_AGAIN; oldest first: every
    pending one, and every one replaced by a newer checkout (the parent may have paid the first
    and pressed "pay" again) that its provider can be asked about and has not yet said was not
    paid, for GIVE_UP."""
    replaced = and_(Checkout.status == CheckoutStatus.REPLACED, Checkout.channel.in_(askable_channels()),
                    Checkout.payment_id.is_(None), Checkout.failure == "", Checkout.created_at > now - GIVE_UP)
    return list(session.scalars(select(Checkout).where(
        or_(Checkout.status == CheckoutStatus.PENDING, replaced), Checkout.expires_at <= now - ASK_AFTER,
        or_(Checkout.queried_at.is_(None), Checkout.queried_at <= now - ASK_AGAIN))
        .order_by(Checkout.expires_at).limit(limit)))


def sweep(session: Session, now: datetime, *, box, signer, call: Call, base_url: str) -> dict[str, int]:
    """The scheduled pass: ask about every due checkout (each in a savepoint of its own, so one
    provider's trouble does not stop the others); a channel that cannot be asked, or a checkout
    unanswered for GIVE_UP, is simply marked expired — a success arriving later is still recorded."""
    counts: dict[str, int] = {}
    for checkout in due_checkouts(session, now):
        if checkout.status == CheckoutStatus.PENDING and (not askable(checkout.channel)
                                                          or checkout.created_at <= now - GIVE_UP):
            outcome = "expired" if checkouts.expire(session, checkout, now) else "duplicate"
        else:
            try:
                with session.begin_nested():
                    outcome = query_checkout(session, checkout, box=box, signer=signer, call=call, base_url=base_url,
                                             now=now).outcome
            except Exception:  # noqa: BLE001 (logged by the scheduler's caller; the next pass asks again)
                session.execute(update(Checkout).where(Checkout.id == checkout.id).values(queried_at=now)
                                .execution_options(synchronize_session=False))
                outcome = "error"
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def recover_missing(session: Session, items: list[ReconciliationItem], *, box, signer, call: Call, base_url: str,
                    now: datetime) -> int:
    """For the reconciliation's "missing" items (a provider lists a success we never heard of):
    ask the provider about the checkout and record what it confirms. Returns how many payments
    were recorded."""
    recorded = 0
    for item in items:
        provider = registry.by_provider(item.provider)
        if item.kind != "missing" or provider is None or provider.ask is None or not item.order_ref:
            continue
        order = item.order_ref
        checkout = session.scalars(select(Checkout).where(
            Checkout.school_id == item.school_id,
            or_(Checkout.txn_ref == order, Checkout.order_code == (int(order) if order.isdigit() else -1)))).first()
        if checkout is None:
            continue
        asked = query_checkout(session, checkout, box=box, signer=signer, call=call, base_url=base_url, now=now)
        if asked.outcome in ("paid", "duplicate") and checkout.payment_id:
            item.payment_id = checkout.payment_id
            recorded += asked.outcome == "paid"
    session.flush()
    return recorded
