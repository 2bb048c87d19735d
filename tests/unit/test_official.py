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
    assert official.school_place(school) == "Mỹ Bình"                # the ward, not the province
    for address, place in (("12 Trần Hưng Đạo, phường Mỹ Bình, TP. Long Xuyên, An Giang", "Long Xuyên"),
                           ("5 Hùng Vương, phường Mỹ Long, thành phố Long Xuyên, tỉnh An Giang, Việt Nam",
                            "Long Xuyên"),
                           ("Ấp 3, xã Định Thành, huyện Thoại Sơn, tỉnh An Giang", "Thoại Sơn"),
                           ("8 Lê Duẩn, phường Bến Nghé, quận 1, thành phố Hồ Chí Minh", "Quận 1"),
                           ("Ấp Long Hòa, xã Long Điền A", "Long Điền A"), ("Tây Ninh", "Tây Ninh"),
                           ("Số 3, tỉnh An Giang", "An Giang")):
        assert official.place_from_address(address) == place, address
    school.place_name = "Long Xuyên"
    assert official.school_place(school) == "Long Xuyên"
    assert official.school_place(SimpleNamespace(place_name=None, address=None)) is None
    sở = SimpleNamespace(place_name=None, name="Sở Giáo dục và Đào tạo Tây Ninh", kind="province")
    phòng = SimpleNamespace(place_name=None, name="Phòng GD&ĐT huyện Dầu Tiếng", kind="district")
    assert official.department_place(sở) == "Tây Ninh" and official.department_place(phòng) == "Dầu Tiếng"
    assert official.head_title(sở) == "GIÁM ĐỐC" and official.head_title(phòng) == "TRƯỞNG PHÒNG"


def test_a_departments_heading_puts_its_peoples_committee_above_it():
    def dept(name, kind):
        return SimpleNamespace(name=name, kind=kind)

    assert official.department_issuer(dept("Sở Giáo dục và Đào tạo tỉnh An Giang", "province")) == (
        "UBND tỉnh An Giang", "Sở Giáo dục và Đào tạo")
    assert official.department_issuer(dept("Phòng Giáo dục và Đào tạo TP. Long Xuyên", "district")) == (
        "UBND TP. Long Xuyên", "Phòng Giáo dục và Đào tạo")
    assert official.department_issuer(dept("Sở Giáo dục và Đào tạo Tây Ninh", "province")) == (
        "UBND tỉnh Tây Ninh", "Sở Giáo dục và Đào tạo")
    assert official.department_issuer(dept("Sở GD&ĐT Hà Nội", "province")) == ("UBND thành phố Hà Nội", "Sở GD&ĐT")
    assert official.department_issuer(dept("Sở Giáo dục và Đào tạo", "province")) == (None, "Sở Giáo dục và Đào tạo")


def test_page_content_width_from_the_page_css():
    from lms.core.official import content_width_mm

    assert content_width_mm("A4", "14mm 14mm 16mm") == 182.0
    assert content_width_mm("A4 landscape", "15mm 12mm") == 273.0
    assert content_width_mm("A4", "18mm 15mm 18mm 22mm") == 173.0      # right 15, left 22
    assert content_width_mm("A5 landscape", "9mm 11mm") == 188.0
    assert content_width_mm("A4", "1.5cm") == 180.0


def test_a_heading_lines_width_grows_with_its_text_and_its_weight():
    import unicodedata

    from lms.core.official import line_em

    long, short = "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO TP. LONG XUYÊN", "PHÒNG GD&ĐT QUẬN 1"
    assert 20 < line_em(long) < 32 and line_em(short) < line_em(long) < line_em(long, bold=True)
    assert line_em(unicodedata.normalize("NFD", long)) == line_em(long)      # decomposed text measures as NFC


def test_the_national_name_keeps_its_width_and_the_issuer_may_take_the_rest():
    from lms.core.official import NATION, heading_columns, line_em

    narrow, wide, content, points = heading_columns("A4", "14mm 14mm 16mm", "11pt")
    assert (content, points, narrow) == (182.0, 11.0, round(182 * 0.42, 2))
    assert content - wide >= line_em(NATION, bold=True) * 11 * 25.4 / 72     # the national name fits at 11 pt
    assert wide > narrow
    narrow, wide, content, _points = heading_columns("A4 landscape", "15mm 12mm", "8.5pt")
    assert (narrow, content) == (114.66, 273.0)
    assert abs(content - wide - (line_em(NATION, bold=True) * 8.5 * 25.4 / 72 + 4)) < 0.01
