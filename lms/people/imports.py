"""Importing students (with their parents) and staff from spreadsheets, and exporting them back.

An import is planned first (reading only) and applied only when no row has an error, in one
transaction. Matching is by student code, then e-mail or phone for people, so importing the same
file twice changes nothing the second time.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.auth.services import create_user, normalize_email, normalize_phone
from lms.core import audit
from lms.core.errors import ValidationError
from lms.core.official import printed_text_problem
from lms.core.text import fold, name_sort_string, nfc
from lms.core.timeutil import school_tz, utc_to_local, utcnow
from lms.i18n import gettext as _
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext
from lms.core.sheets import write_workbook
from lms.core.tables import (FAMILY_NAME_HEADERS, GIVEN_NAME_HEADERS, Column, Layout, Table, phone_texts, read_table,
                             to_date, unreal_date)
from lms.people import accounts, placement
from lms.people.profile import PROFILE_FIELDS, PROFILE_LABELS, clean_profile, name_student, student_search_text
from lms.people.pupil_lines import someone_else
from lms.people.models import (DepartmentViewer, Enrollment, Guardianship, Invitation, Membership, Role, School,
                               SchoolClass, SchoolYear, Student)

def _person(prefix: str, who: str, *others: str) -> list[Column]:
    """The columns about one parent in a list that gives father and mother side by side."""
    names = (who, *others)
    return [Column(f"{prefix}_name", f"Họ tên {who}", tuple(f"{h} {n}" for n in names for h in (
                "Họ tên", "Họ và tên", "Tên")), text=True),
            Column(f"{prefix}_phone", f"Số điện thoại {who}", tuple(f"{h} {n}" for n in names for h in (
                "SĐT", "Số điện thoại", "Điện thoại", "Số ĐT", "ĐT", "Di động"))),
            # A second number, written as schools write it: "SĐT 2 mẹ", "SĐT mẹ 2", "SĐT khác mẹ".
            Column(f"{prefix}_phone2", f"Số điện thoại 2 {who}", tuple(
                form for n in names for h in ("SĐT", "Số điện thoại", "Điện thoại", "Số ĐT", "ĐT", "Di động")
                for form in (f"{h} 2 {n}", f"{h} {n} 2", f"{h} khác {n}", f"{h} {n} khác", f"{h} thứ hai {n}"))),
            Column(f"{prefix}_email", f"Email {who}", tuple(f"{h} {n}" for n in names for h in ("E-mail", "Email",
                                                                                                    "Thư điện tử"))),
            Column(f"{prefix}_occupation", f"Nghề nghiệp {who}", tuple(f"Nghề nghiệp {n}" for n in names), text=True),
            Column(f"{prefix}_birth_year", f"Năm sinh {who}", tuple(f"Năm sinh {n}" for n in names))]


_PART_NAMES = {
    "street": ("Tổ/Thôn/Xóm", "Thôn/Xóm", "Thôn/Tổ", "Tổ/Thôn", "Thôn/Ấp", "Ấp/Thôn", "Ấp/Khóm", "Khóm/Ấp",
               "Thôn/Tổ dân phố", "Tổ dân phố", "Khu phố/Ấp", "Đường/Phố"),
    "commune": ("Xã/Phường", "Phường/Xã", "Xã/Phường/Thị trấn", "Phường/Xã/Thị trấn", "Xã", "Phường", "Xã phường",
                "Phường xã"),
    "district": ("Quận/Huyện", "Huyện/Quận", "Quận/Huyện/Thị xã", "Quận huyện", "Huyện"),
    "province": ("Tỉnh/Thành phố", "Tỉnh/TP", "Tỉnh/Thành", "Tỉnh thành", "Tỉnh/Thành phố trực thuộc TW", "Tỉnh",
                 "Thành phố/Tỉnh"),
}
PART_ORDER = ("street", "commune", "district", "province")   # the order of a Vietnamese address


def _place_parts(place: str, qualifiers: tuple[str, ...], plain: bool = False) -> list[Column]:
    """The columns of an address split over several (the sector database's province, district,
    commune and hamlet "(Theo địa chỉ thường trú)", "(Theo quê quán)", "(Theo nơi sinh)"): named
    with each qualifier, in brackets or not; the unqualified names are the pupil's address."""
    out = []
    for part in PART_ORDER:
        if place == "birth" and part == "street":
            continue
        names = _PART_NAMES[part]
        aliases = [f"{n} ({q})" for n in names for q in qualifiers] + [f"{n} {q.lower()}" for n in names
                                                                         for q in qualifiers]
        if plain:
            aliases += names[1:]
        out.append(Column(f"{place}_{part}", f"{names[0]} ({qualifiers[0]})" if not plain else names[0],
                          tuple(aliases), text=True))
    return out


# The headers of the template, of the sector database's student export (C1-HocSinh) and of the
# school management systems' lists; compared without accents or case.
STUDENT_SPEC: list[Column] = [
    Column("student_code", "Mã học sinh", ("Mã HS", "Mã số học sinh", "Mã định danh", "Mã số HS", "Student code",
                                           "Mã học sinh (CSDL ngành)"), required=True, anchor=True),
    Column("moet_code", "Mã định danh Bộ GD&ĐT", ("Mã định danh Bộ GDĐT", "Mã định danh Bộ GD&ĐT (trên CSDL ngành)",
                                                  "Mã định danh Bộ GD-ĐT", "Mã định danh học sinh", "Mã Bộ GD&ĐT")),
    Column("full_name", "Họ và tên", ("Họ tên", "Họ và tên học sinh", "Họ tên học sinh", "Tên học sinh", "Full name",
                                      *FAMILY_NAME_HEADERS), required=True, text=True, tail=GIVEN_NAME_HEADERS),
    Column("birth_date", "Ngày sinh", ("Ngày tháng năm sinh", "Ngày, tháng, năm sinh", "Ngày/tháng/năm sinh",
                                       "Date of birth")),
    # "Ngày sinh" merged over "Ngày | Tháng | Năm": three cells make the birth date. Named with their
    # group, so that "Năm" (year) under it is never the "Nam" (boys) tick column, whose name it folds to.
    *(Column(f"birth_{part}", f"Ngày sinh – {name}", (f"Ngày sinh {name}", f"Ngày tháng năm sinh {name}"))
      for part, name in (("d", "Ngày"), ("m", "Tháng"), ("y", "Năm"))),
    Column("gender", "Giới tính", ("Nam/Nữ", "Phái", "Gender")),
    # A class list's tick columns: "Nữ" with an x for each girl (the others boys), or "Nam" and "Nữ".
    Column("female", "Nữ", ("Giới tính nữ", "Nữ (x)", "HS nữ", "Học sinh nữ", "Female")),
    Column("male", "Nam", ("Giới tính nam", "Nam (x)", "HS nam", "Học sinh nam", "Male")),
    Column("class_name", "Lớp", ("Mã lớp", "Tên lớp", "Lớp học", "Class"), required=True),
    Column("address", "Địa chỉ", ("Địa chỉ thường trú", "Địa chỉ nhà", "Address", "Số nhà, đường",
                                  "Số nhà/Đường", "Địa chỉ chi tiết"), text=True),
    # Where the pupil lives now: the address when the file gives no permanent one.
    Column("residence", "Chỗ ở hiện nay", ("Nơi ở hiện nay", "Địa chỉ liên hệ", "Địa chỉ hiện nay", "Nơi ở"),
           text=True),
    *_place_parts("address", ("Theo địa chỉ thường trú", "Thường trú", "Theo thường trú"), plain=True),
    *_place_parts("hometown", ("Theo quê quán", "Quê quán")),
    *_place_parts("birth", ("Theo nơi sinh", "Nơi sinh")),
    Column("place_of_birth", "Nơi sinh", ("Nơi sinh chi tiết", "Place of birth"), text=True),
    Column("hometown", "Quê quán", ("Nguyên quán",), text=True),
    Column("ethnicity", "Dân tộc", ("Ethnicity",)),
    Column("nationality", "Quốc tịch", ("Nationality",)),
    Column("personal_id", "Số định danh cá nhân", ("Số ĐDCN", "Mã định danh cá nhân", "Số CCCD", "CCCD",
                                                   "Căn cước công dân", "Số căn cước")),
    Column("registration_number", "Số đăng bộ", ("Số ĐB", "Số danh bộ", "Số sổ đăng bộ")),
    Column("policy_status", "Đối tượng chính sách", ("Diện chính sách", "Chế độ chính sách"), text=True),
    Column("status", "Trạng thái", ("Trạng thái HS", "Trạng thái học sinh", "Trạng thái học tập", "Tình trạng",
                                    "Tình trạng học sinh", "Tình trạng học tập", "Status")),
    Column("status_date", "Ngày nhập trạng thái", ("Ngày chuyển đi", "Ngày thôi học", "Ngày nghỉ học",
                                                   "Ngày chuyển trường", "Ngày thay đổi trạng thái")),
    Column("student_email", "Email", ("E-mail", "Thư điện tử", "Email học sinh", "E-mail học sinh")),
    Column("student_phone", "Số điện thoại liên hệ", ("Điện thoại liên hệ", "SĐT liên hệ", "SĐT học sinh",
                                                      "Số điện thoại học sinh", "Điện thoại học sinh")),
    Column("parent_name", "Họ tên phụ huynh", ("Họ và tên phụ huynh", "Phụ huynh", "Họ tên cha mẹ",
                                               "Họ tên người giám hộ", "Người giám hộ", "Họ tên cha mẹ/người giám hộ"),
           text=True),
    Column("relation", "Quan hệ", ("Quan hệ với học sinh", "Mối quan hệ", "Là")),
    Column("parent_phone", "SĐT phụ huynh", ("Số điện thoại phụ huynh", "Điện thoại phụ huynh", "SĐT", "Số điện thoại",
                                             "Điện thoại", "Di động phụ huynh", "SĐT liên hệ phụ huynh", "Di động",
                                             "Số di động")),
    Column("parent_phone2", "SĐT phụ huynh 2", ("Số điện thoại phụ huynh 2", "Điện thoại phụ huynh 2", "SĐT 2",
                                                "Số điện thoại 2", "Điện thoại khác", "SĐT khác", "Số điện thoại khác")),
    Column("parent_email", "Email phụ huynh", ("E-mail phụ huynh", "Thư điện tử phụ huynh")),
    Column("parent_occupation", "Nghề nghiệp phụ huynh", ("Nghề nghiệp",), text=True),
    Column("parent_birth_year", "Năm sinh phụ huynh", ()),
    *_person("father", "cha", "bố"),
    *_person("mother", "mẹ"),
]
STUDENT_COLUMNS: dict[str, tuple[str, ...]] = {c.key: (str(c.label), *c.aliases) for c in STUDENT_SPEC}
STUDENT_REQUIRED = ("student_code", "full_name", "class_name")
STUDENT_HEADERS = ["Mã học sinh*", "Họ và tên*", "Ngày sinh", "Giới tính", "Lớp*", "Địa chỉ",
                   "Họ tên phụ huynh", "Quan hệ", "SĐT phụ huynh", "Email phụ huynh"]
