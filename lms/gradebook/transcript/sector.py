"""The sector database's (CSDL ngành) Excel templates, filled from our data: the pupil list
(C1-HocSinh), the staff file (CSDL_GiaoVien) and the primary results import (one file per grade
and assessment time, a three-row header).

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
from lms.core.tables import Column as TableColumn
from lms.core.tables import read_table
from lms.core.text import collation_key, fold, nfc
from lms.gradebook.transcript.models import SectorExport
from lms.i18n import lazy_gettext as _l
from lms.people.imports import ROLE_LABELS, STUDENT_SPEC
from lms.people.models import (Course, Enrollment, Guardianship, Membership, School, SchoolClass, SchoolYear, Student,
                               Subject)

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
          "father_name", "father_phone", "mother_name", "mother_phone", "policy_status", "registration_number"}
OPTIONAL = {"moet_code", "student_email", "student_phone", "hometown", "father_name", "father_phone", "mother_name",
            "mother_phone", "address", "place_of_birth", "policy_status", "registration_number"}
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
    many: bool = False                       # a list of values, each from the code sheet


@dataclass
class Cell:
    pupil: str
    column: str
    reason: str
    group: str = ""       # the pupil's class (the person's role in the staff file)


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
    import_check: list[tuple[str, str, int]] = field(default_factory=list)   # (column, reason, lines)
    uninvited: int = 0    # parents the import would keep off the pupils' pages: a name, no phone or e-mail

    @property
    def by_person(self) -> list[tuple[str, str, list[tuple[str, str]]]]:
        """Every row left incomplete, once per person, with each empty column and why — in the order
        of the rows: (name, class or role, [(column, why)])."""
        out: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for c in self.incomplete:
            out.setdefault((c.pupil, c.group), []).append((c.column, c.reason))
        return [(name, group, cells) for (name, group), cells in out.items()]


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


def sector_code_of(header: str) -> str | None:
    """The school's own sector-database code a column asks for (mã trường, mã Sở, mã Phòng), by
    its header; None for any other column. (Accents are dropped before comparing, so "Mã số thuế"
    must not be taken for "Mã Sở".)"""
    h = re.sub(r"\s+", " ", norm(header).replace("&", " ").replace(".", " ")).strip()
    if h == "ma truong" or (h.startswith("ma truong ") and not h.startswith("ma truong du lieu")):
        return "moet_school_code"
    if h in ("ma so", "ma so gd", "ma so gddt", "ma so gd dt") or h.startswith(("ma so giao duc", "ma so gd ")):
        return "department_code"
    if h in ("ma phong", "ma phong gd", "ma phong gddt", "ma phong gd dt") or h.startswith(("ma phong giao duc",
                                                                                                "ma phong gd ")):
        return "district_code"
    return None


def _school_codes(headers: list[str], setup) -> dict[str, str]:
    """The school's codes the template's columns ask for, by setting; refused, naming the codes
    and where to fill them, while one of them is not set (our own code is never written there)."""
    from lms.gradebook.transcript.school_setup import require_codes

    wanted = tuple(dict.fromkeys(k for k in map(sector_code_of, headers) if k))
    require_codes(setup, wanted)
    return {k: getattr(setup, k) for k in wanted}


def _columns(table, sheets, filled: set[str], not_kept: dict) -> list[Column]:
    by_index = {i: k for k, i in table.columns.items()}
    out = []
    for index, header in enumerate(table.headers):
        if not header:
            continue
        key = by_index.get(index)
        reason = ""
        code = sector_code_of(header)
        if code is not None:
            out.append(Column(index, header, f"sector:{code}"))
            continue
        if key not in filled:
            known = next((why for start, why in not_kept.items() if norm(header).startswith(start)), None)
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
        "policy_status": student.policy_status or "", "registration_number": student.registration_number or "",
    }


@dataclass
class Source:
    """One row we write: its key across exports, who it is, its group (class, role) and values by key."""
    key: str
    name: str
    group: str
    values: dict[str, str]


def _open_book(template: bytes):
    try:
        return open_template(template)
    except Exception as exc:  # openpyxl raises many kinds on a workbook it cannot read
        raise ValidationError(_l("Không mở được tệp mẫu: tệp hỏng hoặc không phải tệp Excel .xlsx."),
                              field="file") from exc


def _check_xlsx(template: bytes, filename: str) -> None:
    """Every kind's upload refused the same way: empty, too large, or not an .xlsx workbook."""
    if not template:
        raise ValidationError(_l("Tệp “%(f)s” trống (0 byte): tải lại tệp mẫu từ CSDL ngành rồi chọn lại.",
                                 f=filename[:120]), field="file")
    if len(template) > MAX_BYTES:
        raise ValidationError(_l("Tệp mẫu quá lớn."), field="file")
    if template[:4] != b"PK\x03\x04":
        raise ValidationError(_l("Tệp mẫu phải là tệp Excel .xlsx để điền được (tệp .xls cũ: mở bằng Excel và lưu "
                                 "thành .xlsx)."), field="file")


