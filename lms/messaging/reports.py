"""What the contact book sent and what it cost: per school and month, per channel; the messages
that did not arrive, for the school to see; and a parent's own recent messages."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from lms.messaging.models import Channel, OutboundMessage, Status

PROBLEMS = (Status.FAILED, Status.UNKNOWN, Status.CAPPED, Status.SKIPPED)


@dataclass
class Line:
    channel: str
    made: int = 0
    sent: int = 0            # taken by the provider (delivered or waiting for the report)
    delivered: int = 0
    failed: int = 0          # refused, failed or unknown
    held: int = 0            # capped or skipped: never sent
    waiting: int = 0         # queued or being sent
    cost: int = 0            # đồng, estimated
    segments: int = 0        # SMS: the 160-character parts charged — of the messages that cost
    #                          something (a failed SMS costs nothing), so segments × price = cost
    statuses: dict[str, int] = field(default_factory=dict)


def cost_report(session: Session, school_id: int, start: datetime, end: datetime) -> tuple[list[Line], Line]:
    """One line per channel (ZNS, SMS, e-mail) and their total, for messages made in [start, end)."""
    lines = {c.value: Line(c.value) for c in (Channel.ZNS, Channel.SMS, Channel.EMAIL)}
    for channel, status, count, cost, segments in session.execute(
            select(OutboundMessage.channel, OutboundMessage.status, func.count(),
                   func.coalesce(func.sum(OutboundMessage.cost), 0),
                   func.coalesce(func.sum(case((OutboundMessage.cost > 0, OutboundMessage.segments), else_=0)), 0))
            .where(OutboundMessage.school_id == school_id, OutboundMessage.created_at >= start,
                   OutboundMessage.created_at < end)
            .group_by(OutboundMessage.channel, OutboundMessage.status)):
        line = lines.setdefault(channel, Line(channel))
        line.statuses[status] = count
        line.made += count
        line.cost += int(cost)
        line.segments += int(segments) if channel == Channel.SMS.value else 0
        if status in (Status.ACCEPTED, Status.DELIVERED):
            line.sent += count
        if status == Status.DELIVERED:
            line.delivered += count
        if status in (Status.FAILED, Status.UNKNOWN):
            line.failed += count
        if status in (Status.CAPPED, Status.SKIPPED):
            line.held += count
        if status in (Status.QUEUED, Status.SENDING):
            line.waiting += count
    total = Line("total")
    for line in lines.values():
        for name in ("made", "sent", "delivered", "failed", "held", "waiting", "cost", "segments"):
            setattr(total, name, getattr(total, name) + getattr(line, name))
    return list(lines.values()), total


def problems_query(school_id: int, start: datetime, end: datetime):
    """Messages of the month that did not arrive (or may not have), newest first."""
    return (select(OutboundMessage).where(OutboundMessage.school_id == school_id, OutboundMessage.created_at >= start,
                                          OutboundMessage.created_at < end, OutboundMessage.status.in_(PROBLEMS))
            .order_by(OutboundMessage.created_at.desc(), OutboundMessage.id.desc()))


def messages_of_parent(session: Session, user_id: int, limit: int = 40) -> list[OutboundMessage]:
    return list(session.scalars(select(OutboundMessage).where(OutboundMessage.user_id == user_id)
                                .order_by(OutboundMessage.created_at.desc(), OutboundMessage.id.desc()).limit(limit)))
