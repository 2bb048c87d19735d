"""Which statement lines are money in (issue #23, outside tester's defects 2, 3 and 12): a
statement with one unsigned amount and a debit/credit flag column ("Loại GD" C/D) read its debits
as credits; an Agribank line with neither amount was taken for a debit and its payment dropped;
the account line "Số tài khoản/ Account:" was not recognised. The files are the tester's, made the
way the banks' portals make them (tests/files/bank-*)."""
import io
import re

from sqlalchemy import func, select

from lms.billing.models import BankTransaction
from lms.people.models import School
from tests.integration.test_corpus import FILES
from tests.sheets import xlsx

TZ = "Asia/Ho_Chi_Minh"
ACCOUNT = "74010000123456"


def data(name: str) -> bytes:
    return (FILES / name).read_bytes()


def _plan(name: str, content: bytes | None = None, mapping=None):
    from lms.billing import statements

    table = statements.read_statement(name, content if content is not None else data(name), mapping)
    return table, statements.plan_statement(table, table.mapping if mapping is None else mapping, TZ)


def _account(dbs, world, number=ACCOUNT):
    with dbs() as s:
        s.get(School, world.a.school.id).bank_account_number = number
        s.commit()


def _preview(client, name: str, content: bytes | None = None):
    return client.post("/billing/statements", {"file": (io.BytesIO(content if content is not None else data(name)), name)},
                       content_type="multipart/form-data")


def _credits(dbs, world) -> int:
    with dbs() as s:
        return s.scalar(select(func.count()).select_from(BankTransaction)
                        .where(BankTransaction.school_id == world.a.school.id))


def test_a_debit_credit_flag_column_is_read_and_its_debits_left_out(app):
    with app.test_request_context():
        table, plan = _plan("bank-type-column.xlsx")
        assert table.mapping["direction"] == 2 and not any("Loại GD" in u for u in table.unknown)
        assert plan.problems == []
        assert [(line, t.amount) for line, t in plan.transfers] == [(5, 395_000), (7, 770_000)]
        assert plan.debit_lines == [6] and plan.total == 1_165_000


def test_a_flag_column_is_known_by_its_values_whatever_its_header(app):
    """"Nợ/Có", "Ghi nợ", "DR", "+"/"-": any of the banks' ways, under a header we do not know."""
    rows = [["Sao kê tài khoản 74010000123456"], [],
            ["Ngày", "Số tham chiếu", "Số tiền", "PS", "Nội dung"],
            ["06/12/2026 08:00", "A1", "395.000", "Có", "HP00010004287"],
            ["06/12/2026 09:00", "A2", "20.000", "Nợ", "Phi SMS"],
            ["06/12/2026 10:00", "A3", "770.000", "ghi có", "HP00010004270"]]
    with app.test_request_context():
        table, plan = _plan("ps.xlsx", xlsx(rows))
        assert table.mapping["direction"] == 3 and plan.problems == []
        assert [line for line, _ in plan.transfers] == [4, 6] and plan.debit_lines == [5]
        for flags in (("CR", "DR", "CR"), ("+", "-", "+"), ("C", "D", "C")):
            for row, flag in zip(rows[3:], flags, strict=True):
                row[3] = flag
            table, plan = _plan("ps.xlsx", xlsx(rows))
            assert [line for line, _ in plan.transfers] == [4, 6] and plan.debit_lines == [5], flags


