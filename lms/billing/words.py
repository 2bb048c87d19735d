"""Amounts in Vietnamese words, northern document style (domain/payments.md §10)."""
from __future__ import annotations

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
SCALES = ((10 ** 6, "triệu"), (10 ** 3, "nghìn"), (1, ""))
BILLION = 10 ** 9


def _group(n: int, full: bool) -> list[str]:
    """Three digits. `full` reads the hundreds even when zero ("không trăm"), as every group after
    the first does."""
    h, t, u = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if full or h:
        words += [DIGITS[h], "trăm"]
    if t == 0:
        if u:
            if words:
                words.append("linh")
            words.append(DIGITS[u])
    elif t == 1:
        words.append("mười")
        if u:
            words.append("lăm" if u == 5 else DIGITS[u])
    else:
        words += [DIGITS[t], "mươi"]
        if u:
            words.append({1: "mốt", 5: "lăm"}.get(u, DIGITS[u]))
    return words


def _below_billion(n: int, leading: bool) -> list[str]:
    words: list[str] = []
    for scale, name in SCALES:
        group = n // scale % 1000
        if group:
            words += _group(group, full=bool(words) or not leading)
            if name:
                words.append(name)
    return words


def _words(n: int) -> list[str]:
    if n >= BILLION:
        # Above 10⁹ the part before "tỷ" is read as a number of its own: "một nghìn tỷ".
        high, low = divmod(n, BILLION)
        return _words(high) + ["tỷ"] + (_below_billion(low, leading=False) if low else [])
    return _below_billion(n, leading=True)


def number_in_words(n: int) -> str:
    """12345678 → "mười hai triệu ba trăm bốn mươi lăm nghìn sáu trăm bảy mươi tám"."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise ValueError(f"a whole number is needed, got {n!r}")
    if n < 0:
        raise ValueError(f"negative amounts have no reading: {n}")
    return "không" if n == 0 else " ".join(_words(n))


def amount_in_words(n: int) -> str:
    """1500000 → "Một triệu năm trăm nghìn đồng"."""
    text = number_in_words(n)
    return text[0].upper() + text[1:] + " đồng"
