"""The personal identification number (số định danh cá nhân, the number on the CCCD): the one check
of its form, for every place that takes one (the pupil's profile and import, the transcript).

Its 12 digits are (Nghị định 137/2015/NĐ-CP Điều 7; the province codes listed by Thông tư
07/2016/TT-BCA, now 59/2021/TT-BCA): the three-digit code of the province where the birth was registered, one digit for the century of birth and sex, the last
two digits of the year of birth, and six random digits. The province codes are those of the
national list of administrative units (the 63 provinces before 1 July 2025; the 34 provinces after
the merger keep one of their old codes, so numbers issued since stay within the same list).
"""
from __future__ import annotations

import re

from lms.i18n import lazy_gettext as _l

PERSONAL_ID = re.compile(r"\d{12}")
PROVINCE_CODES = frozenset((
    "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019", "020", "022", "024",
    "025", "026", "027", "030", "031", "033", "034", "035", "036", "037", "038", "040", "042", "044", "045",
    "046", "048", "049", "051", "052", "054", "056", "058", "060", "062", "064", "066", "067", "068", "070",
    "072", "074", "075", "077", "079", "080", "082", "083", "084", "086", "087", "089", "091", "092", "093",
    "094", "095", "096"))


def personal_id_problem(value: str) -> str | None:
    """Why `value` (spaces and dots already removed) is not a personal identification number, in
    words for the page; None when its form is right (12 digits, a province code that exists)."""
    if not PERSONAL_ID.fullmatch(value or ""):
        return str(_l("số định danh cá nhân phải gồm đúng 12 chữ số (đang ghi “%(v)s”)", v=(value or "")[:40]))
    if value[:3] not in PROVINCE_CODES:
        return str(_l("ba chữ số đầu của số định danh cá nhân (%(p)s) không phải mã tỉnh, thành phố nơi đăng ký khai "
                      "sinh (001 Hà Nội … 096 Cà Mau)", p=value[:3]))
    return None