# Kept on the pupil's record when the file has them (the sector database's and the schools' lists do).
PROFILE_HEADERS = ["Nơi sinh", "Quê quán", "Dân tộc", "Quốc tịch", "Mã định danh Bộ GD&ĐT", "Số định danh cá nhân",
                   "Email", "Số điện thoại liên hệ", "SĐT phụ huynh 2", "Nghề nghiệp phụ huynh", "Năm sinh phụ huynh",
                   "Số đăng bộ", "Đối tượng chính sách"]

STAFF_SPEC: list[Column] = [
    Column("full_name", "Họ và tên", ("Họ tên", "Họ và tên cán bộ", "Họ tên giáo viên", "Full name",
                                      *FAMILY_NAME_HEADERS), required=True, anchor=True, text=True,
           tail=GIVEN_NAME_HEADERS),
    Column("username", "Tên đăng nhập", ("Username", "Tài khoản")),
    Column("email", "Email", ("E-mail", "Thư điện tử")),
    Column("phone", "Số điện thoại", ("SĐT", "Điện thoại", "Di động", "Số di động")),
    Column("roles", "Vai trò", ("Vai trò trong trường", "Chức vụ", "Role"), required=True),
    # The sector database's staff file (CSDL_GiaoVien, moet.md §2.2) names the role by the post group
    # and says who still works at the school.
    Column("post_group", "Nhóm chức vụ", ()),
    Column("staff_status", "Trạng thái CB", ("Trạng thái cán bộ",)),
]
STAFF_ACTIVE = "dang lam viec"
STAFF_COLUMNS: dict[str, tuple[str, ...]] = {c.key: (str(c.label), *c.aliases) for c in STAFF_SPEC}
STAFF_REQUIRED = ("full_name", "roles")
STAFF_HEADERS = ["Họ và tên*", "Tên đăng nhập", "Email", "Số điện thoại", "Vai trò*"]

# A guardian's relation as class lists write it. Accents tell “Bà” (grandmother) from the southern
# “Ba” (father), so the words as written are looked up first, and without accents only where that
# names one relation (“Ong noi” is Ông; “Ba” alone stays the father).
_RELATION_WORDS = {
    "Bố": ("bố", "cha", "ba", "tía", "bố đẻ", "cha đẻ", "father", "dad"),
    "Mẹ": ("mẹ", "má", "mạ", "mẹ đẻ", "mother", "mom"),
    "Ông": ("ông", "ông nội", "ông ngoại", "grandfather"),
    "Bà": ("bà", "bà nội", "bà ngoại", "grandmother"),
    "Anh": ("anh", "anh trai", "anh ruột", "anh họ"),
    "Chị": ("chị", "chị gái", "chị ruột", "chị họ"),
    "Người giám hộ": ("người giám hộ", "giám hộ", "người đỡ đầu", "guardian"),
    "Phụ huynh": ("phụ huynh", "parent"),
    "Cô": ("cô",), "Chú": ("chú",), "Bác": ("bác",), "Dì": ("dì",), "Cậu": ("cậu",), "Thím": ("thím",),
    "Mợ": ("mợ",),
}
RELATIONS = {word: label for label, words in _RELATION_WORDS.items() for word in words}
_RELATIONS_FOLDED: dict[str, set[str]] = {}
for _word, _label in RELATIONS.items():
    _RELATIONS_FOLDED.setdefault(fold(_word), set()).add(_label)


def relation_label(text: object) -> str | None:
    """The relation a cell or form field names (“Ông ngoại” → Ông, “Má” → Mẹ, blank → Phụ huynh),
    or None when it names none."""
    written = " ".join(nfc(str(text or "")).lower().split()).strip(" .:")
    if not written:
        return "Phụ huynh"
    if written in RELATIONS:
        return RELATIONS[written]
    labels = _RELATIONS_FOLDED.get(fold(written), set())
    return next(iter(labels)) if len(labels) == 1 else None


ROLE_NAMES = {"giao vien": Role.TEACHER, "gv": Role.TEACHER, "teacher": Role.TEACHER,
              "ke toan": Role.ACCOUNTANT, "ke toan truong": Role.ACCOUNTANT, "accountant": Role.ACCOUNTANT,
              "quan tri": Role.ADMIN, "quan tri vien": Role.ADMIN, "admin": Role.ADMIN,
              "hieu truong": Role.ADMIN, "pho hieu truong": Role.ADMIN, "hieu pho": Role.ADMIN,
              "p. hieu truong": Role.ADMIN, "p.hieu truong": Role.ADMIN}
# The posts' abbreviations of staff lists, read without their dots and spaces (“P.HT”, “P. HT”):
# the principal and deputies, the accountant and chief accountant, subject-group heads and deputies,
# the Youth Union's general leader.
ROLE_ABBREVIATIONS = {"ht": Role.ADMIN, "pht": Role.ADMIN, "kt": Role.ACCOUNTANT, "ktt": Role.ACCOUNTANT,
                      "ttcm": Role.TEACHER, "tpcm": Role.TEACHER, "tpt": Role.TEACHER, "gvcn": Role.TEACHER,
                      "gvbm": Role.TEACHER}
ROLE_LABELS = {Role.TEACHER: "Giáo viên", Role.ACCOUNTANT: "Kế toán", Role.ADMIN: "Quản trị"}
# A post as the office writes it in “Chức vụ”: whoever teaches — a homeroom or subject teacher, a
# subject group's head or deputy, the Youth Union's general leader — is a teacher…
TEACHER_POSTS = re.compile(r"^(giao vien|gv|gvcn|gvbm|to truong|to pho|nhom truong|tong phu trach|"
                           r"co giao|thay giao)\b")
# …and a post the platform has no role for is listed as not imported, never a reason to refuse the file.
NO_ACCOUNT_POSTS = re.compile(r"^(nhan vien|nv|bao ve|y te|thu vien|van thu|thu quy|tap vu|lao cong|phuc vu|"
                              r"cap duong|nau an|cap nuoi|bao mau|lai xe|thiet bi|giam thi|hop dong|tai xe|"
                              # a second post beside the teaching (“Giáo viên, Thư ký hội đồng”): the
                              # council's, the union's and the party's posts give no role of their own
                              r"thu ky|chu tich cong doan|pho chu tich cong doan|to truong cong doan|cong doan|"
                              r"bi thu|pho bi thu|chi uy|dang uy|thanh tra nhan dan|truong ban thanh tra)\b")


@dataclass
class Issue:
    line: int
    column: str
    message: str


@dataclass
class PlannedRow:
    line: int
    values: dict[str, str]
    action: str = "unchanged"  # create | update | unchanged | error
    changes: list[str] = field(default_factory=list)
    person: str = ""           # whom the line is about (a pupil's code): a pupil with two parents takes two lines


@dataclass
class ImportPlan:
    kind: str
    rows: list[PlannedRow]
    issues: list[Issue]
    unknown_headers: list[str]
    apply_steps: list = field(default_factory=list)
    known: "_Known | None" = None  # what planning read in bulk, reused by apply
    table: Table | None = None     # the file as read: its sheet, header line and the layout lines skipped
    leaving: list = field(default_factory=list)   # pupils who left (status column): their class this year ends
    left_how: dict = field(default_factory=dict)  # student id → (the status as written, its date or None)
    notes: list[str] = field(default_factory=list)  # how the file was understood, said above the preview
    unreachable: list[tuple[int, str]] = field(default_factory=list)  # (line, parent) with no phone or e-mail

    @property
    def ok(self) -> bool:
        return not self.issues

    def count(self, action: str) -> int:
        """How many people (not lines) the import does `action` to: a person on several lines (a
        pupil with each parent on a line of their own) counts once, by what happens to them —
        made, else changed, else left as they were."""
        outcome: dict[object, str] = {}
        for index, row in enumerate(self.rows):
            key = row.person or index
            before = outcome.get(key)
            if before is None or ACTION_ORDER.index(row.action) < ACTION_ORDER.index(before):
                outcome[key] = row.action
        return sum(1 for a in outcome.values() if a == action)


# What a person's lines say happened to them, the first that applies.
ACTION_ORDER = ("error", "left", "skipped", "create", "invite", "update", "unchanged")


_TITLE_CLASS = re.compile(r"\blop\s+(\d{1,2}\s*[a-z0-9./-]*)")


def _class_in_title(table: Table, classes: dict[str, SchoolClass]) -> SchoolClass | None:
    """The one class of the school the title block names ("DANH SÁCH HỌC SINH LỚP 6A3"), or None
    when it names none, several, or one the school does not have."""
    named = {classes.get(m.replace(" ", "")) for s in table.skipped if s.kind == Layout.TITLE
             for m in _TITLE_CLASS.findall(fold(s.text))}
    named.discard(None)
    return named.pop() if len(named) == 1 else None


