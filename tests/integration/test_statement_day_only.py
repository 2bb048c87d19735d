"""A statement whose lines give a date and no time (issue #23) shows the date only in the preview:
it showed "01/12/2026 00:00", a time the bank never gave. A line with its time keeps it."""
import io
import re
from pathlib import Path

from lms.people.models import School

FILES = Path(__file__).parent.parent / "files"


def _cells(body: str, line: int) -> list[str]:
    row = re.search(rf'<tr data-line="{line}"[^>]*>(.*?)</tr>', body, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_a_line_with_a_date_and_no_time_shows_the_date_only(world, client, dbs):
    with dbs() as s:   # the school's collection account is the one the file is of
        s.get(School, world.a.school.id).bank_account_number = "6700201234567"
        s.commit()
    client.login("kt.a")
    name = "sao-ke-ngay-khong-gio.csv"
    page = client.post("/billing/statements", {"file": (io.BytesIO((FILES / name).read_bytes()), name)},
                       content_type="multipart/form-data")
    body = page.get_data(as_text=True)
    assert page.status_code == 200, body[:2000]
    assert _cells(body, 6)[1] == "01/12/2026"
    assert _cells(body, 8)[1] == "03/12/2026"
    assert "00:00" not in re.search(r'id="statement-preview".*?</table>', body, re.S).group(0)
