"""A card-settlement report imported again (issue #23): the preview marks each line already
reconciled, as the statement preview does, and counts the new ones; only the confirmation said
"3 đã có từ trước"."""
import io
import re
from pathlib import Path

FILES = Path(__file__).parent.parent / "files"
NAME = "pos-settlement-doi-chieu-lai.xlsx"


def _preview(client):
    return client.post("/billing/settlements", {"file": (io.BytesIO((FILES / NAME).read_bytes()), NAME)},
                       content_type="multipart/form-data")


def test_a_report_imported_again_marks_its_lines_in_the_preview(world, client, dbs):
    client.login("kt.a")
    first = _preview(client)
    body = first.get_data(as_text=True)
    assert first.status_code == 200, body[:2000]
    assert "data-reconciled" not in body
    lines = re.findall(r'<tr data-line="(\d+)"', body)
    assert len(lines) == 3
    token = re.search(r'name="token" value="([0-9a-f]+)"', body).group(1)
    assert client.post("/billing/settlements", {"token": token, "confirm": "1"}).status_code == 302
    again = _preview(client).get_data(as_text=True)
    assert re.findall(r'<tr data-line="(\d+)"[^>]*data-reconciled', again) == lines
    assert 'id="settlement-earlier"' in again and "3 giao dịch đã được đối chiếu" in again
    assert "Đã đối chiếu ngày" in again