def _read(filename: str, data: bytes, spec: list[Column], max_rows: int) -> tuple[Table, list[Issue]]:
    table = read_table(filename, data, spec, max_rows=max_rows)
    if "student_code" not in table.columns and "moet_code" in table.columns:
        # The ministry's own template has only the sector-database code: it is the student code too.
        table.columns["student_code"] = table.columns["moet_code"]
        table.missing = [m for m in table.missing if m != table.label("student_code")]
    permanent = [k for k in ("address", *(f"address_{p}" for p in PART_ORDER)) if k in table.columns]
    if "residence" in table.columns and permanent:
        # The permanent address is the pupil's address; where they live now is named, not imported.
        table.unknown.append(table.column_name("residence"))
        del table.columns["residence"]
    line = table.header_lines[0] if table.header_lines else 1
    issues = [Issue(line, label, _("Thiếu cột bắt buộc “%(c)s”.", c=label)) for label in table.missing]
    return table, issues


_PLACE_PREFIX = re.compile(r"^(tinh|thanh pho|tp|quan|huyen|thi xa|tx|xa|phuong|thi tran|tt|dac khu|khu pho|kp|"
                           r"thon|ap|xom|to dan pho|to|khom|phum|soc|ban|lang)\b\.?\s*")


def join_place(parts: list[str]) -> str:
    """One address from its parts, most specific first (number and street or hamlet, commune or
    ward, district, province), comma-separated, blanks left out, and a part already written in
    an earlier one not repeated: "Long Xuyên" and "Thành phố Long Xuyên" are one place."""
    out: list[str] = []
    for part in parts:
        text = nfc(part).strip(" ,;")
        if not text:
            continue
        written = fold(", ".join(out))
        whole = fold(text)
        core = _PLACE_PREFIX.sub("", whole).strip()
        if re.search(rf"(^|\W){re.escape(whole)}($|\W)", written) or (
                len(core) >= 3 and re.search(r"[a-z]", core) and re.search(rf"(^|\W){re.escape(core)}($|\W)", written)):
            continue
        out.append(text)
    return ", ".join(out)


def _places(v: dict[str, str]) -> dict[str, str]:
    """The pupil's address, home town and place of birth joined from the columns that split them."""
    address = join_place([v.get("address", ""), *(v.get(f"address_{p}", "") for p in PART_ORDER)])
    return {"address": address or v.get("residence", ""),
            "hometown": join_place([v.get("hometown", ""), *(v.get(f"hometown_{p}", "") for p in PART_ORDER)]),
            "place_of_birth": join_place([v.get("place_of_birth", ""),
                                          *(v.get(f"birth_{p}", "") for p in PART_ORDER[1:])])}


# A pupil's status in the sector database or a school system: those who left are told apart.
_LEFT = re.compile(r"^(chuyen di|chuyen truong|thoi hoc|bo hoc|nghi hoc|da nghi|nghi han|ra truong|tot nghiep|"
                   r"da tot nghiep|hoan thanh chuong trinh|da mat|qua doi|tu vong|xuat canh|di nuoc ngoai|khai tru|"
                   r"buoc thoi hoc|duoi hoc|da chuyen|left|transferred|dropped|withdrawn|graduated)\b")
_CURRENT = re.compile(r"^(dang hoc|chuyen den|nghi hoc xin hoc lai|xin hoc lai|hoc lai|di hoc lai|luu ban|o lai lop|"
                      r"dang theo hoc|con hoc|nhap hoc|moi nhap hoc|hoc sinh moi|binh thuong|tam nghi|bao luu|"
                      r"active|studying|enrolled)\b")


def pupil_status(text: str) -> str | None:
    """"current" or "left" as a status column says it ("Đang học", "Chuyển đến", "Nghỉ học xin
    học lại"… / "Chuyển đi…", "Thôi học…"); blank is current; None when it cannot be told."""
    folded = fold(text)
    if not folded or _CURRENT.match(folded):
        return "current"
    if _LEFT.match(folded):
        return "left"
    return None


def _ticked_gender(table: Table, v: dict[str, str]) -> str | None:
    """The gender a class list's tick columns give: “Nữ” ticked, “Nam” ticked, or — in a list
    that marks only the girls — an unticked pupil is a boy; a cell that is no tick is returned as
    written, for the gender's own refusal."""
    ticks = {key: _tick(v.get(key, ""), key) for key in ("female", "male") if key in table.columns}
    if not ticks:
        return None
    odd = next((v[key] for key, tick in ticks.items() if tick is None), None)
    if odd is not None:
        raise _BadTick(odd)
    if ticks.get("female"):
        return "Nữ"
    if ticks.get("male") or "male" not in ticks:
        return "Nam"
    return None


class _BadTick(ValueError):
    """A tick column's cell that is no tick ("Nam" in the "Nữ" column)."""


def _tick(text: str, key: str = "") -> bool | None:
    """A tick column's cell: True for “x”, “X”, “1”, “✓”, “có”… (or the column's own word — “Nữ”
    in the “Nữ” column), False when blank (or “0”, “không”), None for anything else — the other
    gender's word among them: “Nam” in the “Nữ” column is a mistake, never a tick."""
    word = fold(text).strip(" .")
    if word in ("", "0", "khong", "no"):
        return False
    own = {"female": "nu", "male": "nam"}.get(key)
    if word in ("x", "1", "v", "\u2713", "\u221a", "\u2714", "co", "yes", "true") or (own and word == own):
        return True
    return None


def _values(table: Table, line) -> dict[str, str]:
    return {key: line.text(key) for key in table.columns}


@dataclass
class _Record:
    """One pupil–guardian pair read from a line: a line that gives father and mother side by
    side becomes two records with the same line number (the second with the pupil's columns
    blank, read as “as above”)."""

    line: int
    values: dict[str, str]
    birth: object
    labels: dict[str, str]   # key → the column of the file it came from, for messages


_GUARDIAN_KEYS = ("name", "phone", "phone2", "email", "occupation", "birth_year")


_GENERIC_CONTACT = ("phone", "phone2", "email", "occupation", "birth_year")


def _pair_guardian_columns(table: Table) -> None:
    """Give each contact column to the parent a person reading the file gives it to: a list with
    "Họ tên cha" and then "SĐT phụ huynh" (or "Điện thoại", "Điện thoại liên hệ") means the
    father's phone, not a second, nameless parent. A generic contact column goes to the parent
    name column nearest on its left (else the nearest one); a "contact phone" column of a list
    that gives no parent contact column at all is the named parent's. The file's keys are changed
    in place, so every line and every message follows."""
    cols = table.columns
    names = {p: cols[f"{p}_name"] for p in ("parent", "father", "mother") if f"{p}_name" in cols}
    if not names:
        return

    def owner(index: int, key: str) -> str | None:
        left = sorted((index - i, p) for p, i in names.items() if i < index)
        right = sorted((i - index, p) for p, i in names.items() if i > index)
        for _distance, person in left + right:
            if f"{person}_{key}" not in cols:
                return person
        return None

    def move(old: str, new: str) -> None:
        cols[new] = cols.pop(old)
        if old in table.spans:
            table.spans[new] = table.spans.pop(old)

    if "parent_name" not in names:
        for key in _GENERIC_CONTACT:
            if f"parent_{key}" in cols:
                person = owner(cols[f"parent_{key}"], key)
                if person is not None:
                    move(f"parent_{key}", f"{person}_{key}")
    contact = any(f"{p}_{k}" in cols for p in ("parent", "father", "mother") for k in ("phone", "email"))
    if "student_phone" in cols and not contact:
        person = owner(cols["student_phone"], "phone")
        if person is not None:
            move("student_phone", f"{person}_phone")


# Phone columns whose name says not whose number they are.
_GENERIC_PHONES = {"sdt", "so dien thoai", "dien thoai", "so dt", "dt", "di dong", "so di dong", "dien thoai di dong",
                   "sdt di dong", "so dien thoai di dong", "dtdd"}


def _generic_phone_columns(table: Table) -> str | None:
    """A list with two or more phone columns that say not whose they are ("Điện thoại" and "SĐT")
    is read by one rule, and the preview says how (the returned note): a column after a parent's
    name column is that parent's phone (the nearest name on its left; a second one their second
    phone), a column before every parent's name is the pupil's contact phone, and with no parent
    name column at all the first is the parent's phone and the next the parent's second phone. A
    column left without a place stays named as not imported."""
    cols = table.columns
    generic = [i for i, header in enumerate(table.headers)
               if " ".join(fold(header).replace(".", " ").split()) in _GENERIC_PHONES
               and (i not in cols.values() or cols.get("parent_phone") == i)]
    if len(generic) < 2:
        return None
    for i in generic:
        if cols.get("parent_phone") == i:
            del cols["parent_phone"]
    names = {cols[f"{p}_name"]: p for p in ("parent", "father", "mother") if f"{p}_name" in cols}
    said: list[str] = []
    for i in generic:
        label = f"{table.headers[i]} ({get_column_letter(i + 1)})"
        left = [j for j in names if j < i]
        if left:
            person = names[max(left)]
            key = next((k for k in (f"{person}_phone", f"{person}_phone2") if k not in cols), None)
            whose = _("“%(c)s”: số điện thoại của phụ huynh (“%(n)s”)", c=label, n=table.column_name(f"{person}_name"))
        elif names:
            key = "student_phone" if "student_phone" not in cols else None
            whose = _("“%(c)s”: số điện thoại liên hệ của học sinh", c=label)
        else:
            key = next((k for k in ("parent_phone", "parent_phone2") if k not in cols), None)
            whose = (_("“%(c)s”: số điện thoại của phụ huynh", c=label) if key == "parent_phone"
                     else _("“%(c)s”: số điện thoại thứ hai của phụ huynh", c=label))
        if key is None:
            said.append(_("“%(c)s”: không nhập (đã có cột cho số này)", c=label))
            continue
        cols[key] = i
        if label in table.unknown:
            table.unknown.remove(label)
        said.append(whose)
    return _("Tệp có %(n)s cột điện thoại không ghi là của ai; cột đứng sau tên phụ huynh là của phụ huynh đó, cột "
             "đứng trước tên phụ huynh là số liên hệ của học sinh: %(l)s.", n=len(generic), l="; ".join(said))


