"""Uploaded files as their users meet them: library and lesson pictures keep no location, served
files open sandboxed, polyglots are refused at the door.

Before: the library and lessons stored photos with their EXIF/GPS (only homework stripped them),
pictures and PDFs were served inline without `Content-Security-Policy: sandbox`, and a picture with
an archive behind it was accepted.
"""
import io

from sqlalchemy import select

from lms.courses.models import Lesson, Resource
from tests.integration.test_courses import build_plan, teacher
from tests.unit.files import PDF
from tests.unit.test_security_rules import _jpeg_with_gps, _zip


def _stored(app, dbs, resource_id: int) -> bytes:
    with dbs() as s:
        name = s.get(Resource, resource_id).stored_name
    return (app.config["UPLOAD_DIR"] / "resources" / name).read_bytes()


def test_library_and_lesson_pictures_lose_their_location(world, make_client, dbs, app):
    client = teacher(make_client)
    photo = _jpeg_with_gps()
    assert client.post("/resources", {"files": (io.BytesIO(photo), "san-truong.jpg"), "subject_id": "0",
                                      "grade": "0"}, content_type="multipart/form-data").status_code == 302
    course_id = world.a.course.id
    ids = build_plan(client, course_id, online=(2,))
    other = photo.replace(b"\xff\xd9", b"\x00\xff\xd9")  # another picture, same place
    response = client.post(f"/courses/{course_id}/lessons/new", {
        "title": "Ảnh", "body": "x", "period_ids": [str(ids[1])], "publish": "now", "prerequisite_id": "0",
        "files": [(io.BytesIO(other), "ảnh lớp.jpg")]}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with dbs() as s:
        library = s.scalars(select(Resource.id).where(Resource.filename == "san-truong.jpg")).one()
        lesson = s.scalars(select(Lesson).where(Lesson.course_id == course_id)).one()
        attached = lesson.attachments[0].resource_id
    for resource_id in (library, attached):
        stored = _stored(app, dbs, resource_id)
        assert stored[:2] == b"\xff\xd8" and b"Exif" not in stored and "nhà em".encode() not in stored
        served = client.get(f"/resources/{resource_id}/file")
        assert served.status_code == 200 and b"Exif" not in served.data


def test_served_files_are_sandboxed_except_inline_pdfs(world, make_client, dbs):
    client = teacher(make_client)
    client.post("/resources", {"files": [(io.BytesIO(_jpeg_with_gps()), "a.jpg"), (io.BytesIO(PDF), "b.pdf")],
                               "subject_id": "0", "grade": "0"}, content_type="multipart/form-data")
    with dbs() as s:
        ids = {r.filename: r.id for r in s.scalars(select(Resource))}
    picture = client.get(f"/resources/{ids['a.jpg']}/file")
    csp = picture.headers["Content-Security-Policy"]
    assert csp.startswith("sandbox;") and "default-src 'none'" in csp
    assert picture.headers["X-Content-Type-Options"] == "nosniff"
    # Chromium's PDF viewer cannot run in a sandboxed document: an inline PDF keeps the page CSP.
    pdf = client.get(f"/resources/{ids['b.pdf']}/file")
    assert pdf.headers["Content-Type"] == "application/pdf" and "inline" in pdf.headers["Content-Disposition"]
    downloaded = client.get("/school/export/students.xlsx", follow_redirects=False)
    # Exports and other downloads are sandboxed too (an admin's export, as an admin).
    admin = make_client()
    admin.login("admin.a")
    export = admin.get("/school/export/students.xlsx")
    assert export.status_code == 200 and export.headers["Content-Security-Policy"].startswith("sandbox;")
    assert downloaded.status_code in (302, 403)
    page = client.get("/resources")
    assert not page.headers["Content-Security-Policy"].startswith("sandbox")


def test_a_polyglot_is_refused_by_the_library(world, make_client, dbs):
    client = teacher(make_client)
    response = client.post("/resources", {"files": (io.BytesIO(PDF + _zip()), "de-thi.pdf"), "subject_id": "0",
                                          "grade": "0"}, content_type="multipart/form-data")
    assert response.status_code in (200, 422)
    assert "chứa thêm nội dung khác" in response.get_data(as_text=True)
    with dbs() as s:
        assert s.scalars(select(Resource).where(Resource.filename == "de-thi.pdf")).first() is None