def _fill_table(session: Session, actor: User, school: School, year: SchoolYear, kind: str, template: bytes,
                filename: str, table, columns: list[Column], sources: list[Source], optional: set[str], *,
                now: datetime) -> tuple[bytes, FillReport, SectorExport]:
    """Write one row per source under the template's header, by column, with the values its code
    sheets allow; list what stayed empty and compare with the last export of this kind and year."""
    from lms.gradebook.transcript.assembly import setup_of

    codes = _school_codes([c.header for c in columns], setup_of(session, school))
    sources = [Source(src.key, src.name, src.group, {**src.values, **{f"sector:{k}": v for k, v in codes.items()}})
               for src in sources]
    wb = _open_book(template)
    ws = wb[table.sheet]
    header_line = table.header_lines[-1]
    if ws.max_row > header_line:
        ws.delete_rows(header_line + 1, ws.max_row - header_line)
    incomplete: list[Cell] = []
    sent: dict[str, dict] = {}
    stt = next((c for c in columns if norm(c.header) == "stt"), None)
    for n, source in enumerate(sources, start=1):
        written = {}
        if stt is not None:
            ws.cell(row=header_line + n, column=stt.index + 1, value=n)
        for column in columns:
            if column.key is None:
                continue
            value = source.values.get(column.key, "")
            if value and column.allowed is not None:
                parts = [value] if not column.many else [v.strip() for v in value.split(",") if v.strip()]
                spelled = [column.allowed.get(norm(v)) for v in parts]
                for v, ok in zip(parts, spelled):
                    if ok is None:
                        incomplete.append(Cell(source.name, column.header,
                                               str(_l("“%(v)s” không có trong danh mục %(s)s của tệp mẫu", v=v,
                                                      s=column.sheet)), source.group))
                value = ", ".join(v for v in spelled if v)
            elif not value:
                # Every empty cell of a column we fill is said, per person: the sector database may
                # require it (its required columns are not published), and an empty cell must never
                # leave a row incomplete unsaid. What our records need not hold is told apart.
                incomplete.append(Cell(source.name, column.header,
                                       str(_l("không bắt buộc trên hệ thống, chưa có trong hồ sơ")) if column.key in optional
                                       else str(_l("chưa có trong hồ sơ")), source.group))
            # Text cells: dates stay dd/mm/yyyy and codes keep their leading zeros.
            put_text(ws, header_line + n, column.index + 1, value or None)
            written[column.header] = value
        sent[source.key] = {"name": source.name, "class": source.group, "values": written}
    report = FillReport(table.sheet, header_line, [c.header for c in columns if c.key],
                        [(c.header, c.reason) for c in columns if not c.key and norm(c.header) != "stt"],
                        incomplete, sent)
    _compare(session, school.id, year, kind, report)
    export = SectorExport(school_id=school.id, template=kind, school_year_id=year.id, file_name=filename[:200],
                          rows=sent, created_by=actor.id, created_at=now)
    session.add(export)
    session.flush()
    return template_bytes(wb), report, export