def _student_records(table: Table, notes: list[str] | None = None) -> list[_Record]:
    note = _generic_phone_columns(table)
    if note is not None and notes is not None:
        notes.append(note)
    _pair_guardian_columns(table)
    records = []
    for line in table.lines:
        v = _values(table, line)
        student = {k: v.get(k, "") for k in ("student_code", "full_name", "birth_date", "gender", "class_name",
                                              "status", "status_date", *PROFILE_FIELDS)} | _places(v)
        try:
            ticked = _ticked_gender(table, v)
        except _BadTick as exc:
            ticked, student["bad_tick"] = None, str(exc)
        if ticked is not None and not student["gender"]:
            student["gender"] = ticked
        birth, birth_label = line.get("birth_date"), None
        if "birth_date" not in table.columns and all(f"birth_{p}" in table.columns for p in "dmy"):
            parts = [v.get(f"birth_{p}", "").strip() for p in "dmy"]
            birth = student["birth_date"] = "/".join(parts) if any(parts) else ""
            birth_label = ", ".join(table.column_name(f"birth_{p}") for p in "dmy")
        guardians = []
        for prefix, relation in (("parent", v.get("relation", "")), ("father", "Bố"), ("mother", "Mẹ")):
            got = {k: v.get(f"{prefix}_{k}", "") for k in _GUARDIAN_KEYS}
            labels = {f"parent_{k}": table.column_name(f"{prefix}_{k}") for k in _GUARDIAN_KEYS}
            labels["relation"] = table.column_name("relation")
            phones = phone_texts(line.get(f"{prefix}_phone"))
            if phones:
                got["phone"] = phones[0]
                if len(phones) > 1 and not got["phone2"]:
                    got["phone2"] = phones[1]
            if any(got[k] for k in ("name", "phone", "email")):
                guardians.append(({f"parent_{k}": got[k] for k in _GUARDIAN_KEYS} | {"relation": relation}, labels))
        for n, (guardian, labels) in enumerate(guardians or [({}, {})]):
            values = dict(student) if n == 0 else {"student_code": student["student_code"]}
            phones = phone_texts(line.get("student_phone"))
            if n == 0 and phones:
                values["student_phone"] = phones[0]
            names = {k: table.column_name(k) for k in table.labels}
            if "gender" not in table.columns and ("female" in table.columns or "male" in table.columns):
                names["gender"] = table.column_name("female" if "female" in table.columns else "male")
            if birth_label:
                names["birth_date"] = birth_label
            records.append(_Record(line.number, values | guardian, birth if n == 0 else None, names | labels))
    return records


# ---------------------------------------------------------------- students and parents

@dataclass
class _ParentRef:
    user: User | None
    name: str
    phone: str | None
    email: str | None
    line: int
    invite: bool = False  # anyone but this school's own people: invited, attached when they accept
    new_phone: bool = False  # the pupil's own guardian of this name and relation, with a corrected phone


@dataclass
class _Known:
    """Everything the import needs from the database, read once per file rather than once per row."""

    students: dict[str, Student]
    enrollments: dict[int, Enrollment]
    users_by_phone: dict[str, list[User]]   # every account holding it, proven or not (see User)
    users_by_email: dict[str, list[User]]
    usernames: set[str]
    links: dict[tuple[int, int], Guardianship]
    roles: set[tuple[int, str]]
    own_users: set[int] = field(default_factory=set)  # accounts whose every role is in this school
    # (account, student) → this school's guardian invitation waiting for the account's answer
    invited: dict[tuple[int, int], Invitation] = field(default_factory=dict)
    unclaimed: set[int] = field(default_factory=set)  # accounts nobody has taken up (accounts.unclaimed)
    checked: set[str] = field(default_factory=set)  # usernames whose use was read (in use: `usernames`)
    pupil_usernames: dict[str, str] = field(default_factory=dict)  # a new pupil's code → its account's username


def _quiet(normalize, raw):
    try:
        return normalize(raw)
    except ValidationError:
        return None


def _chunks(values: list, size: int = 500):
    for i in range(0, len(values), size):
        yield values[i:i + size]


def _read_known(session: Session, school: School, year: SchoolYear, records: list[_Record]) -> _Known:
    def column(key: str) -> list[str]:
        return [r.values.get(key, "") for r in records]

    codes = sorted({c.upper().replace(" ", "") for c in column("student_code") if c})
    phones = sorted({p for p in (_quiet(normalize_phone, v) for v in column("parent_phone")) if p})
    emails = sorted({e for e in (_quiet(normalize_email, v) for v in column("parent_email")) if e})
    students, by_phone, by_email, usernames = {}, {}, {}, set()
    for chunk in _chunks(codes):
        students.update((st.student_code, st) for st in session.scalars(
            select(Student).where(Student.school_id == school.id, Student.student_code.in_(chunk))))
    for chunk in _chunks(phones):
        for u in session.scalars(select(User).where(User.phone.in_(chunk)).order_by(User.id)):
            by_phone.setdefault(u.phone, []).append(u)
    for chunk in _chunks(emails):
        for u in session.scalars(select(User).where(User.email.in_(chunk)).order_by(User.id)):
            by_email.setdefault(u.email, []).append(u)
    checked = {accounts.school_username(v, school) for v in (*codes, *phones, *emails)}
    for chunk in _chunks(sorted(checked)):
        usernames.update(session.scalars(select(User.username).where(User.username.in_(chunk))))
    student_ids = [st.id for st in students.values()]
    enrollments, links = {}, {}
    for chunk in _chunks(student_ids):
        enrollments.update((e.student_id, e) for e in session.scalars(
            select(Enrollment).where(Enrollment.school_year_id == year.id, Enrollment.student_id.in_(chunk))))
        links.update(((g.guardian_id, g.student_id), g) for g in session.scalars(
            select(Guardianship).where(Guardianship.student_id.in_(chunk))))
    roles = set(session.execute(select(Membership.user_id, Membership.role).where(
        Membership.school_id == school.id, Membership.role.in_([Role.STUDENT.value, Role.PARENT.value]))).tuples())
    known = _Known(students, enrollments, by_phone, by_email, usernames, links, roles, checked=checked)
    accounts_read = {u.id: u for held in (*by_phone.values(), *by_email.values()) for u in held}
    known.own_users, known.invited, known.unclaimed = _own_and_invited(session, school, accounts_read)
    return known


def pupil_sign_in_name(code: str, school: School) -> str:
    """A pupil's username, which signs the pupil in anywhere: the code and the school's code
    (`hsa001.thcs-nd`, accounts.school_username). At the school's own sign-in address
    (`/login?school=thcs-nd`) the code alone does."""
    return accounts.school_username(code, school)


def sign_in_name(session: Session, school: School, user: User) -> str:
    """What the school tells a person to sign in with: a pupil of the school its
    `pupil_sign_in_name` (the same form whatever the account's username came to be), anyone else
    the username."""
    found = pupil_sign_in(session, user, school)
    return pupil_sign_in_name(found[0], school) if found else user.username


def pupil_sign_in(session: Session, user: User, school: School | None = None) -> tuple[str, School] | None:
    """The pupil's code and school (of `school`, else the account's first), for the sheets that
    say how to sign in at the school's address; None for an account that is no pupil."""
    stmt = select(Student.student_code, School).join(School, School.id == Student.school_id).where(
        Student.user_id == user.id)
    if school is not None:
        stmt = stmt.where(Student.school_id == school.id)
    row = session.execute(stmt.order_by(Student.id).limit(1)).first()
    return (row[0], row[1]) if row else None


def _pupil_username(session: Session, code: str, school: School, known: _Known) -> str:
    """A new pupil's username: the code in the school's own names (`hsa001.thcs-nd`), whoever
    else has the code — never the bare code, whose being taken told a school that another
    school's account had it, and never a refusal."""
    return accounts.free_username(session, code, known.usernames, known.checked, school=school)


def _own_and_invited(session: Session, school: School, users: dict[int, User]
                     ) -> tuple[set[int], dict[tuple[int, int], Invitation], set[int]]:
    """Of these accounts, in bulk: those wholly within this school (see accounts.is_own); the
    guardian invitations of this school still waiting for them; those nobody has taken up yet
    (accounts.unclaimed: no password, no role, no department post)."""
    schools: dict[int, set[int]] = {}
    officials: set[int] = set()
    invited: dict[tuple[int, int], Invitation] = {}
    for chunk in _chunks(sorted(users)):
        for uid, sid in session.execute(select(Membership.user_id, Membership.school_id)
                                        .where(Membership.user_id.in_(chunk))):
            schools.setdefault(uid, set()).add(sid)
        officials.update(session.scalars(select(DepartmentViewer.user_id).where(DepartmentViewer.user_id.in_(chunk))))
        for row in session.scalars(select(Invitation).where(
                Invitation.school_id == school.id, Invitation.kind == "parent", Invitation.status == "pending",
                Invitation.user_id.in_(chunk)).order_by(Invitation.id)):
            invited.setdefault((row.user_id, row.student_id), row)
    own = {uid for uid, ids in schools.items() if ids == {school.id} and uid not in officials}
    free = {uid for uid, user in users.items()
            if user.password_hash is None and uid not in schools and uid not in officials}
    return own, invited, free


