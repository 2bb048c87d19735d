"""Every import preview (issue #23): while any line of the file is refused, the preview offers no
confirm button — the statement preview showed "Nhập và đối soát" under its refusals."""
import io
from pathlib import Path

from lms.people.models import School
from tests.integration.test_money_once import _setup

FILES = Path(__file__).parent.parent / "files"


def test_a_statement_with_a_bad_line_offers_no_confirm_button(world, client, dbs):
    _setup(dbs, world, client)
    with dbs() as s:   # the school's collection account is the one the Vietcombank file is of
        s.get(School, world.a.school.id).bank_account_number = "0071001234567"
        s.commit()
    client.login("kt.a")
    name = "vietcombank-sao-ke-so-tien-go-sai.xlsx"
    page = client.post("/billing/statements", {"file": (io.BytesIO((FILES / name).read_bytes()), name)},
                       content_type="multipart/form-data")
    body = page.get_data(as_text=True)
    assert page.status_code == 422, body[:2000]
    assert "85O,000" in body
    assert 'id="statement-problems"' in body
    assert "confirm-statement" not in body and "Nhập và đối soát" not in body
