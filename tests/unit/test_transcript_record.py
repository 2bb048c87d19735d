"""The national transcript record: built from a report card's snapshot in the Ministry's names and
codes, checked against the pupil's identity, exported as JSON and XML that validate against our
schemas (and fail them when broken)."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest

from lms.gradebook.transcript import exports
from lms.gradebook.transcript.codes import CodeLists
from lms.gradebook.transcript.record import (PRIMARY, SECONDARY, Identity, SchoolCodes, build_record, id_birth_year,
                                             identity_gaps, identity_problems)

SECONDARY_SNAPSHOT = {
    "format": "lms-hocba/1", "kind": "tt22", "rules": "TT22/2021", "year": "2025-2026", "class": "8A1", "grade": 8,
    "homeroom_teacher": "Phạm Thu Hà", "principal": "Nguyễn Văn Hiệu",
    "school": {"code": "THCS-ND", "name": "Trường THCS Nguyễn Du", "address": "", "department": "Sở GD&ĐT An Giang"},
    "student": {"code": "8910000023", "name": "Lê Minh Anh", "birth_date": "05/09/2012", "gender": "Nữ", "address": ""},
    "subjects": [
        {"name": "Toán", "assessment": "score", "hk1": "8,5", "hk2": "9,0", "year": "8,8", "retest": "", "remark": "Tiến bộ",
         "teacher": "Trần Văn Bình"},
        {"name": "Giáo dục thể chất", "assessment": "comment", "hk1": "Đ", "hk2": "Đ", "year": "Đ", "retest": "",
         "remark": "", "teacher": ""},
        {"name": "Ngữ văn", "assessment": "score", "hk1": "4,0", "hk2": "4,5", "year": "4,3", "retest": "6,0",
         "remark": "", "teacher": ""},
    ],
    "learning": {"hk1": "Khá", "hk2": "Tốt", "year": "Đạt", "year_base": "Đạt", "culprit": "", "after_retest": "Khá"},
    "conduct": {"hk1": "Tốt", "hk2": "Tốt", "year": "Tốt", "after_training": ""},
    "absences": {"excused": 2, "unexcused": 1}, "decision": "Lên lớp", "award": "", "homeroom_comment": "Chăm ngoan",
}

PRIMARY_SNAPSHOT = {
    "kind": "tt27", "rules": "TT27/2020", "year": "2025-2026", "class": "5A", "grade": 5, "homeroom_teacher": "Cô Lan",
    "principal": "Thầy Hùng", "student": {}, "school": {},
    "subjects": [{"name": "Toán", "level": "T", "test": 9, "comment": "Giỏi tính nhẩm", "teacher": "Cô Lan"},
                 {"name": "Đạo đức", "level": "H", "test": None, "comment": "", "teacher": ""}],
    "qualities": [{"code": "yeu_nuoc", "level": "T"}], "competences": [{"code": "tu_chu", "level": "D"}],
    "result": "Hoàn thành tốt", "award": "", "absences": {"excused": 0, "unexcused": 0}, "homeroom_comment": "",
}

SCHOOL = SchoolCodes(school_code="89001501", department_code="89", level="THCS",
                     place_of_issue="Long Xuyên", school_name="Trường THCS Nguyễn Du")


def identity(**kw) -> Identity:
    base = dict(name="Lê Minh Anh", moet_code="8910000023", birth_date=date(2012, 9, 5), gender="nu",
                personal_id="089312001234", ethnicity="Kinh", nationality="Việt Nam", birth_place="An Giang",
                address="Long Xuyên", mother="Trần Thị Mai")
    base.update(kw)
    return Identity(**base)


def secondary(**kw) -> dict:
    return build_record(SECONDARY_SNAPSHOT, identity(**kw), SCHOOL, subject_codes={"Toán": "toan", "Ngữ văn": "ngu_van",
                        "Giáo dục thể chất": "gdtc"}, history=[{"namhoc": "2024-2025", "tenlop": "7A1",
                        "matruong": "89001501", "tentruong": "Trường THCS Nguyễn Du"}], version=2, state="issued",
                        issue_date=date(2026, 6, 1))


def test_secondary_record_in_the_ministry_names_and_codes():
    r = secondary()
    assert r["table"] == SECONDARY
    rec = r["record"]
    assert rec["gioitinh"] == 2 and rec["ngaysinh"] == "2012-09-05"          # QCVN 109 and YYYY-MM-DD
    assert (rec["hocky1"], rec["hocky2"], rec["canam"], rec["canamsaukiemtralai"]) == ("K", "T", "Đ", "K")
    assert rec["duoclenlop"] == 1 and rec["cokhuyettatkhongdanhgia"] == 0
    assert rec["matruong"] == "89001501" and rec["macaphoc"] == "03" and rec["makhoi"] == "8"
    assert rec["madinhdanhhocba"] == "HB.89001501.8910000023.2025.2"
    scores = rec[f"{SECONDARY}_bangdiem"]
    assert [s["mamonhoc"] for s in scores] == ["toan", "gdtc", "ngu_van"]
    assert scores[0]["diemcanam"] == "8.8" and scores[1]["diemcanam"] == "Đ" and scores[2]["diemkiemtralai"] == "6.0"
    assert all(s[f"key{SECONDARY}"] == rec[f"key{SECONDARY}"] for s in scores)   # the child points to its parent
    assert rec[f"{SECONDARY}_quatrinhhoctap"][0]["tenlop"] == "7A1"


def test_the_signers_title_is_the_one_the_pdf_prints():
    """chucvugiamhieu is read from the snapshot the PDF is rendered from (the school's signer, set
    once on the school's page), never typed a second time for the XML."""
    assert secondary()["record"]["chucvugiamhieu"] == "Hiệu trưởng"
    deputy = {**SECONDARY_SNAPSHOT, "signer_over": "KT. HIỆU TRƯỞNG", "signer_title": "PHÓ HIỆU TRƯỞNG",
              "principal": "Trần Thị Phó"}
    rec = build_record(deputy, identity(), SCHOOL, subject_codes={}, history=[], version=1, state="issued",
                       issue_date=None)["record"]
    assert (rec["chucvugiamhieu"], rec["hotengiamhieu"]) == ("Phó hiệu trưởng", "Trần Thị Phó")


def test_primary_record():
    school = SchoolCodes("79000101", "79", "TH", "Quận 1", "Trường Tiểu học Lê Lợi")
    r = build_record(PRIMARY_SNAPSHOT, identity(), school, subject_codes={"Toán": "toan"}, history=[], version=1,
                     state="issued", issue_date=None)
    rec = r["record"]
    assert r["table"] == PRIMARY and rec["ketquacanam"] == "HTT"
    assert rec["dahthanhctrinhlophoc"] == 1 and rec["dahthanhctrinhtieuhoc"] == 1 and rec["macaphoc"] == "02"
    rows = rec[f"{PRIMARY}_dsbangdiem"]
    assert rows[0]["mucdatduoc"] == "T" and rows[0]["diemktdk"] == "9" and rows[1]["diemktdk"] == ""
    assert [q["muc"] for q in rec[f"{PRIMARY}_phamchatnangluc"]] == ["T", "Đ"]


def test_code_overrides_from_the_deployment_file(tmp_path):
    path = tmp_path / "codes.json"
    path.write_text(json.dumps({"mamonhoc": {"toan": "MH01"}, "dantoc": {"Kinh": "01"}}), encoding="utf-8")
    codes = CodeLists.from_file(path)
    r = build_record(SECONDARY_SNAPSHOT, identity(), SCHOOL, subject_codes={"Toán": "toan"}, history=[], version=1,
                     state="issued", issue_date=None, codes=codes)
    assert r["record"]["dantoc"] == "01" and r["record"][f"{SECONDARY}_bangdiem"][0]["mamonhoc"] == "MH01"
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ValueError):
        CodeLists.from_file(bad)


