"""Input bounds, teacher HTML with math, and what an upload may be — as pure functions.

Each failed before its fix: MathML put into a lesson after sanitising broke out of an attribute;
polyglot files (a picture with an archive behind it, a GIF or PDF that is also a web page, a PDF
that runs script) were accepted; photos kept their EXIF/GPS unless the caller stripped them; query
values out of range or with NUL reached the database.
"""
import io
import re
import zipfile

import nh3
import pytest
from PIL import Image

from lms.core.errors import ValidationError
from lms.core.inputs import BoundedMultiDict, IdConverter, in_range
from lms.core.markdown import render_markdown
from lms.core.storage import Area, LocalStorage
from lms.core.uploads import check_upload
from tests.unit.files import PDF, PNG

LIMITS = {"image": 2, "document": 2, "audio": 2, "video": 2}


def _attributes(html: str) -> list[tuple[str, str]]:
    from html.parser import HTMLParser

    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.extend((name, value or "") for name, value in attrs)

    Collect().feed(html)
    return found


@pytest.mark.parametrize("source", [
    '<img src="/a.png" alt="$x$">', "![$x^2$](/a.png)", '<a href="/p" title="$\\text{a}$">t</a>',
    '<img src="/a.png" alt="$\\mathrm{x}$" title="$$y$$">'])
def test_math_in_an_attribute_cannot_break_out_of_it(source):
    html = render_markdown(source)
    names = {name for name, _value in _attributes(html)}
    assert names <= {"src", "alt", "title", "href", "rel"}, html  # no attribute born from MathML's quotes
    assert all("<math" not in value for _name, value in _attributes(html)), html
    assert "$" in html  # the formula stays as written there


def test_math_in_text_is_still_mathml_and_the_result_is_clean():
    html = render_markdown("Tính $\\frac{1}{2}$ <script>alert(1)</script> <b onclick='x()'>đậm</b>")
    assert "<mfrac>" in html and "<script" not in html and "onclick" not in html
    # Sanitising the output again changes nothing: nothing unsafe is left to remove.
    from lms.core.markdown import _MATH_TAGS, _TAGS, _WITH_MATH

    assert nh3.clean(html, tags=_TAGS | _MATH_TAGS, attributes=_WITH_MATH,
                     link_rel="noopener noreferrer nofollow") == html


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (32, 16), "blue")
    exif = Image.Exif()
    exif[0x8825] = {2: (10.0, 46.0, 37.0), 4: (106.0, 42.0, 3.0)}  # GPSInfo: latitude, longitude
    exif[0x010E] = "nhà em ở đây"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def test_every_photo_upload_is_stored_without_metadata(tmp_path):
    data = _jpeg_with_gps()
    assert b"Exif" in data
    checked = check_upload("lớp học.jpg", data, LIMITS)
    files = Area(LocalStorage(tmp_path), "resources")
    stored = (files / files.save(checked, data)).read_bytes()  # the caller passes the original
    assert b"Exif" not in stored and "nhà em".encode() not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif()


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # A fixed date: the bytes (and so the test's id) must be the same in every xdist worker.
        archive.writestr(zipfile.ZipInfo("payload.html", date_time=(2026, 1, 1, 0, 0, 0)), "<script>alert(1)</script>")
    return buffer.getvalue()


GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00" \
      b"\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"


@pytest.mark.parametrize("name,data", [
    ("anh.png", PNG + _zip()),                                        # a picture with an archive behind
    ("anh.gif", GIF[:13] + b"<script>alert(1)</script>" + GIF[13:]),  # a GIF a browser would read as a page
    ("de.pdf", PDF.replace(b"%PDF-1.4\n", b"%PDF-1.4\n<html><body onload=alert(1)>\n")),
    ("de.pdf", PDF.replace(b"/Type/Catalog", b"/Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>")),
    ("de.pdf", PDF.replace(b"/Type/Catalog", b"/Type/Catalog/OpenAction<</S/Launch/F(cmd.exe)>>")),
    ("de.pdf", PDF + _zip()),
], ids=["png+zip", "gif+script", "pdf+html", "pdf+javascript", "pdf+launch", "pdf+zip"])
def test_polyglots_are_refused(name, data):
    with pytest.raises(ValidationError, match="chứa thêm nội dung khác"):
        check_upload(name, data, LIMITS)


def test_ordinary_files_still_pass():
    assert check_upload("de.pdf", PDF, LIMITS).kind == "document"
    assert check_upload("a.gif", GIF, LIMITS).kind == "image"
    # A PDF whose compressed streams happen to hold the bytes "/JS" is not taken for script.
    stream = b"4 0 obj<</Length 12/Filter/FlateDecode>>stream\nxx/JS yy/Launch\nendstream\nendobj\n"
    assert check_upload("de.pdf", PDF.replace(b"trailer", stream + b"trailer"), LIMITS).kind == "document"


def test_an_unreadable_picture_is_refused():
    with pytest.raises(ValidationError, match="Không đọc được ảnh"):
        check_upload("anh.png", PNG[:40], LIMITS)


def test_query_and_form_numbers_out_of_range_and_nul_characters():
    values = BoundedMultiDict([("class_id", "99999999999999999999999"), ("year", "2147483648"), ("ok", "12"),
                               ("q", "Lan\x00 Anh"), ("neg", "-2147483649")])
    assert values.get("class_id", type=int) is None and values.get("year", 7, type=int) == 7
    assert values.get("ok", type=int) == 12 and values.get("neg", type=int) is None
    assert values.get("q") == "Lan Anh"
    assert in_range(2 ** 31 - 1) and not in_range(2 ** 31)


def test_id_converter_refuses_what_no_integer_column_holds():
    from werkzeug.routing import Map, Rule

    urls = Map([Rule("/x/<int:item_id>", endpoint="x")], converters={"int": IdConverter}).bind("localhost")
    assert urls.match("/x/2147483647") == ("x", {"item_id": 2147483647})
    for bad in ("2147483648", "9" * 25):
        with pytest.raises(Exception) as err:
            urls.match(f"/x/{bad}")
        assert re.search("NotFound", type(err.value).__name__)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://x", "/relative"])
def test_the_providers_call_refuses_any_scheme_but_http(url):
    """Before: a setting holding `file:///…` was opened by urlopen (bandit B310)."""
    from lms.core.http import call_json

    with pytest.raises(ValueError, match="not an http"):
        call_json("POST", url, body={"a": 1})
