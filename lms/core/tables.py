"""The one table reader: every import (students and parents, staff, teaching plans, grade books,
bank statements, card settlements, providers' reports) turns the file the school has into
numbered lines here, and only then applies its own rules.

- Formats are told by content, not by name: `.xlsx` (openpyxl, streamed), old `.xls` (xlrd), the
  HTML tables that many bank portals save as `.xls`, and CSV in UTF-8, UTF-16 or the Windows-1258
  that Excel writes on Vietnamese Windows. A damaged, encrypted, oversized or disguised file (zip
  bomb, a Word file renamed) is refused with a sentence saying what to do, never an exception.
- The header row is looked for in the first rows of every sheet, by the area's header names
  compared without accents or case ("Ngày giao dịch/ Transaction date", "Ho ten*", a header on
  two rows under a merged group such as "Thông tin cha | Họ tên").
- Merged cells are filled with their value. Lines that are layout rather than data are skipped
  and listed with the reason: the title block above the header, blank lines, the header repeated
  on a new page, the row of column numbers, chapter/term/section headings, totals and
  subtotals, opening and closing balances, notes and the signature footer. A line is only ever
  treated as layout when the area's anchor columns (a date, a student code…) hold no data, so a
  real line whose text merely looks unusual stays data and gets its own checks.
- Cell values are read with the helpers at the bottom (dates as dd/mm/yyyy text or Excel serials,
  amounts through `lms.core.numbers`, phone numbers as people write them).
"""
from __future__ import annotations

import csv
import html.parser
import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum

from lms.core.errors import ValidationError
from lms.core.text import fold, nfc
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext

# What every import's file chooser offers: the reader takes each of these, told by content (a
# ".txt" is Excel's "Unicode Text", UTF-16 with tabs).
ACCEPT = ".xlsx,.xls,.csv,.txt"
ACCEPT_TEXT = ", ".join(ACCEPT.split(","))   # as the prompts list them: ".xlsx, .xls, .csv, .txt"
MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_ZIP_ENTRIES = 500
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 200            # a real sheet compresses 5–20 times; a bomb thousands of times
HEADER_SCAN = 30           # rows looked at for the header, in every sheet
MAX_COLUMNS = 250
MAX_SHEET_ROWS = 300_000   # rows walked in one sheet, blank ones included


# A person's name split over two columns, as Vietnamese lists keep it to sort by the given name:
# the family and middle names, then the given name (read as one column: see Column.tail).
FAMILY_NAME_HEADERS = ("Họ đệm", "Họ và đệm", "Họ và tên đệm", "Họ, tên đệm", "Họ lót", "Họ và chữ đệm",
                       "Họ chữ đệm", "Họ và tên lót", "Family name")
GIVEN_NAME_HEADERS = ("Tên", "Tên gọi", "Given name", "First name")


@dataclass(frozen=True)
class Column:
    """A column an import understands: its key, the name used in messages (the template's header)
    and the other names schools and banks give it."""

    key: str
    label: object
    aliases: tuple[str, ...] = ()
    required: bool = False
    anchor: bool = False   # a value here makes the line data, whatever else it holds
    text: bool = False     # free text: words like "Tổng cộng" inside it do not make the line layout
    # The names of a column that continues this one when it follows it ("Họ đệm" then "Tên"): the
    # two are read as one, their texts joined ("Nguyễn Văn" + "An"), as is a text column whose
    # header is merged across several (“Họ và tên” over the family and given names).
    tail: tuple[str, ...] = ()
    # A column the application computes itself (a grade book's average): known, never read, and
    # named in the preview as not imported because the application computes it.
    computed: bool = False

    def names(self) -> list[str]:
        return [_norm(str(self.label)), *(_norm(a) for a in self.aliases)]


class Layout(StrEnum):
    TITLE = "title"
    BLANK = "blank"
    HEADER = "header"
    NUMBERS = "numbers"
    HEADING = "heading"
    TOTAL = "total"
    BALANCE = "balance"
    NOTE = "note"
    FOOTER = "footer"
    HIDDEN = "hidden"


LAYOUT_LABELS = {
    Layout.TITLE: _l("tiêu đề phía trên bảng"),
    Layout.BLANK: _l("dòng trống"),
    Layout.HEADER: _l("dòng tiêu đề cột lặp lại"),
    Layout.NUMBERS: _l("dòng đánh số cột"),
    Layout.HEADING: _l("dòng tiêu đề mục (chương, phần, học kỳ…)"),
    Layout.TOTAL: _l("dòng tổng cộng"),
    Layout.BALANCE: _l("dòng số dư đầu kỳ / cuối kỳ"),
    Layout.NOTE: _l("dòng ghi chú"),
    Layout.FOOTER: _l("phần ký tên cuối bảng"),
    Layout.HIDDEN: _l("dòng ẩn trong Excel — không nhập (hãy bỏ ẩn nếu cần nhập)"),
}


@dataclass
class Skipped:
    line: int
    kind: Layout
    text: str

    @property
    def reason(self) -> str:
        return str(LAYOUT_LABELS[self.kind])


@dataclass
class SkippedRange:
    first: int
    last: int
    kind: Layout
    text: str

    @property
    def reason(self) -> str:
        return str(LAYOUT_LABELS[self.kind])

    @property
    def lines(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}–{self.last}"


@dataclass
class Line:
    """A data line: its number as the spreadsheet shows it, and its cells."""

    number: int
    cells: list[object]
    columns: dict[str, int]
    headings: tuple[str, ...] = ()   # the section headings above it, nearest last
    spans: dict[str, tuple[int, ...]] = field(default_factory=dict)   # key → the columns read as one
    clock: dict[str, int] = field(default_factory=dict)   # a date column's key → its time-of-day column

    def get(self, key: str) -> object:
        if key in self.clock:
            return self._dated(key)
        span = self.spans.get(key)
        if span:
            parts: list[str] = []
            for i in span:
                text = cell_text(self.cells[i]) if i < len(self.cells) else ""
                if text and (not parts or parts[-1] != text):   # a merged cell's copies count once
                    parts.append(text)
            return " ".join(parts) or None
        index = self.columns.get(key)
        return self.cells[index] if index is not None and index < len(self.cells) else None

    def _dated(self, key: str) -> object:
        """A date with the time of day of its own column ("Ngày giao dịch | Giờ giao dịch"): one
        date-time; the two texts side by side when either is not read, so the refusal shows both."""
        day = self.cells[self.columns[key]] if self.columns[key] < len(self.cells) else None
        index = self.clock[key]
        clock = self.cells[index] if index < len(self.cells) else None
        if blank(clock) or blank(day):
            return day
        try:
            moment, at = to_datetime(day), to_time(clock)
        except ValueError:
            return f"{cell_text(day)} {cell_text(clock)}"
        if moment.time() != datetime.min.time():
            return day
        return moment.replace(hour=at.hour, minute=at.minute, second=at.second)

    def text(self, key: str) -> str:
        return cell_text(self.get(key))

    def has(self, key: str) -> bool:
        return not blank(self.get(key))

    def uncomputed(self, key: str) -> Uncomputed | None:
        """The column's cell when it is a formula saved without its value (see Uncomputed)."""
        value = self.get(key)
        return value if isinstance(value, Uncomputed) else None


class Uncomputed(str):
    """A formula cell saved without the value it computes — a file written by a program rather
    than saved by Excel keeps only "=AVERAGE(C7:E7)". Its text is the formula, so it is never
    blank and never a number: an import refuses it on its line and column (with `message`)
    instead of reading an empty cell or a wrong number."""

    cell: str

    def __new__(cls, formula: str, cell: str) -> Uncomputed:
        obj = super().__new__(cls, "=" + formula if formula else "=…")
        obj.cell = cell
        return obj

    @property
    def formula(self) -> str:
        return str(self)

    @property
    def message(self) -> str:
        return str(_l("ô %(c)s là công thức %(f)s chưa có kết quả (tệp được lưu không kèm giá trị tính): mở tệp "
                      "trong Excel, lưu lại rồi tải lên, hoặc gõ giá trị vào ô.", c=self.cell, f=self.formula[:60]))


