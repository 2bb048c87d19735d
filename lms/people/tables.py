"""Reading and writing spreadsheets (.xlsx and .csv) for imports and exports.

ZIP containers are inspected before openpyxl opens them, so a zip bomb disguised as a workbook
is refused without being expanded.
"""
from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from lms.core.errors import ValidationError
from lms.core.text import fold, nfc
from lms.i18n import lazy_gettext as _l

MAX_ZIP_ENTRIES = 200
MAX_UNCOMPRESSED = 50 * 1024 * 1024


@dataclass
class Sheet:
    headers: list[str]
    rows: list[tuple[int, list[object]]]  # (line number as the user sees it, cell values)


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_ENTRIES or sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
                raise ValidationError(_l("Tệp Excel quá lớn hoặc có cấu trúc bất thường."), field="file")
    except zipfile.BadZipFile as exc:
        raise ValidationError(_l("Tệp không phải là tệp Excel (.xlsx) hợp lệ."), field="file") from exc


def _decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1258 — what Excel on a Vietnamese
    Windows writes for "CSV" — whose tone marks are combining characters, hence the NFC."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise ValidationError(_l("Tệp CSV không ở mã UTF-8. Trong Excel hãy chọn “CSV UTF-8” khi lưu."), field="file")
    try:
        return unicodedata.normalize("NFC", data.decode("cp1258"))
    except UnicodeDecodeError as exc:
        raise ValidationError(_l("Tệp CSV không ở mã UTF-8. Trong Excel hãy chọn “CSV UTF-8” khi lưu."),
                              field="file") from exc


MAX_IMPORT_BYTES = 20 * 1024 * 1024


def read_table(filename: str, data: bytes, max_rows: int) -> Sheet:
    """Rows of the first sheet. Blank rows are skipped but keep their line numbers."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError(_l("Tệp nhập quá lớn (tối đa %(m)s MB).", m=MAX_IMPORT_BYTES // (1024 * 1024)),
                              field="file")
    name = (filename or "").lower()
    if data[:4] == b"PK\x03\x04":
        _check_zip(data)
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise ValidationError(_l("Không đọc được tệp Excel: tệp bị hỏng hoặc không đúng định dạng .xlsx."),
                                  field="file") from exc
        ws = wb.worksheets[0]
        raw_rows = [list(r) for r in ws.iter_rows(values_only=True)]
        wb.close()
    elif name.endswith((".csv", ".txt")) or not name:
        text = _decode_csv(data)
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        raw_rows = [list(r) for r in csv.reader(io.StringIO(text), dialect)]
    elif name.endswith((".xls",)):
        raise ValidationError(_l("Định dạng .xls cũ chưa được hỗ trợ. Hãy lưu lại thành .xlsx hoặc CSV."),
                              field="file")
    else:
        raise ValidationError(_l("Chỉ nhận tệp Excel (.xlsx) hoặc CSV."), field="file")

    header_index = next((i for i, r in enumerate(raw_rows) if any(_blank(c) is False for c in r)), None)
    if header_index is None:
        raise ValidationError(_l("Tệp không có dữ liệu."), field="file")
    headers = [nfc(str(c)) if c is not None else "" for c in raw_rows[header_index]]
    rows = []
    for offset, values in enumerate(raw_rows[header_index + 1:], start=header_index + 2):
        if all(_blank(v) for v in values):
            continue
        rows.append((offset, values))
    if len(rows) > max_rows:
        raise ValidationError(_l("Tệp có %(n)s dòng, vượt giới hạn %(m)s dòng mỗi lần nhập.", n=len(rows), m=max_rows),
                              field="file")
    return Sheet(headers=headers, rows=rows)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def map_headers(headers: list[str], columns: dict[str, tuple[str, ...]]) -> tuple[dict[str, int], list[str]]:
    """Match the file's headers to column keys by accent-insensitive aliases.

    Returns the index of each recognised key and the list of headers that were not understood.
    """
    lookup = {fold(alias): key for key, aliases in columns.items() for alias in aliases}
    found: dict[str, int] = {}
    unknown = []
    for index, header in enumerate(headers):
        folded = fold(header).replace("*", "").strip()
        key = lookup.get(folded)
        if key and key not in found:
            found[key] = index
        elif header:
            unknown.append(header)
    return found, unknown


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return nfc(str(value))


def parse_date(value: object) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def write_workbook(title: str, headers: list[str], rows: list[list[object]], *, widths: list[int] | None = None,
                   notes: list[str] | None = None) -> bytes:
    """A single-sheet workbook with a bold, shaded header row and frozen panes."""
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for row in rows:
        ws.append(row)
    ws.freeze_panes = "A2"
    for i, header in enumerate(headers, start=1):
        width = (widths[i - 1] if widths and i - 1 < len(widths) else max(12, len(header) + 4))
        ws.column_dimensions[get_column_letter(i)].width = width
    if notes:
        info = wb.create_sheet("Hướng dẫn")
        for line in notes:
            info.append([line])
        info.column_dimensions["A"].width = 110
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
