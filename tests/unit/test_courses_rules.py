"""Pure rules of the courses area: Markdown sanitising, upload checks, plan parsing, shares."""
import hashlib
import io
import zipfile
from datetime import date, datetime, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.core.errors import ValidationError
from lms.core.markdown import render_markdown
from lms.core.text import nfc_text
from lms.core.storage import Area, LocalStorage
from lms.core.uploads import check_upload, clean_filename
from lms.courses.lessons import parse_links
from lms.courses.models import Mode
from lms.courses.plans import parse_mode, term_of_week, week_start
from lms.courses.share import Tally, percent
from tests.unit.files import PDF, PNG

LIMITS = {"image": 1, "document": 1, "audio": 1, "video": 1}


@pytest.mark.parametrize("dangerous", [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[a](javascript:alert(1))",
    "<a href='javascript:alert(1)'>x</a>", "<iframe src='https://evil.example'></iframe>",
    "<div style='background:url(https://evil.example/t.png)'>x</div>", "![t](https://tracker.example/p.png)",
    "<svg onload=alert(1)>", "<form action='https://evil.example'><input></form>",
])
def test_markdown_drops_script_handlers_and_third_party_requests(dangerous):
    html = render_markdown(f"Trước\n\n{dangerous}\n\nSau")
    lowered = html.lower()
    for bad in ("<script", "onerror", "onload", '="javascript:', "<iframe", "style=", "tracker.example", "<form",
                "<svg"):
        assert bad not in lowered
    assert "Sau" in html


def test_markdown_keeps_headings_lists_tables_and_own_images():
    html = render_markdown("# Hình học\n\n- một\n- hai\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
                           "![tam giác](/resources/3/file)\n\n[Sách](https://hanhtrangso.nxbgd.vn)")
    assert "<h1>Hình học</h1>" in html and "<li>một</li>" in html and "<td>1</td>" in html
    assert '<img src="/resources/3/file" alt="tam giác">' in html
    assert 'rel="noopener noreferrer nofollow"' in html


@given(st.text(max_size=300))
def test_markdown_never_lets_a_script_through(text):
    assert "<script" not in render_markdown(text).lower()


