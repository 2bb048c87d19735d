"""The layout every page shares: the school's own name and logo in the top bar (the product's
name where no one school applies, as on the sign-in page), the skip link and the main landmark,
a refused form's summary at the top with a link to each field and each field's message tied to
it, assets fingerprinted, cached and compressed."""
from __future__ import annotations

import io
import re

from PIL import Image

from tests.conftest import PASSWORD


def _photo_with_place() -> bytes:
    """A JPEG as a phone takes it: EXIF with a GPS position."""
    image = Image.new("RGB", (1200, 900), (20, 90, 160))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"                                 # Make
    exif[0x8825] = {1: "N", 2: (10.0, 22.0, 5.0), 3: "E", 4: (105.0, 26.0, 7.0)}   # GPSInfo
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_the_top_bar_names_the_school_and_shows_its_logo_stripped_and_small(app, world, make_client, dbs):
    login = make_client()
    page = login.get("/login").get_data(as_text=True)
    assert 'id="product-name">Trường học số<' in page and "<title>Đăng nhập · Trường học số</title>" in page
    admin = make_client()
    admin.login(world.a.admin.username, PASSWORD)
    home = admin.get("/").get_data(as_text=True)
    assert re.search(r'id="brand">\s*Trường THCS Thử A</a>', home), "the school's name in the top bar"
    assert 'class="skip-link' in home and '<main class="container-lg pb-5" id="main" tabindex="-1">' in home
    photo = _photo_with_place()
    done = admin.post("/school/logo", data={"logo": (io.BytesIO(photo), "logo trường.jpg")},
                      content_type="multipart/form-data")
    assert done.status_code == 302
    home = admin.get("/").get_data(as_text=True)
    src = re.search(r'<img src="([^"]+)" alt="" id="brand-logo">', home).group(1)
    served = admin.get(src)
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.cache_control.max_age >= 86400
    with Image.open(io.BytesIO(served.data)) as logo:
        assert max(logo.size) <= 256 and not logo.getexif() and "exif" not in logo.info
    assert b"PhoneMaker" not in served.data
    # Another school's people see their own school; a parent (children maybe in several schools) the product.
    other = make_client()
    other.login(world.b.admin.username, PASSWORD)
    assert 'id="brand-logo"' not in other.get("/").get_data(as_text=True)
    assert other.get(src).status_code in (200, 404)  # a logo is no secret; a wrong school id finds nothing
    parent = make_client()
    parent.login("0912000001", PASSWORD)
    assert re.search(r'id="brand">\s*Trường học số</a>', parent.get("/").get_data(as_text=True))
    # Not a picture: refused with its reason, the old logo kept.
    refused = admin.post("/school/logo", data={"logo": (io.BytesIO(b"%PDF-1.4 not a picture"), "logo.pdf")},
                         content_type="multipart/form-data", follow_redirects=True)
    assert "Logo phải là ảnh PNG, JPG hoặc WebP." in refused.get_data(as_text=True)
    assert src in admin.get("/").get_data(as_text=True)
    admin.post("/school/logo/remove")
    assert 'id="brand-logo"' not in admin.get("/").get_data(as_text=True)


def test_a_refused_form_is_summarised_at_the_top_with_links_and_each_field_names_its_error(app, world, make_client):
    teacher = make_client()
    teacher.login(world.a.teacher.username, PASSWORD)
    page = teacher.post("/account/password", data={"current_password": "", "new_password": "", "confirm": ""})
    html = page.get_data(as_text=True)
    summary = re.search(r'<div class="alert alert-danger" role="alert" id="error-summary".*?</div>', html, re.S).group(0)
    assert '<a href="#current_password">Mật khẩu hiện tại: Nhập mật khẩu hiện tại.</a>' in summary
    field = re.search(r'<input[^>]*id="current_password"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="current_password-error"' in field
    assert '<div class="invalid-feedback d-block" id="current_password-error">Nhập mật khẩu hiện tại.</div>' in html


def test_assets_carry_a_fingerprint_are_kept_a_year_and_sent_compressed(app, client):
    page = client.get("/login").get_data(as_text=True)
    links = re.findall(r'(?:href|src)="(/(?:static|bootstrap)/[^"]+)"', page)
    assert links and all("?v=" in link for link in links), links
    css = next(link for link in links if "bootstrap.min.css" in link)
    response = client.get(css, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    assert response.cache_control.max_age == 365 * 24 * 3600 and response.cache_control.immutable
    assert len(response.data) < 60_000  # 232 KB of Bootstrap as sent
    # Pages are not compressed (BREACH): a CSRF token travels in them.
    assert "Content-Encoding" not in client.get("/login", headers={"Accept-Encoding": "gzip"}).headers


def test_the_import_template_shows_a_row_of_the_schools_own_kind(app, world, make_client):
    from openpyxl import load_workbook

    admin = make_client()
    admin.login(world.b.admin.username, PASSWORD)   # a high school: 10A1, pupils born about 2011
    sheet = load_workbook(io.BytesIO(admin.get("/school/import/students/template.xlsx").data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    sample = next(row for row in rows if row and row[0] == "HS0001")
    assert sample[4] == "10A1" and str(sample[2]).endswith("/2011")
    from lms.people.imports import sample_class
    from types import SimpleNamespace

    primary = SimpleNamespace(grades=[1, 2, 3, 4, 5])
    assert sample_class(primary, None, 2026) == ("1A", "05/09/2020")
