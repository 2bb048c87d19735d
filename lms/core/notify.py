"""In-app notifications, and e-mail to the same people when SMTP is configured. E-mails wait in
the session until the request's single commit, so a rolled-back change never mails anyone."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.core.models import Notification
from lms.core.timeutil import utcnow
from lms.i18n import lazy_gettext as _l

# kind -> message; params fill the placeholders. Rendered in the reader's language.
MESSAGES = {
    "announcement": _l("Thông báo mới từ %(author)s: %(title)s"),
    "message": _l("Tin nhắn mới từ %(sender)s về em %(student)s"),
    "lesson_published": _l("Bài học mới môn %(subject)s: %(title)s"),
    "exam_assigned": _l("Bài thi mới môn %(subject)s: %(exam)s, mở lúc %(opens)s"),
    "exam_graded": _l("Đã có điểm bài thi %(exam)s"),
    "homework_assigned": _l("Bài tập mới môn %(subject)s: %(title)s"),
    "homework_reminder": _l("Nhắc nộp bài tập: %(title)s"),
    "homework_graded": _l("Bài tập “%(title)s” đã được chấm"),
    "homework_returned": _l("Giáo viên trả lại bài “%(title)s” để em sửa và nộp lại"),
    "invoice_issued": _l("Hoá đơn mới cho em %(student)s: %(amount)s đ, hạn nộp %(due)s (mã %(code)s)"),
    "invoice_reminder": _l("Nhắc nộp tiền: em %(student)s còn %(amount)s đ chưa nộp (mã %(code)s, hạn %(due)s)"),
    "payment_report_matched": _l("Nhà trường đã tìm thấy khoản %(amount)s đ bạn báo đã nộp cho hoá đơn %(code)s và ghi nhận vào hoá đơn. %(note)s"),
    "payment_report_refunded": _l("Khoản %(amount)s đ bạn báo đã nộp cho hoá đơn %(code)s đã được hoàn trả: %(note)s"),
    "payment_report_rejected": _l("Nhà trường chưa tìm thấy khoản %(amount)s đ bạn báo đã nộp cho hoá đơn %(code)s: %(note)s"),
    "invitation": _l("%(school)s mời bạn tham gia trường. Mở để chấp nhận hoặc từ chối."),
    "homework_overdue": _l("Em %(student)s chưa nộp bài tập môn %(subject)s: %(title)s (đã quá hạn)"),
    "absence": _l("Em %(student)s (lớp %(class)s) vắng mặt không phép ngày %(date)s"),
    # A pupil absent from some periods only (no whole-day register marks it): which ones.
    "absence_periods": _l("Em %(student)s (lớp %(class)s) vắng không phép tiết %(periods)s ngày %(date)s"),
    "absence_corrected": _l("Sửa điểm danh: em %(student)s (lớp %(class)s) không vắng không phép ngày %(date)s "
                            "như đã báo"),
    "leave_requested": _l("Phụ huynh xin cho em %(student)s (lớp %(class)s) nghỉ từ %(from)s đến %(to)s"),
    "leave_approved": _l("Giáo viên chủ nhiệm đã duyệt đơn xin nghỉ của em %(student)s từ %(from)s đến %(to)s"),
    # An approval with the teacher's note: the parents read the note with the answer.
    "leave_approved_note": _l("Giáo viên chủ nhiệm đã duyệt đơn xin nghỉ của em %(student)s từ %(from)s đến "
                              "%(to)s: %(note)s"),
    # An approval that excuses an absence the parents were told of (by Zalo or SMS too): the message
    # that goes outside the app says so itself, before the note (an SMS cut to fit keeps it).
    "leave_approved_excused": _l("Giáo viên chủ nhiệm đã duyệt đơn xin nghỉ của em %(student)s từ %(from)s đến "
                                 "%(to)s; ngày %(excused)s đã báo vắng không phép nay đã chuyển thành nghỉ có phép"),
    "leave_approved_excused_note": _l("Giáo viên chủ nhiệm đã duyệt đơn xin nghỉ của em %(student)s từ %(from)s "
                                      "đến %(to)s; ngày %(excused)s đã báo vắng không phép nay đã chuyển thành nghỉ "
                                      "có phép: %(note)s"),
    "leave_refused": _l("Giáo viên chủ nhiệm không duyệt đơn xin nghỉ của em %(student)s từ %(from)s đến %(to)s: %(note)s"),
}
OUTBOX_KEY = "lms_outbox"
ROUTE_KEY = "lms_route"
CLAIMED_KEY = "lms_claimed"
# Areas that take over some readers' notices (the contact book sends parents' notices on the
# channels each parent chose, as a digest or one by one): fn(session, notes) → the
# (user id, school id) pairs whose e-mail it sends itself. Called once per transaction, before
# its commit (or earlier, see `route_pending`), with the notices the transaction made.
ROUTERS: list[Callable[[Session, list[Notification]], set[tuple[int, int]]]] = []


def register_router(fn: Callable[[Session, list[Notification]], set[tuple[int, int]]]) -> None:
    if fn not in ROUTERS:
        ROUTERS.append(fn)


@dataclass(frozen=True)
class OutgoingMail:
    to: str
    locale: str
    kind: str
    params: dict
    user_id: int | None = None
    school_id: int | None = None


VARIANTS = ("periods", "excused", "note")
# Params that hold an amount of đồng: stored as the number, written when the notice is read, in
# its reader's language ("1.250.000" / "1,250,000"); a mark stored as written ("6,5") likewise.
MONEY_PARAMS = ("amount",)
MARK_PARAMS = ("mark",)


def shown_params(params: dict) -> dict:
    """The params as the message writes them: an amount or a mark in the current language. An
    amount stored as Vietnamese text by an older release ("1.250.000") is read back and written the
    same way; a mark "6,5" reads "6.5" in English (a pass/fail mark, "Đ", stays as it is)."""
    import re
    from decimal import Decimal

    from lms.core.errors import ValidationError
    from lms.core.numbers import local_decimal, money, parse_amount

    shown = dict(params)
    for key in MARK_PARAMS:
        value = shown.get(key)
        if isinstance(value, str) and re.fullmatch(r"\d{1,2}[,.]\d", value, re.ASCII):
            shown[key] = local_decimal(Decimal(value.replace(",", ".")), None, 1)
    for key in MONEY_PARAMS:
        value = shown.get(key)
        if isinstance(value, str) and value.strip():
            try:
                value = parse_amount(value)
            except ValidationError:
                continue
        if isinstance(value, int) and not isinstance(value, bool):
            shown[key] = money(value)
    return shown


def message_text(kind: str, params: dict) -> str:
    """The message in the current language (the caller chooses it). A notice whose params carry
    parts some wordings of it say (an absence from some periods, an approval that excused an
    absence already told, an approval with a note) reads its `<kind>_<part>[_<part>]` wording:
    the one naming all its parts, else one naming a single part."""
    parts = [v for v in VARIANTS if params.get(v)]
    names = [f"{kind}_{'_'.join(parts)}"] * bool(parts) + [f"{kind}_{v}" for v in parts]
    template = next((MESSAGES[n] for n in names if n in MESSAGES), None)
    template = template or MESSAGES.get(kind)
    return str(template) % shown_params(params) if template is not None else kind


def message_body(kind: str, params: dict) -> str:
    """The whole notice, for the channels outside the app (e-mail, Zalo, SMS): its line and,
    for a notice that carries a text of its own (an announcement's body), that text too — in
    the app the line links to it, but outside the app the line alone says nothing."""
    line = message_text(kind, params)
    body = str(params.get("body") or "").strip()
    return f"{line}\n\n{body}" if body else line


def render(note: Notification) -> str:
    return message_text(note.kind, note.params or {})


def notify(session: Session, users: list[User], kind: str, params: dict, link: str | None,
           school_id: int | None, *, flush: bool = True, outside: bool = True) -> int:
    """One notification per distinct user; e-mail queued for those with an address. Callers
    sending many notices at once pass `flush=False` and flush once at the end. `outside=False`:
    in the app only (another notice of the same transaction tells it outside the app)."""
    seen: set[int] = set()
    for user in users:
        if user.id in seen or not user.is_active:
            continue
        seen.add(user.id)
        note = Notification(user_id=user.id, school_id=school_id, kind=kind, params=params, link=link)
        session.add(note)
        if not outside:
            continue
        if ROUTERS:
            session.info.setdefault(ROUTE_KEY, []).append(note)
        if user.email:
            mail = OutgoingMail(user.email, user.locale or "vi", kind, params, user.id, school_id)
            session.info.setdefault(OUTBOX_KEY, []).append(mail)
    if flush:
        session.flush()
    return len(seen)


def take_outbox(session: Session) -> list[OutgoingMail]:
    return session.info.pop(OUTBOX_KEY, [])


def drop_outbox(session: Session) -> None:
    for key in (OUTBOX_KEY, ROUTE_KEY, CLAIMED_KEY):
        session.info.pop(key, None)


def route_pending(session: Session) -> set[tuple[int, int]]:
    """Hand the notices made so far to the routers (at the transaction's commit, or when a caller
    needs them routed now); the (user, school) pairs whose e-mail the routers took over in this
    transaction."""
    claimed: set[tuple[int, int]] = session.info.setdefault(CLAIMED_KEY, set())
    notes = session.info.pop(ROUTE_KEY, [])
    if notes:
        session.flush()
        for router in ROUTERS:
            claimed |= router(session, notes)
    return claimed


def unread_count(session: Session, user: User) -> int:
    return session.scalar(select(func.count()).select_from(Notification)
                          .where(Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def note_of(session: Session, user: User, note_id: int) -> Notification | None:
    return session.scalars(select(Notification).where(Notification.id == note_id,
                                                      Notification.user_id == user.id)).first()


def recent(session: Session, user: User, limit: int = 50) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.user_id == user.id)
                                .order_by(Notification.id.desc()).limit(limit)))


def mark_read(session: Session, user: User, note_id: int | None = None, now: datetime | None = None) -> None:
    stmt = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if note_id is not None:
        stmt = stmt.where(Notification.id == note_id)
    session.execute(stmt.values(read_at=now or utcnow()))
