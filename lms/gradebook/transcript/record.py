"""A pupil's year as a record of the Ministry's national data model (moet.md §1): the table
`thongtinsohocbasothcsthpt` (grades 6–12) or `thongtinsohocbasotieuhoc` (grades 1–5) with its
child tables, filled from the report card's snapshot (the grade book's figures, assembled once by
lms.gradebook.reportcards), the pupil's identity and the school's Ministry codes. Pure: no
database, no Flask.

Field names are the Ministry's where moet.md lists them; fields it does not list (it shows about
twelve columns per table) are ours, in the same style, and listed in EXTENSION_FIELDS so the
README, the schemas and a receiver can tell them apart. The identity check says what stops a
pupil's transcript from being signed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lms.core.personal_ids import PERSONAL_ID, personal_id_problem
from lms.gradebook import tt22
from lms.gradebook.transcript.codes import (CODE_LIST_VERSION, CONDUCT, GENDER, LEARNING, LEVEL_GROUP, PRIMARY_RESULT,
                                            CodeLists, flag)
from lms.i18n import lazy_gettext as _l

SECONDARY = "thongtinsohocbasothcsthpt"
PRIMARY = "thongtinsohocbasotieuhoc"
TABLES = {SECONDARY: (f"{SECONDARY}_bangdiem", f"{SECONDARY}_quatrinhhoctap", f"{SECONDARY}_chungchi"),
          PRIMARY: (f"{PRIMARY}_dsbangdiem", f"{PRIMARY}_quatrinhhoctap", f"{PRIMARY}_phamchatnangluc")}

# Columns we add to the Ministry's published ones (moet.md lists only part of each table).
EXTENSION_FIELDS = frozenset({
    "ngaysinh", "sodinhdanhcanhan", "mahosohoctap", "noisinh", "noiohientai", "namhoc", "tenlop",
    "canamsaukiemtralai", "renluyenhocky1", "renluyenhocky2", "renluyencanam", "renluyensauhe",
    "songaynghicophep", "songaynghikhongphep", "quyetdinh", "danhhieu", "nhanxetgvcn", "hotengvcn",
    "hotengiamhieu", "ngayphathanh", "quyche", "bangma", "ketquacanam", "khenthuong",
    "tenmonhoc", "hinhthucdanhgia", "diemhocky1", "diemhocky2", "diemcanam", "diemkiemtralai", "nhanxet",
    "giaovien", "mucdatduoc", "diemktdk", "tentruong", "loai", "ma", "muc", "tenchungchi", "ngaycap",
    "thaythehocba", "lydodieuchinh",
})



@dataclass
class Identity:
    """What the identity page of the transcript says about the pupil."""
    name: str
    moet_code: str                 # mahocsinh: the pupil's code in the sector database
    birth_date: date | None
    gender: str | None             # "nam" | "nu"
    personal_id: str | None
    record_code: str | None = None
    ethnicity: str | None = None
    nationality: str | None = None
    birth_place: str | None = None
    address: str | None = None
    father: str = ""
    mother: str = ""
    guardian: str = ""
    policy: str = ""               # doituongchinhsach


@dataclass
class SchoolCodes:
    school_code: str               # matruong (the sector database's; nothing is frozen while it is not set)
    department_code: str           # masogd
    level: str                     # TH | THCS | THPT
    place_of_issue: str            # diadanhphathanh
    school_name: str


def id_birth_year(personal_id: str) -> tuple[str, int] | None:
    """Sex and birth year written in a 12-digit personal ID (NĐ 137/2015 Điều 7): the 4th digit
    is the century and sex (0/1: 1900s male/female, 2/3: 2000s, 4/5: 2100s), the 5th–6th the year."""
    if not PERSONAL_ID.fullmatch(personal_id or ""):
        return None
    code = int(personal_id[3])
    if code > 5:
        return None
    century = 1900 + 100 * (code // 2)
    return ("nam" if code % 2 == 0 else "nu"), century + int(personal_id[4:6])


def identity_problems(identity: Identity) -> list[str]:
    """Why this pupil's transcript cannot be signed yet, in words for the page (empty: it can)."""
    out = []
    if not identity.name.strip():
        out.append(str(_l("chưa có họ tên")))
    if not identity.birth_date:
        out.append(str(_l("chưa có ngày sinh")))
    if identity.gender not in GENDER:
        out.append(str(_l("chưa có giới tính")))
    pid = (identity.personal_id or "").strip()
    if not pid:
        out.append(str(_l("chưa có số định danh cá nhân")))
    elif personal_id_problem(pid):
        out.append(personal_id_problem(pid))
    else:
        out += id_disagreements(pid, identity.gender, identity.birth_date)
    return out


