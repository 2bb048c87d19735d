"""Vietnamese text: NFC normalisation, accent folding for search, name sorting."""
from __future__ import annotations

import unicodedata

_VI_ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_BASE_ORDER = {ch: i for i, ch in enumerate(_VI_ALPHABET)}
# Tone marks sort after the base letter in this order: none, huyền, sắc, hỏi, ngã, nặng.
_TONES = {"\u0300": 1, "\u0301": 2, "\u0309": 3, "\u0303": 4, "\u0323": 5}
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter


def nfc(value: str | None) -> str:
    """Unicode NFC with surrounding whitespace removed and inner runs of spaces collapsed."""
    if value is None:
        return ""
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


def fold(value: str | None) -> str:
    """Lower-case, accents removed, đ → d: 'Hình học' → 'hinh hoc'."""
    decomposed = unicodedata.normalize("NFD", nfc(value).lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("đ", "d")


def _letter_key(ch: str) -> tuple[int, int, int]:
    decomposed = unicodedata.normalize("NFD", ch.lower())
    base = decomposed[0]
    tone = 0
    for mark in decomposed[1:]:
        if mark in _TONES:
            tone = _TONES[mark]
        elif mark in _LETTER_MARKS:
            base = unicodedata.normalize("NFC", base + mark)
    if base in _BASE_ORDER:
        return (0, _BASE_ORDER[base], tone)
    return (1, ord(base), tone)


def word_key(word: str) -> tuple:
    letters = tuple(_letter_key(ch) for ch in word)
    # Tones compare only after every base letter compares equal.
    return tuple(k[:2] for k in letters), tuple(k[2] for k in letters)


def name_sort_key(full_name: str) -> tuple:
    """Vietnamese roster order: given name (last word) first, then the rest from the start."""
    words = nfc(full_name).split(" ")
    if not words or words == [""]:
        return ()
    given = words[-1]
    return (word_key(given), tuple(word_key(w) for w in words[:-1]))


def split_name(full_name: str) -> tuple[str, str]:
    """('Nguyễn Văn', 'An') from 'Nguyễn Văn An'."""
    words = nfc(full_name).split(" ")
    return " ".join(words[:-1]), words[-1]


_SORT_ALPHABET = "0123456789aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_SORT_CODE = {ch: f"{i + 10:02d}" for i, ch in enumerate(_SORT_ALPHABET)}


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


def name_sort_string(full_name: str) -> str:
    """A digits-only string whose plain order is Vietnamese roster order.

    Digits sort the same under every database collation, so lists can be ordered and
    paginated in SQL. Letters are two-digit codes 10–99, words are separated by "00", and
    the tone marks follow as a tie-breaker after every letter has compared equal.
    """
    words = nfc(full_name).split(" ")
    ordered = [words[-1], *words[:-1]] if words and words[0] else []
    encoded = [_encode_word(w) for w in ordered]
    return ("00".join(b for b, _ in encoded) + "00" + "00" + "".join(t for _, t in encoded))[:255]