def plan_student_import(session: Session, school: School, year: SchoolYear | None, filename: str, data: bytes,
                        max_rows: int, class_name: str | None = None) -> ImportPlan:
    table, issues = _read(filename, data, STUDENT_SPEC, max_rows)
    plan = ImportPlan("students", [], issues, table.unknown, table=table)
    if year is None:
        plan.issues.append(Issue(1, _("Lớp"), _("Trường chưa có năm học hiện tại; hãy tạo năm học và lớp trước.")))
        return plan
    if "full_name" not in table.columns:
        return plan
    no_code_column = "student_code" not in table.columns   # said once above the lines; each line still checked
    invited_ids = accounts.offered(session, school)     # identifiers already invited: not announced again
    classes = {fold(c.name): c for c in session.scalars(select(SchoolClass).where(SchoolClass.school_year_id == year.id))}
    no_class_column = "class_name" not in table.columns
    chosen = classes.get(fold(class_name)) if class_name else None
    title_class = (chosen or _class_in_title(table, classes)) if no_class_column else None
    if chosen is not None and no_class_column:
        # The class chosen on the import form, for a list that names none.
        plan.issues = [i for i in plan.issues if i.column != table.label("class_name")]
        plan.notes.append(_("Tệp không có cột “Lớp”: mọi học sinh vào lớp %(c)s, lớp bạn đã chọn.", c=chosen.name))
    elif title_class is not None:
        # A homeroom teacher's list names its class in the title ("DANH SÁCH HỌC SINH LỚP 6A3").
        plan.issues = [i for i in plan.issues if i.column != table.label("class_name")]
        plan.notes.append(_("Tệp không có cột “Lớp”: mọi học sinh vào lớp %(c)s, theo tiêu đề của tệp.",
                            c=title_class.name))
    elif no_class_column:
        plan.issues = [Issue(i.line, i.column, _("Thiếu cột bắt buộc “%(c)s”, và tiêu đề của tệp không nêu đúng một lớp "
                                                 "của trường: thêm cột Lớp hoặc chọn lớp khi tải lên. Các dòng vẫn được kiểm tra dưới đây.",
                                                 c=i.column))
                       if i.column == table.label("class_name") else i for i in plan.issues]
    records = _student_records(table, plan.notes)
    known = plan.known = _read_known(session, school, year, records)
    existing, enrollments = known.students, known.enrollments
    seen_students: dict[str, tuple[int, dict[str, str]]] = {}
    parents_in_file: dict[str, _ParentRef] = {}
    first_rows: dict[str, tuple[dict[str, str], object]] = {}
    statuses: dict[str, tuple[int, str]] = {}

    for record in records:
        line, v, labels = record.line, record.values, record.labels
        row = PlannedRow(line, v)
        plan.rows.append(row)
        row_issues: list[Issue] = []

        def bad(key: str, message: str, line: int = line, row_issues: list = row_issues, labels=labels) -> None:
            row_issues.append(Issue(line, labels.get(key, key), message))

        code = v.get("student_code", "").upper().replace(" ", "")
        row.person = code
        raw_birth = record.birth
        if code in first_rows:
            # A repeated student row adds a guardian; blank student columns mean "as above".
            first_v, first_birth = first_rows[code]
            for key in ("full_name", "birth_date", "gender", "class_name", "address", "status", "status_date",
                        *PROFILE_FIELDS):
                if not v.get(key):
                    v[key] = first_v.get(key, "")
            if raw_birth in (None, ""):
                raw_birth = first_birth
        elif code:
            first_rows[code] = (dict(v), raw_birth)
        if not code and not no_code_column:
            bad("student_code", _("Thiếu mã học sinh."))
        elif code and not re.match(r"^[A-Z0-9._-]{3,20}$", code):
            bad("student_code", _("Mã học sinh chỉ gồm chữ không dấu và số, 3–20 ký tự: “%(v)s”.", v=v["student_code"]))
        status_text = nfc(v.get("status"))
        status = pupil_status(status_text)
        if status is None:
            bad("status", _("Trạng thái “%(v)s” không rõ: ghi “Đang học”, “Chuyển đến”… cho học sinh đang học, "
                            "“Chuyển đi…”, “Thôi học…” cho học sinh đã rời trường.", v=status_text))
        elif code in statuses and statuses[code][1] != status:
            bad("status", _("Mã học sinh %(c)s đã có ở dòng %(l)s với %(f)s khác.", c=code, l=statuses[code][0],
                            f=labels.get("status", "status")))
        elif code:
            statuses.setdefault(code, (line, status))
        if status == "left":
            # A pupil who left is never imported as a current one: not enrolled, no accounts made;
            # one the school has loses this year's class. The rest of the line is not checked.
            if row_issues:
                row.action = "error"
                plan.issues.extend(row_issues)
                continue
            reason = status_text + (f" ({nfc(v.get('status_date'))})" if v.get("status_date") else "")
            row.action = "left"
            student = existing.get(code)
            enrollment = enrollments.get(student.id) if student is not None else None
            if enrollment is not None:
                row.changes = [_("rời lớp %(c)s: %(r)s", c=enrollment.school_class.name, r=reason)]
                if student not in plan.leaving:
                    plan.leaving.append(student)
                    try:
                        left_on = to_date(v.get("status_date"))
                    except ValueError:
                        left_on = None
                    plan.left_how[student.id] = (status_text, left_on)
            else:
                row.changes = [_("không nhập: %(r)s", r=reason)]
            continue
        name = nfc(v.get("full_name"))
        if not name:
            bad("full_name", _("Thiếu họ và tên học sinh."))
        elif len(name) > 120 or not re.search(r"[^\W\d_]", name):
            bad("full_name", _("Họ và tên không hợp lệ: “%(v)s”.", v=name))
        elif problem := printed_text_problem(" ".join(name.split()), _l("Họ và tên")):
            bad("full_name", problem)            # printed on the report card as it is (lms.core.official)
        birth: date | None = None
        try:
            birth = to_date(raw_birth)
            if birth and not (3 <= (year.start_date.year - birth.year) <= 30):
                bad("birth_date", _("Ngày sinh %(v)s không hợp lý cho học sinh.", v=birth.strftime("%d/%m/%Y")))
        except ValueError:
            unreal = unreal_date(raw_birth)
            bad("birth_date", _("Ngày sinh: %(r)s", r=unreal) if unreal else
                _("Ngày sinh “%(v)s” không đúng dạng ngày/tháng/năm.", v=v.get("birth_date", "")))
        gender_raw = fold(v.get("gender"))
        gender = {"nam": "nam", "nu": "nu", "": None, "m": "nam", "f": "nu"}.get(gender_raw, "?")
        if v.get("bad_tick"):
            bad("gender", _("Cột này đánh x (hoặc ✓, “có”, 1) cho học sinh nữ, để trống (hoặc 0) cho học sinh nam, "
                            "không ghi “%(v)s”.", v=v["bad_tick"]))
        elif gender == "?":
            bad("gender", _("Giới tính ghi “Nam” hoặc “Nữ”, không phải “%(v)s”.", v=v.get("gender")))
        # What the preview shows, so the birth date and gender are checked before confirming.
        v["birth_shown"] = birth.strftime("%d/%m/%Y") if birth else ""
        v["gender_shown"] = {"nam": _("Nam"), "nu": _("Nữ")}.get(gender or "", "")
        class_name = title_class.name if title_class is not None else v.get("class_name", "")
        v["class_name"] = class_name
        school_class = classes.get(fold(class_name))
        if no_class_column and title_class is None:
            pass    # the file's missing column is said once, above the lines
        elif class_name and school_class is None:
            bad("class_name", _("Không có lớp “%(v)s” trong năm học %(y)s.", v=class_name, y=year.name))
        elif not class_name:
            bad("class_name", _("Thiếu lớp."))
        address = nfc(v.get("address")) or None
        if address and len(address) > 300:
            bad("address", ngettext("Địa chỉ dài quá %(m)s ký tự.", "Địa chỉ dài quá %(m)s ký tự.", 300, m=300))
        profile = _profile(v, bad)
        # The optional columns the confirmation saves, shown so that they are checked before it.
        v["profile_shown"] = [(str(PROFILE_LABELS[k]), value) for k, value in profile.items() if value]
        if address:
            v["profile_shown"].append((_("Địa chỉ"), address))

        # The same student on several rows adds guardians; the student's own data must agree.
        student_fields = {"full_name": name, "birth_date": v.get("birth_date", ""), "gender": v.get("gender", ""),
                          "class_name": fold(class_name)}
        if code in seen_students:
            first_line, first = seen_students[code]
            for key, value in student_fields.items():
                if value and first[key] and fold(value) != fold(first[key]):
                    bad(key, _("Mã học sinh %(c)s đã có ở dòng %(l)s với %(f)s khác.", c=code, l=first_line,
                               f=labels.get(key, key)))
        elif code:
            seen_students[code] = (line, student_fields)

        # Parent columns.
        parent: _ParentRef | None = None
        unreachable = ""    # a named parent without phone or e-mail
        p_name, p_phone_raw, p_email_raw = nfc(v.get("parent_name")), v.get("parent_phone", ""), v.get("parent_email", "")
        relation = None
        if p_name or p_phone_raw or p_email_raw:
            try:
                p_phone = normalize_phone(p_phone_raw)
            except ValidationError:
                p_phone = None
                bad("parent_phone", _("Số điện thoại “%(v)s” không hợp lệ.", v=p_phone_raw))
            try:
                p_email = normalize_email(p_email_raw)
            except ValidationError:
                p_email = None
                bad("parent_email", _("E-mail “%(v)s” không hợp lệ.", v=p_email_raw))
            if not p_name:
                bad("parent_name", _("Thiếu họ tên phụ huynh."))
            relation = relation_label(v.get("relation"))
            if p_name and not (p_phone_raw or p_email_raw) and not _has_guardian(existing.get(code), p_name, relation):
                # Lists often give a phone for one parent only: the pupil and the other parent are
                # imported; this one has no way to be invited yet, which the preview says on the line.
                # A parent the pupil already has, by name and relation, is that parent: a list
                # without the phone columns (the sector database's file, issue #25) changes nothing.
                unreachable = p_name
            if relation is None:
                bad("relation", _("Quan hệ “%(v)s” không rõ; dùng Bố, Mẹ, Ông, Bà, Người giám hộ…", v=v.get("relation")))
            if p_name and (p_phone or p_email):
                parent = _resolve_parent(known, school, p_name, p_phone, p_email, line, parents_in_file, bad)
                if parent is not None and parent.user is None and p_phone:
                    _same_guardian(session, school, known, existing.get(code), parent, relation)
        guardian_extra = _guardian_extra(v, bad) if parent is not None or p_name else {}
        if p_name or p_phone_raw:
            # The numbers as they will be saved: a leading 0 Excel dropped restored, the second phone.
            shown = [n for n in ((p_phone or p_phone_raw), guardian_extra.get("second_phone")) if n]
            v["parent_phone_shown"] = " / ".join(shown)

        if row_issues:
            row.action = "error"
            # A line giving father and mother is two rows of the plan: its pupil's errors are said once.
            plan.issues.extend(i for i in row_issues if i not in plan.issues[-30:])
            continue
        if school_class is None:
            row.action, row.changes = "skipped", [_("chưa có lớp: tệp thiếu cột “Lớp”")]
            continue
        if no_code_column:
            row.action, row.changes = "skipped", [_("chưa có mã học sinh: tệp thiếu cột “Mã học sinh”")]
            continue

        student = existing.get(code)
        if student is not None and someone_else(student, name, birth):
            # Neither the name nor the birth date is the pupil's: a mistyped code (or another
            # school's list) would rename this child and give their account to strangers.
            issue = Issue(line, labels.get("student_code", ""), _(
                "Mã %(c)s là của em %(n)s, sinh %(d)s, nhưng dòng này ghi %(f)s, sinh %(b)s: kiểm tra lại mã. "
                "Nếu đúng là một em, sửa họ tên hoặc ngày sinh ở trang học sinh trước rồi nhập lại.",
                c=code, n=student.full_name, d=student.birth_date.strftime("%d/%m/%Y"), f=name,
                b=birth.strftime("%d/%m/%Y")))
            if issue not in plan.issues:     # each parent of a line is a row of the plan: said once
                plan.issues.append(issue)
            row.action = "error"
            continue
        if student is None:
            if code not in known.pupil_usernames:
                known.pupil_usernames[code] = _pupil_username(session, code, school, known)
            row.action = "create"    # a new pupil's every line (each parent's) is part of what is made
        else:
            changes = []
            if fold(student.full_name) != fold(name) or student.full_name != name:
                changes.append(_("họ tên"))
            if birth and student.birth_date != birth:
                changes.append(_("ngày sinh"))
            if gender and student.gender != gender:
                changes.append(_("giới tính"))
            if address and student.address != address:
                changes.append(_("địa chỉ"))
            if any(value and getattr(student, _PROFILE_ATTRS[key]) != value for key, value in profile.items()):
                changes.append(_("hồ sơ"))
            enrollment = enrollments.get(student.id)
            if enrollment is None or enrollment.class_id != school_class.id:
                changes.append(_("lớp"))
            row.changes = changes
            row.action = "update" if changes else "unchanged"
        if unreachable:
            row.changes.append(_("phụ huynh %(n)s chưa có số điện thoại hay e-mail: chưa mời được", n=unreachable))
            plan.unreachable.append((line, unreachable))
        if parent is not None and parent.new_phone and parent.phone not in invited_ids:
            # Invited to the new number (accounts.offer_identifiers), never set: the preview says so.
            row.changes.append(_("mời phụ huynh %(n)s xác nhận số %(v)s (chờ chấp nhận)", n=parent.name,
                                 v=parent.phone))
            if row.action == "unchanged":
                row.action = "update"
        if parent is not None:
            linked = parent.user is not None and student is not None and (parent.user.id, student.id) in known.links
            waiting = (parent.invite and parent.user is not None and student is not None
                       and (parent.user.id, student.id) in known.invited)
            if not linked and not waiting:
                if row.action == "unchanged":
                    row.action = "update"
                row.changes.append(_("mời phụ huynh (chờ chấp nhận)") if parent.invite else _("thêm phụ huynh"))
        plan.apply_steps.append((code, name, birth, gender, address, school_class, parent, relation, profile,
                                 guardian_extra))
    return plan


