"""Small helpers for the Excel workbooks the reports write (openpyxl)."""
from __future__ import annotations

import io
from decimal import Decimal


def as_float(value: Decimal | int | None) -> float | None:
    """A figure as Excel wants it: a float, or an empty cell for None."""
    return float(value) if value is not None else None


def to_bytes(workbook) -> bytes:
    buf = io.BytesIO()
    workbook.save(buf)
    return buf.getvalue()