def id_disagreements(pid: str, gender: str | None, birth_date) -> list[str]:
    """Where a well-formed personal ID number disagrees with the pupil's profile: its fourth digit
    (century and sex) and its year of birth — the one check the identity page's save and the
    transcript's readiness both make."""
    written = id_birth_year(pid)
    if written is None:
        return [str(_l("chữ số thứ tư của số định danh cá nhân (%(v)s) không phải mã thế kỷ và giới tính", v=pid))]
    out = []
    sex, year = written
    if gender in GENDER and sex != gender:
        out.append(str(_l("số định danh cá nhân ghi giới tính %(a)s, hồ sơ ghi %(b)s",
                          a=_gender_word(sex), b=_gender_word(gender))))
    if birth_date and year != birth_date.year:
        out.append(str(_l("số định danh cá nhân ghi năm sinh %(a)s, hồ sơ ghi %(b)s", a=year, b=birth_date.year)))
    return out


def identity_gaps(identity: Identity) -> list[str]:
    """What the identity page will leave empty (it does not stop signing)."""
    gaps = []
    for value, label in ((identity.ethnicity, _l("dân tộc")), (identity.nationality, _l("quốc tịch")),
                         (identity.birth_place, _l("nơi sinh")), (identity.address, _l("nơi ở hiện nay"))):
        if not (value or "").strip():
            gaps.append(str(label))
    if not (identity.father or identity.mother or identity.guardian):
        gaps.append(str(_l("cha, mẹ hoặc người giám hộ")))
    return gaps


def _gender_word(code: str | None) -> str:
    return str({"nam": _l("nam"), "nu": _l("nữ")}.get(code or "", _l("chưa rõ")))


def _score(value: str) -> str:
    """The report card writes 8,5 / Đ / CĐ; the data model a decimal point."""
    return (value or "").replace(",", ".")


def leader_title(snapshot: dict) -> str:
    """chucvugiamhieu: the title the PDF prints above the school's signature ("HIỆU TRƯỞNG", or
    "PHÓ HIỆU TRƯỞNG" for a deputy signing KT.), from the same frozen snapshot, so that the two
    documents never disagree (the school's signer is set once, on the school's page)."""
    title = " ".join((snapshot.get("signer_title") or "HIỆU TRƯỞNG").split())
    return title[:1].upper() + title[1:].lower()


def transcript_id(school_code: str, moet_code: str, year: str, version: int) -> str:
    return f"HB.{school_code}.{moet_code}.{year[:4]}.{version}"


def build_record(snapshot: dict, identity: Identity, school: SchoolCodes, *, subject_codes: dict[str, str],
                 history: list[dict], version: int, state: str, issue_date: date | None,
                 codes: CodeLists | None = None) -> dict:
    """The national record of one pupil's year. `snapshot` is the report card's (kind tt22 or
    tt27); `subject_codes` maps a subject's name to our code; `history` lists earlier years
    ({namhoc, tenlop, matruong, tentruong})."""
    codes = codes or CodeLists()
    primary = snapshot.get("kind") == "tt27"
    table = PRIMARY if primary else SECONDARY
    key = f"{school.school_code}.{identity.moet_code}.{snapshot['year'][:4]}"
    head = {
        f"key{table}": key,
        "trangthaithongtinhocba": codes.code("trangthaithongtinhocba", state),
        "madinhdanhhocba": transcript_id(school.school_code, identity.moet_code, snapshot["year"], version),
        "masogd": school.department_code,
        "matruong": school.school_code,
        "macaphoc": codes.code("macaphoc", LEVEL_GROUP[school.level]),
        "mahocsinh": identity.moet_code,
        "makhoi": codes.code("makhoi", str(snapshot["grade"])),
        "hovaten": identity.name,
        "ngaysinh": identity.birth_date.isoformat() if identity.birth_date else "",
        "gioitinh": int(GENDER.get(identity.gender or "", "0")),
        "dantoc": codes.code("dantoc", identity.ethnicity or ""),
        "quoctich": codes.code("quoctich", identity.nationality or ""),
        "sodinhdanhcanhan": identity.personal_id or "",
        "mahosohoctap": identity.record_code or "",
        "noisinh": identity.birth_place or "",
        "noiohientai": identity.address or "",
        "hotencha": identity.father,
        "hotenme": identity.mother,
        "hotennguoigiamho": identity.guardian,
        "doituongchinhsach": codes.code("doituongchinhsach", identity.policy),
        "namhoc": snapshot["year"],
        "tenlop": snapshot["class"],
    }
    head.update(_primary_results(snapshot) if primary else _secondary_results(snapshot))
    head.update({
        "cokhuyettatkhongdanhgia": 0,
        "nhanxetgvcn": snapshot.get("homeroom_comment", ""),
        "hotengvcn": snapshot.get("homeroom_teacher", ""),
        "hotengiamhieu": snapshot.get("principal", ""),
        "chucvugiamhieu": leader_title(snapshot),
        "diadanhphathanh": school.place_of_issue,
        "ngayphathanh": issue_date.isoformat() if issue_date else "",
        "quyche": snapshot.get("rules", ""),
        # A correction says which issued version it replaces and why (the PDF prints the same).
        "thaythehocba": (snapshot.get("replaces") or {}).get("record_id", ""),
        "lydodieuchinh": (snapshot.get("replaces") or {}).get("reason", ""),
        "bangma": CODE_LIST_VERSION,
    })
    scores_table, history_table, third_table = TABLES[table]
    rows = []
    for n, subject in enumerate(snapshot["subjects"], start=1):
        row = {f"key{scores_table}": f"{key}.{n}", f"key{table}": key,
               "mamonhoc": codes.code("mamonhoc", subject_codes.get(subject["name"], "")),
               "tenmonhoc": subject["name"]}
        row.update(_primary_subject(subject) if primary else _secondary_subject(subject))
        rows.append(row)
    head[scores_table] = rows
    head[history_table] = [{f"key{history_table}": f"{key}.{n}", f"key{table}": key, **h}
                           for n, h in enumerate(history, start=1)]
    if primary:
        head[third_table] = [
            {f"key{third_table}": f"{key}.{n}", f"key{table}": key, "loai": kind, "ma": item["code"],
             "muc": {"D": "Đ"}.get(item["level"], item["level"])}
            for n, (kind, item) in enumerate(
                [("phamchat", q) for q in snapshot.get("qualities", [])]
                + [("nangluc", c) for c in snapshot.get("competences", [])], start=1)]
    else:
        head[third_table] = []   # certificates (chứng chỉ): none recorded by the grade book
    return {"table": table, "record": head}