_PROFILE_ATTRS = {key: attr for key, (attr, _limit) in PROFILE_FIELDS.items()}


def _has_guardian(student: Student | None, name: str, relation: str | None) -> bool:
    """Whether the pupil already has this guardian: the same name (accents and case aside) and,
    when the line says it, the same relation."""
    return student is not None and any(
        fold(link.guardian.full_name) == fold(name) and (relation in (None, "Phụ huynh") or link.relation == relation)
        for link in student.guardianships)


def _profile(v: dict[str, str], bad) -> dict[str, str | None]:
    """The pupil's optional profile columns, checked (lms.people.profile); only those the file gives."""
    clean, errors = clean_profile({key: v[key] for key in PROFILE_FIELDS if v.get(key)})
    for key, message in errors.items():
        bad(key, message)
    return clean


def _guardian_extra(v: dict[str, str], bad) -> dict[str, object]:
    """A guardian's second phone, occupation and birth year, as the list gives them."""
    out: dict[str, object] = {}
    phone2 = v.get("parent_phone2", "")
    if phone2:
        try:
            out["second_phone"] = normalize_phone(phone2)
        except ValidationError:
            bad("parent_phone2", _("Số điện thoại “%(v)s” không hợp lệ.", v=phone2))
    occupation = nfc(v.get("parent_occupation"))
    if occupation:
        if len(occupation) > 100:
            bad("parent_occupation", ngettext("Dài quá %(m)s ký tự: “%(v)s”.", "Dài quá %(m)s ký tự: “%(v)s”.", 100, m=100, v=occupation[:40]))
        else:
            out["occupation"] = occupation
    year = v.get("parent_birth_year", "").strip()
    if year:
        found = re.fullmatch(r"(?:\d{1,2}/\d{1,2}/)?((?:19|20)\d\d)", year)
        if found is None:
            bad("parent_birth_year", _("Năm sinh ghi bốn chữ số, ví dụ 1985: “%(v)s”.", v=year))
        else:
            out["birth_year"] = int(found.group(1))
    return out


def _same_guardian(session: Session, school: School, known: _Known, student: Student | None, parent: _ParentRef,
                   relation: str | None) -> None:
    """A new phone for a parent the pupil already has — same name and relation, one of the school's
    own accounts — corrects that parent's phone rather than adding a second parent."""
    if student is None:
        return
    for link in student.guardianships:
        if (link.relation == relation and fold(link.guardian.full_name) == fold(parent.name)
                and accounts.is_own(session, link.guardian, school)):
            parent.user, parent.invite, parent.new_phone = link.guardian, False, True
            known.links[(link.guardian_id, student.id)] = link
            return


def _resolve_parent(known: _Known, school: School, name: str, phone: str | None, email: str | None, line: int,
                    in_file: dict[str, _ParentRef], bad) -> _ParentRef | None:
    keys = [k for k in (phone and f"p:{phone}", email and f"e:{email}") if k]
    ref = next((in_file[k] for k in keys if k in in_file), None)
    if ref is not None:
        if fold(ref.name) != fold(name):
            bad("parent_phone", _("Số điện thoại/e-mail này đã ghi cho phụ huynh “%(n)s” ở dòng %(l)s.",
                                  n=ref.name, l=ref.line))
            return None
        ref.phone, ref.email = ref.phone or phone, ref.email or email
    else:
        def matched(holders: list[User], value: str | None) -> User | None:
            """accounts.find_account, on what was read in bulk (any number of accounts may hold an
            identifier unproven): the school's own people first, then the accounts it made, then
            the one that proved it; anyone else's names nothing."""
            own = [u for u in holders if u.id in known.own_users]
            return next(iter(own), None) or next((u for u in holders if u.verified(value) or (
                u.claim_school_id == school.id and u.id in known.unclaimed)), None)

        by_phone = matched(known.users_by_phone.get(phone, []), phone) if phone else None
        by_email = matched(known.users_by_email.get(email, []), email) if email else None
        if (by_phone and by_email and by_phone.id != by_email.id
                and by_phone.id in known.own_users and by_email.id in known.own_users):
            # Two of the school's own people: said, as it tells the school only of its own.
            bad("parent_email", _("Số điện thoại và e-mail thuộc về hai tài khoản khác nhau."))
            return None
        # Otherwise the first that names an account decides, the e-mail's before the phone's, as in
        # accounts.find_account: refusing would tell that both have accounts, somewhere.
        # One of the school's own people named by either decides first (as accounts.find_account).
        user = next((u for u in (by_email, by_phone) if u is not None and u.id in known.own_users), None) \
            or by_email or by_phone
        own = user is not None and user.id in known.own_users
        # Only this school's own people are named back: an account of anyone else is invited, and
        # whose it is stays unsaid.
        if own and fold(user.full_name) != fold(name):
            bad("parent_name", _("Số điện thoại/e-mail này đã thuộc phụ huynh “%(n)s” của trường, khác tên “%(v)s”.",
                                 n=user.full_name, v=name))
            return None
        # Anyone but the school's own people, new or not, is invited (accounts.add_person).
        ref = _ParentRef(user, name, phone, email, line, invite=not own)
    for k in keys:
        in_file[k] = ref
    return ref


