"""The same credits exported again by another page of the bank's portal, the reference written
otherwise (issue #23, outside tester's defect 4): BIDV's "Số bút toán" keeps the reference's last 8
digits (01234567), VietinBank's last 10 (5001234567), Techcombank writes it whole
(FT26335001234567), Agribank's "Số CT" its last 7. Each re-export was recorded again as new
credits waiting to be assigned by hand — a risk of a double payment. The one recognition of
lms.billing.matching now knows a reference written otherwise, from a statement as from a feed."""
import io
import re

from sqlalchemy import func, select

from lms.billing.models import BankSighting, BankTransaction
from tests.integration.test_statement_directions import _account, _preview, data
from tests.sheets import saved


def _confirm(client, name: str, content: bytes | None = None) -> str:
    page = _preview(client, name, content)
    body = page.get_data(as_text=True)
    assert page.status_code == 200, body[:3000]
    token = re.search(r'name="token" value="([0-9a-f]+)"', body).group(1)
    mapping = dict(re.findall(r'<select[^>]*name="(col_\w+)"[^>]*>(?:<option value="">—</option>)?'
                              r'(?:<option value="\d+">[^<]*</option>)*<option value="(\d+)" selected', body))
    done = client.post("/billing/statements", {"token": token, **mapping, "confirm": "1"}, follow_redirects=True)
    assert done.status_code == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", done.get_data(as_text=True)))


def _rows(dbs, world):
    with dbs() as s:
        return s.scalars(select(BankTransaction).where(BankTransaction.school_id == world.a.school.id)
                         .order_by(BankTransaction.id)).all()


def test_a_reexport_writing_the_references_otherwise_records_nothing_again(world, client, dbs):
    _account(dbs, world)
    client.login("kt.a")
    said = _confirm(client, "bank-bidv.xls")
    assert "Đã nhập 4 giao dịch ghi có" in said
    first = [(r.id, r.bank_reference, r.amount) for r in _rows(dbs, world)]
    assert [ref for _, ref, _ in first] == ["01234567", "09876543", "05554443", "01112223"]
    for name in ("bank-techcombank.xlsx", "bank-vietinbank.xlsx"):
        body = _preview(client, name).get_data(as_text=True)
        # Every line shown as already recorded, none as new.
        assert "4 khoản đã được ghi nhận trước đó" in body and "0 khoản mới sẽ được ghi" in body, name
        assert len(re.findall(r'<tr data-line="\d+" class="table-secondary" data-recorded="statement">', body)) == 4
        assert ">Mới<" not in body
        said = _confirm(client, name)
        assert "Đã nhập 0 giao dịch ghi có" in said and "4 giao dịch đã có từ lần nhập sao kê ngày" in said, said
    assert [(r.id, r.bank_reference, r.amount) for r in _rows(dbs, world)] == first
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(BankSighting)
                        .where(BankSighting.school_id == world.a.school.id)) == 12


def test_a_reexport_under_other_references_is_held_flagged_never_applied_twice(world, client, dbs):
    """References that share nothing: the account, amount, time and memo say it is probably the
    same credit — recorded held, flagged as a possible repeat, never applied by itself. Two lines of
    one file under two references stay two credits."""
    from openpyxl import load_workbook

    _account(dbs, world)
    client.login("kt.a")
    _confirm(client, "bank-techcombank.xlsx")
    wb = load_workbook(io.BytesIO(data("bank-techcombank.xlsx")))
    for row in range(7, 12):
        wb.active.cell(row, 5).value = f"XY{row}Q"
    said = _confirm(client, "lich-su.xlsx", saved(wb))
    assert "Đã nhập 4 giao dịch ghi có: 0 khớp hoá đơn tự động, 4 chờ gán tay" in said
    held = [r for r in _rows(dbs, world) if r.bank_reference.startswith("XY")]
    assert len(held) == 4 and all(r.status == "unmatched" and r.payment_id is None for r in held)
    assert all(r.note.startswith("Có thể trùng với giao dịch FT2633") for r in held)


def test_the_recognition_of_a_reference_written_otherwise():
    from lms.billing.matching import reference_core, same_reference

    assert reference_core("ft 26335-001234567") == "26335001234567" and reference_core("0001234567") == "1234567"
    assert same_reference("01234567", "FT26335001234567") and same_reference("5001234567", "1234567")
    assert same_reference("FT-2633 5001 234567", "ft26335001234567")
    assert not same_reference("FT26248000001", "FT26248000002")
    assert not same_reference("12345", "FT26335012345")          # too short a tail to name a reference
    assert not same_reference("5078AB12", "FT26248123456") and not same_reference("", "")
