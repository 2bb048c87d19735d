"""Which pupil a line of an imported file is: the one place every import that names pupils of a
class (a grade book, a teacher's own mark sheet) decides it.

- By the pupil's code when the line gives one: the code is the pupil (spaces and case aside).
- Otherwise by the full name within the class — as written first (accents kept), then with accents
  and case ignored (a sheet typed without accents) —, narrowed by the date of birth when the file
  gives one. A line whose name is nobody in the class, whose name and birth date disagree, or whose
  name is two pupils' and gives no birth date that tells them apart, is refused on its line with a
  sentence naming the name; it is never matched by guess.

`someone_else` is the student import's check that a line giving an existing code names another
child (both the name and the birth date differ).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from lms.core.tables import cell_text, to_date, unreal_date
from lms.core.text import fold, nfc
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext
from lms.people.models import Student

T = TypeVar("T")


class How:
    CODE = "code"
    NAME = "name"
    NAME_BIRTH = "name_birth"


@dataclass
class Found(Generic[T]):
    """A line's pupil (`row`), how it was found, or why none was (`refusal`, with the column it is about)."""
    row: T | None
    how: str = ""
    refusal: str = ""
    column: str = ""        # "code", "name" or "birth": the column the refusal is about

    @property
    def by_name(self) -> bool:
        return self.how in (How.NAME, How.NAME_BIRTH)


def _name(text: str) -> str:
    return " ".join(nfc(text).lower().split())


def _code(text: str) -> str:
    return cell_text(text).upper().replace(" ", "")


class Roster(Generic[T]):
    """The pupils of one class as the lines of a file may name them. `rows` are whatever the import
    holds per pupil (a grade-book row, a Student); `student` gives each one's Student."""

    def __init__(self, rows: Sequence[T], class_name: str, student: Callable[[T], Student] = lambda r: r):
        self.class_name = class_name
        self._student = student
        self._by_code = {s.student_code.upper(): r for r in rows for s in [student(r)]}
        self._by_name: dict[str, list[T]] = {}
        self._by_folded: dict[str, list[T]] = {}
        for r in rows:
            self._by_name.setdefault(_name(student(r).full_name), []).append(r)
            self._by_folded.setdefault(fold(_name(student(r).full_name)), []).append(r)

    def find(self, code: object, name: object, birth: object = None) -> Found[T]:
        """The pupil a line names: by `code` when it is given, else by `name` and `birth` (see the module)."""
        code_text = _code(cell_text(code)) if code is not None else ""
        if code_text:
            row = self._by_code.get(code_text)
            if row is None:
                return Found(None, refusal=str(_l("không có học sinh mã này trong lớp %(c)s.", c=self.class_name)),
                             column="code")
            return Found(row, How.CODE)
        written = _name(cell_text(name))
        if not written:
            return Found(None, refusal=str(_l("dòng không có mã học sinh, cũng không có họ tên: không biết là học sinh "
                                              "nào.")), column="name")
        shown = " ".join(nfc(cell_text(name)).split())
        candidates = self._by_name.get(written) or self._by_folded.get(fold(written), [])
        if not candidates:
            return Found(None, refusal=str(_l("không có học sinh tên “%(n)s” trong lớp %(c)s.", n=shown,
                                              c=self.class_name)), column="name")
        try:
            day = to_date(birth)
        except (ValueError, OverflowError):
            why = unreal_date(birth)
            return Found(None, refusal=str(_l("Ngày sinh: %(r)s", r=why) if why else
                                           _l("Ngày sinh “%(v)s” không đúng dạng ngày/tháng/năm.", v=cell_text(birth))),
                         column="birth")
        if day is not None:
            same = [r for r in candidates if self._student(r).birth_date == day]
            if not same:
                return Found(None, refusal=str(_l("học sinh tên “%(n)s” của lớp %(c)s không sinh ngày %(d)s: kiểm tra "
                                                  "lại họ tên hoặc ngày sinh.", n=shown, c=self.class_name,
                                                  d=day.strftime("%d/%m/%Y"))), column="birth")
            if len(same) == 1:
                return Found(same[0], How.NAME_BIRTH)
            candidates = same
        if len(candidates) > 1:
            return Found(None, refusal=ngettext(
                "lớp %(c)s có %(k)s học sinh tên “%(n)s”: thêm cột Mã học sinh (hoặc Ngày sinh nếu các em sinh khác "
                "ngày) để biết dòng này là em nào.",
                "lớp %(c)s có %(k)s học sinh tên “%(n)s”: thêm cột Mã học sinh (hoặc Ngày sinh nếu các em sinh khác "
                "ngày) để biết dòng này là em nào.", len(candidates), c=self.class_name, k=len(candidates), n=shown),
                column="name")
        return Found(candidates[0], How.NAME)


def someone_else(student: Student, name: str, birth: date | None) -> bool:
    """Whether a line names another child than the pupil with its code: both the name (accents and
    case aside) and the birth date differ. One of them alone is a correction."""
    return (fold(student.full_name) != fold(name) and birth is not None and student.birth_date is not None
            and student.birth_date != birth)