def apply_student_import(session: Session, actor: User, school: School, year: SchoolYear, plan: ImportPlan, *,
                         on: date | None = None) -> dict:
    """Write a checked plan. Call only when plan.ok; the caller commits once. `on` is the day the
    file's classes hold from (the class history's start, lms.people.placement): today by default,
    and never before the year's first day — a list imported in the summer puts its pupils in their
    classes when the year begins; a school that had them from that day says so (the demo)."""
    if not plan.ok:
        raise ValidationError(_l("Tệp còn lỗi, chưa lưu gì."))
    known = plan.known
    created: dict[str, Student] = {}
    parents_created: dict[int, User] = {}

    def grant(user: User, role: Role) -> None:
        if (user.id, role.value) not in known.roles:
            session.add(Membership(user_id=user.id, school_id=school.id, role=role.value))
            known.roles.add((user.id, role.value))

    today = max(on or utc_to_local(utcnow(), school_tz()).date(), year.start_date)
    for student in plan.leaving:
        enrollment = known.enrollments.pop(student.id, None)
        if enrollment is not None:
            status_text, left_on = plan.left_how.get(student.id, ("", None))
            placement.leave(session, school.id, enrollment, on=left_on or today, reason=status_text)
    for code, name, birth, gender, address, school_class, parent, relation, profile, extra in plan.apply_steps:
        student = created.get(code) or known.students.get(code)
        if student is None:
            account = create_user(session, None, username=known.pupil_usernames[code], full_name=name)  # see the plan
            student = Student(school_id=school.id, student_code=code, full_name=name,
                              sort_name=name_sort_string(name), search_text=student_search_text(name, code),
                              birth_date=birth, gender=gender, address=address, user_id=account.id,
                              **{_PROFILE_ATTRS[k]: v for k, v in profile.items() if v})
            session.add(student)
            session.flush()
            grant(account, Role.STUDENT)
        elif code not in created:
            name_student(student, name)
            student.birth_date = birth or student.birth_date
            student.gender = gender or student.gender
            student.address = address or student.address
            for key, value in profile.items():
                if value:
                    setattr(student, _PROFILE_ATTRS[key], value)
        created[code] = student
        known.enrollments[student.id] = placement.enter(session, school.id, student.id, school_class, on=today,
                                                        enrollment=known.enrollments.get(student.id))
        if parent is not None and parent.invite:
            user = parent.user or parents_created.get(id(parent))
            if user is None:    # nobody has these identifiers: an account the person takes up by the link
                # Identifiers held by no one go on the new account (held ones stay where they are).
                user = parents_created[id(parent)] = accounts.new_unclaimed(
                    session, school, name=parent.name, taken=known.usernames, checked=known.checked,
                    email=parent.email, phone=parent.phone)
                known.unclaimed.add(user.id)
            link = known.links.get((user.id, student.id))
            if link is not None:   # accepted before: the list's details go on this pupil's guardianship
                for attr, value in extra.items():
                    if value:
                        setattr(link, attr, value)
            else:
                known.invited[(user.id, student.id)] = accounts.invite(
                    session, actor, school, user, kind="parent", invited_name=parent.name,
                    identifier=parent.phone or parent.email, student=student, relation=relation, details=extra,
                    known=accounts.Known(known.invited.get((user.id, student.id)), user.id in known.unclaimed))
        elif parent is not None:
            user = parent.user      # one of the school's own people (see _resolve_parent)
            # A phone or e-mail the account has not got — a corrected number too — is invited,
            # whoever holds it (accounts.offer_identifiers), never set here.
            accounts.offer_identifiers(session, actor, school, user, kind="parent", name=parent.name,
                                       email=parent.email, phone=parent.phone, student=student,
                                       relation=relation, details=extra)
            grant(user, Role.PARENT)
            link = known.links.get((user.id, student.id))
            if link is None:
                known.links[(user.id, student.id)] = Guardianship(guardian_id=user.id, student_id=student.id,
                                                                   relation=relation)
                session.add(known.links[(user.id, student.id)])
            elif relation and link.relation != relation and relation != "Phụ huynh":
                link.relation = relation
            link = known.links[(user.id, student.id)]
            for attr, value in extra.items():
                if value:
                    setattr(link, attr, value)
    session.flush()
    audit.record(session, audit.Action.IMPORT, actor_id=actor.id, school_id=school.id, subject_type="students",
                 detail=f"create={plan.count('create')} update={plan.count('update')} left={len(plan.leaving)}")
    return {"create": plan.count("create"), "update": plan.count("update"), "unchanged": plan.count("unchanged"),
            "left": plan.count("left")}


# ---------------------------------------------------------------- staff

def _parse_roles(raw: str) -> list[str] | None:
    roles = []
    for part in re.split(r"[,;/]", raw or ""):
        key = fold(part)
        if not key:
            continue
        role = (ROLE_NAMES.get(key) or ROLE_ABBREVIATIONS.get(re.sub(r"[.\s]", "", key))
                or (Role.TEACHER if TEACHER_POSTS.match(key) else None))
        if role is None:
            if NO_ACCOUNT_POSTS.match(key):
                continue
            return None
        if role not in roles:
            roles.append(role)
    return roles


def plan_staff_import(session: Session, school: School, filename: str, data: bytes, max_rows: int) -> ImportPlan:
    table, issues = _read(filename, data, STAFF_SPEC, max_rows)
    by_post = "roles" not in table.columns and "post_group" in table.columns
    if by_post:
        # The sector database's file: its post group ("Giáo viên", "Hiệu trưởng"…) is the role.
        table.columns["roles"] = table.columns.pop("post_group")
        issues = [i for i in issues if i.column != table.label("roles")]
        table.missing = [m for m in table.missing if m != table.label("roles")]
    plan = ImportPlan("staff", [], issues, table.unknown, table=table)
    if issues:
        return plan
    invited_ids = accounts.offered(session, school)     # identifiers already invited: not announced again
    seen: dict[str, int] = {}
    for record in table.lines:
        line = record.number
        v = _values(table, record)
        phones = phone_texts(record.get("phone"))
        v["phone"] = phones[0] if phones else ""
        row = PlannedRow(line, v)
        plan.rows.append(row)
        status = nfc(v.get("staff_status"))
        if status and fold(status) != STAFF_ACTIVE:
            row.action, row.changes = "left", [status]      # "Nghỉ hưu", "Chuyển công tác": no account
            continue
        posts = _parse_roles(v.get("roles", ""))
        if not posts and (by_post or (posts == [] and nfc(v.get("roles")))):
            row.action = "skipped"
            row.changes = [_("chức vụ “%(v)s” không cần tài khoản giáo viên, kế toán hay quản trị",
                             v=nfc(v.get("roles")) or "—")]
            continue
        row_issues: list[Issue] = []

        def bad(key: str, message: str, line: int = line, row_issues: list = row_issues) -> None:
            row_issues.append(Issue(line, table.column_name(key), message))

        name = nfc(v.get("full_name"))
        if not name or len(name) > 120:
            bad("full_name", _("Thiếu họ và tên.") if not name else _("Họ và tên quá dài."))
        elif problem := printed_text_problem(" ".join(name.split()), _l("Họ và tên")):
            bad("full_name", problem)            # a teacher's name signs official documents
        try:
            email = normalize_email(v.get("email"))
        except ValidationError:
            email = None
            bad("email", _("E-mail “%(v)s” không hợp lệ.", v=v.get("email")))
        try:
            phone = normalize_phone(v.get("phone"))
        except ValidationError:
            phone = None
            bad("phone", _("Số điện thoại “%(v)s” không hợp lệ.", v=v.get("phone")))
        if not v.get("email") and not v.get("phone"):
            bad("email", _("Cần e-mail hoặc số điện thoại để nhận ra người này khi nhập lại."))
        roles = _parse_roles(v.get("roles", ""))
        if not nfc(v.get("roles")):
            bad("roles", _("Thiếu vai trò (chức vụ): ghi Giáo viên, Kế toán hoặc Quản trị."))
        elif not roles:
            bad("roles", _("Vai trò “%(v)s” không rõ; dùng Giáo viên, Kế toán hoặc Quản trị.", v=v.get("roles", "")))
        username = nfc(v.get("username")).lower() or None
        if username and not re.match(r"^[a-z0-9._@+-]{3,80}$", username):
            bad("username", _("Tên đăng nhập chỉ gồm chữ không dấu, số và . _ - (3–80 ký tự)."))
        for key, value in (("email", email), ("phone", phone), ("username", username)):
            if value:
                if value in seen:
                    bad(key, _("“%(v)s” lặp lại dòng %(l)s.", v=value, l=seen[value]))
                seen[value] = line

        user, own = None, False
        if not row_issues:
            user = accounts.find_account(session, email=email, phone=phone, username=username, school=school)
            own = user is not None and accounts.is_own(session, user, school)
            if own and fold(user.full_name) != fold(name):
                bad("full_name", _("Người của trường có e-mail/số điện thoại này mang tên “%(n)s”.", n=user.full_name))
        if row_issues:
            row.action = "error"
            plan.issues.extend(row_issues)
            continue
        updates: dict[str, str] = {}
        if not own:
            # Anyone but the school's own people, new or not: invited, attached only when they
            # accept — the same line either way, so the preview tells no one who has an account.
            # What this identifier was invited to (one invitation per identifier: accounts._pending).
            pending = {r for i in accounts.school_pending(session, school, "staff")
                       if user is not None and i.user_id == user.id and i.identifier == (email or phone or username)
                       for r in i.role_list}
            have = _roles_here(session, user, school) if user is not None else set()
            missing = [r for r in roles if r not in have and r not in pending]
            row.changes = [_("mời làm %(r)s (chờ chấp nhận)", r=_(ROLE_LABELS[r])) for r in missing]
            row.action = "invite" if row.changes else "unchanged"
        else:
            have = set(session.scalars(select(Membership.role).where(Membership.user_id == user.id,
                                                                     Membership.school_id == school.id)))
            missing = [r for r in roles if r not in have]
            row.changes = [_("thêm vai trò %(r)s", r=_(ROLE_LABELS[r])) for r in missing]
            # What the preview announces is exactly what the confirmation saves: a name corrected
            # in its accents ("Toàn" → "Toản"); an e-mail or phone the account has not got is
            # invited, as the staff form does (accounts.add_person) — never set on the account
            # and never refused. Refusing one that "is already another account's" told the school
            # that someone, perhaps in another school, held it; setting one nobody held and
            # inviting the others would show the difference in the lists. Whoever proves control
            # of the identifier (the link delivered there) answers it: the person, signed in,
            # adds it to their account.
            if user.full_name != name:
                updates["full_name"] = name
                row.changes.append(_("họ tên"))
            for attr, value in (("email", email), ("phone", phone)):
                if value and getattr(user, attr) != value and value not in invited_ids:
                    updates[f"invite_{attr}"] = value
                    row.changes.append(_("mời xác nhận %(v)s (chờ chấp nhận)", v=value))
            row.action = "update" if row.changes else "unchanged"
        plan.apply_steps.append((user, name, email, phone, username, roles, not own, updates))
    return plan


def _upsert_staff(session: Session, actor: User, school: School, user: User, name: str, email: str | None,
                  phone: str | None, username: str | None, roles: list[str]) -> User:
    """One of the school's own accounts (never anyone else's: see accounts.py) with its missing
    roles added; an e-mail or phone it has not got is invited (accounts.offer_identifiers)."""
    accounts.offer_identifiers(session, actor, school, user, kind="staff", name=name, email=email, phone=phone,
                               roles=roles)
    missing = [r for r in roles if r not in _roles_here(session, user, school)]
    if missing:
        accounts.attach_own(session, actor, school, user, missing)
    return user


