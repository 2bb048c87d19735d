"""Stored files in an S3-compatible bucket (a real server: moto in server mode, tests/s3.py) as in
the folder: the same storage contract, every area's files written to and read from the bucket
through the real routes with the same access checks and headers, an import previewed on one app
server and confirmed on another that shares no folder with it, signed addresses, and a backup of
the bucket restored into another."""
from __future__ import annotations

import io
import urllib.request
from urllib.parse import quote

import pytest
from sqlalchemy import select

from lms import create_app
from lms.config import TestConfig
from lms.core.errors import ValidationError
from lms.core.storage import Area, LocalStorage, Missing, S3Storage, storage_for
from lms.courses.models import Lesson, Submission, SubmissionFile
from lms.people.models import Student
from tests.conftest import Client
from tests.factories import csv_bytes
from tests.integration.test_imports import GOOD, confirm, upload
from tests.s3 import ACCESS_KEY, SECRET_KEY
from tests.unit.files import PDF, PNG

DOCX_NAME = "Đề thi học kỳ.docx"


def _docx() -> bytes:
    from docx import Document

    buffer = io.BytesIO()
    document = Document()
    document.add_paragraph("Đề kiểm tra")
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path, s3_server):
    if request.param == "local":
        return LocalStorage(tmp_path / "files")
    return S3Storage(bucket=f"contract-{tmp_path.name[-20:].lower().replace('_', '-')}", endpoint_url=s3_server.url,
                     access_key=ACCESS_KEY, secret_key=SECRET_KEY, create_bucket=True)


def test_folder_and_bucket_keep_the_same_contract(storage):
    files = Area(storage, "resources")
    data = bytes(range(256)) * 1000
    (files / "ab/one.bin").write_bytes(data)
    (files / "ab/two.txt").write_text("Tiếng Việt")
    assert (files / "ab/one.bin").read_bytes() == data and (files / "ab/two.txt").read_text() == "Tiếng Việt"
    assert (files / "ab/one.bin").size() == len(data) and (files / "ab/one.bin").exists()
    assert b"".join(storage.chunks("resources/ab/one.bin", 1000, 1999)) == data[1000:2000]
    assert b"".join(storage.chunks("resources/ab/one.bin")) == data
    assert sorted(files.names()) == ["ab/one.bin", "ab/two.txt"]
    assert sorted(storage.keys()) == ["resources/ab/one.bin", "resources/ab/two.txt"]
    (files / "ab/two.txt").write_text("thay")  # replaced whole
    assert (files / "ab/two.txt").read_text() == "thay"
    (files / "ab/two.txt").unlink()
    assert not (files / "ab/two.txt").exists() and (files / "ab/two.txt").size() is None
    with pytest.raises(Missing):
        (files / "nothing.pdf").read_bytes()
    for bad in ("../escape", "/abs", "a/../../b", "a\\b", "a//b", "x\x00y"):
        with pytest.raises(ValidationError):
            files / bad
    storage.check()
    assert ".ready" not in " ".join(storage.keys())


