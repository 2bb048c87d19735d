"""The place-and-date line and the signer's title of official documents (NĐ 30/2020)."""
from datetime import date
from types import SimpleNamespace

from lms.core import official


def test_date_line_is_administrative_with_leading_zeros_only_where_the_decree_wants_them():
    assert official.date_line("Long Xuyên", date(2026, 12, 6)) == "Long Xuyên, ngày 06 tháng 12 năm 2026"
    assert official.date_line("Hà Nội", date(2026, 2, 15)) == "Hà Nội, ngày 15 tháng 02 năm 2026"
    assert official.date_line("Hà Nội", date(2026, 3, 1)) == "Hà Nội, ngày 01 tháng 3 năm 2026"
    assert official.date_line(None, None) == "…, ngày … tháng … năm …"
    assert official.date_line("Huế", None) == "Huế, ngày … tháng … năm …"


def test_places_come_from_the_setting_then_the_address_or_the_departments_name():
    school = SimpleNamespace(place_name=None, address="Số 1 Lê Lợi, phường Mỹ Bình, tỉnh An Giang")
    assert official.school_place(school) == "An Giang"
    school.place_name = "Long Xuyên"
    assert official.school_place(school) == "Long Xuyên"
    assert official.school_place(SimpleNamespace(place_name=None, address=None)) is None
    sở = SimpleNamespace(place_name=None, name="Sở Giáo dục và Đào tạo Tây Ninh", kind="province")
    phòng = SimpleNamespace(place_name=None, name="Phòng GD&ĐT huyện Dầu Tiếng", kind="district")
    assert official.department_place(sở) == "Tây Ninh" and official.department_place(phòng) == "Dầu Tiếng"
    assert official.head_title(sở) == "GIÁM ĐỐC" and official.head_title(phòng) == "TRƯỞNG PHÒNG"