def fill_students(session: Session, actor: User, school: School, year: SchoolYear, template: bytes, filename: str, *,
                  now: datetime) -> tuple[bytes, FillReport, SectorExport]:
    """The school's blank student template (C1-HocSinh) filled with the year's pupils, what could
    not be filled and why, and what changed since the last export (kept for the next one)."""
    _check_xlsx(template, filename)
    table = read_table(filename, template, STUDENT_SPEC, max_rows=MAX_ROWS)
    if not {"student_code", "full_name", "class_name"} <= table.columns.keys():
        raise ValidationError(_l("Không nhận ra tệp mẫu học sinh của CSDL ngành: không thấy các cột Mã học sinh, "
                                 "Họ tên, Mã lớp."), field="file")
    wb = _open_book(template)
    sheets = _code_sheets(wb, table.sheet)
    columns = _columns(table, sheets, FILLED, NOT_KEPT)
    status_col = next((c for c in columns if c.key is None and norm(c.header).startswith("trang thai")), None)
    if status_col is not None:
        status_col.key, status_col.reason = "status", ""
        found = _sheet_for(status_col.header, sheets)
        status_col.allowed, status_col.sheet = (found[1], found[0]) if found else (None, "")
    rows, parents = _pupils(session, school.id, year)
    sources = [Source(student.student_code, student.full_name, class_name,
                      _values(student, class_name, parents.get(student.id, {}))) for student, class_name in rows]
    data, report, export = _fill_table(session, actor, school, year, "students", template, filename, table, columns,
                                       sources, OPTIONAL, now=now)
    report.import_check, report.uninvited = import_check(session, school, year, filename, data)
    return data, report, export


def import_check(session: Session, school: School, year: SchoolYear, filename: str, data: bytes
                 ) -> tuple[list[tuple[str, str, int]], int]:
    """What the pupil import (Nhập học sinh) would refuse in the filled file, said before the school
    tries it: the import's own plan run on the file for the same year and rolled back, its refusals
    grouped as (column, reason, how many lines), and how many parents it would not invite — a
    template with the parents' names but no parent phone or e-mail column imports the pupils, but
    their parents cannot be invited without a contact."""
    from collections import Counter

    from lms.people.imports import plan_student_import

    with session.begin_nested() as savepoint:
        plan = plan_student_import(session, school, year, filename, data, MAX_ROWS)
        savepoint.rollback()
    counts = Counter((str(i.column), str(i.message)) for i in plan.issues)
    return [(column, message, n) for (column, message), n in counts.most_common()], len(plan.unreachable)


# ---------------------------------------------------------------- the staff file (CSDL_GiaoVien)

# moet.md §2.2: 72 columns, of which these are attested; the student file has no Email column, so
# "Họ tên" with "Email" (or the staff status) tells the two apart.
STAFF_SPEC = [
    TableColumn("full_name", "Họ tên", ("Họ và tên", "Họ và tên cán bộ", "Họ tên cán bộ", "Họ tên giáo viên"),
                required=True, anchor=True, text=True),
    TableColumn("email", "Email", ("E-mail", "Thư điện tử")),
    TableColumn("phone", "Số điện thoại", ("Điện thoại", "SĐT", "Điện thoại di động", "Số điện thoại di động")),
    TableColumn("staff_status", "Trạng thái CB", ("Trạng thái cán bộ", "Trạng thái")),
    TableColumn("position", "Vị trí việc làm", ()),
    TableColumn("post_group", "Nhóm chức vụ", ("Chức vụ",)),
    TableColumn("subjects", "Môn dạy", ("Môn giảng dạy", "Môn dạy chính")),
]
STAFF_FILLED = {"full_name", "email", "phone", "staff_status", "subjects"}
STAFF_OPTIONAL = {"email", "phone", "subjects"}
STAFF_ACTIVE = "Đang làm việc"
STAFF_NOT_KEPT = {
    "vi tri viec lam": _l("hệ thống chỉ giữ vai trò trên hệ thống (giáo viên, kế toán, quản trị), không giữ vị trí "
                          "việc làm theo danh mục của Bộ"),
    "nhom chuc vu": _l("hệ thống chỉ giữ vai trò trên hệ thống (giáo viên, kế toán, quản trị), không giữ chức vụ "
                       "theo danh mục của Bộ"),
}


