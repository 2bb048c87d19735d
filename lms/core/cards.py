"""Full payment-card numbers in free text: the one detector of the application.

PCI DSS v4.0.1 forbids keeping a full card number where it is not needed (Req. 3.3.1, 3.4.1), so
text a person types (a payment note, a message, an announcement…) is refused when it holds one,
and text a bank or gateway sends us (a transfer memo) is kept with the number masked — money is
never refused for what its memo says.

A card number is what a card scheme issues — an issuer prefix (IIN) of a real scheme with that
scheme's length (`SCHEMES`: Visa 4… in 16 or 19 digits, Mastercard 51–55 and 2221–2720 in 16,
American Express 34/37 in 15, Diners 14–19, JCB, Discover, UnionPay, Maestro, Mir, RuPay, NAPAS
9704 in 16 or 19, Troy, UATP 1… in 15) — passing the Luhn check. A Vietnamese bank account number
is data, not a card: Vietcombank's 0071000123456 (13 digits, passes Luhn) starts with 0, which no
scheme issues, and no scheme issues 13 digits any more (Visa's 13-digit numbers were retired), nor
12 or fewer in practice. However it is written: in one piece,
or in groups separated by spaces (ordinary, non-breaking, thin), dots or dashes, in ASCII or
full-width digits. Within a longer run of digits (a date or a phone number written just before
it) a card is still found when it stands as one group of 13–19 digits or as groups of four
(4-4-4-4, 4-4-4-4-3, Amex's 4-6-5); other splits of a long run are not tried, because a list of
phone numbers written in groups of three or four would then pass Luhn by chance too often.

A number the text itself introduces as an account — right after "TK", "STK", "số TK", "số tài
khoản", "tai khoan", "account (no)" (`ACCOUNT_BEFORE`, accents and case ignored) — is an account
number, whatever its digits: banks' 16-digit virtual and card-linked accounts begin 9704 and pass
Luhn ("CK tu TK 9704…"), and are what a memo names the sender by. Any other number with a scheme's
prefix and length passing Luhn is still a card, wherever it stands.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from lms.core.errors import ValidationError
from lms.core.text import fold
from lms.i18n import lazy_gettext as _l

# Between two digit groups: up to three of these (e.g. " - ").
_SEPARATORS = " \t\u00a0\u2007\u2009\u202f\u200a.\u00b7\u2024\u2027-\u2010\u2011\u2012\u2013\u2014\u2212_"
_SEP = "[" + re.escape(_SEPARATORS) + "]"
_RUN = re.compile(rf"\d(?:{_SEP}{{0,3}}\d)*")
_GROUP = re.compile(r"\d+")
MIN_DIGITS, MAX_DIGITS = 14, 19
_LONG = frozenset(range(16, 20))
# (first prefix, last prefix, lengths): the issuer ranges and lengths of the card schemes in use
# (ISO/IEC 7812 numbering as each scheme publishes it).
SCHEMES: tuple[tuple[str, str, frozenset[int]], ...] = (
    ("4", "4", frozenset({16, 19})),                    # Visa (13-digit numbers retired)
    ("51", "55", frozenset({16})), ("2221", "2720", frozenset({16})),   # Mastercard
    ("34", "34", frozenset({15})), ("37", "37", frozenset({15})),      # American Express
    ("36", "36", frozenset({14}) | _LONG), ("300", "305", frozenset({14}) | _LONG),   # Diners Club
    ("3095", "3095", frozenset({14}) | _LONG), ("38", "39", _LONG),
    ("3528", "3589", _LONG),                             # JCB
    ("6011", "6011", _LONG), ("644", "649", _LONG), ("65", "65", _LONG),   # Discover, RuPay 65
    ("62", "62", _LONG), ("81", "82", _LONG),            # UnionPay (62, 81), RuPay (60, 81, 82)
    ("50", "50", _LONG), ("56", "69", _LONG),            # Maestro and the schemes within 5…/6… (Elo, Verve, RuPay 60)
    ("2200", "2204", _LONG),                             # Mir
    ("9704", "9704", frozenset({16, 19})),              # NAPAS (Vietnam's domestic cards)
    ("9792", "9792", frozenset({16})),                  # Troy
    ("1", "1", frozenset({15})),                        # UATP
)


# The words that introduce an account number just before it ("TK:", "STK 9704…", "số tài khoản
# 9704 …", "tai khoan so", "Account No."), on the text folded to ASCII lower case.
ACCOUNT_BEFORE = re.compile(r"(?:^|[^a-z0-9])(?:s?tk|so\s*tk|tai\s*khoan|account(?:\s*(?:no|number))?)"
                            r"\s*(?:so|no|number)?\s*[.:#=\-]?\s*$")
_BEFORE = 30    # characters looked at before a number


@dataclass(frozen=True)
class Found:
    start: int     # position in the text (as given, not normalised)
    end: int
    digits: str


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def scheme_number(digits: str) -> bool:
    """The digits have the issuer prefix and the length of a card scheme in use."""
    return any(len(digits) in lengths and low <= digits[:len(low)] <= high for low, high, lengths in SCHEMES)


def _is_card(digits: str) -> bool:
    return MIN_DIGITS <= len(digits) <= MAX_DIGITS and scheme_number(digits) and luhn_ok(digits)


def _ascii_digits(text: str) -> str:
    """Every decimal digit as its ASCII digit, one character for one, so positions stay valid
    (NFKC would change lengths). ASCII text — nearly every bank memo — is already so: looking up
    each of its characters in the Unicode tables was a tenth of a statement import's time."""
    if text.isascii():
        return text
    return "".join(str(unicodedata.digit(ch)) if ch.isdigit() and unicodedata.digit(ch, None) is not None else ch
                   for ch in text)


