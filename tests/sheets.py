"""Spreadsheets for the tests, made in memory: one home for what several test files wrote again
(an .xlsx from rows, a workbook's bytes, text as Vietnamese Windows encodes it)."""
from __future__ import annotations

import io
import unicodedata

from openpyxl import Workbook


def saved(wb: Workbook) -> bytes:
    """The workbook as the bytes of an .xlsx file."""
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx(rows, merges=(), sheets=None) -> bytes:
    """An .xlsx whose first sheet holds `rows` (with the cell ranges `merges` merged) and, for each
    name → rows of `sheets`, another sheet of that name."""
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    for merge in merges:
        ws.merge_cells(merge)
    for name, extra in (sheets or {}).items():
        other = wb.create_sheet(name)
        for row in extra:
            other.append(row)
    return saved(wb)


TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_cp1258(text: str) -> bytes:
    """As Windows writes Vietnamese: letters with their own marks precomposed, tones combining."""
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        letter = unicodedata.normalize("NFC", "".join(p for p in parts if p not in TONES))
        out.append(letter + "".join(p for p in parts if p in TONES))
    return "".join(out).encode("cp1258")
