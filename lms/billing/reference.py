"""Payment references carried in bank-transfer content: "HP" + invoice number + a check character.

The check character comes from Damm's algorithm over a totally anti-symmetric quasigroup of order
36 (domain/payments.md §7.1): it catches every single-character substitution and every swap of two
adjacent characters, check character included. ISO 7064 MOD 37,36 and Luhn mod N do not.
"""
from __future__ import annotations

import re
import unicodedata

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
NUMBER_DIGITS = 10
MAX_CANDIDATE = 20
CANONICAL = re.compile(r"[A-Z]{2,5}[0-9]{%d}[0-9A-Z]" % NUMBER_DIGITS)
SOFT = re.compile(r"[\s._-]+")

# GF(4) = {0, 1, ω, ω+1} as 0, 1, 2, 3; addition is XOR; multiplication by ω = 2.
_TIMES_OMEGA = (0, 2, 3, 1)


def _op(x: int, y: int) -> int:
    """x∘y = (ω·x₁ + y₁ in GF(4), 2·x₂ + y₂ mod 9) with v = 9·v₁ + v₂."""
    x1, x2 = divmod(x, 9)
    y1, y2 = divmod(y, 9)
    return 9 * (_TIMES_OMEGA[x1] ^ y1) + (2 * x2 + y2) % 9


def _fold(text: str) -> int:
    state = 0
    for ch in text:
        state = _op(state, VALUE[ch])
    return state


def check_character(body: str) -> str:
    """The character c with fold(body + c) = 0."""
    s1, s2 = divmod(_fold(body), 9)
    return ALPHABET[9 * _TIMES_OMEGA[s1] + (-2 * s2) % 9]


def make_reference(prefix: str, number: int) -> str:
    """HP + 0000000123 + check: upper case letters and digits, at most 16 characters."""
    if not isinstance(prefix, str) or not re.fullmatch(r"[A-Za-z]{2,5}", prefix):
        raise ValueError(f"prefix: 2–5 letters, got {prefix!r}")
    if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number < 10 ** NUMBER_DIGITS:
        raise ValueError(f"number: 0 to {10 ** NUMBER_DIGITS - 1}, got {number!r}")
    body = f"{prefix.upper()}{number:0{NUMBER_DIGITS}d}"
    return body + check_character(body)


SCHOOL_DIGITS, SERIAL_DIGITS = 4, 6


def invoice_reference(prefix: str, school_part: int, serial: int) -> str:
    """An invoice's code, unique across the deployment: the prefix, the school's part (4 digits),
    the invoice's number in the school (6 digits) and the check character — "HP" + "0003" +
    "000125" + check. Each school numbers its invoices from 1, so without the school part two
    schools would hand out the same codes and a transfer could settle a stranger's invoice."""
    if not 0 < school_part < 10 ** SCHOOL_DIGITS:
        raise ValueError(f"school part: 1 to {10 ** SCHOOL_DIGITS - 1}, got {school_part!r}")
    if not 0 < serial < 10 ** SERIAL_DIGITS:
        raise ValueError(f"serial: 1 to {10 ** SERIAL_DIGITS - 1}, got {serial!r}")
    return make_reference(prefix, school_part * 10 ** SERIAL_DIGITS + serial)


def is_valid_reference(code: str) -> bool:
    """Canonical form only (upper case, no separators) with a correct check character."""
    return isinstance(code, str) and CANONICAL.fullmatch(code) is not None and _fold(code) == 0


def _fold_text(text: str) -> str:
    if text.isascii():
        return text.upper()
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).upper()


