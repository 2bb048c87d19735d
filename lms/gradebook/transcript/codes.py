"""The Ministry's code lists, as far as they are published, and our stand-ins where they are not.

Known (moet.md §1): sex per QCVN 109:2017/BTTTT (0 unknown, 1 male, 2 female); learning results
T/K/Đ/CĐ (`data_green_g03_gddt028`); 0/1 flags; the level groups 01–05 (`manhomcaphoc`); dates
YYYY-MM-DD. Not published: the values of `macaphoc`, `makhoi`, `mamonhoc`, `dantoc`, `quoctich`,
`trangthaithongtinhocba`, `doituongchinhsach` and the format of `madinhdanhhocba`. For those we
send our own values, named in ASSUMED, and a deployment replaces any of them without a code change
through a JSON file (LMS_MOET_CODES_FILE: {"list name": {"our value": "Ministry code"}}).
Every record carries CODE_LIST_VERSION so a receiver knows which table it was coded with.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from lms.gradebook import tt22, tt27
from lms.i18n import lazy_gettext as _l

CODE_LIST_VERSION = "lms-moet-2026.1"

GENDER = {"nam": "1", "nu": "2"}                     # QCVN 109:2017/BTTTT; anything else → "0"
LEARNING = {tt22.TOT: "T", tt22.KHA: "K", tt22.DAT: "Đ", tt22.CHUA_DAT: "CĐ"}   # data_green_g03_gddt028
CONDUCT = LEARNING                                   # the same four levels (TT22 Điều 8)
LEVEL_GROUP = {"TH": "02", "THCS": "03", "THPT": "04"}   # manhomcaphoc
PRIMARY_RESULT = {tt27.HTXS: "HTXS", tt27.HTT: "HTT", tt27.HT: "HT", tt27.CHT: "CHT"}
PASS = {True: "Đ", False: "CĐ"}

# What a code means, for the pages that show a record (a bare "K" explains nothing to a reader).
RESULT_NAMES = {"T": _l("Tốt"), "K": _l("Khá"), "Đ": _l("Đạt"), "CĐ": _l("Chưa đạt"),
                "HTXS": _l("Hoàn thành xuất sắc"), "HTT": _l("Hoàn thành tốt"), "HT": _l("Hoàn thành"),
                "CHT": _l("Chưa hoàn thành")}
RESULT_FIELDS = {"hocky1", "hocky2", "canam", "canamsaukiemtralai", "renluyenhocky1", "renluyenhocky2",
                 "renluyencanam", "renluyensauhe", "ketquacanam"}
GENDER_NAMES = {0: _l("chưa có thông tin"), 1: _l("nam"), 2: _l("nữ")}
FLAG_FIELDS = {"duoclenlop", "cokhuyettatkhongdanhgia", "dahthanhctrinhlophoc", "dahthanhctrinhtieuhoc"}
FLAG_NAMES = {0: _l("không"), 1: _l("có")}


def meaning(field_name: str, value) -> str:
    """What the code `value` of the record's field means, in words ("" when it is not a code)."""
    if field_name in RESULT_FIELDS:
        return str(RESULT_NAMES.get(value, ""))
    if field_name == "gioitinh":
        return str(GENDER_NAMES.get(value, ""))
    if field_name in FLAG_FIELDS:
        return str(FLAG_NAMES.get(value, ""))
    return ""

# Lists whose Ministry values are not published, with what we send instead (README says the same).
ASSUMED = {
    "macaphoc": "the level-group code of manhomcaphoc (02 Tiểu học, 03 THCS, 04 THPT)",
    "makhoi": "the grade number, 1–12",
    "mamonhoc": "our subject code (toan, ngu_van, …)",
    "dantoc": "the ethnicity's name as written in the pupil's profile",
    "quoctich": "the nationality's name as written in the pupil's profile",
    "trangthaithongtinhocba": "our workflow state (issued, superseded, …)",
    "madinhdanhhocba": "HB.<matruong>.<mahocsinh>.<year>.<version>",
}


@dataclass
class CodeLists:
    """The code tables one record is written with: ours, overridden by the deployment's file."""
    overrides: dict[str, dict[str, str]] = field(default_factory=dict)

    def code(self, list_name: str, value: str | None) -> str:
        """The Ministry code of `value` in `list_name`; our value itself when no override maps it."""
        if value is None:
            return ""
        return self.overrides.get(list_name, {}).get(str(value), str(value))

    @classmethod
    def from_file(cls, path: str | Path | None) -> CodeLists:
        if not path:
            return cls()
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
            raise ValueError("LMS_MOET_CODES_FILE must hold {\"list\": {\"our value\": \"code\"}}")
        return cls({str(k): {str(a): str(b) for a, b in v.items()} for k, v in data.items()})


def flag(value: bool) -> int:
    """The Ministry's booleans: 0 = Không, 1 = Có."""
    return 1 if value else 0
