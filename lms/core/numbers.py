"""Numbers as people write them, read and written in one place.

In Vietnamese, money is whole đồng written with dots between thousands ("1.250.000"); marks and
other decimals use a comma ("6,5"); percentages have one decimal and a space before the sign
("12,5 %"). In English the same figures read "1,250,000", "6.5" and "12.5 %". Every writer here
takes a `locale`; None is the reader's language (the request's, or the one a document or a
message is rendered in — `force_locale`), so a page follows its reader while the official
documents, which render in Vietnamese, print "1.250.000" and "12,5 %". Text stored once in
Vietnamese (a task's note, an e-mail written in Vietnamese) passes locale "vi". People
also type money without separators, with spaces, with "đ"/"VND", and bank portals export
"1,250,000.00"; every money field and every import reads them with `parse_amount`, every mark
with `parse_decimal`, every spreadsheet cell of unknown style with `parse_number`.
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from lms.core.errors import ValidationError
from lms.i18n import lazy_gettext as _l

# Everything that may stand around or inside a number without meaning anything: spaces of every
# kind (a copied amount often carries a non-breaking or thin space) and currency words.
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\u2009]+")
_CURRENCY = re.compile(r"(?i)(vnđ|vnd|đồng|dong|đ|₫)\.?$")
_NUMBER = re.compile(r"^[+-]?[\d.,]*\d[\d.,]*$", re.ASCII)   # ASCII digits only, as every number typed here


def _vietnamese(locale: str | None) -> bool:
    """Whether numbers are written the Vietnamese way for `locale` (None: the reader's language)."""
    if locale is None:
        from lms.i18n import current_locale

        locale = current_locale()
    return not locale or str(locale).startswith("vi")


def whole_number(value: int, locale: str | None = None) -> str:
    """12345 → "12.345" in Vietnamese, "12,345" in English (negative numbers keep their sign)."""
    text = f"{int(value):,}"
    return text.replace(",", ".") if _vietnamese(locale) else text


def money(amount: int, locale: str | None = None) -> str:
    """1250000 → "1.250.000" in Vietnamese, "1,250,000" in English; `locale` None: the reader's."""
    return whole_number(amount, locale)


def money_vnd(amount: int, locale: str | None = None) -> str:
    """1250000 → "1.250.000 ₫": the one way an amount is written with its unit, on pages, in
    messages and in every PDF (0 → "0 ₫", with the same space); "1,250,000 ₫" in English."""
    return money(amount, locale) + " ₫"


def size_text(size: int, locale: str | None = None) -> str:
    """A file's size as people read it: "850 KB", "2,4 MB" ("2.4 MB" in English)."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return local_decimal(Decimal(size) / 1048576, locale, 1) + " MB"


def decimal_text(value: Decimal | int | float | str | None, places: int | None = None) -> str:
    """Decimal(6.5) → "6,5"; with `places`, rounded half up to that many decimals ("9,0")."""
    if value is None:
        return ""
    number = Decimal(str(value))
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        text = f"{number:.{places}f}"
    else:
        text = format(number.normalize(), "f") if number == number.to_integral() else format(number, "f")
    return text.replace(".", ",")


def local_decimal(value: Decimal | int | float | str | None, locale: str | None = None,
                  places: int | None = None) -> str:
    """A mark or other decimal as the reader writes it: Vietnamese "8,5", English "8.5" (as the
    grade book shows marks in English). `locale` None: the reader's language; `places` as in
    `decimal_text`."""
    text = decimal_text(value, places)
    return text if _vietnamese(locale) else text.replace(",", ".")


def percent(part: int, whole: int) -> Decimal | None:
    """The share `part / whole` in per cent with one decimal (half up); None when `whole` is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def reaches(part: int, whole: int, target: Decimal | int | None) -> bool | None:
    """Whether the exact share `part / whole` reaches `target` per cent — judged on the fraction,
    never on the rounded figure that is printed (14,97 % is below 15 % though printed "15,0 %").
    None when there is no figure (`whole` is 0) or no target: no data, no verdict."""
    if not whole or target is None:
        return None
    return Decimal(part) * 100 >= Decimal(target) * Decimal(whole)


def share_text(part: int, whole: int, target: Decimal | int | None = None, locale: str | None = None) -> str:
    """The share `part / whole` as a report prints it beside its target: one decimal, and as many
    more as it takes (up to 4) for a share below the target not to print as the target itself —
    250/1670 prints "14,97 %" beside "chỉ tiêu 15,0 % — chưa đạt", never "15,0 %". "—" when
    `whole` is 0."""
    if not whole:
        return "—"
    exact = Decimal(part) * 100 / Decimal(whole)
    places = 1
    if target is not None and not reaches(part, whole, target):
        while places < 4 and exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) >= Decimal(target):
            places += 1
    return percent_text(exact, places, locale)


