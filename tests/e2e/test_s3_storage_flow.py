"""Files in an S3-compatible bucket, in Chromium: the demo served with its stored files moved into
a bucket of a real S3 server (moto in server mode) and no upload folder of its own. A teacher
puts a Word exam and a picture into the library; the picture shows on the page, the Word file
downloads under its Vietnamese name; the demo's own library files (moved into the bucket) still
open. Nothing lands on the app's disk."""
from __future__ import annotations

import io
import shutil
import socket
import tempfile
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from lms import create_app
from lms.config import TestConfig
from lms.core.storage import LocalStorage, storage_for
from tests.e2e.helpers import sign_in_as, sign_out
from tests.unit.files import PNG

pytestmark = pytest.mark.e2e
DOCX_NAME = "Đề thi học kỳ I.docx"


@pytest.fixture(scope="module")
def s3_live(demo_sqlite, s3_server):
    folder = Path(tempfile.mkdtemp(prefix="lms-e2e-s3-"))
    shutil.copyfile(demo_sqlite.url.removeprefix("sqlite:///"), folder / "e2e.sqlite3")
    settings = s3_server.settings("lms-e2e-files")
    config = type("E2E", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'e2e.sqlite3'}",
                                         "INSTANCE_DIR": folder, "UPLOAD_DIR": folder / "uploads", **settings})
    app = create_app(config)
    bucket, demo_files = storage_for(app.config), LocalStorage(demo_sqlite.folder / "uploads")
    for key in demo_files.keys():   # what a move to object storage does: copy the folder into the bucket
        bucket.put(key, demo_files.get(key))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{port}", app=app, folder=folder, bucket=bucket)
    server.shutdown()
    shutil.rmtree(folder, ignore_errors=True)


def _docx() -> bytes:
    from docx import Document

    buffer = io.BytesIO()
    document = Document()
    document.add_paragraph("ĐỀ KIỂM TRA HỌC KỲ I — Môn Toán 6")
    document.save(buffer)
    return buffer.getvalue()


def test_library_and_homework_files_from_the_bucket(page, s3_live, tmp_path):
    base = s3_live.url
    before = set(s3_live.bucket.keys())
    sign_in_as(page, base, "gv1.thcs")
    page.goto(base + "/resources")
    page.set_input_files("#files", files=[
        {"name": DOCX_NAME, "mimeType": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "buffer": _docx()},
        {"name": "hình minh hoạ.png", "mimeType": "image/png", "buffer": PNG}])
    page.click("#submit")
    table = page.locator("#library-table")
    expect(table).to_contain_text("Đề thi học kỳ I")
    added = set(s3_live.bucket.keys()) - before
    assert len([k for k in added if k.startswith("resources/")]) == 2

    # The picture, opened from the library, is shown by the browser from the bucket's bytes.
    picture = table.locator("a", has_text="hình minh hoạ").first.get_attribute("href")
    page.goto(base + "/")
    page.set_content(f'<img id="p" src="{base}{picture}">')
    page.wait_for_function("document.getElementById('p').complete")
    assert page.locator("#p").evaluate("img => img.decode().then(() => img.naturalWidth, () => 0)") > 0
    # The Word file downloads under its Vietnamese name, byte for byte.
    page.goto(base + "/resources")
    with page.expect_download() as info:
        page.locator("#library-table a", has_text="Đề thi học kỳ I").first.click()
    download = info.value
    assert download.suggested_filename == DOCX_NAME
    saved = tmp_path / "downloaded.docx"
    download.save_as(saved)
    assert saved.read_bytes() == _docx_stored(s3_live, added)

    # The demo's own library files, moved into the bucket, still open.
    page.goto(base + "/resources")
    links = page.locator("#library-table a[href$='/file']")
    opened = 0
    for n in range(links.count()):
        answer = page.request.get(base + links.nth(n).get_attribute("href"))
        assert answer.status == 200 and len(answer.body()) > 0
        assert answer.headers["x-content-type-options"] == "nosniff"
        opened += 1
    assert opened >= 3
    sign_out(page)
    assert [p for p in (s3_live.folder / "uploads").rglob("*") if p.is_file()] == []


def _docx_stored(s3_live, added) -> bytes:
    return s3_live.bucket.get(next(k for k in added if k.endswith(".docx")))
