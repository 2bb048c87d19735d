"""The sector database's (CSDL ngành) Excel templates, filled from our data.

Only part of each template's columns is known and the Ministry inserts columns between versions
(moet.md §2), so nothing here goes by position. The school gives us the blank template it
downloaded from truong.csdl.moet.gov.vn; the one table reader (lms.core.tables) finds its sheet,
header row and columns by name with the student import's own column names, so what we write is
exactly what the import reads back. Allowed values come from the template's own code sheets
(GIOI_TINH, DAN_TOC, QUOC_TICH, …; a value must be written as the sheet writes it). We fill one
row per pupil, say which columns we could not fill and why and which cells stayed empty, and keep
each export so the next one says what is new, changed, moved or still incomplete.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.core.errors import ValidationError
from lms.core.sheets import open_template, put_text, template_bytes
from lms.core.tables import read_table
from lms.core.text import fold
from lms.gradebook.transcript.models import SectorExport
from lms.i18n import lazy_gettext as _l
from lms.people.imports import STUDENT_SPEC
from lms.people.models import Enrollment, Guardianship, School, SchoolClass, SchoolYear, Student

MAX_ROWS = 5000
MAX_BYTES = 20 * 1024 * 1024
SPREAD = _l("địa chỉ theo tỉnh/huyện/xã của danh mục: hệ thống giữ địa chỉ, quê quán, nơi sinh dưới dạng một dòng chữ")
# Why a column the template has stays empty, by how its header starts (compared without accents).
NOT_KEPT = {
    "tinh": SPREAD, "quan": SPREAD, "huyen": SPREAD, "xa": SPREAD, "phuong": SPREAD, "to/thon": SPREAD,
    "ngay nhap trang thai": _l("hệ thống không ghi ngày đổi trạng thái học sinh"),
    "loai khuyet tat": _l("hệ thống chưa ghi khuyết tật của học sinh"),
    "stt": _l("số thứ tự: điền sẵn theo thứ tự dòng"),
}
# The import's columns we write; any other column it knows (a parent's occupation, an address
# split by province, district and commune…) is one we hold no value for.
FILLED = {"student_code", "moet_code", "full_name", "class_name", "birth_date", "gender", "address", "place_of_birth",
          "hometown", "ethnicity", "nationality", "personal_id", "student_email", "student_phone", "status",
          "father_name", "father_phone", "mother_name", "mother_phone"}
OPTIONAL = {"moet_code", "student_email", "student_phone", "hometown", "father_name", "father_phone", "mother_name",
            "mother_phone", "address", "place_of_birth"}
STATUS_STUDYING = "Đang học"


def norm(text: object) -> str:
    """A header or a value as compared: accents, case, "*", line breaks and runs of spaces ignored."""
    return re.sub(r"\s+", " ", fold(str(text or "")).replace("*", "")).strip()


@dataclass
class Column:
    index: int            # 0-based, as the table reader gives it
    header: str
    key: str | None
    reason: str = ""
    allowed: dict[str, str] | None = None   # normalised value → the code sheet's spelling
    sheet: str = ""


@dataclass
class Cell:
    pupil: str
    column: str
    reason: str


@dataclass
class FillReport:
    sheet: str
    header_line: int
    filled: list[str]
    unfilled: list[tuple[str, str]]          # (header, why)
    incomplete: list[Cell]
    rows: dict[str, dict]                    # student code → {"name", "class", "values": {header: value}}
    new: list[str] = field(default_factory=list)
    changed: list[tuple[str, list[str]]] = field(default_factory=list)
    moved: list[tuple[str, str, str]] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    first_export: bool = True


def _code_sheets(wb, data_sheet: str) -> dict[tuple[str, ...], tuple[str, dict[str, str]]]:
    """Each code sheet, by its name as words → (name, normalised value → spelling). The values are
    the column headed "Tên trường dữ liệu" when there is one (moet.md §2.1), else the sheet's last
    filled column."""
    out = {}
    for ws in wb.worksheets:
        if ws.title == data_sheet:
            continue
        rows = [r for r in ws.iter_rows(values_only=True) if any(v not in (None, "") for v in r)]
        if not rows:
            continue
        header = [norm(v) for v in rows[0]]
        if "ten truong du lieu" in header:
            col, body = header.index("ten truong du lieu"), rows[1:]
        else:
            col, body = max(i for i, v in enumerate(rows[0]) if v not in (None, "")), rows[1:]
        values = {norm(r[col]): str(r[col]).strip() for r in body if col < len(r) and r[col] not in (None, "")}
        words = tuple(w for w in re.split(r"[^a-z0-9]+", norm(ws.title.replace("_", " "))) if w)
        if values and words:
            out[words] = (ws.title, values)
    return out


def _sheet_for(header: str, sheets: dict):
    """The code sheet of a column: the longest sheet name that the header's words begin with
    (DAN_TOC for "Dân tộc", GIOI_TINH — not TINH — for "Giới tính")."""
    words = [w for w in re.split(r"[^a-z0-9]+", norm(header).split("(")[0]) if w]
    best = None
    for name_words, found in sheets.items():
        if tuple(words[:len(name_words)]) == name_words and (best is None or len(name_words) > len(best[0])):
            best = (name_words, found)
    return best[1] if best else None


def _columns(table, sheets) -> list[Column]:
    by_index = {i: k for k, i in table.columns.items()}
    out = []
    for index, header in enumerate(table.headers):
        if not header:
            continue
        key = by_index.get(index)
        reason = ""
        if key not in FILLED:
            known = next((why for start, why in NOT_KEPT.items() if norm(header).startswith(start)), None)
            reason = str(known or (_l("hệ thống không giữ thông tin này") if key else
                                   _l("cột này không có trong dữ liệu của hệ thống")))
            key = None
        found = _sheet_for(header, sheets) if key else None
        out.append(Column(index, header, key, reason, found[1] if found else None, found[0] if found else ""))
    return out


def _pupils(session: Session, school_id: int, year: SchoolYear):
    rows = session.execute(select(Student, SchoolClass.name).join(Enrollment, Enrollment.student_id == Student.id)
                           .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
                           .where(Enrollment.school_year_id == year.id, Student.school_id == school_id)
                           .order_by(SchoolClass.grade, SchoolClass.name, Student.sort_name)).all()
    parents: dict[int, dict[str, User]] = {}
    for g in session.scalars(select(Guardianship).where(Guardianship.student_id.in_([s.id for s, _c in rows] or [0]))):
        parents.setdefault(g.student_id, {}).setdefault(fold(g.relation), g.guardian)
    return rows, parents


def _values(student: Student, class_name: str, parents: dict[str, User]) -> dict[str, str]:
    father, mother = parents.get("bo"), parents.get("me")
    return {
        "student_code": student.student_code, "moet_code": student.moet_code or "", "full_name": student.full_name,
        "class_name": class_name, "birth_date": student.birth_date.strftime("%d/%m/%Y") if student.birth_date else "",
        "gender": {"nam": "Nam", "nu": "Nữ"}.get(student.gender or "", ""), "address": student.address or "",
        "place_of_birth": student.place_of_birth or "", "hometown": student.hometown or "",
        "ethnicity": student.ethnicity or "", "nationality": student.nationality or "",
        "personal_id": student.personal_id or "", "student_email": student.email or "",
        "student_phone": student.phone or "", "status": STATUS_STUDYING,
        "father_name": father.full_name if father else "", "father_phone": (father.phone or "") if father else "",
        "mother_name": mother.full_name if mother else "", "mother_phone": (mother.phone or "") if mother else "",
    }


def fill_students(session: Session, actor: User, school: School, year: SchoolYear, template: bytes, filename: str, *,
                  now: datetime) -> tuple[bytes, FillReport, SectorExport]:
    """The school's blank student template (C1-HocSinh) filled with the year's pupils, what could
    not be filled and why, and what changed since the last export (kept for the next one)."""
    if template[:4] != b"PK\x03\x04":
        raise ValidationError(_l("Tệp mẫu phải là tệp Excel .xlsx để điền được (tệp .xls cũ: mở bằng Excel và lưu "
                                 "thành .xlsx)."), field="file")
    table = read_table(filename, template, STUDENT_SPEC, max_rows=MAX_ROWS)
    if not {"student_code", "full_name", "class_name"} <= table.columns.keys():
        raise ValidationError(_l("Không nhận ra tệp mẫu học sinh của CSDL ngành: không thấy các cột Mã học sinh, "
                                 "Họ tên, Mã lớp."), field="file")
    wb = open_template(template)
    ws = wb[table.sheet]
    columns = _columns(table, _code_sheets(wb, table.sheet))
    header_line = table.header_lines[-1]
    if ws.max_row > header_line:
        ws.delete_rows(header_line + 1, ws.max_row - header_line)
    rows, parents = _pupils(session, school.id, year)
    incomplete: list[Cell] = []
    sent: dict[str, dict] = {}
    status_col = next((c for c in columns if c.key is None and norm(c.header).startswith("trang thai")), None)
    if status_col is not None:
        status_col.key, status_col.reason = "status", ""
        found = _sheet_for(status_col.header, _code_sheets(wb, table.sheet))
        status_col.allowed, status_col.sheet = (found[1], found[0]) if found else (None, "")
    stt = next((c for c in columns if norm(c.header) == "stt"), None)
    for n, (student, class_name) in enumerate(rows, start=1):
        values = _values(student, class_name, parents.get(student.id, {}))
        written = {}
        if stt is not None:
            ws.cell(row=header_line + n, column=stt.index + 1, value=n)
        for column in columns:
            if column.key is None:
                continue
            value = values.get(column.key, "")
            if value and column.allowed is not None:
                spelled = column.allowed.get(norm(value))
                if spelled is None:
                    incomplete.append(Cell(student.full_name, column.header,
                                           str(_l("“%(v)s” không có trong danh mục %(s)s của tệp mẫu", v=value,
                                                  s=column.sheet))))
                value = spelled or ""
            elif not value and column.key not in OPTIONAL:
                incomplete.append(Cell(student.full_name, column.header, str(_l("chưa có trong hồ sơ"))))
            # Text cells: dates stay dd/mm/yyyy and codes keep their leading zeros.
            put_text(ws, header_line + n, column.index + 1, value or None)
            written[column.header] = value
        sent[student.student_code] = {"name": student.full_name, "class": class_name, "values": written}
    report = FillReport(table.sheet, header_line, [c.header for c in columns if c.key],
                        [(c.header, c.reason) for c in columns if not c.key and norm(c.header) != "stt"],
                        incomplete, sent)
    _compare(session, school.id, report)
    export = SectorExport(school_id=school.id, template="students", file_name=filename[:200], rows=sent,
                          created_by=actor.id, created_at=now)
    session.add(export)
    session.flush()
    return template_bytes(wb), report, export


def _compare(session: Session, school_id: int, report: FillReport) -> None:
    """New, changed, moved and gone pupils since the school's last export of this template."""
    last = session.scalars(select(SectorExport).where(SectorExport.school_id == school_id,
                                                      SectorExport.template == "students")
                           .order_by(SectorExport.id.desc())).first()
    report.first_export = last is None
    before = last.rows if last else {}
    for code, row in report.rows.items():
        old = before.get(code)
        who = f"{row['name']} ({code})"
        if old is None:
            report.new.append(who)
            continue
        if old.get("class") != row["class"]:
            report.moved.append((who, old.get("class", ""), row["class"]))
        changed = [h for h, v in row["values"].items()
                   if old.get("values", {}).get(h, "") != v and v != row["class"]]
        if changed:
            report.changed.append((who, changed))
    report.gone = [f"{row.get('name', '')} ({code})" for code, row in before.items() if code not in report.rows]


def last_exports(session: Session, school: School, limit: int = 5) -> list[SectorExport]:
    return list(session.scalars(select(SectorExport).where(SectorExport.school_id == school.id)
                                .order_by(SectorExport.id.desc()).limit(limit)))