def _lesson_with_files(client, dbs, world):
    from tests.integration.test_courses import build_plan

    course_id = world.a.course.id
    ids = build_plan(client, course_id, online=(2,))
    response = client.post(f"/courses/{course_id}/lessons/new", {
        "title": "Ôn tập", "body": "Đề và đáp án", "period_ids": [str(ids[1])], "publish": "now", "prerequisite_id": "0",
        "files": [(io.BytesIO(PDF), "phiếu.pdf"), (io.BytesIO(_docx()), DOCX_NAME)]}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    with dbs() as s:
        lesson = s.scalars(select(Lesson).where(Lesson.course_id == course_id)).one()
        return lesson.id, [a.resource_id for a in lesson.attachments]


def _local_files(app) -> list:
    folder = app.config["UPLOAD_DIR"]
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_lesson_and_homework_files_live_in_the_bucket_with_the_same_checks_and_headers(
        world, make_client, dbs, app, s3_settings):
    from tests.integration.test_homework import make_assignment

    storage = storage_for(app.config)
    assert isinstance(storage, S3Storage)
    teacher = make_client()
    teacher.login("gv.a")
    lesson_id, (pdf_id, docx_id) = _lesson_with_files(teacher, dbs, world)
    keys = set(storage.keys())
    assert len([k for k in keys if k.startswith("resources/")]) == 2

    pupil = make_client()
    pupil.login("hsa001")
    served = pupil.get(f"/resources/{pdf_id}/file")
    assert served.status_code == 200 and served.data == PDF and served.mimetype == "application/pdf"
    assert served.headers["Content-Disposition"] == f"inline; filename=\"phieu.pdf\"; filename*=UTF-8''{quote('phiếu.pdf')}"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    word = pupil.get(f"/resources/{docx_id}/file")
    assert word.status_code == 200 and word.data == storage.get(next(k for k in keys if k.endswith(".docx")))
    assert word.headers["Content-Disposition"] == (
        f"attachment; filename=\"De thi hoc ky.docx\"; filename*=UTF-8''{quote(DOCX_NAME)}")
    assert word.headers["Content-Security-Policy"].startswith("sandbox")
    # A range, as a video player seeks; revalidation by ETag.
    part = pupil.get(f"/resources/{pdf_id}/file", headers={"Range": "bytes=5-14"})
    assert part.status_code == 206 and part.data == PDF[5:15]
    assert part.headers["Content-Range"] == f"bytes 5-14/{len(PDF)}"
    again = pupil.get(f"/resources/{pdf_id}/file", headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    # The same access checks: another school's pupil and teacher get nothing.
    stranger = make_client()
    stranger.login("hsb001")
    assert stranger.get(f"/resources/{pdf_id}/file").status_code == 404

    aid = make_assignment(dbs, world)
    handed = pupil.post(f"/homework/{aid}", {"text": "Bài làm", "photos": (io.BytesIO(PNG), "ảnh bài làm.png")},
                        content_type="multipart/form-data")
    assert handed.status_code == 302, handed.get_data(as_text=True)[:1000]
    with dbs() as s:
        item = s.scalars(select(SubmissionFile).join(Submission).where(Submission.assignment_id == aid)).one()
        file_id, stored_name = item.id, item.stored_name
    assert f"homework/{stored_name}" in set(storage.keys())
    photo = teacher.get(f"/homework/files/{file_id}")
    assert photo.status_code == 200 and photo.data.startswith(b"\x89PNG") and photo.mimetype == "image/png"
    assert make_client().get(f"/homework/files/{file_id}").status_code in (302, 401)   # signed out
    other = make_client()
    other.login("hsa002")
    assert other.get(f"/homework/files/{file_id}").status_code == 404
    # Nothing of it was written to the app server's own disk.
    assert _local_files(app) == []


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_an_import_previewed_on_one_app_server_is_confirmed_on_another(world, app, dbs, s3_settings, tmp_path):
    """Two app servers behind one proxy share the database and the bucket, not a folder: the
    file kept at the preview on the first is read at the confirmation on the second."""
    second = create_app(type("Second", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "INSTANCE_DIR": tmp_path / "second",
        "UPLOAD_DIR": tmp_path / "second" / "uploads", **s3_settings}))
    try:
        first_client = Client(app)
        first_client.login("admin.a")
        preview = upload(first_client, csv_bytes(GOOD))
        assert preview.status_code == 200 and "3 mới" in preview.get_data(as_text=True)
        second_client = Client(second)
        second_client.http.set_cookie(app.config["SESSION_COOKIE_NAME"],
                                      first_client.http.get_cookie(app.config["SESSION_COOKIE_NAME"]).value)
        done = confirm(second_client, preview)
        assert done.status_code == 302, done.get_data(as_text=True)[:1000]
        with dbs() as s:
            assert s.scalar(select(Student).where(Student.student_code == "HS101")) is not None
        assert _local_files(app) == [] and _local_files(second) == []
    finally:
        second.extensions["lms_jobs"].wait(timeout=30)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_signed_addresses_carry_the_name_and_type_and_expire(world, make_client, dbs, app, s3_settings):
    app.config.update(S3_SIGNED_URLS=True, S3_URL_SECONDS=60)
    teacher = make_client()
    teacher.login("gv.a")
    _lesson_id, (_pdf_id, docx_id) = _lesson_with_files(teacher, dbs, world)
    pupil = make_client()
    pupil.login("hsa001")
    answer = pupil.get(f"/resources/{docx_id}/file")
    assert answer.status_code == 302 and answer.headers["Cache-Control"] == "no-store"
    location = answer.headers["Location"]
    assert location.startswith(app.config["S3_ENDPOINT_URL"]) and "X-Amz-Expires=60" in location
    assert "X-Amz-Signature=" in location
    with urllib.request.urlopen(location, timeout=10) as fetched:
        body = fetched.read()
        assert fetched.headers["Content-Disposition"] == (
            f"attachment; filename=\"De thi hoc ky.docx\"; filename*=UTF-8''{quote(DOCX_NAME)}")
        assert fetched.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert body[:2] == b"PK"
    # The access check still comes first.
    stranger = make_client()
    stranger.login("hsb001")
    assert stranger.get(f"/resources/{docx_id}/file").status_code == 404


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_backup_of_the_bucket_restores_into_another(world, make_client, dbs, app, s3_server, s3_settings, tmp_path):
    teacher = make_client()
    teacher.login("gv.a")
    _lesson_with_files(teacher, dbs, world)
    source = storage_for(app.config)
    (Area(source, "report-cards") / "the-card.pdf").write_bytes(b"%PDF-1.7 signed card")
    before = {key: source.get(key) for key in source.keys()}
    assert len(before) == 3
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backups")])
    assert result.exit_code == 0, result.output
    dump = next((tmp_path / "backups").glob("lms-*"))

    target_settings = s3_server.settings()
    target = create_app(type("R", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'new.sqlite3'}",
                                                  "INSTANCE_DIR": tmp_path / "new", "UPLOAD_DIR": tmp_path / "new" / "u",
                                                  **target_settings}))
    restored = storage_for(target.config)
    (Area(restored, "jobs") / "stale.xlsx").write_bytes(b"left from before")
    result = target.test_cli_runner().invoke(args=["restore", str(dump), "--yes"])
    assert result.exit_code == 0, result.output
    assert {key: restored.get(key) for key in restored.keys()} == before
