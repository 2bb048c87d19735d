"""A statement's amount cells (issue #23): a negative in a credit-only column is refused, not taken
for a debit; a fraction of a đồng is refused saying so, not as unreadable."""
from __future__ import annotations

from pathlib import Path

from lms.billing.statements import plan_statement, read_statement

FILES = Path(__file__).parent.parent / "files"


def _plan(name: str):
    table = read_statement(name, (FILES / name).read_bytes())
    return plan_statement(table, table.mapping, "Asia/Ho_Chi_Minh")


def test_a_negative_in_techcombanks_credit_column_is_refused_on_its_line_and_column(app):
    with app.test_request_context():
        plan = _plan("techcombank-sao-ke-co-am.csv")
        assert [(p.line, p.column) for p in plan.problems] == [(10, "Có TKTT/ Credit (G)")], plan.problems
        assert "âm" in plan.problems[0].message and "-850.000" in plan.problems[0].message
        assert 10 not in plan.debit_lines and plan.debit_lines == [9]


def test_a_signed_amount_column_still_takes_a_negative_as_a_debit():
    from lms.billing.statements import parse_amount
    assert parse_amount("-850.000") is None
    assert parse_amount("1.250.000") == 1_250_000


def test_a_fraction_of_a_dong_is_refused_as_a_fraction_not_as_unreadable(app):
    with app.test_request_context():
        plan = _plan("mb-sao-ke-so-le.csv")
        assert [(p.line, p.column) for p in plan.problems] == [(7, "Phát sinh có (E)")], plan.problems
        message = plan.problems[0].message
        assert "không đọc được" not in message
        assert "phần lẻ" in message and "1.250.000,50" in message