def _staff(session: Session, school: School, year: SchoolYear) -> list[Source]:
    from lms.people.services import STAFF_ROLE_VALUES

    users = list(session.scalars(select(User).join(Membership, Membership.user_id == User.id)
                                 .where(Membership.school_id == school.id, Membership.role.in_(STAFF_ROLE_VALUES),
                                        User.active.is_(True))
                                 .order_by(User.sort_name).distinct()))
    roles: dict[int, set[str]] = {}
    for uid, role in session.execute(select(Membership.user_id, Membership.role).where(
            Membership.school_id == school.id, Membership.user_id.in_([u.id for u in users] or [0]))):
        roles.setdefault(uid, set()).add(role)
    taught: dict[int, list[str]] = {}
    for teacher_id, subject in session.execute(
            select(Course.teacher_id, Subject.name).join(Subject, Subject.id == Course.subject_id)
            .join(SchoolClass, SchoolClass.id == Course.class_id)
            .where(SchoolClass.school_id == school.id, SchoolClass.school_year_id == year.id,
                   Course.teacher_id.in_([u.id for u in users] or [0]))):
        if subject not in taught.setdefault(teacher_id, []):
            taught[teacher_id].append(subject)
    out = []
    for u in users:
        group = ", ".join(str(ROLE_LABELS.get(r, r)) for r in sorted(roles.get(u.id, ())))
        out.append(Source(f"U{u.id}", u.full_name, group, {
            "full_name": u.full_name, "email": u.email or "", "phone": u.phone or "", "staff_status": STAFF_ACTIVE,
            "subjects": ", ".join(sorted(taught.get(u.id, []), key=collation_key))}))
    return out


def fill_staff(session: Session, actor: User, school: School, year: SchoolYear, template: bytes, filename: str, *,
               now: datetime) -> tuple[bytes, FillReport, SectorExport]:
    """The school's blank staff file (CSDL_GiaoVien) filled with its working staff: name, contact,
    status and the subjects each teaches this year; every other column listed with its reason."""
    _check_xlsx(template, filename)
    table = read_table(filename, template, STAFF_SPEC, max_rows=MAX_ROWS)
    if "full_name" not in table.columns or not ({"email", "staff_status", "position", "post_group"}
                                                & table.columns.keys()):
        raise ValidationError(_l("Không nhận ra tệp mẫu cán bộ của CSDL ngành: không thấy cột Họ tên cùng cột Email, "
                                 "Trạng thái CB, Vị trí việc làm hoặc Nhóm chức vụ."), field="file")
    wb = _open_book(template)
    columns = _columns(table, _code_sheets(wb, table.sheet), STAFF_FILLED, STAFF_NOT_KEPT)
    for c in columns:
        c.many = c.key == "subjects"
    return _fill_table(session, actor, school, year, "staff", template, filename, table, columns,
                       _staff(session, school, year), STAFF_OPTIONAL, now=now)