def _in_long_run(run: str, offset: int) -> list[Found]:
    groups = [(m.start(), m.end(), m.group()) for m in _GROUP.finditer(run)]
    out: list[Found] = []

    def keep(i: int, j: int, digits: str) -> None:
        out.append(Found(offset + groups[i][0], offset + groups[j][1], digits))

    for i, (_start, _end, digits) in enumerate(groups):
        if _is_card(digits):
            keep(i, i, digits)
            continue
        if len(digits) != 4:
            continue
        joined = digits           # groups of four, the last one may be shorter (4-4-4-4, 4-4-4-4-3)
        for j in range(i + 1, len(groups)):
            group = groups[j][2]
            joined += group
            if len(group) > 4 or len(joined) > MAX_DIGITS:
                break
            if j - i >= 2 and _is_card(joined):
                keep(i, j, joined)
            if len(group) != 4:
                break
        if i + 2 < len(groups) and (len(groups[i + 1][2]), len(groups[i + 2][2])) == (6, 5):   # Amex 4-6-5
            amex = digits + groups[i + 1][2] + groups[i + 2][2]
            if _is_card(amex):
                keep(i, i + 2, amex)
    return out


def find_card_numbers(text: str | None) -> list[Found]:
    """Every card number in `text`, in order, not overlapping."""
    if not text:
        return []
    plain = _ascii_digits(str(text))
    found: list[Found] = []
    for match in _RUN.finditer(plain):
        digits = re.sub(r"\D", "", match.group())
        if _is_card(digits):
            found.append(Found(match.start(), match.end(), digits))
        elif len(digits) > MAX_DIGITS:
            found.extend(_in_long_run(match.group(), match.start()))
    out: list[Found] = []
    for f in sorted(found, key=lambda f: (f.start, -f.end)):
        if (not out or f.start >= out[-1].end) and not _named_account(plain, f.start):
            out.append(f)
    return out


def _named_account(text: str, start: int) -> bool:
    """The text introduces the number at `start` as an account ("TK 9704…", "số tài khoản: …")."""
    return bool(ACCOUNT_BEFORE.search(fold(text[max(0, start - _BEFORE):start])))


def has_card_number(text: str | None) -> bool:
    return bool(find_card_numbers(text))


def mask_card_numbers(text: str | None) -> tuple[str, int]:
    """The text with each card number's digits but the first six and the last four replaced by
    '*' (what PCI DSS allows to be shown), and how many were masked."""
    if not text:
        return text or "", 0
    text = str(text)
    found = find_card_numbers(text)
    if not found:
        return text, 0
    chars = list(text)
    for f in found:
        positions = [i for i in range(f.start, f.end) if chars[i].isdigit()]
        for i in positions[6:-4]:
            chars[i] = "*"
    return "".join(chars), len(found)


CARD_MESSAGE = _l("Ô này có một dãy số giống số thẻ ngân hàng đầy đủ. Không ghi số thẻ; nếu cần, chỉ ghi 4 số cuối.")


def refuse_card_numbers(**fields: str | None) -> None:
    """Refuse text a person typed when it holds a full card number: the error names the field,
    and nothing of the request is kept (the caller's transaction is rolled back)."""
    for name, value in fields.items():
        if has_card_number(value):
            raise ValidationError(CARD_MESSAGE, field=name)