def extract_references(text: str) -> list[str]:
    """Every valid reference in free transfer content, in order of appearance, without duplicates.

    Tolerates case, Vietnamese diacritics, and spaces, dots, hyphens or underscores that payers
    and banks insert inside a code. Every candidate is tested; none consumes its neighbours.
    """
    folded = _fold_text(text or "")
    tokens = [(m.start(), m.end(), m.group()) for m in re.finditer(r"[A-Z0-9]+", folded)]
    found: list[tuple[int, int, str]] = []
    for i, (start, _end, first) in enumerate(tokens):
        joined = first
        for j in range(i, len(tokens)):
            if j > i:
                if not SOFT.fullmatch(folded[tokens[j - 1][1]:tokens[j][0]]):
                    break
                joined += tokens[j][2]
            if len(joined) > MAX_CANDIDATE:
                break
            if is_valid_reference(joined):
                found.append((start, len(joined), joined))
    seen, out = set(), []
    for _pos, _length, code in sorted(found):
        if code not in seen:
            seen.add(code)
            out.append(code)
    return out


# ---------------------------------------------------------------- codes as banks and payers write them
#
# Banks upper-case memos and often drop their spaces ("NGUYENVANQHP00010004053THUTIEN"), and payers
# type the letters I, O and l for the digits 1 and 0 (and the digits for the check letters I and O)
# because the code looks alike either way. `extract_references` reads only what is written whole
# (its vectors are fixed); the readings below go further, on two levels:
# - `read_references`: codes the check character confirms — glued to the neighbouring words, or
#   with look-alike letters in the ten digits (only digits belong there, so the reading is
#   unambiguous, and the check character written by the payer must then agree). These may pay.
# - `near_references`: what a code shaped like ours would be if its check character were right —
#   missing, wrong, or a digit written for the letter I or O. Nothing confirms such a reading (the
#   check character is what is in doubt), so it is only ever suggested to the accountant.

DIGIT_LOOKALIKES = {"O": "0", "I": "1", "L": "1"}
MAX_LOOKALIKES = 3            # a run of mostly letters is a word, not a mistyped number
_NUMBER_AT = re.compile(r"(?<=[A-Z]{2})(?=[0-9OIL]{%d})" % NUMBER_DIGITS)


_HARD = re.compile(r"[^A-Z0-9\s._-]+")


def _runs(text: str) -> list[str]:
    """The text's runs of letters and digits joined across soft separators, separators dropped —
    the memo as a bank that removes spaces would write it."""
    return [run for piece in _HARD.split(_fold_text(text or "")) if (run := SOFT.sub("", piece))]


def _shapes(text: str):
    """(body read as digits, check character as written or "") of every place in the text shaped
    like a code — any prefix of 2–5 letters, glued or not — overlapping ones included."""
    for run in _runs(text):
        for m in _NUMBER_AT.finditer(run):
            at = m.start()
            number = run[at:at + NUMBER_DIGITS]
            if sum(ch in DIGIT_LOOKALIKES for ch in number) > MAX_LOOKALIKES:
                continue
            digits = "".join(DIGIT_LOOKALIKES.get(ch, ch) for ch in number)
            check = run[at + NUMBER_DIGITS:at + NUMBER_DIGITS + 1]
            for k in range(2, 6):
                prefix = run[at - k:at] if at >= k else ""
                if len(prefix) == k and prefix.isalpha():
                    yield at - k, prefix + digits, check


def read_references(text: str) -> list[str]:
    """`extract_references`, then the codes the check character confirms though they are glued to
    other words or carry I, O or l for 1 and 0 in their digits — in order of appearance."""
    found = extract_references(text)
    for _start, body, check in sorted(_shapes(text), key=lambda s: s[0]):
        if check and is_valid_reference(body + check) and body + check not in found:
            found.append(body + check)
    return found


def near_references(text: str) -> list[str]:
    """Codes a memo may have meant where its check character is missing or wrong (a digit 1 or 0
    for the letter I or O included): each with the right check character, never one the memo
    already names validly — suggestions for a person, never applied by themselves."""
    named = set(read_references(text))
    out: list[str] = []
    for _start, body, check in sorted(_shapes(text), key=lambda s: s[0]):
        if check and is_valid_reference(body + check):
            continue
        meant = body + check_character(body)
        if meant not in named and meant not in out:
            out.append(meant)
    return out