def _compare(session: Session, school_id: int, year: SchoolYear, kind: str, report: FillReport) -> None:
    """New, changed, moved and gone rows since the school's last export of this template for the
    same school year (another year's file is another list)."""
    last = session.scalars(select(SectorExport).where(SectorExport.school_id == school_id,
                                                      SectorExport.template == kind,
                                                      SectorExport.school_year_id == year.id)
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


# ---------------------------------------------------------------- the primary results import (moet.md §2.3)

CHECKPOINT_NAMES = {"gk1": _l("Giữa học kỳ 1"), "ck1": _l("Cuối học kỳ 1"), "gk2": _l("Giữa học kỳ 2"),
                    "cn": _l("Cuối năm học")}
# The Ministry's words for the qualities and competences (data to match, not labels to show).
PERSONAL_WORDS = {
    "yeu nuoc": "yeu_nuoc", "nhan ai": "nhan_ai", "cham chi": "cham_chi", "trung thuc": "trung_thuc",
    "trach nhiem": "trach_nhiem", "tu chu va tu hoc": "tu_chu", "giao tiep va hop tac": "giao_tiep",
    "giai quyet van de va sang tao": "gqvd", "ngon ngu": "ngon_ngu", "tinh toan": "tinh_toan",
    "khoa hoc": "khoa_hoc", "cong nghe": "cong_nghe", "tin hoc": "tin_hoc", "tham mi": "tham_mi",
    "the chat": "the_chat",
}
RESULT_CODES = {"Hoàn thành xuất sắc": "HTXS", "Hoàn thành tốt": "HTT", "Hoàn thành": "HT", "Chưa hoàn thành": "CHT"}
HEADER_DEPTH = 4


def _canon(text: str) -> str:
    """A subject's name as compared: "Tự nhiên & XH" = "Tự nhiên và xã hội", "Mĩ thuật" = "Mỹ thuật"."""
    words = re.split(r"[^a-z0-9]+", norm(text).replace("&", " va "))
    expand = {"xh": "xa hoi", "hdtn": "hoat dong trai nghiem", "gdtc": "giao duc the chat", "ly": "li", "my": "mi"}
    words = [expand.get(w, w) for w in words if w]
    while words and words[-1].isdigit():        # "Ngoại ngữ 1" = "Ngoại ngữ"
        words.pop()
    return " ".join(words).removeprefix("giao duc ").strip()


def _subject_forms(text: str) -> set[str]:
    """The names a header may give a subject: whole, or inside its brackets ("TH-CN (Tin học)").
    Never the words before the brackets alone: "Nghệ thuật (Âm nhạc)" is not our "Nghệ thuật (Âm
    nhạc, Mĩ thuật)", which the grade book assesses as one subject."""
    forms = {_canon(text)} | {_canon(i) for i in re.findall(r"\(([^)]*)\)", text)}
    return {f for f in forms if f}


@dataclass
class ResultColumn:
    index: int            # 1-based sheet column
    header: str           # the path of the header rows, " / "
    kind: str             # stt | class | code | name | birth | level | test | personal | completed | promoted | result | award
    #                       | school_code (subject: which of the school's codes)
    subject: str = ""     # the header's subject name (level, test) or quality code (personal)


def _header_block(ws) -> tuple[int, int, dict[int, list[str]]]:
    """The header's first and last rows and each column's header texts, top to bottom, with merged
    cells filled (a group label merged over its subjects, "STT" merged down three rows)."""
    top = None
    for r in range(1, min(ws.max_row, 20) + 1):
        if any(norm(c.value) in ("ho ten", "ho va ten") for c in ws[r]):
            top = r
            break
    if top is None:
        raise ValidationError(_l("Không nhận ra tệp mẫu nhập kết quả học tập: không thấy cột Họ tên ở các dòng đầu."),
                              field="file")
    merged = {}
    for rng in ws.merged_cells.ranges:
        value = ws.cell(row=rng.min_row, column=rng.min_col).value
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                merged[(r, c)] = value
    name_col = next(c.column for c in ws[top] if norm(c.value) in ("ho ten", "ho va ten"))
    bottom = top
    for r in range(top + 1, top + HEADER_DEPTH):
        raw = [c.value for c in ws[r] if c.value not in (None, "")]
        # A row belongs to the header while it holds words and no pupil's name.
        if not raw or all(isinstance(v, (int, float)) or str(v).strip().isdigit() for v in raw):
            break
        if ws.cell(row=r, column=name_col).value not in (None, "") and (r, name_col) not in merged:
            break
        bottom = r
    paths: dict[int, list[str]] = {}
    for col in range(1, ws.max_column + 1):
        parts: list[str] = []
        for r in range(top, bottom + 1):
            value = merged.get((r, col), ws.cell(row=r, column=col).value)
            text = nfc(" ".join(str(value or "").split()))   # the Ministry's files mix NFC and NFD
            if text and (not parts or norm(parts[-1]) != norm(text)):
                parts.append(text)
        if parts:
            paths[col] = parts
    return top, bottom, paths


def _result_columns(paths: dict[int, list[str]]) -> tuple[list[ResultColumn], list[tuple[str, str]]]:
    columns, unknown = [], []
    for col, parts in paths.items():
        if paths.get(col - 1) == parts:
            continue      # a header merged over two columns (Xếp loại over AH:AI): the second stays empty
        folded = [norm(p) for p in parts]
        last, header = folded[-1], " / ".join(parts)
        kind, subject = "", ""
        if sector_code_of(parts[-1]):
            kind, subject = "school_code", sector_code_of(parts[-1])
        elif last == "stt":
            kind = "stt"
        elif last in ("ma lop", "lop"):
            kind = "class"
        elif last.startswith("ma hoc sinh") or last.startswith("ma dinh danh"):
            kind = "code"
        elif last in ("ho ten", "ho va ten"):
            kind = "name"
        elif last == "ngay sinh":
            kind = "birth"
        elif any(p.startswith("pham chat") or p.startswith("nang luc") for p in folded[:-1]):
            kind, subject = "personal", PERSONAL_WORDS.get(_canon(parts[-1]), "")
        elif last.startswith("hoan thanh chuong trinh") or last.startswith("hoan thanh ct"):
            kind = "completed"
        elif last == "len lop":
            kind = "promoted"
        elif last == "xep loai":
            kind = "result"
        elif last.startswith("khen thuong"):
            kind = "award"
        elif len(parts) >= 2 and (last.startswith("muc dat") or last.startswith("diem ktdk")
                                  or last.startswith("diem kiem tra")):
            kind, subject = ("level" if last.startswith("muc dat") else "test"), parts[-2]
        if not kind or (kind == "personal" and not subject):
            unknown.append((header, str(_l("cột này không có trong dữ liệu của hệ thống"))))
            continue
        columns.append(ResultColumn(col, header, kind, subject))
    return columns, unknown


def _course_for(courses: list[Course], header_subject: str) -> Course | None:
    forms = _subject_forms(header_subject)
    for c in courses:
        if forms & _subject_forms(c.subject.name):
            return c
    return None


def fill_primary_results(session: Session, actor: User, school: School, year: SchoolYear, grade: int, checkpoint: str,
                         template: bytes, filename: str, *, now: datetime) -> tuple[bytes, FillReport, SectorExport]:
    """The sector database's primary results import (one file per grade and assessment time, a
    header of up to three rows: subject → "Mức đạt được" / "Điểm KTĐK", the qualities and
    competences, then the year's tail) filled from the grade book by header name."""
    from lms.gradebook.homeroom import primary_summary

    _check_xlsx(template, filename)
    if grade not in range(1, 6):
        raise ValidationError(_l("Tệp kết quả học tập này là của cấp tiểu học (khối 1–5)."), field="grade")
    if checkpoint not in CHECKPOINT_NAMES:
        raise ValidationError(_l("Thời điểm đánh giá không hợp lệ."), field="checkpoint")
    # The one table reader first: it refuses a damaged, encrypted or disguised file (a zip bomb, a
    # Word file renamed) with a sentence, before the workbook is opened to be filled.
    read_table(filename, template, [TableColumn("full_name", "Họ tên", ("Họ và tên",), required=True, anchor=True)],
               max_rows=MAX_ROWS)
    wb = _open_book(template)
    sheet = None
    for ws in wb.worksheets:
        try:
            block = _header_block(ws)
        except ValidationError:
            continue
        sheet = ws
        break
    if sheet is None:
        raise ValidationError(_l("Không nhận ra tệp mẫu nhập kết quả học tập: không thấy cột Họ tên ở các dòng đầu."),
                              field="file")
    top, bottom, paths = block
    columns, unfilled = _result_columns(paths)
    if not any(c.kind in ("level", "personal") for c in columns):
        raise ValidationError(_l("Không nhận ra tệp mẫu nhập kết quả học tập: không thấy cột môn học (Mức đạt được) "
                                 "hay phẩm chất, năng lực."), field="file")
    classes = list(session.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id,
                                                             SchoolClass.school_year_id == year.id,
                                                             SchoolClass.grade == grade)
                                   .order_by(SchoolClass.name)))
    if not classes:
        raise ValidationError(_l("Năm học hiện tại không có lớp nào ở khối %(g)s.", g=grade), field="grade")
    summaries = [primary_summary(session, c, checkpoint) for c in classes]
    # A subject column that no class of the grade takes is one we cannot fill at all.
    ours = sorted({c.subject.name for s in summaries for c in s.courses}, key=collation_key)
    for c in [c for c in columns if c.kind in ("level", "test")]:
        if not any(_course_for(s.courses, c.subject) for s in summaries):
            unfilled.append((c.header, str(_l("không môn nào của khối %(g)s trên hệ thống mang tên này (hệ thống có: "
                                              "%(s)s)", g=grade, s=", ".join(ours)))))
            columns.remove(c)
    from lms.gradebook.transcript.assembly import setup_of

    codes = _school_codes([c.header.split(" / ")[-1] for c in columns if c.kind == "school_code"],
                          setup_of(session, school))
    end_of_year = checkpoint == "cn"
    start = bottom + 1
    if sheet.max_row >= start and all(isinstance(c.value, (int, float)) for c in sheet[start] if c.value is not None) \
            and any(c.value is not None for c in sheet[start]):
        start += 1            # a row of column numbers under the header stays
    if sheet.max_row >= start:
        sheet.delete_rows(start, sheet.max_row - start + 1)
    incomplete: list[Cell] = []
    sent: dict[str, dict] = {}
    n = 0
    for summary in summaries:
        courses = {c.index: _course_for(summary.courses, c.subject) for c in columns if c.kind in ("level", "test")}
        for row in summary.rows:
            student = row.student
            said = len(incomplete)
            values: dict[int, str | int | None] = {}
            result = RESULT_CODES.get(row.result or "", "") if end_of_year else ""
            for c in columns:
                value: str | int | None = None
                if c.kind == "stt":
                    value = n + 1
                elif c.kind == "school_code":
                    value = codes[c.subject]
                elif c.kind == "class":
                    value = summary.school_class.name
                elif c.kind == "code":
                    value = student.moet_code or ""
                    if not value:
                        incomplete.append(Cell(student.full_name, c.header,
                                               str(_l("chưa có mã học sinh của CSDL ngành"))))
                elif c.kind == "name":
                    value = student.full_name
                elif c.kind == "birth":
                    value = student.birth_date.strftime("%d/%m/%Y") if student.birth_date else ""
                elif c.kind in ("level", "test"):
                    course = courses[c.index]
                    record = row.records.get(course.id) if course else None
                    if course is None:
                        incomplete.append(Cell(student.full_name, c.header, str(_l("lớp không học môn này"))))
                    elif c.kind == "level":
                        value = record.level if record and record.level else ""
                        if not value:
                            incomplete.append(Cell(student.full_name, c.header, str(_l("chưa có mức đạt được"))))
                    elif summary.tests.get(course.id):
                        # A score is a number in the template (a whole number 1–10), never text.
                        value = int(record.test_score) if record and record.test_score is not None else ""
                        if not value:
                            incomplete.append(Cell(student.full_name, c.header, str(_l("chưa có điểm kiểm tra"))))
                elif c.kind == "personal":
                    level = row.qualities.get(c.subject)
                    value = {"D": "Đ"}.get(level or "", level or "")
                    if not value:
                        incomplete.append(Cell(student.full_name, c.header, str(_l("chưa đánh giá"))))
                elif c.kind in ("completed", "promoted") and end_of_year:
                    value = "x" if result in ("HTXS", "HTT", "HT") else ""
                    if not result:
                        incomplete.append(Cell(student.full_name, c.header, str(_l("chưa có kết quả cả năm"))))
                elif c.kind == "result" and end_of_year:
                    value = result
                    if not result:
                        incomplete.append(Cell(student.full_name, c.header, str(_l("chưa có kết quả cả năm"))))
                elif c.kind == "award" and end_of_year:
                    value = "x" if row.award else ""
                values[c.index] = value
            for cell in incomplete[said:]:
                cell.group = summary.school_class.name
            n += 1
            for c in columns:
                if c.kind == "stt":
                    sheet.cell(row=start + n - 1, column=c.index, value=n)
                elif isinstance(values[c.index], int):
                    sheet.cell(row=start + n - 1, column=c.index, value=values[c.index]).number_format = "0"
                else:
                    put_text(sheet, start + n - 1, c.index, values[c.index] or None)
            sent[student.student_code] = {"name": student.full_name, "class": summary.school_class.name,
                                          "values": {c.header: str(values[c.index] or "") for c in columns
                                                     if c.kind != "stt"}}
    report = FillReport(sheet.title, bottom, [c.header for c in columns], unfilled, incomplete, sent)
    kind = f"primary:{grade}:{checkpoint}"
    _compare(session, school.id, year, kind, report)
    export = SectorExport(school_id=school.id, template=kind, school_year_id=year.id, file_name=filename[:200],
                          rows=sent, created_by=actor.id, created_at=now)
    session.add(export)
    session.flush()
    return template_bytes(wb), report, export


KIND_NAMES = {"students": _l("Danh sách học sinh (C1-HocSinh)"), "staff": _l("Danh sách cán bộ (CSDL_GiaoVien)"),
              "primary": _l("Kết quả học tập tiểu học")}


def kind_label(kind: str) -> str:
    """An export's template as the page names it ("Kết quả học tập tiểu học · khối 5 · Cuối năm học")."""
    if kind.startswith("primary:"):
        _p, grade, checkpoint = kind.split(":")
        return f"{KIND_NAMES['primary']} · {_l('khối %(g)s', g=grade)} · {CHECKPOINT_NAMES.get(checkpoint, checkpoint)}"
    return str(KIND_NAMES.get(kind, kind))
