"""The facts every official document (văn bản hành chính) prints the same way, after Nghị định
30/2020/NĐ-CP: the place-and-date line and the titles of those who sign. Pure: no Flask; the
templates reach these through `pdf_base.html` and `macros/official.html`."""
from __future__ import annotations

from datetime import date

BLANK_DATE_LINE = "…, ngày … tháng … năm …"
_PLACE_PREFIXES = ("thành phố ", "tp. ", "tp ", "tỉnh ", "quận ", "huyện ", "thị xã ", "xã ", "phường ")


def date_line(place: str | None, day: date | None) -> str:
    """"Long Xuyên, ngày 06 tháng 12 năm 2026". A day below 10 and the months 1 and 2 take a
    leading zero (NĐ 30/2020, Phụ lục I); never a time. With no day, the blank form to fill by hand."""
    if day is None:
        return BLANK_DATE_LINE if not place else f"{place}, ngày … tháng … năm …"
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place or '…'}, ngày {day.day:02d} tháng {month} năm {day.year}"


def place_from_address(address: str | None) -> str | None:
    """The place name of the last part of an address ("…, tỉnh An Giang" → "An Giang")."""
    if not address:
        return None
    last = address.rstrip(" .").split(",")[-1].strip()
    lowered = last.lower()
    for prefix in _PLACE_PREFIXES:
        if lowered.startswith(prefix):
            last = last[len(prefix):].strip()
            break
    return last or None


def school_place(school) -> str | None:
    """The place a school's documents are dated at: its own setting, else its address."""
    return getattr(school, "place_name", None) or place_from_address(getattr(school, "address", None))


def department_place(department) -> str | None:
    """A department's place: its setting, else the name after "Sở/Phòng Giáo dục và Đào tạo"."""
    if getattr(department, "place_name", None):
        return department.place_name
    name = (getattr(department, "name", None) or "").strip()
    for marker in ("Giáo dục và Đào tạo", "GD&ĐT", "GDĐT"):
        if marker in name:
            rest = name.split(marker, 1)[1].strip(" -–")
            return place_from_address(rest) or None
    return None


def head_title(department) -> str:
    """The title of the head who signs for a department: Giám đốc (Sở) or Trưởng phòng (Phòng)."""
    return "GIÁM ĐỐC" if getattr(department, "kind", None) == "province" else "TRƯỞNG PHÒNG"

