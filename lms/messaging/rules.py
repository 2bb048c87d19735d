"""The arithmetic of the contact book, free of the database and of any provider.

- Quiet hours run from `start` to `end` local time and may cross midnight (21:00–06:00);
  start == end means none. A message made during them waits until they end, unless it is urgent
  and the school lets urgent kinds through.
- SMS go out without diacritics (Vietnamese brand-name SMS is usually sent unaccented: a
  Unicode SMS holds 70 characters, an unaccented one 160). A text of up to 160 GSM characters is
  one segment, longer ones take 153 per segment; `[]{}\\^~|` and € count twice. eSMS is told
  the text is not Unicode (`IsUnicode` "0"), so it counts GSM 7-bit characters as above; every
  SMS is composed by `sms_compose`, which cuts the body so that the whole text — the school's
  name before it, the "..." of the cut and the link after it — fits `SMS_SEGMENTS` segments.
- The estimated cost of a message is the school's unit price for ZNS, or the SMS unit price
  times its segments.
- Retries wait 1, 5, 30 and 120 minutes; then the message has failed.
"""
from __future__ import annotations

import math
import unicodedata
from datetime import date, datetime, time, timedelta, timezone

BACKOFF = (60, 300, 1800, 7200)      # seconds before the 2nd, 3rd, 4th and 5th try

# The ZNS template parameters this app sends, with the longest value each may carry (Zalo's
# parameter types: a name 30, a code or label 30, a time 20, a quantity 20, longer text 200).
ZNS_PARAMS = {"student_name": 30, "class_name": 30, "date": 20, "status": 30, "school_name": 200,
              "summary": 200, "count": 20, "title": 30, "content": 200}

_GSM_EXTENDED = set("[]{}\\^~|€")
SMS_SEGMENTS = 2                     # an SMS is never longer than this many segments


# The kinds of notice that are urgent when they are about the day they are made on: a same-day
# absence, and its correction (which follows it the same morning).
# An approved leave that excuses an absence the parents were told of that day tells it instead of
# the correction, so it is as urgent.
URGENT_KINDS = frozenset({"absence", "absence_corrected", "leave_approved"})


# The kinds of notice that never go one by one outside the app: a payment reminder is told in the
# parent's daily digest — also to a parent who has every other notice as it happens — so that a
# parent of two children with two unpaid invoices each gets one message that day, not four.
DIGEST_KINDS = frozenset({"invoice_reminder"})


def is_urgent(kind: str, params: dict, made_on: date) -> bool:
    """Whether a notice made on `made_on` (the school's local day) is urgent: an absence (or its
    correction) about that same day. An absence recorded today for a past day is not: it waits
    out the quiet hours like any notice, or goes in the parent's digest."""
    return kind in URGENT_KINDS and (params or {}).get("date") == made_on.strftime("%d/%m/%Y")


def in_quiet(moment: time, start: time, end: time) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def quiet_release(local: datetime, start: time, end: time) -> datetime:
    """The first moment at or after `local` (naive, school time) outside the quiet hours."""
    if not in_quiet(local.time(), start, end):
        return local
    release = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if release <= local:
        release += timedelta(days=1)
    return release


def to_local(moment: datetime, tz_name: str) -> datetime:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(tz_name)).replace(tzinfo=None)


def to_utc(local: datetime, tz_name: str) -> datetime:
    from zoneinfo import ZoneInfo

    return local.replace(tzinfo=ZoneInfo(tz_name)).astimezone(timezone.utc)


def send_time(now: datetime, tz_name: str, start: time, end: time, *, urgent: bool, bypass: bool) -> datetime:
    """When a message made at `now` (UTC) may go out."""
    if urgent and bypass:
        return now
    local = to_local(now, tz_name)
    release = quiet_release(local, start, end)
    return now if release == local else to_utc(release, tz_name)


def local_day(now: datetime, tz_name: str) -> date:
    return to_local(now, tz_name).date()


def month_bounds(now: datetime, tz_name: str) -> tuple[datetime, datetime]:
    """The local calendar month containing `now`, as [start, end) in UTC."""
    first = to_local(now, tz_name).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (first + timedelta(days=32)).replace(day=1)
    return to_utc(first, tz_name), to_utc(following, tz_name)


def unaccented(text: str) -> str:
    """'Nguyễn Văn Đức vắng' → 'Nguyen Van Duc vang'; other non-ASCII letters dropped, spaces kept."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.replace("–", "-").replace("—", "-").replace("…", "...").replace("“", '"').replace("”", '"')
    return "".join(ch if ch.isascii() else " " for ch in plain)


def sms_length(text: str) -> int:
    """The GSM 7-bit characters a text takes (an extension character takes two)."""
    return sum(2 if ch in _GSM_EXTENDED else 1 for ch in text)


def sms_segments(text: str) -> int:
    """Segments of an unaccented (GSM 7-bit) text."""
    length = sms_length(text)
    if length <= 160:
        return 1
    return math.ceil(length / 153)


def sms_capacity(segments: int) -> int:
    """The GSM characters `segments` segments hold: 160 alone, 153 each when split."""
    return 160 if segments == 1 else 153 * segments


def sms_compose(prefix: str, body: str, tail: str = "", segments: int = SMS_SEGMENTS) -> str:
    """The final SMS text: `prefix` and `body` unaccented on one line, cut with "..." where needed
    so that, with `tail` (" <link>") appended, the whole fits `segments` segments as eSMS counts
    them. The tail is kept whole (a link cut short leads nowhere) unless it alone is too long."""
    limit = sms_capacity(segments)
    tail = "".join(ch for ch in unaccented(tail) if ch != "`")
    if sms_length(tail) > limit:
        tail = ""
    text = " ".join(unaccented(f"{prefix}{body}").replace("`", "'").split())
    if sms_length(text) + sms_length(tail) <= limit:
        return text + tail
    room = limit - sms_length(tail) - 3          # what "..." leaves for the body
    kept, used = [], 0
    for ch in text:
        used += sms_length(ch)
        if used > room:
            break
        kept.append(ch)
    return "".join(kept).rstrip() + "..." + tail


def clip(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def zns_data(values: dict[str, object]) -> dict[str, str]:
    """Template data as strings within each parameter's limit."""
    return {k: clip(str(v), ZNS_PARAMS.get(k, 200)) for k, v in values.items()}


def international(phone: str) -> str:
    """0912345678 → 84912345678 (the form both providers take)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return "84" + digits[1:] if digits.startswith("0") else digits


def next_try(attempts: int, now: datetime) -> datetime | None:
    """After `attempts` failed tries, when to try again (None: give up)."""
    if attempts > len(BACKOFF):
        return None
    return now + timedelta(seconds=BACKOFF[attempts - 1])