def _roles_here(session: Session, user: User, school: School) -> set[str]:
    return set(session.scalars(select(Membership.role).where(Membership.user_id == user.id,
                                                             Membership.school_id == school.id)))


def apply_staff_import(session: Session, actor: User, school: School, plan: ImportPlan) -> dict:
    if not plan.ok:
        raise ValidationError(_l("Tệp còn lỗi, chưa lưu gì."))
    for user, name, email, phone, username, roles, invite, updates in plan.apply_steps:
        if invite:
            accounts.add_person(session, actor, school, kind="staff", name=name, email=email, phone=phone,
                                username=username, roles=roles)
        else:
            if "full_name" in updates:
                user.full_name = updates["full_name"]
            _upsert_staff(session, actor, school, user, name, updates.get("invite_email"), updates.get("invite_phone"),
                          username, roles)
    session.flush()
    audit.record(session, audit.Action.IMPORT, actor_id=actor.id, school_id=school.id, subject_type="staff",
                 detail=f"create={plan.count('create')} update={plan.count('update')}")
    return {"create": plan.count("create"), "update": plan.count("update"), "unchanged": plan.count("unchanged"),
            "invite": plan.count("invite")}


PersonAdded = accounts.Added


def add_staff_member(session: Session, actor: User, school: School, *, full_name: str, email: str | None,
                     phone: str | None, roles: list[str]) -> PersonAdded:
    """Add one staff member by hand, the same matching as the import (accounts.add_person): roles
    for one of the school's own people, an invitation for anyone else or anyone new."""
    name = nfc(full_name)
    if not name:
        raise ValidationError(_l("Nhập họ và tên."), field="full_name")
    if len(name) > 120:
        raise ValidationError(_l("Họ và tên quá dài."), field="full_name")
    if problem := printed_text_problem(" ".join(name.split()), _l("Họ và tên")):
        raise ValidationError(problem, field="full_name")
    email, phone = normalize_email(email), normalize_phone(phone)
    if not email and not phone:
        raise ValidationError(_l("Cần e-mail hoặc số điện thoại."), field="email")
    roles = [r for r in roles if r in ROLE_LABELS]
    if not roles:
        raise ValidationError(_l("Chọn ít nhất một vai trò."), field="roles")
    user = accounts.find_account(session, email=email, phone=phone, school=school)
    if user is not None and accounts.is_own(session, user, school) and fold(user.full_name) != fold(name):
        raise ValidationError(_l("Người của trường có e-mail/số điện thoại này mang tên “%(n)s”.", n=user.full_name),
                              field="email")
    added = accounts.add_person(session, actor, school, kind="staff", name=name, email=email, phone=phone, roles=roles)
    if added.user is not None:
        _upsert_staff(session, actor, school, added.user, name, None, None, None, roles)
    session.flush()
    return added


def add_guardian(session: Session, actor: User, school: School, student: Student, *, full_name: str,
                 phone: str | None, email: str | None, relation: str) -> PersonAdded:
    """A parent or guardian added to one pupil by hand (accounts.add_person): the link for one of
    the school's own people, an invitation for anyone else or anyone new."""
    if student.school_id != school.id:
        raise ValidationError(_l("Không tìm thấy."))
    name = nfc(full_name)
    if not name or len(name) > 120:
        raise ValidationError(_l("Nhập họ và tên phụ huynh.") if not name else _l("Họ và tên quá dài."),
                              field="full_name")
    phone, email = normalize_phone(phone), normalize_email(email)
    if not phone and not email:
        raise ValidationError(_l("Cần số điện thoại hoặc e-mail của phụ huynh."), field="phone")
    label = relation_label(relation)
    if label is None:
        raise ValidationError(_l("Quan hệ “%(v)s” không rõ; dùng Bố, Mẹ, Ông, Bà, Người giám hộ…", v=relation),
                              field="relation")
    user = accounts.find_account(session, email=email, phone=phone, school=school)
    if user is not None and accounts.is_own(session, user, school) and fold(user.full_name) != fold(name):
        raise ValidationError(_l("Số điện thoại/e-mail này đã thuộc phụ huynh “%(n)s” của trường, khác tên “%(v)s”.",
                                 n=user.full_name, v=name), field="full_name")
    added = accounts.add_person(session, actor, school, kind="parent", name=name, email=email,
                                phone=phone, student=student, relation=label)
    session.flush()
    return added


# ---------------------------------------------------------------- templates and exports

def sample_class(school: School | None, school_class: SchoolClass | None, start_year: int) -> tuple[str, str]:
    """The sample row's class and birth date: one of the school's own classes (its first grade
    otherwise) and a birth date of a pupil of that grade, so a primary school is never shown 6A1."""
    if school_class is not None:
        name, grade = school_class.name, school_class.grade
    else:
        grades = school.grades if school is not None and school.grades else [6]
        grade = grades[0]
        name = f"{grade}A" if grade <= 5 else f"{grade}A1"
    return name, f"05/09/{start_year - 5 - grade}"


def student_template(school: School | None = None, school_class: SchoolClass | None = None,
                     start_year: int = 2026) -> bytes:
    class_name, born = sample_class(school, school_class, start_year)
    sample = [["HS0001", "Nguyễn Văn An", born, "Nam", class_name, "Phường Tân Định, TP. Hồ Chí Minh",
               "Nguyễn Văn Bình", "Bố", "0912345678", "binh.nguyen@example.com", "Quận 3, TP. Hồ Chí Minh",
               "Xã Tân Phú, tỉnh Đồng Tháp", "Kinh", "Việt Nam", "", "", "", "", "0987654321", "Kỹ sư", "1985"]]
    notes = [_("Cột có dấu * là bắt buộc. Mỗi dòng là một học sinh với một phụ huynh."),
             _("Học sinh có hai phụ huynh: lặp lại mã học sinh ở dòng thứ hai với phụ huynh còn lại."),
             _("Ngày sinh ghi ngày/tháng/năm. Giới tính: Nam hoặc Nữ. Lớp phải có sẵn trong năm học hiện tại."),
             _("Quan hệ: Bố, Mẹ, Ông, Bà, Người giám hộ… Phụ huynh được nhận ra theo số điện thoại hoặc e-mail."),
             _("Nhập lại cùng tệp không tạo bản ghi trùng: học sinh được nhận ra theo mã học sinh."),
             _("Các cột từ “Nơi sinh” trở đi không bắt buộc. Danh sách xuất từ CSDL ngành hoặc phần mềm quản lý "
               "trường (có dòng tiêu đề phía trên, cột Họ tên cha, Họ tên mẹ…) cũng nhập được nguyên như vậy.")]
    return write_workbook("Học sinh", STUDENT_HEADERS + PROFILE_HEADERS, sample,
                          widths=[14, 26, 12, 10, 8, 34, 26, 12, 16, 28] + [22] * len(PROFILE_HEADERS), notes=notes)


def staff_template() -> bytes:
    sample = [["Trần Thị Mai", "mai.tt", "mai.tran@example.com", "0987654321", "Giáo viên"]]
    notes = [_("Cột có dấu * là bắt buộc. Cần e-mail hoặc số điện thoại."),
             _("Vai trò: Giáo viên, Kế toán, Quản trị; nhiều vai trò cách nhau bằng dấu phẩy.")]
    return write_workbook("Nhân sự", STAFF_HEADERS, sample, widths=[26, 16, 30, 16, 22], notes=notes)


def export_students(session: Session, school: School, year: SchoolYear | None) -> bytes:
    stmt = (select(Student, SchoolClass.name).outerjoin(
        Enrollment, (Enrollment.student_id == Student.id) & (Enrollment.school_year_id == (year.id if year else 0)))
        .outerjoin(SchoolClass, SchoolClass.id == Enrollment.class_id)
        .where(Student.school_id == school.id).order_by(SchoolClass.name, Student.sort_name))
    links: dict[int, list[Guardianship]] = {}
    for g in session.scalars(select(Guardianship).join(Student).where(Student.school_id == school.id)):
        links.setdefault(g.student_id, []).append(g)
    rows = []
    for student, class_name in session.execute(stmt):
        base = [student.student_code, student.full_name,
                student.birth_date.strftime("%d/%m/%Y") if student.birth_date else "",
                {"nam": "Nam", "nu": "Nữ"}.get(student.gender or "", ""), class_name or "", student.address or ""]
        guardians = links.get(student.id) or [None]
        for g in guardians:
            rows.append(base + ([g.guardian.full_name, g.relation, g.guardian.phone or "", g.guardian.email or ""]
                                if g else ["", "", "", ""]) + [
                student.place_of_birth or "", student.hometown or "", student.ethnicity or "",
                student.nationality or "", student.moet_code or "", student.personal_id or "", student.email or "",
                student.phone or "", (g.second_phone or "") if g else "", (g.occupation or "") if g else "",
                (g.birth_year or "") if g else "", student.registration_number or "", student.policy_status or ""])
    return write_workbook("Học sinh", STUDENT_HEADERS + PROFILE_HEADERS, rows,
                          widths=[14, 26, 12, 10, 8, 34, 26, 12, 16, 28] + [22] * len(PROFILE_HEADERS))


def export_staff(session: Session, school: School) -> bytes:
    rows: dict[int, list] = {}
    stmt = (select(User, Membership.role).join(Membership).where(Membership.school_id == school.id,
                                                                  Membership.role.in_(list(ROLE_LABELS)))
            .order_by(User.sort_name))
    for user, role in session.execute(stmt):
        entry = rows.setdefault(user.id, [user.full_name, user.username, user.email or "", user.phone or "", []])
        entry[4].append(ROLE_LABELS[Role(role)])
    out = [r[:4] + [", ".join(r[4])] for r in rows.values()]
    return write_workbook("Nhân sự", STAFF_HEADERS, out, widths=[26, 16, 30, 16, 22])
