"""Vietnamese text: NFC normalisation, accent folding for search, roster order."""
from __future__ import annotations

import unicodedata

# Tone marks sort after the base letter in this order: none, huyền, sắc, hỏi, ngã, nặng.
_TONES = {"\u0300": 1, "\u0301": 2, "\u0309": 3, "\u0303": 4, "\u0323": 5}
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter
_SORT_ALPHABET = "0123456789aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_SORT_CODE = {ch: f"{i + 10:02d}" for i, ch in enumerate(_SORT_ALPHABET)}


# The invisible bidirectional embedding, override and isolate controls (U+202A–U+202E,
# U+2066–U+2069): kept, they make a text display reversed or spoofed ("\u202eRTL" in a leave
# reason); no Vietnamese text needs them. Every text typed in is normalised without them.
_BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def nfc(value: str | None) -> str:
    """Unicode NFC with surrounding whitespace removed, inner runs of spaces collapsed and
    bidirectional controls dropped."""
    if value is None:
        return ""
    return " ".join(unicodedata.normalize("NFC", str(value)).translate(_BIDI_CONTROLS).split())


def nfc_text(value: str | None) -> str:
    """Unicode NFC for multi-line text (lesson bodies, messages, a parent's leave reason): line
    breaks and indentation are kept, Windows line endings become \n, bidirectional controls are
    dropped, surrounding blank space is removed."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value)).translate(_BIDI_CONTROLS)
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def in_sentence(label: str | None) -> str:
    """A label ("Học kỳ I năm học 2026-2027", "Term II of 2026-2027") inside a sentence: only its
    first letter lowered — never its Roman numerals or names, as `lower` did ("học kỳ i")."""
    text = str(label or "")
    return text[:1].lower() + text[1:]


def fold(value: str | None) -> str:
    """Lower-case, accents removed, đ → d: 'Hình học' → 'hinh hoc'."""
    decomposed = unicodedata.normalize("NFD", nfc(value).lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("đ", "d")




def _encode_word(word: str) -> tuple[str, str]:
    bases, tones = [], []
    for ch in word:
        decomposed = unicodedata.normalize("NFD", ch.lower())
        base, tone = decomposed[:1], 0
        for mark in decomposed[1:]:
            if mark in _TONES:
                tone = _TONES[mark]
            elif mark in _LETTER_MARKS:
                base = unicodedata.normalize("NFC", base + mark)
        bases.append(_SORT_CODE.get(base, "99"))
        tones.append(str(tone))
    return "".join(bases), "".join(tones)


def _collate(words: list[str]) -> str:
    encoded = [_encode_word(w) for w in words if w]
    return ("00".join(b for b, _ in encoded) + "0000" + "".join(t for _, t in encoded))[:255]


def collation_key(text: str | None) -> str:
    """Vietnamese dictionary order for titles and subject names ("Đạo đức" after "Công nghệ",
    before "Giáo dục"): letters first in the Vietnamese alphabet, tones only to break ties."""
    return _collate(nfc(text).split(" "))


def name_sort_string(full_name: str) -> str:
    """A digits-only string whose plain order is Vietnamese roster order.

    Given name (last word) first, then the other words from the start. Letters are two-digit
    codes 10–99 in the Vietnamese alphabet (a ă â b c d đ e ê …), words are separated by "00",
    and tone marks follow as a tie-breaker once every letter has compared equal. Digits sort the
    same under every database collation, so lists are ordered and paginated in SQL.
    """
    words = nfc(full_name).split(" ")
    return _collate([words[-1], *words[:-1]] if words and words[0] else [])


name_sort_key = name_sort_string


def stored_body(raw: bytes, limit: int = 20000) -> str:
    """A request body as kept in a text column (a provider's callback, for the record): the first
    `limit` bytes as UTF-8, anything undecodable and every NUL as U+FFFD — PostgreSQL refuses a
    NUL in text, so a body of one NUL byte was a 500 there."""
    return raw[:limit].decode("utf-8", "replace").replace("\x00", "\ufffd")
