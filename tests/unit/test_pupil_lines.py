"""Which pupil a line of an imported file is (lms/people/pupil_lines.py): by code, else by name
within the class, narrowed by the birth date; never by guess (issue #23, finding 10)."""
from datetime import date
from types import SimpleNamespace

from lms.people.pupil_lines import How, Roster


def pupil(code, name, born):
    return SimpleNamespace(student_code=code, full_name=name, birth_date=born)


CLASS = [pupil("HS001", "Nguyễn Văn An", date(2014, 9, 5)),
         pupil("HS002", "Trần Thị Bình", date(2014, 3, 12)),
         pupil("HS003", "Trần Thị Bình", date(2014, 7, 1)),
         pupil("HS004", "Lê Văn Ân", date(2014, 1, 2)),
         pupil("HS005", "Lê Văn An", date(2014, 2, 3))]
ROSTER = Roster(CLASS, "6A1")


def test_a_code_decides_whatever_the_name_says():
    found = ROSTER.find(" hs 001", "Người Khác", "01/01/2000")
    assert found.row is CLASS[0] and found.how == How.CODE
    unknown = ROSTER.find("HS999", "Nguyễn Văn An")
    assert unknown.row is None and unknown.column == "code" and "không có học sinh mã này trong lớp 6A1" in unknown.refusal


def test_without_a_code_a_unique_name_is_the_pupil_accents_and_case_aside_when_typed_without_them():
    assert ROSTER.find("", "nguyễn  văn an").row is CLASS[0]
    assert ROSTER.find(None, "NGUYEN VAN AN").row is CLASS[0]
    assert ROSTER.find("", "Nguyễn Văn An").how == How.NAME


def test_a_name_written_with_accents_is_that_pupil_not_the_near_one():
    assert ROSTER.find("", "Lê Văn Ân").row is CLASS[3]
    assert ROSTER.find("", "Lê Văn An").row is CLASS[4]
    # Typed without accents it is both: refused, the birth date tells them apart.
    both = ROSTER.find("", "Le Van An")
    assert both.row is None and "lớp 6A1 có 2 học sinh tên “Le Van An”" in both.refusal
    assert ROSTER.find("", "Le Van An", "02/01/2014").row is CLASS[3]


def test_two_pupils_of_one_name_need_the_birth_date_or_the_code():
    found = ROSTER.find("", "Trần Thị Bình")
    assert found.row is None and found.column == "name"
    assert "lớp 6A1 có 2 học sinh tên “Trần Thị Bình”: thêm cột Mã học sinh" in found.refusal
    second = ROSTER.find("", "Trần Thị Bình", date(2014, 7, 1))
    assert second.row is CLASS[2] and second.how == How.NAME_BIRTH
    assert ROSTER.find("", "Trần Thị Bình", "12/03/2014").row is CLASS[1]


def test_an_unknown_name_or_a_birth_date_that_is_not_the_pupils_is_refused_naming_them():
    nobody = ROSTER.find("", "Phạm Văn Cường")
    assert nobody.row is None and nobody.refusal == "không có học sinh tên “Phạm Văn Cường” trong lớp 6A1."
    wrong = ROSTER.find("", "Nguyễn Văn An", "06/09/2014")
    assert wrong.row is None and wrong.column == "birth"
    assert "“Nguyễn Văn An” của lớp 6A1 không sinh ngày 06/09/2014" in wrong.refusal
    unreal = ROSTER.find("", "Nguyễn Văn An", "31/02/2014")
    assert unreal.row is None and unreal.column == "birth" and "31/02/2014" in unreal.refusal
    empty = ROSTER.find("", "  ")
    assert empty.row is None and "không có mã học sinh, cũng không có họ tên" in empty.refusal