@dataclass
class Table:
    filename: str
    sheet: str
    header_lines: tuple[int, ...]
    headers: list[str]                  # one per column as the file names it, on one line ("" when unnamed)
    columns: dict[str, int]             # key → column index
    labels: dict[str, str]              # key → the name used in messages
    unknown: list[str]                  # headers the import does not know, with their column letter
    missing: list[str]                  # labels of required columns not found
    lines: list[Line]
    skipped: list[Skipped]
    other_sheets: list[str] = field(default_factory=list)
    twin_sheets: list[str] = field(default_factory=list)   # other sheets with the same table, not read
    sheet_lines: list[tuple[str, str]] = field(default_factory=list)   # (sheet, a row's text) of the other sheets
    spans: dict[str, tuple[int, ...]] = field(default_factory=dict)   # key → the columns read as one
    clock: dict[str, int] = field(default_factory=dict)   # a date column's key → its time-of-day column
    computed: list[str] = field(default_factory=list)     # the file's columns the application computes itself
    # The text written around the table: the title lines above its header and the first rows of
    # the other sheets (an export's "Hướng dẫn"), where a file says what it is ("— Học kỳ I").
    notes: list[str] = field(default_factory=list)

    def label(self, key: str) -> str:
        """The import's own name for a column (what the template calls it)."""
        return self.labels.get(key, key)

    def column_name(self, key: str) -> str:
        """The column as the file names it, for the messages about its cells: the file's own
        header text and the column's letter ("Số tiền ghi có / Credit (D)"), so that the user
        finds the cell in their own file; the import's label when the file has no such column
        or leaves its header empty."""
        index = self.columns.get(key)
        if index is None:
            return self.label(key)
        name = self.headers[index] if index < len(self.headers) else ""
        return f"{name or self.label(key)} ({_letter(index)})"

    def skipped_ranges(self) -> list[SkippedRange]:
        """Consecutive skipped lines of one kind as one range, with the first one's text."""
        out: list[SkippedRange] = []
        for s in self.skipped:
            last = out[-1] if out else None
            if last and last.kind == s.kind and last.last == s.line - 1:
                last.last = s.line
            else:
                out.append(SkippedRange(s.line, s.line, s.kind, s.text))
        return out

    def layout_lines(self) -> int:
        return sum(1 for s in self.skipped if s.kind != Layout.BLANK)

    def blank_lines(self) -> str:
        """The blank lines up to the table's last line, as ranges ("4, 13–14"): named apart from the
        layout lines, so a gap in the line numbers is explained and never counted as layout. The
        empty rows Excel keeps below a table are not listed."""
        last = max([line.number for line in self.lines] + [s.line for s in self.skipped if s.kind != Layout.BLANK],
                   default=0)
        ranges = [r for r in self.skipped_ranges() if r.kind == Layout.BLANK and r.first < last]
        return ", ".join(r.lines for r in ranges)


def read_table(filename: str, data: bytes, columns: Sequence[Column], *, max_rows: int,
               mapping: dict[str, int] | None = None) -> Table:
    """Read the sheet of `data` that holds `columns` and return its data lines and what was skipped.

    `mapping` (key → column index) replaces the columns found by name, for an import that lets the
    user choose them. Raises ValidationError on the field "file" when the file cannot be read at
    all — empty, too large, not a table, damaged… —, its message naming the file ("Không nhập được
    tệp “so-diem.xlsx”: Tệp rỗng."), so that every import says which file it refused; a missing
    required column is reported in `Table.missing` instead."""
    try:
        return _read_table(filename, data, columns, max_rows=max_rows, mapping=mapping)
    except ValidationError as exc:
        raise named_refusal(filename, exc) from exc


def named_refusal(filename: str, exc: ValidationError) -> ValidationError:
    """`exc`, a refusal of a whole file, with the file's name in it when it does not name it yet."""
    message = str(exc.message)
    if not filename or f"“{filename}”" in message:
        return exc
    return ValidationError(_l("Không nhập được tệp “%(f)s”: %(m)s", f=filename, m=message), field=exc.field or "file")


