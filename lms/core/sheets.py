"""The one spreadsheet writer: every Excel export (students, staff, teaching plans, grade books
with remarks, class summaries, invoices, statistics, reports) is saved by `to_bytes`, which
neutralises formula injection in every cell before the file leaves the server.

OWASP's CSV-injection rule: a value that starts with =, +, -, @, a tab or a carriage return is
taken by a spreadsheet as a formula (`=HYPERLINK(…)`, `=cmd|…`, `@SUM(…)`). Text from users (a
pupil's name, a teacher's remark, a payer's note) is therefore always written as a text cell,
never a formula, and those starting with such a character carry Excel's own quote prefix — the
apostrophe Excel stores when a person types '=… — so Excel, LibreOffice and a re-import all see
the text as typed and nothing is ever evaluated, even after the cell is edited. Numbers (int,
float, Decimal) and dates stay numbers and dates.
"""
from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

RISKY_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def as_float(value: Decimal | int | None) -> float | None:
    """A figure as Excel wants it: a float, or an empty cell for None."""
    return float(value) if value is not None else None


def new_workbook() -> Workbook:
    """An empty workbook for an export with its own layout; save it with `to_bytes`."""
    return Workbook()


def neutralise(workbook: Workbook) -> None:
    """Make every cell of every sheet inert: no formulas, risky text quote-prefixed."""
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, Decimal):
                    cell.value = float(value)
                elif cell.data_type == "f" or (isinstance(value, str) and value.startswith(RISKY_START)):
                    text = str(value)
                    cell.value = text
                    cell.data_type = "s"
                    cell.quotePrefix = True


def to_bytes(workbook: Workbook) -> bytes:
    """The workbook as .xlsx bytes, neutralised (the only way an export is saved)."""
    neutralise(workbook)
    buf = io.BytesIO()
    workbook.save(buf)
    return buf.getvalue()


def open_template(data: bytes) -> Workbook:
    """Another body's workbook to fill in place (the sector database's templates): its own cells,
    formulas and code sheets are kept; write into it only with `put_text` and save it with
    `template_bytes`."""
    return load_workbook(io.BytesIO(data))


def put_text(ws, row: int, column: int, value: str | None):
    """Write `value` into a template's cell as inert text (number format "@", so dates stay
    dd/mm/yyyy and codes keep their leading zeros; risky text quote-prefixed)."""
    cell = ws.cell(row=row, column=column, value=value)
    cell.number_format = "@"
    if isinstance(value, str) and value.startswith(RISKY_START):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def template_bytes(workbook: Workbook) -> bytes:
    """A filled template as .xlsx bytes: the template's own cells as they were, ours written by
    `put_text` (so nothing of ours can be a formula)."""
    buf = io.BytesIO()
    workbook.save(buf)
    return buf.getvalue()


def write_workbook(title: str, headers: list[str], rows: list[list[object]], *, widths: list[int] | None = None,
                   notes: list[str] | None = None) -> bytes:
    """A single-sheet workbook with a bold, shaded header row and frozen panes (and an
    instructions sheet when `notes` are given)."""
    wb = new_workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for row in rows:
        ws.append([float(v) if isinstance(v, Decimal) else v for v in row])
        # A Decimal is shown with its own places: a mark of 9,0 stays "9,0", never "9".
        for cell, v in zip(ws[ws.max_row], row):
            if isinstance(v, Decimal) and v.is_finite() and v.as_tuple().exponent < 0:
                cell.number_format = "0." + "0" * -v.as_tuple().exponent
    ws.freeze_panes = "A2"
    for i, header in enumerate(headers, start=1):
        width = (widths[i - 1] if widths and i - 1 < len(widths) else max(12, len(header) + 4))
        ws.column_dimensions[get_column_letter(i)].width = width
    if notes:
        info = wb.create_sheet("Hướng dẫn")
        for line in notes:
            info.append([line])
        info.column_dimensions["A"].width = 110
    return to_bytes(wb)