def _secondary_results(s: dict) -> dict:
    learning, conduct, absences = s["learning"], s["conduct"], s["absences"]
    decision = s.get("decision") or ""
    return {
        "hocky1": LEARNING.get(learning.get("hk1") or "", ""),
        "hocky2": LEARNING.get(learning.get("hk2") or "", ""),
        "canam": LEARNING.get(learning.get("year") or "", ""),
        "canamsaukiemtralai": LEARNING.get(learning.get("after_retest") or "", ""),
        "renluyenhocky1": CONDUCT.get(conduct.get("hk1") or "", ""),
        "renluyenhocky2": CONDUCT.get(conduct.get("hk2") or "", ""),
        "renluyencanam": CONDUCT.get(conduct.get("year") or "", ""),
        "renluyensauhe": CONDUCT.get(conduct.get("after_training") or "", ""),
        "songaynghicophep": int(absences.get("excused") or 0),
        "songaynghikhongphep": int(absences.get("unexcused") or 0),
        "duoclenlop": flag(decision == tt22.LEN_LOP),
        "quyetdinh": decision,
        "danhhieu": s.get("award") or "",
    }


def _primary_results(s: dict) -> dict:
    result = s.get("result") or ""
    completed = PRIMARY_RESULT.get(result, "") in ("HTXS", "HTT", "HT")
    return {
        "ketquacanam": PRIMARY_RESULT.get(result, ""),
        "khenthuong": s.get("award") or "",
        "songaynghicophep": int(s["absences"].get("excused") or 0),
        "songaynghikhongphep": int(s["absences"].get("unexcused") or 0),
        "dahthanhctrinhlophoc": flag(completed),
        "dahthanhctrinhtieuhoc": flag(completed and int(s["grade"]) == 5),
        "duoclenlop": flag(completed),
    }


def _secondary_subject(sub: dict) -> dict:
    return {"hinhthucdanhgia": "NX" if sub.get("assessment") == "comment" else "D",
            "diemhocky1": _score(sub.get("hk1", "")), "diemhocky2": _score(sub.get("hk2", "")),
            "diemcanam": _score(sub.get("year", "")), "diemkiemtralai": _score(sub.get("retest", "")),
            "nhanxet": sub.get("remark", ""), "giaovien": sub.get("teacher", "")}


def _primary_subject(sub: dict) -> dict:
    test = sub.get("test")
    return {"mucdatduoc": sub.get("level", ""), "diemktdk": "" if test in (None, "") else str(test),
            "nhanxet": sub.get("comment", ""), "giaovien": sub.get("teacher", "")}


def is_extension(field_name: str) -> bool:
    return field_name in EXTENSION_FIELDS