def _read_table(filename: str, data: bytes, columns: Sequence[Column], *, max_rows: int,
                mapping: dict[str, int] | None) -> Table:
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError(_l("Tệp nhập quá lớn (tối đa %(m)s MB).", m=MAX_IMPORT_BYTES // (1024 * 1024)),
                              field="file")
    if not data.strip():
        raise ValidationError(_l("Tệp rỗng: không có nội dung nào (0 byte hoặc chỉ khoảng trắng)."), field="file")
    book = _open(filename or "", data)
    lookup = _lookup(columns)
    best = None
    headers: dict[int, _Header] = {}
    for index, sheet in enumerate(book.sheets):
        head = sheet.head(HEADER_SCAN + 1)
        found = _find_header(head, sheet.wide, lookup, columns, sheet.hidden)
        if found is not None:
            headers[index] = found
        if found is not None and (best is None or found.score > best[1].score):
            best = (index, found)
    named_excel = book.as_text and (filename or "").lower().endswith(EXCEL_SUFFIXES)
    if best is None:
        if named_excel:
            raise not_excel(filename)
        raise ValidationError(_l("Tệp không có dữ liệu."), field="file")
    sheet = book.sheets[best[0]]
    header = best[1]
    rows = sheet.all_rows()
    labels = {c.key: str(c.label) for c in columns}
    if mapping is not None:
        # The user's choice replaces what the names suggested, and the lines are then told apart
        # (data or layout) by the columns chosen: the anchors are the chosen ones.
        width = len(header.names)
        found_columns = {k: i for k, i in mapping.items() if k in labels and 0 <= i < width}
        taken = set(found_columns.values())
        unknown = [(i, name) for i, name in enumerate(header.names) if name and i not in taken]
    else:
        found_columns, unknown = _timed(dict(header.found), list(header.unknown), header, rows, lookup)
    spans = _spans(columns, found_columns, header, sheet.merges)
    clock = _clock(found_columns, [i for i, _name in unknown], header.names)
    for key, index in clock.items():   # read as one cell, also by the imports that read `cells`
        spans[key] = (found_columns[key], index)
    joined = {i for span in spans.values() for i in span}
    unknown = [(i, name) for i, name in unknown if i not in joined]
    required = [c for c in columns if c.required]
    hidden_mark = str(_l(", cột ẩn"))
    table = Table(filename=filename, sheet=sheet.name, header_lines=tuple(i + 1 for i in header.rows),
                  headers=[header_text(n) for n in header.names], columns=found_columns, labels=labels,
                  unknown=[f"{header_text(name)} ({_letter(i)}{hidden_mark if i in sheet.hidden else ''})"
                           for i, name in unknown],
                  missing=[str(c.label) for c in required if c.key not in found_columns],
                  lines=[], skipped=[],
                  other_sheets=[s.name for i, s in enumerate(book.sheets) if i != best[0] and s.has_data()],
                  spans=spans, clock=clock)
    # Another sheet holding the same table (a workbook with one class per sheet): one sheet is read
    # per import, and the preview says so aloud rather than among the sheets "not read".
    table.twin_sheets = [book.sheets[i].name for i, found in headers.items()
                         if i != best[0] and mapping is None and len(found.found) >= 2
                         and found.score[0] >= header.score[0] and found.score[1] * 4 >= header.score[1] * 3]
    table.other_sheets = [name for name in table.other_sheets if name not in table.twin_sheets]
    above = sheet.head(HEADER_SCAN + 1)[:header.rows[0]]
    table.notes = [cell_text(c) for r in above for c in r if not blank(c)]
    table.notes += [cell_text(c) for i, s in enumerate(book.sheets) if i != best[0]
                    for r in s.head(HEADER_SCAN) for c in r if not blank(c)]
    # The same, a row at a time with its sheet ("Thong tin chung": "Số tài khoản: | 74010000123456"):
    # what a file says about itself on a sheet of its own.
    table.sheet_lines = [(s.name, " ".join(cell_text(c) for c in r if not blank(c)))
                         for i, s in enumerate(book.sheets) if i != best[0]
                         for r in s.head(HEADER_SCAN) if any(not blank(c) for c in r)]
    computed_keys = [c.key for c in columns if c.computed]
    # Every file column named as one the application computes (ĐTBmhk, TBM, Xếp loại…), not only the first.
    table.computed = [f"{header_text(name)} ({_letter(i)})" for i, name in enumerate(header.names)
                      if i in found_columns.values() and any(found_columns.get(k) == i for k in computed_keys)
                      or (name and i not in found_columns.values() and i not in joined
                          and any(lookup.get(f) in computed_keys for f in _forms(name)))]
    table.unknown = [u for u in table.unknown if u not in table.computed]
    if named_excel and table.missing and mapping is None:
        raise not_excel(filename)
    _split(table, rows, header, sheet.wide, columns, lookup, max_rows, sheet.hidden_rows)
    return table


def _spans(columns: Sequence[Column], found: dict[str, int], header: _Header,
           merges: list[tuple[int, int, int, int]]) -> dict[str, tuple[int, ...]]:
    """The columns read as one: a text column whose header cell is merged across the columns on
    its right (“Họ và tên” over “Nguyễn Văn | An”), and a column followed by one its `tail` names
    (“Họ đệm | Tên”). A column another key claims is never taken."""
    claimed = set(found.values())
    top = header.rows[0]
    out: dict[str, tuple[int, ...]] = {}
    for column in columns:
        start = found.get(column.key)
        if start is None:
            continue
        end = start
        if column.text:
            for r1, c1, r2, c2 in merges:
                if c1 == start and r1 <= top <= r2 and c2 > end:
                    end = c2
        tails = {_norm(t) for t in column.tail}
        if tails and start + 1 < len(header.names) and tails & set(_forms(header.names[start + 1] or "")):
            end = max(end, start + 1)
        last = start
        while last < end and last + 1 not in claimed and last + 1 < len(header.names):
            last += 1
        if last > start:
            out[column.key] = tuple(range(start, last + 1))
    return out


# A time-of-day column beside a date ("Ngày giao dịch | Giờ giao dịch", a card terminal's report):
# the names it goes by, compared as headers are.
TIME_HEADERS = ("Giờ", "Giờ giao dịch", "Giờ GD", "Giờ thanh toán", "Giờ hạch toán", "Giờ phút", "Time",
                "Transaction time", "Txn time", "Trans time")
_DATE_WORDS = re.compile(r"\b(ngay|date)\b")


def _timed(found: dict[str, int], unknown: list[tuple[int, str]], header: _Header, rows: list[list[object]],
           lookup: dict[str, str]) -> tuple[dict[str, int], list[tuple[int, str]]]:
    """Of two columns that name the same date ("Ngày hạch toán" and "Ngày giao dịch", "Thời gian
    giao dịch"), the one whose cells carry the time of day is the moment of each line: a posting
    date written once a day must not hide the transaction's own date and time beside it."""
    body = rows[header.rows[-1] + 1:header.rows[-1] + 1 + 200]

    def timed(index: int) -> tuple[int, int]:
        with_time = values = 0
        for row in body:
            value = row[index] if index < len(row) else None
            if blank(value):
                continue
            values += 1
            try:
                moment = to_datetime(value)
            except (ValueError, OverflowError):
                continue
            with_time += moment is not None and moment.time() != datetime.min.time()
        return with_time, values

    for index, name in list(unknown):
        key = next((lookup[f] for f in _forms(name) if f in lookup), None)
        if key is None or key not in found:
            continue
        mine, theirs = timed(found[key]), timed(index)
        if mine[0] == 0 and theirs[0] and theirs[0] * 2 >= theirs[1]:
            unknown.remove((index, name))
            unknown.append((found[key], header.names[found[key]]))
            unknown.sort()
            found[key] = index
    return found, unknown


def _clock(found: dict[str, int], unknown: list[int], names: list[str]) -> dict[str, int]:
    """Each time-of-day column the import does not claim itself, given to the date column nearest
    on its left (“Ngày giao dịch | Giờ giao dịch”), so that a line's time is read, not dropped."""
    times = {_norm(t) for t in TIME_HEADERS}
    dates = {i: key for key, i in found.items() if i < len(names) and any(_DATE_WORDS.search(f) for f in _forms(names[i] or ""))}
    out: dict[str, int] = {}
    for index in unknown:
        if index >= len(names) or not times & set(_forms(names[index] or "")):
            continue
        left = [i for i in dates if i < index]
        if left and dates[max(left)] not in out:
            out[dates[max(left)]] = index
    return out


# ---------------------------------------------------------------- header names

def _norm(text: str) -> str:
    """A header or alias compared: accents, case, stars, colons and spacing removed."""
    return _exact(fold(str(text)))


def _exact(text: str) -> str:
    """A header or alias compared with its accents: case, stars, colons and spacing removed."""
    plain = nfc(str(text).replace("\n", " ")).lower()
    plain = plain.replace("(*)", " ").replace("*", " ")
    return " ".join(plain.split()).strip(" :.-_")


def _forms(raw: object) -> list[str]:
    """The ways a header cell may name a column, most specific first: the whole text, without its
    parenthesis ("Số tiền (VND)"), and each half of a bilingual header ("Nợ / Debit")."""
    out: list[str] = []
    for _written, form in _written_forms(raw):
        if form not in out:
            out.append(form)
    return out


def _written_forms(raw: object) -> list[tuple[str, str]]:
    """`_forms`, each as written (accents kept) beside its folded form."""
    text = unicodedata.normalize("NFC", str(raw))
    out: list[tuple[str, str]] = []
    parts = [text, *re.split(r"\s*(?:/|\n|\|)\s*", text)] if re.search(r"[/\n|]", text) else [text]
    for part in parts:
        whole = _exact(part)
        for written in (whole, _exact(re.sub(r"\([^)]*\)?", " ", whole))):
            form = (written, _norm(written))
            if written and form not in out:
                out.append(form)
    return out


class _Lookup(dict):
    """Each header name, folded, → its column's key; with `exact`, the names as written (accents
    kept). A header is matched by its accents first, in every column of the file, and only then
    with accents ignored (a file typed without them, "Ho ten", or with another tone placement,
    "Hoá đơn"): "Năm" (year) is the year column and "Nam" the boys' tick column when the import
    knows both, whichever comes first in the file."""

    def __init__(self) -> None:
        super().__init__()
        self.exact: dict[str, str] = {}


def _lookup(columns: Sequence[Column]) -> _Lookup:
    lookup = _Lookup()
    for column in columns:
        for raw in (str(column.label), *column.aliases):
            written, folded = _exact(raw), _norm(raw)
            lookup.setdefault(folded, column.key)
            lookup.exact.setdefault(written, column.key)
    return lookup


@dataclass
class _Header:
    rows: tuple[int, ...]          # 0-based indexes of the header rows
    names: list[str]
    found: dict[str, int]
    unknown: list[tuple[int, str]]
    score: tuple[int, int, int]


def _match(forms_per_column: list[list[tuple[str, str]]], names: list[str], lookup: _Lookup,
           hidden: frozenset[int] = frozenset()):
    """Each column's key by its names (each form as written and folded, see _written_forms): every
    column is first matched by its names as written, accents and all, then the rest with accents
    ignored (see _Lookup), so that an exact header anywhere beats a near one; a column the user sees
    wins its name over a hidden one (a teacher's old marks kept in a hidden copy of "TX1")."""
    found: dict[str, int] = {}
    keys: dict[int, str] = {}
    order = sorted(range(len(forms_per_column)), key=lambda i: i in hidden)
    candidates: dict[int, list[tuple[str, str]]] = {}
    for index in order:
        forms = forms_per_column[index]
        if any(f in LINE_NUMBER for _w, f in forms):
            # The line-number column ("STT / No.") is only ever that: its English half "No." is
            # never read as another column ("Nợ", a statement's debit, folds to the same word).
            forms = [(w, f) for w, f in forms if f in LINE_NUMBER]
        candidates[index] = forms
    for exact in (True, False):
        for index in order:
            if index in keys:
                continue
            for written, folded in candidates[index]:
                key = lookup.exact.get(written) if exact else lookup.get(folded)
                if key is not None and key not in found:
                    found[key], keys[index] = index, key
                    break
    unknown = [(index, names[index]) for index in order if index not in keys and names[index]
               and forms_per_column[index]]
    return found, unknown


def _subject(group: str, written: bool = False) -> str:
    """“Thông tin cha” → “cha”: the person or thing a group of columns is about (with its accents
    when `written`)."""
    folded = _norm(group)
    subject = re.sub(r"^(thong tin( ve| cua)?|ho so|du lieu)\s+", "", folded)
    if not written:
        return subject
    words = _exact(group).split()
    return " ".join(words[len(words) - len(subject.split()):]) if subject else ""


def _find_header(head: list[list[object]], wide: dict[int, set[int]], lookup: dict[str, str],
                 columns: Sequence[Column], hidden: frozenset[int] = frozenset()) -> _Header | None:
    required = {c.key for c in columns if c.required}
    best: _Header | None = None
    pairs: dict[int, _Header] = {}
    first_data = None
    for i, row in enumerate(head[:HEADER_SCAN]):
        texts = [_header_cell(c) for c in row]
        if first_data is None and any(texts):
            first_data = i
        if not any(texts):
            continue
        candidates = [((i,), texts, [_written_forms(c) if t else [] for c, t in zip(row, texts)])]
        if i + 1 < len(head):
            below = [_header_cell(c) for c in head[i + 1]]
            if (_may_name_columns(below) and not _numbering_heading(texts, below)
                    and any(b and b != t for t, b in zip(texts + [""] * len(below), below))):
                candidates.append(((i, i + 1), *_pair(texts, below)))
        for rows, names, forms in candidates:
            found, unknown = _match(forms, names, lookup, hidden)
            unknown.sort()
            if not found:
                continue
            score = (len(required & found.keys()), len(found), -len(rows))
            if len(rows) == 2:
                pairs[i] = _Header(rows, names, found, unknown, score)
            if best is None or score > best.score:
                best = _Header(rows, names, found, unknown, score)
    if best is not None and len(best.rows) == 1:
        # A second header row that names the columns as well as the first ("Họ và tên" merged
        # over "Họ đệm | Tên") is part of the header, not a header repeated.
        pair = pairs.get(best.rows[0])
        if pair is not None and pair.score[:2] == best.score[:2]:
            best = pair
    if best is None and first_data is not None:
        # Nothing named as expected: the first line with text is the header, so the user sees
        # which columns the file has and which are missing.
        texts = [_header_cell(c) for c in head[first_data]]
        return _Header((first_data,), texts, {}, [(i, t) for i, t in enumerate(texts) if t], (0, 0, 0))
    return best


# A header naming the line-number column ("STT", "TT", "Số TT", "No."): under it a line holds numbers.
_NUMBERING = {"stt", "tt", "so tt", "so thu tu", "thu tu", "no", "stt/ no", "stt no", "#"}
LINE_NUMBER = _NUMBERING - {"no"}     # the names that can only be the line number ("No" can be "Nợ")


def _numbering_heading(top: list[str], below: list[str]) -> bool:
    """A line under the header with one text cell, in the column whose header is the line number
    ("STT" over "I. TỔ KHOA HỌC TỰ NHIÊN", "HỌC KÌ I" typed in A without merging), is a section
    heading of the data, not the header's second row: no file names a column under "STT"."""
    present = [i for i, b in enumerate(below) if b]
    if len(present) != 1 or _numeric(below[present[0]]):
        return False
    i = present[0]
    return i < len(top) and any(f in _NUMBERING for f in _forms(top[i]))


def _may_name_columns(texts: list[str]) -> bool:
    """Whether a line could be a header's second row: never one holding a balance or total word
    ("Số dư đầu kỳ") or an amount ("118.000.000") — the opening balance under a statement's header.
    Small numbers stay possible (a group's "1 | 2 | 3" under "ĐĐGtx")."""
    for text in texts:
        if not text:
            continue
        if _layout_word(text) in (Layout.BALANCE, Layout.TOTAL):
            return False
        if _numeric(text) and sum(ch.isdigit() for ch in text) >= 4:
            return False
    return True


def _pair(top: list[str], below: list[str]) -> tuple[list[str], list[list[tuple[str, str]]]]:
    """A header on two rows: a group label (merged over its columns, or written once at its
    left in a CSV) above the names of its columns."""
    width = max(len(top), len(below))
    top = top + [""] * (width - len(top))
    below = below + [""] * (width - len(below))
    names, forms = [], []
    group = ""
    for c in range(width):
        t, b = top[c], below[c]
        if t and b and (t.rstrip().endswith("/") or b.lstrip().startswith("/")):
            # One bilingual name written over two rows ("Ngày giao dịch /" above "Transaction date").
            group = ""
            names.append(header_text(f"{t}\n{b}"))
            forms.append(_written_forms(f"{t}\n{b}"))
            continue
        if t and b and t != b:
            group = t
        elif t:
            group = "" if not b else group
        parent = t if t else (group if b else "")
        if not b or b == parent:
            names.append(parent)
            forms.append(_written_forms(parent) if parent else [])
            continue
        if not parent:
            names.append(b)
            forms.append(_written_forms(b))
            continue
        names.append(f"{parent} – {b}")
        combined = [(f"{_exact(b)} {_subject(parent, written=True)}", f"{_norm(b)} {_subject(parent)}"),
                    (f"{_exact(parent)} {_exact(b)}", f"{_norm(parent)} {_norm(b)}")]
        forms.append([*combined, *(f for f in _written_forms(b) if f not in combined)])
    return names, forms


def _header_cell(value: object) -> str:
    """A header cell's text with its line breaks kept (a bilingual header on two lines)."""
    if isinstance(value, str):
        return "\n".join(line for line in (nfc(part) for part in value.splitlines()) if line)
    return cell_text(value)


def header_text(name: str) -> str:
    """A header as one line of text: a bilingual header written on two lines reads
    "Số tiền ghi có / Credit", a number under a name "Bài học (1)"."""
    lines = [" ".join(part.split()) for part in str(name).split("\n") if part.strip()]
    out = lines[0] if lines else ""
    for part in lines[1:]:
        # The file's own slash ("Ngày /" over "Date", "Ngày" over "/ Date") is not doubled.
        joined = part.startswith("(") or out.endswith("/") or part.startswith("/") or not any(ch.isalpha() for ch in part)
        out += " " + part if joined else " / " + part
    return out


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


# ---------------------------------------------------------------- data and layout lines

_TOTAL = re.compile(r"^(tong cong|tong so|tong phat sinh|tong gia tri|tong tien|tong|cong phat sinh|cong so phat sinh|"
                    r"cong trang|cong luy ke|cong|luy ke|total|grand total|sub ?total|sum)\b")
_BALANCE = re.compile(r"^(so du (dau|cuoi)( ky| ngay| thang)?|du (dau|cuoi)( ky)?|so du ban dau|so du hien tai|"
                      r"opening balance|closing balance|beginning balance|ending balance|previous balance|"
                      r"current balance|balance (brought|carried) forward)\b")
_FOOTER = re.compile(r"(nguoi lap|lap bieu|ke toan truong|hieu truong|thu truong|giam doc|ban giam hieu|to truong|"
                     r"xac nhan cua|\(ky|ky ten|ky,|ky va ghi ro|ghi ro ho ten|chu ky|nguoi duyet|duyet cua|"
                     r"lap bang|kiem soat|thu quy|nguoi nhan|nguoi giao|"
                     r"prepared by|approved by|checked by|signature|ngay\W*\d*\W*thang\W*\d*\W*nam)")
# A signer's title written alone in a cell ("GIÁO VIÊN BỘ MÔN", "KT. HIỆU TRƯỞNG", "Người lập biểu"):
# the whole cell, so that a data cell merely holding such a word ("Hiệu trưởng" in a role column)
# is never one.
_SIGNER = re.compile(r"((tm|kt|tl|tuq|q|p)\.?\s+)?("
                     r"nguoi (lap|ghi so|kiem tra|duyet|nhan|giao|nop|tong hop|phu trach)( bieu| bang| phieu| so)?|"
                     r"(giao vien|gv)( bo mon| chu nhiem| day| giang day| phu trach)?( lop)?|gvcn|gvbm|"
                     r"(pho )?(hieu truong|giam doc|truong phong|truong ban)|ban giam hieu|hieu pho|"
                     r"ke toan( truong| vien| thanh toan)?|thu quy|thu truong( don vi)?|"
                     r"to truong( chuyen mon)?|to pho|chu tich( hoi dong)?|kiem soat( vien)?|giao dich vien|"
                     r"thanh vien hoi dong|thu ky( hoi dong)?|phu huynh( hoc sinh)?|dai dien .*|xac nhan( cua .*)?|"
                     r"teller|supervisor|controller|chief accountant|accountant|director|principal|"
                     r"(class|subject|head) teacher)")
_NOTE = re.compile(r"^(ghi chu|luu y|chu thich|chu y|note|notes|ngay in|printed|in luc|sao ke (duoc )?in|"
                   r"trang \d+|page \d+|tong so (hoc sinh|dong|giao dich|ban ghi)|"
                   # a count under a list: “Danh sách gồm 4 người”, “Tổng số: 32 học sinh”, “Sĩ số: 32”
                   r"(danh sach|lop|tong so|gom|co)( gom| co)? \d+ (nguoi|hoc sinh|hs|em|can bo|giao vien|"
                   r"nhan vien|cb|gv)|si so)\b")
_HEADING = re.compile(r"^(phan|chuong|chu de|mach( noi dung)?|hoc ky|hoc ki|hk|ky|muc|lop|khoi|tuan|thang|"
                      r"nam hoc|danh sach|bang|ke hoach|hoat dong|part|chapter|unit|term|section|semester|week)\b")
_ENUMERATOR = re.compile(r"^(?:[IVXLC]+|[A-Z]|\d{1,2}(?:\.\d{1,2})*)[.)/:-]\s*\S")


def _layout_word(text: str) -> Layout | None:
    folded = _norm(text)
    if _BALANCE.match(folded):
        return Layout.BALANCE
    if _NOTE.match(folded):       # before the totals: "Tổng số học sinh: 32" is a count, not a sum
        return Layout.NOTE
    if _TOTAL.match(folded):
        return Layout.TOTAL
    if _FOOTER.search(folded) or _SIGNER.fullmatch(_norm(re.sub(r"\([^)]*\)?", " ", folded))):
        return Layout.FOOTER
    return None


def _is_heading(text: str, merged_wide: bool) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(_HEADING.match(_norm(text)) or _ENUMERATOR.match(text) or merged_wide
                or (len(letters) >= 3 and text == text.upper()))


def _heading_row(present: list[str], wide) -> bool:
    """One text (a chapter, term or section title), possibly with the section's figures beside it
    (“Chương I. Số tự nhiên | 25”) when its words say it is a heading."""
    words = [t for t in dict.fromkeys(present) if not _numeric(t)]
    if len(words) != 1:
        return False
    if len(words) == len(set(present)):
        return _is_heading(words[0], bool(wide))
    return bool(_HEADING.match(_norm(words[0])) or _ENUMERATOR.match(words[0]))


def _typed_heading(text: str) -> bool:
    """A section title however it is numbered: its word ("Chương 2: …", "Tuần 5") or an enumerator
    before a phrase ("II. Nhiệm vụ khác (nếu có): …" under a CV 5512 plan). The phrase must be words,
    so that a value alone on its row ("1-2" in a week column, "A-12") stays data and is checked."""
    if _HEADING.match(_norm(text)):
        return True
    return bool(_ENUMERATOR.match(text)) and len(re.findall(r"[^\W\d_]{2,}", text)) >= 2


def _column_numbers(texts: list[str]) -> bool:
    values = [t.strip("() ") for t in texts if t]
    if len(values) < 2:
        return False
    if all(v.isdigit() for v in values):
        numbers = [int(v) for v in values]
        return numbers == list(range(numbers[0], numbers[0] + len(numbers))) and numbers[0] <= 1
    return all(len(v) == 1 and v.isalpha() for v in values) and values[0].upper() == "A"


def _split(table: Table, rows: list[list[object]], header: _Header, wide: dict[int, set[int]],
           columns: Sequence[Column], lookup: dict[str, str], max_rows: int,
           hidden_rows: frozenset[int] = frozenset()) -> None:
    first_body = header.rows[-1] + 1
    for i in range(first_body):
        texts = [cell_text(c) for c in rows[i]] if i < len(rows) else []
        if i in header.rows:
            continue
        # Above the header everything is the title block, but for the opening balance some banks
        # print there, which is named as what it is.
        balance = any(_layout_word(t) == Layout.BALANCE for t in [t for t in texts if t][:3])
        kind = Layout.BALANCE if balance else Layout.TITLE if any(texts) else Layout.BLANK
        table.skipped.append(Skipped(i + 1, kind, _summary(texts)))

    anchors = [table.columns[c.key] for c in columns if c.anchor and c.key in table.columns]
    if not anchors:
        anchors = [table.columns[c.key] for c in columns if c.required and c.key in table.columns]
    free = {table.columns[c.key] for c in columns if c.text and c.key in table.columns}
    header_forms = {_norm(n) for n in header.names if n}
    headings: list[str] = []
    footer = False
    for i in range(first_body, len(rows)):
        cells = rows[i]
        texts = [cell_text(c) for c in cells]
        number = i + 1
        present = [t for t in texts if t]
        if not present:
            table.skipped.append(Skipped(number, Layout.BLANK, ""))
            continue
        summary = _summary(texts)
        # A row hidden in Excel (a pupil who left, a filter's leftovers) is not what the user sees:
        # it is not imported, and the preview names it, so that unhiding it is a choice.
        if i in hidden_rows:
            table.skipped.append(Skipped(number, Layout.HIDDEN, summary))
            continue
        if i - first_body < 2 and _column_numbers(texts):
            table.skipped.append(Skipped(number, Layout.NUMBERS, summary))
            continue
        folded = {_norm(t) for t in present}
        if len(header_forms) >= 2 and len(folded & header_forms) >= max(2, len(folded) * 2 // 3):
            table.skipped.append(Skipped(number, Layout.HEADER, summary))
            continue
        # A balance line is one whatever else it holds; the other kinds only when no anchor has data.
        first_words = [t for j, t in enumerate(texts) if t and j not in free][:3]
        if any(_layout_word(t) == Layout.BALANCE for t in first_words or present[:1]):
            table.skipped.append(Skipped(number, Layout.BALANCE, summary))
            continue
        anchored = any(j < len(texts) and texts[j] and _layout_word(texts[j]) is None for j in anchors)
        single = len(set(present)) == 1 and not _numeric(present[0])
        # A heading is told by its content wherever it is typed: one text alone on its row that reads
        # as one ("Chương 2: …", "HỌC KỲ II", "Lớp 6A1"), even in an anchor column, merged or not.
        typed_heading = single and len(present) == 1 and _typed_heading(present[0])
        if not anchored or typed_heading or (single and wide.get(i)):   # a merged heading fills the anchors too
            kind = next((k for k in (_layout_word(t) for t in present[:3]) if k), None)
            if kind is None and footer:
                kind = Layout.FOOTER
            if kind is None and _heading_row(present, wide.get(i)):
                kind = Layout.HEADING
                headings.append(next(t for t in present if not _numeric(t)))
            if kind is not None:
                footer = footer or kind == Layout.FOOTER
                table.skipped.append(Skipped(number, kind, summary))
                continue
        table.lines.append(Line(number, list(cells), table.columns, tuple(headings[-3:]), table.spans, table.clock))
        if len(table.lines) > max_rows:
            raise ValidationError(ngettext("Tệp có hơn %(m)s dòng dữ liệu, vượt giới hạn mỗi lần nhập; hãy chia thành "
                                     "nhiều tệp.", "Tệp có hơn %(m)s dòng dữ liệu, vượt giới hạn mỗi lần nhập; hãy chia thành "
                                     "nhiều tệp.", max_rows, m=max_rows), field="file")
    _close_footer(table)


SIGNATURE_NAMES = 8   # the most lines of names and titles a signature block holds


def _close_footer(table: Table) -> None:
    """The names under a signature block are not data, even written in an anchor column (a
    teacher's name under “Giáo viên bộ môn” in the student-code column): the lines after the first
    footer line that ends the table — every line after it footer-like: no digit, no e-mail, at
    most three texts, and few of them — are taken as the footer too. A footer title in the middle
    of a table (“BAN GIÁM HIỆU” heading a staff list) ends nothing, since data follows it."""
    footers = [s.line for s in table.skipped if s.kind == Layout.FOOTER]
    if not footers or not table.lines:
        return
    for start in footers:
        after = [line for line in table.lines if line.number > start]
        if len(after) <= SIGNATURE_NAMES and all(_signature_like(line.cells) for line in after):
            break
    else:
        return
    if not after:
        return
    for line in after:
        table.skipped.append(Skipped(line.number, Layout.FOOTER, _summary([cell_text(c) for c in line.cells])))
    table.lines = [line for line in table.lines if line.number <= start]
    table.skipped.sort(key=lambda s: s.line)


def _signature_like(cells: list[object]) -> bool:
    texts = {cell_text(c) for c in cells} - {""}
    return 0 < len(texts) <= 3 and not any(re.search(r"[\d@]", t) for t in texts)


def _summary(texts: list[str]) -> str:
    seen: list[str] = []
    for t in texts:
        if t and t not in seen:
            seen.append(t)
    return " · ".join(seen)[:160]


def _numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[\d\s.,()+-]+", text))


# ---------------------------------------------------------------- the formats

@dataclass
class _Sheet:
    name: str
    load: object                      # () -> list of rows
    head_rows: list[list[object]] | None = None
    wide: dict[int, set[int]] = field(default_factory=dict)   # row → columns starting a wide merge
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2 (0-based, inclusive)
    hidden: frozenset[int] = frozenset()   # the columns hidden in Excel
    hidden_rows: frozenset[int] = frozenset()   # the rows hidden in Excel (0-based), by hand or by a filter
    _rows: list[list[object]] | None = None

    def all_rows(self) -> list[list[object]]:
        if self._rows is None:
            self._rows = _fill(self.load(None), self.merges)
        return self._rows

    def head(self, n: int) -> list[list[object]]:
        if self._rows is not None:
            return self._rows[:n]
        if self.head_rows is None:
            self.head_rows = _fill(self.load(n), self.merges)
        return self.head_rows

    def has_data(self) -> bool:
        return any(any(not blank(c) for c in r) for r in self.head(HEADER_SCAN))


@dataclass
class _Book:
    sheets: list[_Sheet]
    as_text: bool = False     # read as CSV/text by its content


def _fill(rows: list[list[object]], merges: list[tuple[int, int, int, int]]) -> list[list[object]]:
    for r1, c1, r2, c2 in merges:
        if r1 >= len(rows):
            continue
        value = rows[r1][c1] if c1 < len(rows[r1]) else None
        for r in range(r1, min(r2, len(rows) - 1) + 1):
            row = rows[r]
            if len(row) <= c2:
                row.extend([None] * (c2 + 1 - len(row)))
            for c in range(c1, c2 + 1):
                row[c] = value
    return rows


def _trim(values) -> list[object]:
    row = list(values)[:MAX_COLUMNS]
    while row and blank(row[-1]):
        row.pop()
    return [unicodedata.normalize("NFC", v).strip() if isinstance(v, str) else v for v in row]


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _open(filename: str, data: bytes) -> _Book:
    if data[:4] == b"PK\x03\x04":
        return _open_xlsx(data)
    if data[:8] == _OLE:
        return _open_xls(data)
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml", b"<meta")) or b"<table" in data[:4096].lower():
        return _open_html(data)
    if data[:5] == b"%PDF-" or data[:2] in (b"\xff\xd8", b"\x89P") or data[:4] == b"GIF8":
        raise ValidationError(_l("Tệp “%(f)s” không phải bảng tính. Hãy tải tệp bảng tính (%(t)s).",
                                 f=filename, t=ACCEPT_TEXT), field="file")
    book = _open_csv(data, filename)
    book.as_text = True
    return book


EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")


def not_excel(filename: str) -> ValidationError:
    """The refusal of a file named as an Excel workbook whose content is plain text and whose
    columns are not those asked for: it is not a readable Excel file (said instead of "missing
    column …", which sends the user looking for a column in a file that has none)."""
    return ValidationError(_l("Tệp “%(f)s” không phải tệp Excel đọc được: bên trong là văn bản thường, không phải "
                              "bảng tính. Hãy mở bảng tính gốc trong Excel, lưu thành .xlsx rồi tải lên lại.",
                              f=filename), field="file")


def _check_zip(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise ValidationError(_l("Không đọc được tệp Excel: tệp bị hỏng. Hãy mở lại trong Excel và lưu thành "
                                 ".xlsx."), field="file") from exc
    total = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if len(infos) > MAX_ZIP_ENTRIES or total > MAX_UNCOMPRESSED or (total > 10 * 1024 * 1024 and total / packed > MAX_RATIO):
        raise ValidationError(_l("Tệp Excel có cấu trúc bất thường (giải nén ra quá lớn); tệp bị từ chối."), field="file")
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names or "ppt/presentation.xml" in names:
            raise ValidationError(_l("Đây là tệp Word hoặc PowerPoint, không phải bảng tính Excel."), field="file")
        raise ValidationError(_l("Tệp nén này không phải bảng tính Excel (.xlsx)."), field="file")
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise ValidationError(_l("Tệp Excel có macro; hãy lưu lại thành .xlsx thường (không macro) rồi tải lên."),
                              field="file")
    return archive


_CELL = re.compile(rb'<(?:\w+:)?c\s([^>]*?)(?<!/)>(.*?)</(?:\w+:)?c>', re.S)
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_FORMULA = re.compile(rb'<(?:\w+:)?f(?:\s[^>]*)?(?:/>|>(.*?)</(?:\w+:)?f>)', re.S)
_VALUE = re.compile(rb'<(?:\w+:)?v(?:\s[^>]*)?(?:/>|>(.*?)</(?:\w+:)?v>)', re.S)


def _uncomputed(xml: bytes) -> dict[tuple[int, int], Uncomputed]:
    """The formula cells of a sheet's XML saved without a value, by (row, column), 0-based. A
    formula whose text result is empty (t="str", an empty <v>) was computed and is not one."""
    import html as _html

    out: dict[tuple[int, int], Uncomputed] = {}
    if b"<f" not in xml and b":f" not in xml:
        return out
    for m in _CELL.finditer(xml):
        attrs, body = m.group(1), m.group(2)
        f = _FORMULA.search(body)
        if f is None:
            continue
        v = _VALUE.search(body)
        if v is not None and (v.group(1) or b't="str"' in attrs or b't="e"' in attrs):
            continue
        ref = _REF.search(attrs)
        if ref is None:
            continue
        formula = _html.unescape((f.group(1) or b"").decode("utf-8", "replace"))
        out[(int(ref.group(2)) - 1, _col_index(ref.group(1)))] = Uncomputed(
            formula, ref.group(1).decode() + ref.group(2).decode())
    return out


_HIDDEN_COLS = re.compile(rb'<(?:\w+:)?col\s(?=[^>]*\bhidden="(?:1|true)")[^>]*?\bmin="(\d+)"[^>]*?\bmax="(\d+)"')
_HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\s(?=[^>]*\bhidden="(?:1|true)")[^>]*?\br="(\d+)"')
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"')


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters.decode():
        n = n * 26 + ord(ch) - 64
    return n - 1


def _open_xlsx(data: bytes) -> _Book:
    from openpyxl import load_workbook

    archive = _check_zip(data)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of error for a damaged workbook
        raise ValidationError(_l("Không đọc được tệp Excel: tệp bị hỏng hoặc không đúng định dạng .xlsx."),
                              field="file") from exc
    sheets = []
    for ws in wb.worksheets:
        if getattr(ws, "sheet_state", "visible") != "visible" or not hasattr(ws, "iter_rows"):
            continue
        merges = []
        try:
            xml = archive.read(ws._worksheet_path)  # the merged ranges, which read-only mode does not parse
        except KeyError:
            xml = b""
        for m in _MERGE.finditer(xml):
            r1, c1, r2, c2 = int(m.group(2)) - 1, _col_index(m.group(1)), int(m.group(4)) - 1, _col_index(m.group(3))
            if r2 >= r1 and c2 >= c1 and (r2 - r1 + 1) * (c2 - c1 + 1) <= 100_000:
                merges.append((r1, c1, r2, c2))

        formulas = _uncomputed(xml)

        def load(limit, ws=ws, formulas=formulas):
            rows = []
            try:
                for n, values in enumerate(ws.iter_rows(values_only=True, max_row=limit)):
                    if n >= MAX_SHEET_ROWS:
                        break
                    rows.append(_trim(values))
            except Exception as exc:
                raise ValidationError(_l("Không đọc được trang “%(s)s” của tệp Excel: tệp bị hỏng.", s=ws.title),
                                      field="file") from exc
            # Never an empty cell in their place — on lines holding something else (a template's
            # formulas pre-filled down empty lines keep those lines blank).
            filled = {r for r, _c in formulas if r < len(rows) and any(not blank(x) for x in rows[r])}
            for (r, c), value in formulas.items():
                if r in filled and c < MAX_COLUMNS:
                    rows[r].extend([None] * (c + 1 - len(rows[r])))
                    rows[r][c] = value
            return rows

        hidden = frozenset(c for m in _HIDDEN_COLS.finditer(xml)
                           for c in range(int(m.group(1)) - 1, min(int(m.group(2)), MAX_COLUMNS)))
        hidden_rows = frozenset(int(m.group(1)) - 1 for m in _HIDDEN_ROW.finditer(xml))
        sheets.append(_Sheet(ws.title, load, merges=merges, wide=_wide(merges), hidden=hidden,
                             hidden_rows=hidden_rows))
    if not sheets:
        raise ValidationError(_l("Tệp Excel không có trang tính nào."), field="file")
    return _Book(sheets)


def _wide(merges: list[tuple[int, int, int, int]]) -> dict[int, set[int]]:
    wide: dict[int, set[int]] = {}
    for r1, c1, r2, c2 in merges:
        if c2 > c1:
            for r in range(r1, r2 + 1):
                wide.setdefault(r, set()).add(c1)
    return wide


def _open_xls(data: bytes) -> _Book:
    import xlrd

    if "EncryptedPackage".encode("utf-16-le") in data[:65536] or b"E\x00n\x00c\x00r\x00y\x00p\x00t" in data:
        raise ValidationError(_l("Tệp Excel có mật khẩu. Hãy mở tệp, bỏ mật khẩu rồi lưu và tải lên lại."), field="file")
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except Exception as exc:  # xlrd raises its own errors and plain ones for damaged files
        text = str(exc).lower()
        if "encrypt" in text or "password" in text:
            raise ValidationError(_l("Tệp Excel có mật khẩu. Hãy mở tệp, bỏ mật khẩu rồi lưu và tải lên lại."),
                                  field="file") from exc
        raise ValidationError(_l("Không đọc được tệp .xls: tệp bị hỏng hoặc không phải bảng tính Excel. Hãy mở "
                                 "trong Excel và lưu thành .xlsx."), field="file") from exc
    sheets = []
    try:
        for index in range(book.nsheets):
            sh = book.sheet_by_index(index)
            if getattr(sh, "visibility", 0):
                continue
            merges = [(r1, c1, r2 - 1, c2 - 1) for r1, r2, c1, c2 in sh.merged_cells]

            def load(limit, sh=sh):
                rows = []
                for r in range(min(sh.nrows, limit or MAX_SHEET_ROWS)):
                    rows.append(_trim(_xls_value(cell, book.datemode) for cell in sh.row(r)))
                return rows

            hidden = frozenset(c for c, info in sh.colinfo_map.items() if getattr(info, "hidden", 0))
            hidden_rows = frozenset(r for r, info in sh.rowinfo_map.items() if getattr(info, "hidden", 0))
            sheets.append(_Sheet(sh.name, load, merges=merges, wide=_wide(merges), hidden=hidden,
                                 hidden_rows=hidden_rows))
    except Exception as exc:
        raise ValidationError(_l("Không đọc được tệp .xls: tệp bị hỏng. Hãy mở trong Excel và lưu thành .xlsx."),
                              field="file") from exc
    if not sheets:
        raise ValidationError(_l("Tệp Excel không có trang tính nào."), field="file")
    return _Book(sheets)


def _xls_value(cell, datemode: int) -> object:
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            value = xlrd.xldate.xldate_as_datetime(cell.value, datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return cell.value
        return value if value.time() != datetime.min.time() else value.replace()
    if cell.ctype == xlrd.XL_CELL_NUMBER:
        return int(cell.value) if float(cell.value).is_integer() else cell.value
    if cell.ctype == xlrd.XL_CELL_TEXT:
        return cell.value
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    return None


class _HTMLTables(html.parser.HTMLParser):
    """The rows of the tables of an HTML page (what many portals save as “.xls”), with colspan and
    rowspan turned into merged ranges. Text outside the tables — a title in <h3>, the account in a
    <p> — is a row of its own, as Excel shows it, so that line numbers are the ones the user sees."""

    _BLOCKS = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "br", "table", "li", "center", "body"})
    _HIDDEN = frozenset({"head", "title", "style", "script"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows: list[list[object]] = []
        self.merges: list[tuple[int, int, int, int]] = []
        self._row: list[object] | None = None
        self._cell: list[str] | None = None
        self._span = (1, 1)
        self._taken: set[tuple[int, int]] = set()
        self._depth = 0
        self._done = False
        self._loose: list[str] = []
        self._skip = 0

    def _flush(self) -> None:
        text = nfc(" ".join("".join(self._loose).split()))
        self._loose = []
        if text and not self._done:
            self.rows.append([text])

    def close(self):
        super().close()
        self._flush()

    def handle_starttag(self, tag, attrs):
        if self._done:
            return
        if tag in self._HIDDEN:
            self._skip += 1
        if not self._depth and tag in self._BLOCKS:
            self._flush()
        if tag == "table":
            self._depth += 1
        elif tag == "tr" and self._depth:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            a = dict(attrs)
            self._span = (_span(a.get("rowspan")), _span(a.get("colspan")))
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag):
        if self._done:
            return
        if tag in self._HIDDEN and self._skip:
            self._skip -= 1
        if not self._depth and tag in self._BLOCKS:
            self._flush()
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            r = len(self.rows)
            c = len(self._row)
            while (r, c) in self._taken:
                self._row.append(None)
                c += 1
            self._row.append(nfc("".join(self._cell)) or None)
            rows, cols = self._span
            if rows > 1 or cols > 1:
                self.merges.append((r, c, r + rows - 1, c + cols - 1))
                for rr in range(r, r + rows):
                    for cc in range(c, c + cols):
                        if (rr, cc) != (r, c):
                            self._taken.add((rr, cc))
                self._row.extend([None] * (cols - 1))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
            if len(self.rows) > MAX_SHEET_ROWS:
                self._done = True
        elif tag == "table" and self._depth:
            self._depth -= 1

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        elif not self._depth and not self._skip:
            self._loose.append(data)


def _span(value) -> int:
    try:
        return max(1, min(int(value or 1), MAX_COLUMNS))
    except ValueError:
        return 1


def _open_html(data: bytes) -> _Book:
    match = re.search(rb'charset=["\']?([\w-]+)', data[:4096], re.I)
    encoding = match.group(1).decode() if match else "utf-8"
    try:
        text = data.decode(encoding, errors="replace")
    except LookupError:
        text = data.decode("utf-8", errors="replace")
    parser = _HTMLTables()
    parser.feed(text)
    parser.close()
    if not parser.rows:
        raise ValidationError(_l("Tệp là trang HTML không có bảng nào, không phải bảng tính."), field="file")
    rows = [_trim(r) for r in parser.rows]
    return _Book([_Sheet("HTML", lambda limit: [list(r) for r in (rows[:limit] if limit else rows)],
                         merges=parser.merges, wide=_wide(parser.merges))])


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 (with BOM, or without it as some exports write), or
    Windows-1258 — what Excel on a Vietnamese Windows writes for “CSV” — whose tone marks are
    combining characters, hence the NFC."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if len(data) >= 4 and data[1] == 0 and data[3] == 0 and data[0] != 0:
        return data.decode("utf-16-le", errors="replace")
    try:
        return unicodedata.normalize("NFC", data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise ValidationError(_l("Tệp không phải bảng tính hay CSV đọc được. Trong Excel hãy chọn “CSV UTF-8” "
                                 "hoặc .xlsx khi lưu."), field="file")
    try:
        return unicodedata.normalize("NFC", data.decode("cp1258"))
    except UnicodeDecodeError as exc:
        raise ValidationError(_l("Tệp CSV không ở mã UTF-8. Trong Excel hãy chọn “CSV UTF-8” khi lưu."),
                              field="file") from exc


def _delimiter(text: str) -> str:
    """The separator of a text table the sniffer gave up on (a title line and blank lines above the
    header, as Excel's “Unicode Text” writes them with tabs): the one that splits the most lines
    into the same number of fields."""
    best, best_score = ",", (0, 0)
    lines = [line for line in text.splitlines()[:200] if line.strip()]
    for candidate in ",;\t|":
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=candidate)]
        except csv.Error:
            continue
        wide = [n for n in counts if n > 1]
        if not wide:
            continue
        modal = max(set(wide), key=wide.count)
        score = (wide.count(modal), modal)
        if score > best_score:
            best, best_score = candidate, score
    return best


# A letter replaced by "?" inside a word ("Ngày giao d?ch", "TÀI KHO?N"): what Excel writes when it
# saves a CSV on a Windows whose code page has no Vietnamese (Windows-1252).
_LOST_LETTER = re.compile(r"[^\W\d_]\?+[^\W\d_]|[^\W\d_]\?+(?=[\s,;\t:]|$)|(?<=[\s,;\t])\?+[^\W\d_]", re.M)


def _lost_letters(text: str) -> str | None:
    """The first word whose Vietnamese letters the file lost, when its title and header (the first
    lines) lost several — a lone "?" in a memo is not enough."""
    head = "\n".join(line for line in text.splitlines()[:HEADER_SCAN] if line.strip())
    hits = [m for m in _LOST_LETTER.finditer(head)]
    if len(hits) < 3 or not any(h.group().replace("?", "").isalpha() and "?" in h.group()[1:-1] for h in hits):
        return None
    start = hits[0].start()
    word = re.search(r"[^\s,;\t]*$", head[:start]).group() + re.match(r"[^\s,;\t]*", head[start:]).group()
    return word


def _open_csv(data: bytes, filename: str = "") -> _Book:
    text = decode_text(data)
    lost = _lost_letters(text)
    if lost is not None:
        raise ValidationError(_l("Tệp “%(f)s” đã mất chữ tiếng Việt: Excel đã lưu CSV theo bảng mã không có "
                                 "tiếng Việt (Windows-1252) và thay các chữ có dấu bằng “?” (như “%(w)s”). Hãy mở "
                                 "lại bảng tính gốc và lưu bằng “CSV UTF-8” hoặc .xlsx, rồi tải lên lại.",
                                 f=filename or "CSV", w=lost), field="file")
    if "\x00" in text:
        raise ValidationError(_l("Tệp không phải bảng tính hay CSV đọc được."), field="file")
    first, _, rest = text.partition("\n")
    delimiter = None
    if re.fullmatch(r"\s*sep=(.)\s*", first):     # Excel's hint line
        delimiter, text = first.strip()[4], rest
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = _delimiter(text[:65536])
    try:
        rows = [_trim(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as exc:
        raise ValidationError(_l("Tệp CSV bị hỏng: %(e)s", e=str(exc)[:80]), field="file") from exc
    rows = [[None if v == "" else v for v in r] for r in rows[:MAX_SHEET_ROWS]]
    return _Book([_Sheet("CSV", lambda limit: [list(r) for r in (rows[:limit] if limit else rows)])])


# ---------------------------------------------------------------- reading a cell

def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: object) -> str:
    """A cell as text: whole numbers without “.0”, dates as dd/mm/yyyy, NFC, spacing collapsed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        if value.time() == datetime.min.time():
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return nfc(str(value))


_EXCEL_EPOCH = datetime(1899, 12, 30)
_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y/%m/%d")


def _serial(number: float) -> datetime | None:
    # 10000 (1927) … 80000 (2119): a number in that range in a date column is an Excel date.
    if 10_000 <= number <= 80_000:
        return _EXCEL_EPOCH + timedelta(days=float(number))
    return None


def to_datetime(value: object) -> datetime | None:
    """A date with its time of day as written or stored: a real Excel date, an Excel serial,
    or text “dd/mm/yyyy[ hh:mm[:ss]]” (also with - or . and ISO “yyyy-mm-dd”). None when blank;
    ValueError when it is not a date."""
    if blank(value):
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time())
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        found = _serial(float(value))
        if found is None:
            raise ValueError(value)
        return found.replace(microsecond=0)
    text = cell_text(value).replace("T", " ").strip()
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        found = _serial(float(text))
        if found is not None:
            return found.replace(microsecond=0)
    day_text, time_text = _day_and_time(text)
    for fmt in _DATE_FORMATS:
        try:
            day = datetime.strptime(day_text, fmt)
        except ValueError:
            continue
        if not time_text:
            return day
        moment = to_time(time_text)
        return day.replace(hour=moment.hour, minute=moment.minute, second=moment.second)
    raise ValueError(value)


_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_YMD = re.compile(r"(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})")


def unreal_date(value: object) -> str | None:
    """Why a cell written as a date names no day of the calendar — “31/02/2026 không phải ngày có
    thật (tháng 2/2026 có 28 ngày)”, “02/13/2026 … (không có tháng 13 …)” —, or None when it is a real
    day or not written as a date at all (then it is simply not read). Every import's refusal of a
    date says this rather than “wrong format” for a date whose format is right."""
    import calendar

    if blank(value) or isinstance(value, (date, datetime, int, float, Decimal)):
        return None
    text = cell_text(value).replace("T", " ").strip()
    day_text, _time = _day_and_time(text)
    found = _DMY.fullmatch(day_text)
    if found:
        day, month, year = (int(g) for g in found.groups())
    elif (found := _YMD.fullmatch(day_text)) is not None:
        year, month, day = (int(g) for g in found.groups())
    else:
        return None
    if not 1 <= month <= 12:
        return str(_l("%(v)s không phải ngày có thật (không có tháng %(m)s; ngày/tháng/năm).", v=day_text, m=month))
    if not 1 <= year <= 9999:
        return None
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        return str(ngettext("%(v)s không phải ngày có thật (tháng %(m)s/%(y)s có %(n)s ngày).",
                            "%(v)s không phải ngày có thật (tháng %(m)s/%(y)s có %(n)s ngày).", last, v=day_text,
                            m=month, y=year, n=last))
    return None


def date_refusal(value: object) -> str:
    """The one sentence refusing a date cell of a bank's or provider's file: missing, not a real day, a
    real day with a time of day that is not one (“04/12/2026 25:15:30”), or not read."""
    if blank(value):
        return str(_l("Thiếu ngày (ô để trống)."))
    if (unreal := unreal_date(value)) is not None:
        return unreal
    day_text, time_text = _day_and_time(cell_text(value).replace("T", " ").strip())
    if time_text and any(_parses(day_text, fmt) for fmt in _DATE_FORMATS):
        return str(_l("Giờ “%(v)s” không đọc được (giờ:phút:giây, từ 00:00:00 đến 23:59:59).", v=time_text))
    return str(_l("Ngày “%(v)s” không đọc được (dd/mm/yyyy).", v=cell_text(value)))


def _parses(text: str, fmt: str) -> bool:
    try:
        datetime.strptime(text, fmt)
    except ValueError:
        return False
    return True


_CLOCK = re.compile(r"^(\d{1,2})\s*[:hg]\s*(\d{2})?(?:\s*[:p']\s*(\d{2})(?:[.,]\d+)?)?\s*(am|pm|sa|ch)?$", re.I)


def _day_and_time(text: str) -> tuple[str, str]:
    """A date-time cell's day and time of day, however they are laid out: “01/09/2025 08:15:22”,
    on two lines of one cell, the time first (“08:15:22 01/09/2025”, as some portals write it)."""
    parts = text.split()
    if not parts:
        return "", ""
    if len(parts) > 1 and not re.search(r"\d[/.-]\d", parts[0]) and re.search(r"\d[/.-]\d", parts[-1]):
        return parts[-1], " ".join(parts[:-1])
    return parts[0], " ".join(parts[1:])


def to_time(value: object) -> datetime:
    """A time of day as written or stored — a time cell, “09:12:01”, “9:12”, “09h12”, “8:05 PM”,
    “08:05 SA” / “08:05 CH” (Vietnamese Windows' AM and PM) — on 1 January 1900. ValueError when it
    is not a time."""
    if isinstance(value, datetime):
        return value.replace(year=1900, month=1, day=1)
    if isinstance(value, time):
        return datetime(1900, 1, 1, value.hour, value.minute, value.second)
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool) and 0 <= float(value) < 1:
        seconds = round(float(value) * 86400)     # an Excel time stored as a fraction of a day
        return datetime(1900, 1, 1) + timedelta(seconds=min(seconds, 86399))
    found = _CLOCK.match(cell_text(value).strip())
    if found is None:
        raise ValueError(value)
    hour, minute, second = int(found.group(1)), int(found.group(2) or 0), int(found.group(3) or 0)
    suffix = (found.group(4) or "").lower()
    if suffix:
        if not 1 <= hour <= 12:
            raise ValueError(value)
        hour = hour % 12 + (12 if suffix in ("pm", "ch") else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(value)
    return datetime(1900, 1, 1, hour, minute, second)


def to_date(value: object) -> date | None:
    """A day: see `to_datetime`. None when blank; ValueError when it is not a date."""
    moment = to_datetime(value)
    return moment.date() if moment is not None else None


def to_amount(value: object) -> int | None:
    """Whole đồng from a number cell or text as banks and people write it (1.250.000 /
    1,250,000.00 / 1 250 000 đ). None when blank; ValueError when it is not an amount."""
    from lms.core.numbers import parse_amount

    if blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        if value < 0:
            raise ValueError(value)
        return value
    if isinstance(value, (float, Decimal)):
        if value != int(value) or value < 0:
            raise ValueError(value)
        return int(value)
    try:
        return parse_amount(cell_text(value))
    except ValidationError as exc:
        raise ValueError(value) from exc


def to_decimal(value: object) -> Decimal | None:
    """A number with a decimal comma or point (6,5 / 6.5 / 1.250.000,50). None when blank;
    ValueError when it is not a number."""
    from lms.core.numbers import parse_number

    if blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    try:
        return parse_number(cell_text(value))
    except ValidationError as exc:
        raise ValueError(value) from exc


def to_int(value: object) -> int | None:
    """A whole number. None when blank; ValueError otherwise."""
    number = to_decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValueError(value)
    return int(number)


def phone_texts(value: object) -> list[str]:
    """The phone numbers written in one cell, as typed: “0912 345 678”, “0912.345.678”,
    “0912345678 - 0987654321”, or a number cell from which Excel dropped the leading zero."""
    if blank(value):
        return []
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [str(int(value))]
    text = cell_text(value)
    parts = re.split(r"\s*(?:[/,;|&]|\s[-–]\s|\bhoặc\b|\bhoac\b|\bor\b)\s*", text)
    return [p.strip() for p in parts if re.search(r"\d", p)]