def _office(part: str, extra: dict | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr(part, "<x/>")
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_uploads_are_checked_by_content():
    assert check_upload("Ảnh lớp.PNG", PNG, LIMITS).kind == "image"
    assert check_upload("phiếu.pdf", PDF, LIMITS).mime == "application/pdf"
    assert check_upload("bai.docx", _office("word/document.xml"), LIMITS).kind == "document"
    with pytest.raises(ValidationError, match="không phải"):
        check_upload("anh.png", PDF, LIMITS)  # a PDF named .png
    with pytest.raises(ValidationError, match="không phải"):
        check_upload("bai.docx", _office("xl/workbook.xml"), LIMITS)  # a workbook named .docx
    with pytest.raises(ValidationError, match="không phải"):
        check_upload("macro.docx", _office("word/document.xml", {"word/vbaProject.bin": "x"}), LIMITS)
    with pytest.raises(ValidationError, match="không được nhận"):
        check_upload("setup.exe", b"MZ" + b"\0" * 64, LIMITS)
    with pytest.raises(ValidationError, match="rỗng"):
        check_upload("trong.pdf", b"", LIMITS)
    with pytest.raises(ValidationError, match="vượt giới hạn 1 MB"):
        check_upload("to.pdf", PDF + b" " * (1024 * 1024), LIMITS)


def test_file_names_lose_paths_and_stored_files_stay_inside(tmp_path):
    assert clean_filename("C:\\Users\\cô\\..\\bài 1.pdf") == "bài 1.pdf"
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename("") == "tep"
    checked = check_upload("a.png", PNG, LIMITS)
    files = Area(LocalStorage(tmp_path), "resources")
    stored = files.save(checked, PNG)
    assert (files / stored).read_bytes() == checked.content == (tmp_path / "resources" / stored).read_bytes()  # a picture drawn again, bare
    assert files.save(checked, PNG) == stored  # the same content is stored once
    for bad in ("../outside.png", "/etc/passwd", "a/../../b", "a\\..\\b", "a//b", "a\x00b", ""):
        with pytest.raises(ValidationError):
            files / bad


def test_photos_lose_their_metadata_and_stay_upright():
    from PIL import Image

    from lms.core.uploads import without_metadata

    image = Image.new("RGB", (40, 20), "red")
    exif = Image.Exif()
    exif[0x0112] = 6                       # orientation: the camera was held sideways
    exif[0x010E] = "GPS 10.7769N 106.7009E nhà em"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    data = buffer.getvalue()
    checked = check_upload("ảnh.jpg", data, {"image": 1, "document": 1, "audio": 1, "video": 1})
    info, clean = without_metadata(checked, data)
    assert b"Exif" in data and b"Exif" not in clean and "10.7769".encode() not in clean
    with Image.open(io.BytesIO(clean)) as upright:
        assert upright.size == (20, 40) and not upright.getexif()
    # check_upload itself stores the clean copy: its size and hash are the clean copy's.
    assert (info.filename, info.size, info.sha256) == ("ảnh.jpg", len(clean), hashlib.sha256(clean).hexdigest())
    assert checked.content == clean
    pdf = check_upload("a.pdf", PDF, {"image": 1, "document": 1, "audio": 1, "video": 1})
    assert without_metadata(pdf, PDF) == (pdf, PDF)


def test_plan_modes_read_the_spellings_teachers_use():
    assert parse_mode("") is Mode.IN_PERSON
    assert parse_mode("Trực tiếp") is Mode.IN_PERSON
    assert parse_mode("TRỰC TUYẾN") is Mode.ONLINE_LIVE
    assert parse_mode("trực tuyến tự học.") is Mode.ONLINE_SELF
    assert parse_mode("online_self") is Mode.ONLINE_SELF
    assert parse_mode("qua Zalo") is None


def test_weeks_fall_in_terms_by_the_years_dates():
    term = lambda n, a, b: SimpleNamespace(number=n, start_date=a, end_date=b)  # noqa: E731
    year = SimpleNamespace(start_date=date(2026, 9, 5), terms=[term(1, date(2026, 9, 5), date(2027, 1, 16)),
                                                              term(2, date(2027, 1, 18), date(2027, 5, 29))])
    # Week 1 is the week of 5/9 (from Monday 31/8); HK I ends on Saturday 16/1, in week 20.
    assert term_of_week(year, 1) == 1 and term_of_week(year, 20) == 1 and term_of_week(year, 21) == 2
    assert term_of_week(year, 53) == 2
    assert term_of_week(None, 18) == 1 and term_of_week(None, 19) == 2
    assert week_start(year, 1) == date(2026, 8, 31) and week_start(year, 2).weekday() == 0


def test_shares_sum_periods_and_round_half_up():
    assert percent(12, 105) == Decimal("11.4")  # the domain's example: Toán 10A1
    assert percent(1, 8) == Decimal("12.5") and percent(1, 16) == Decimal("6.3")
    assert percent(3, 0) is None
    total = Tally()
    for part in (Tally(105, 12, 3), Tally(35, 0, 0)):
        total.add(part)
    assert (total.planned, total.online, total.delivered) == (140, 12, 3)
    assert total.planned_share == Decimal("8.6")  # not the mean of 11.4 % and 0 %


def test_video_links_must_be_web_addresses():
    assert parse_links("https://youtu.be/x\n\n http://vtv.vn/a ") == ["https://youtu.be/x", "http://vtv.vn/a"]
    with pytest.raises(ValidationError, match="Dòng 2"):
        parse_links("https://youtu.be/x\njavascript:alert(1)")


def test_lesson_text_keeps_its_lines():
    assert nfc_text("  # Tiêu đề\r\n\r\n- ý một\r\n  ") == "# Tiêu đề\n\n- ý một"
    assert nfc_text("Hoa\u0300") == "Hoà"


def test_an_aware_time_is_required_for_scheduling():
    from lms.courses.lessons import LessonInput, PublishMode, _publish_time

    when = datetime(2027, 1, 1, 1, 0, tzinfo=timezone.utc)
    assert _publish_time(LessonInput("x", publish=PublishMode.AT, publish_at=when), when, None) == when
    with pytest.raises(ValidationError):
        _publish_time(LessonInput("x", publish=PublishMode.AT), when, None)