def percent_text(value: Decimal | int | float | None, places: int = 1, locale: str | None = None) -> str:
    """Decimal("12.5") → "12,5 %" in Vietnamese, "12.5 %" in English; None → "—". `locale`
    None: the reader's language (the request's, or the one a document is rendered in)."""
    if value is None:
        return "—"
    return local_decimal(value, locale, places) + " %"


def _clean(text) -> str:
    cleaned = _SPACES.sub("", str(text if text is not None else ""))
    return _CURRENCY.sub("", cleaned)


def parse_number(text, *, field: str | None = None) -> Decimal:
    """A number written any common way: "1.250.000", "1,250,000.50", "1.250.000,50", "6,5", "6.5",
    "1 250 000 đ". Where both separators appear, the last one is the decimal mark; one kind of
    separator repeated is a thousands separator; a single separator followed by exactly three
    digits is a thousands separator too ("1.250" is one thousand two hundred and fifty)."""
    cleaned = _clean(text)
    if not cleaned or not _NUMBER.match(cleaned):
        raise ValidationError(_l("“%(v)s” không phải là một số.", v=str(text or "").strip()[:40]), field=field)
    sign = "-" if cleaned[0] == "-" else ""
    body = cleaned.lstrip("+-")
    dots, commas = body.count("."), body.count(",")
    if dots and commas:
        decimal_mark = "." if body.rfind(".") > body.rfind(",") else ","
        thousands = "," if decimal_mark == "." else "."
        if body.count(decimal_mark) > 1:
            raise ValidationError(_l("“%(v)s” không phải là một số.", v=str(text).strip()[:40]), field=field)
        body = body.replace(thousands, "").replace(decimal_mark, ".")
    elif dots + commas > 1:
        mark = "." if dots else ","
        groups = body.split(mark)
        if not all(len(g) == 3 for g in groups[1:]) or not groups[0]:
            raise ValidationError(_l("“%(v)s” không phải là một số.", v=str(text).strip()[:40]), field=field)
        body = body.replace(mark, "")
    elif dots + commas == 1:
        mark = "." if dots else ","
        whole, _, fraction = body.partition(mark)
        body = whole + fraction if len(fraction) == 3 and whole and whole != "0" else whole + "." + fraction
    try:
        return Decimal(sign + body)
    except InvalidOperation:  # pragma: no cover - the pattern above admits only digits and marks
        raise ValidationError(_l("“%(v)s” không phải là một số.", v=str(text).strip()[:40]), field=field) from None


def parse_amount(text, *, field: str | None = None) -> int:
    """An amount of money in whole đồng: "1.250.000", "1250000", "1 250 000 đ", "1,250,000.00".
    Refused, naming `field`: anything that is not a number, a fraction of a đồng, a negative."""
    value = parse_number(text, field=field)
    if value != value.to_integral_value():
        raise ValidationError(_l("Số tiền tính bằng đồng, không có phần lẻ: “%(v)s”.", v=str(text).strip()[:40]),
                              field=field)
    if value < 0:
        raise ValidationError(_l("Số tiền không được âm: “%(v)s”.", v=str(text).strip()[:40]), field=field)
    return int(value)


def parse_decimal(text, *, field: str | None = None) -> Decimal:
    """A mark or measure with a decimal comma or point: "6,5", "6.5", "10". A single separator is
    always the decimal mark here (marks have no thousands)."""
    cleaned = _SPACES.sub("", str(text if text is not None else ""))
    if cleaned.count(",") + cleaned.count(".") > 1 or not re.fullmatch(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)", cleaned, re.ASCII):
        raise ValidationError(_l("“%(v)s” không phải là một số.", v=str(text or "").strip()[:40]), field=field)
    return Decimal(cleaned.replace(",", "."))