@pytest.mark.parametrize(("pid", "expected"), [("089312001234", ("nu", 2012)), ("001099000001", ("nam", 1999)),
                                               ("001212000001", ("nam", 2012)), ("0012120000", None),
                                               ("001912000001", None)])
def test_sex_and_year_written_in_the_personal_id(pid, expected):
    assert id_birth_year(pid) == expected


def test_identity_problems_say_what_is_missing_or_disagrees():
    assert identity_problems(identity()) == []
    assert identity_problems(identity(personal_id=None)) == ["chưa có số định danh cá nhân"]
    assert "phải gồm đúng 12 chữ số" in identity_problems(identity(personal_id="08931200"))[0]
    wrong = identity_problems(identity(personal_id="089212001234"))    # 2 = a boy born in the 2000s
    assert wrong == ["số định danh cá nhân ghi giới tính nam, hồ sơ ghi nữ"]
    year = identity_problems(identity(personal_id="089311001234"))
    assert year == ["số định danh cá nhân ghi năm sinh 2011, hồ sơ ghi 2012"]
    assert "chưa có ngày sinh" in identity_problems(identity(birth_date=None))
    assert identity_gaps(identity(ethnicity=None, mother="")) == ["dân tộc", "cha, mẹ hoặc người giám hộ"]