def test_an_unsigned_amount_whose_direction_is_unknown_is_refused_never_read_as_credits(app):
    with app.test_request_context():
        table, _ = _plan("bank-type-column.xlsx")
        chosen = {k: v for k, v in table.mapping.items() if k != "direction"}
        table, plan = _plan("bank-type-column.xlsx", mapping=chosen)
        assert plan.transfers == [] and [(p.line, p.column) for p in plan.problems] == [(4, "Số tiền (D)")]
        assert "Không biết dòng nào là tiền vào, dòng nào là tiền ra" in plan.problems[0].message
        # A flag cell that says neither is named by line and column.
        content = xlsx([["Ngày GD", "Loại GD", "Số tiền", "Nội dung"],
                         ["06/12/2026", "C", "395,000", "HP00010004287"],
                         ["06/12/2026", "X", "20,000", "Phi SMS"],
                         ["06/12/2026", None, "30,000", "Phi"]])
        table, plan = _plan("flag.xlsx", content)
        assert [(p.line, p.column) for p in plan.problems] == [(3, "Loại GD (B)"), (4, "Loại GD (B)")]
        assert "“X” không rõ" in plan.problems[0].message and "Thiếu loại giao dịch" in plan.problems[1].message
    # A signed amount column still reads its signs.
    with app.test_request_context():
        _, plan = _plan("bank-signed-amount.xlsx")
        assert plan.problems == [] and [line for line, _ in plan.transfers] == [6, 8] and plan.debit_lines == [7]


def test_a_line_with_neither_amount_or_both_is_refused_on_its_line(app):
    with app.test_request_context():
        _, plan = _plan("bank-agribank-BAD.csv")
        assert [(p.line, p.column) for p in plan.problems] == [(11, "Nợ (D), Có (E)")]
        assert "không có số tiền ghi nợ hay ghi có" in plan.problems[0].message
        content = xlsx([["Ngày giao dịch", "Số tham chiếu", "Ghi nợ", "Ghi có", "Nội dung"],
                         ["06/12/2026", "R1", "20.000", "395.000", "HP00010004287"],
                         ["06/12/2026", "R2", "-20.000", None, "Phi"],
                         ["06/12/2026", "R3", "0", "770.000", "HP00010004270"]])
        _, plan = _plan("hai-cot.xlsx", content)
        assert [(p.line, p.column) for p in plan.problems] == [(2, "Ghi nợ (C), Ghi có (D)")]
        assert "cả số tiền ghi nợ (20.000) và ghi có (395.000)" in plan.problems[0].message


def test_the_flag_column_is_offered_in_the_column_step_and_a_refusal_saves_nothing(world, client, dbs):
    _account(dbs, world)
    client.login("kt.a")
    page = _preview(client, "bank-type-column.xlsx")
    body = page.get_data(as_text=True)
    assert page.status_code == 200, body[:3000]
    assert re.search(r'id="col_direction".*?<option value="2" selected>Loại GD</option>', body, re.S)
    assert "2 khoản ghi có, tổng 1.165.000" in body and "Dòng ghi nợ (tiền ra, không nhập): 6." in body
    token = re.search(r'name="token" value="([0-9a-f]+)"', body).group(1)
    cols = {"col_date": "0", "col_reference": "1", "col_credit": "3", "col_content": "4"}
    refused = client.post("/billing/statements", {"token": token, **cols, "confirm": "1"})
    assert refused.status_code == 422 and "Không biết dòng nào là tiền vào" in refused.get_data(as_text=True)
    assert _credits(dbs, world) == 0
    done = client.post("/billing/statements", {"token": token, **cols, "col_direction": "2", "confirm": "1"})
    assert done.status_code == 302 and _credits(dbs, world) == 2
    bad = _preview(client, "bank-agribank-BAD.csv")
    assert bad.status_code == 422
    assert re.search(r'data-line="11"><td>11</td><td>Nợ \(D\), Có \(E\)</td><td>Dòng không có số tiền ghi nợ hay '
                     r'ghi có', bad.get_data(as_text=True))
    assert 'id="confirm-statement"' not in bad.get_data(as_text=True)


def test_the_account_line_written_account_colon_is_read(world, client, dbs):
    """“Số tài khoản/ Account: 74010000123456” names the account: no confirmation asked."""
    _account(dbs, world)
    client.login("kt.a")
    body = _preview(client, "bank-acct-label.xlsx").get_data(as_text=True)
    assert f"Sao kê của tài khoản {ACCOUNT}" in body and 'id="statement-account-confirm"' not in body
    _account(dbs, world, "0071000123456")
    refused = _preview(client, "bank-acct-label.xlsx")
    assert refused.status_code == 422 and f"Sao kê này là của tài khoản {ACCOUNT}" in refused.get_data(as_text=True)