@pytest.mark.parametrize("province", ["000", "003", "097", "100", "999"])
def test_a_personal_id_whose_province_code_does_not_exist_is_refused_everywhere(province):
    """The first three digits are the code of the province where the birth was registered: one that
    no province has is refused by the transcript's check and by the pupil's profile (and import)."""
    from lms.core.personal_ids import personal_id_problem
    from lms.people.profile import clean_profile

    pid = f"{province}312001234"
    said = f"ba chữ số đầu của số định danh cá nhân ({province}) không phải mã tỉnh"
    assert said in personal_id_problem(pid)
    assert [p for p in identity_problems(identity(personal_id=pid)) if said in p]
    clean, errors = clean_profile({"personal_id": pid})
    assert "personal_id" not in clean and said.capitalize() in errors["personal_id"]
    for known in ("001", "079", "089", "096"):          # Hà Nội, TP HCM, An Giang, Cà Mau
        assert personal_id_problem(f"{known}312001234") is None


def _doc(records):
    return exports.document(records, scope="lop", scope_id="8A1 2025-2026",
                            created_at=datetime(2026, 6, 2, 3, 0, tzinfo=timezone.utc), base_url="https://lms.example")


def test_exports_validate_against_our_schemas():
    school = SchoolCodes("79000101", "79", "TH", "Quận 1", "Lê Lợi")
    primary = build_record(PRIMARY_SNAPSHOT, identity(), school, subject_codes={}, history=[], version=1,
                           state="drafted", issue_date=None)
    doc = _doc([secondary(), primary])
    assert exports.json_errors(doc) == []
    assert exports.xml_errors(exports.to_xml(doc)) == []
    assert json.loads(exports.to_json(doc)) == doc


def test_broken_exports_fail_the_schemas():
    doc = _doc([secondary()])
    doc[SECONDARY][0]["gioitinh"] = 3
    doc[SECONDARY][0]["hocky1"] = ""          # an assessed pupil needs the term result (moet.md §1.2)
    doc[SECONDARY][0][f"{SECONDARY}_bangdiem"][0]["diemcanam"] = "8,8"
    errors = exports.json_errors(doc)
    assert len(errors) == 3 and any("gioitinh" in e for e in errors)
    xml_errors = exports.xml_errors(exports.to_xml(doc))
    assert any("gioitinh" in e for e in xml_errors) and any("diemcanam" in e for e in xml_errors)
    extra = _doc([secondary()])
    extra[SECONDARY][0]["unknown"] = "x"
    assert exports.json_errors(extra) and exports.xml_errors(exports.to_xml(extra))
