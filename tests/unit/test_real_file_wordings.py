"""What the second outside import tester's own files found (issue #23, N2–N4, N6, N9): a VPBank
export's “Transaction ID” is the bank's reference; an empty date cell is said to be missing and a
bad hour is said to be the hour; staff lists' post abbreviations and the relations class lists
write (“Ông nội”, “Má”, “Giám hộ”) are read — and “Bà” is never taken for the southern “Ba”."""
from __future__ import annotations

import pytest

from lms.people.models import Role
from lms.billing.statements import plan_statement, read_statement
from lms.core.tables import date_refusal
from lms.people.imports import _parse_roles, relation_label

VPBANK = (
    "\ufeffNGAN HANG TMCP VIET NAM THINH VUONG (VPBANK)\n"
    "SAO KE TAI KHOAN / ACCOUNT STATEMENT\n"
    "So tai khoan / Account number:,74010000123456\n"
    "\n"
    "Transaction date,Transaction ID,Description,Debit amount,Credit amount,Balance\n"
    '04/12/2026 09:15:00,FT26338501234567,HP0001000123 nop hoc phi,,"1,250,000","11,250,000"\n'
    '04/12/2026 10:20:00,FT26338501234568,Phi SMS,"11,000",,"11,239,000"\n'
    'Total,,,"11,000","1,250,000",\n'
).encode("utf-8")


def test_vpbanks_transaction_id_is_the_banks_reference(app):
    with app.test_request_context():
        table = read_statement("vpbank.csv", VPBANK)
        assert "reference" in table.mapping
        plan = plan_statement(table, table.mapping, "Asia/Ho_Chi_Minh")
        assert not plan.problems, plan.problems
        assert [t.bank_reference for _line, t in plan.transfers] == ["FT26338501234567"]
        assert plan.skipped_debits == 1


def test_an_empty_date_is_missing_and_a_bad_hour_is_the_hour(app):
    with app.test_request_context():
        assert date_refusal("") == "Thiếu ngày (ô để trống)."
        assert date_refusal(None) == "Thiếu ngày (ô để trống)."
        said = date_refusal("04/12/2026 25:15:30")
        assert said.startswith("Giờ “25:15:30” không đọc được"), said
        assert date_refusal("hôm qua") == "Ngày “hôm qua” không đọc được (dd/mm/yyyy)."


def test_the_english_summary_counts_one_debit_line_in_the_singular(app):
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        text = render_template_string(
            "{{ ngettext('%(d)s dòng ghi nợ bỏ qua', '%(d)s dòng ghi nợ bỏ qua', d, d=d) }}", d=1)
        assert text == "1 debit line skipped", text


@pytest.mark.parametrize("post, role", [
    ("HT", Role.ADMIN), ("P.HT", Role.ADMIN), ("P. HT", Role.ADMIN), ("PHT", Role.ADMIN),
    ("KT", Role.ACCOUNTANT), ("Kế toán trưởng", Role.ACCOUNTANT), ("TTCM", Role.TEACHER), ("TPCM", Role.TEACHER),
    ("GVCN 7A1", Role.TEACHER), ("Hiệu trưởng", Role.ADMIN),
])
def test_staff_lists_post_abbreviations_give_their_role(post, role):
    assert _parse_roles(post) == [role]


def test_an_unknown_post_is_still_refused():
    assert _parse_roles("XYZ") is None


@pytest.mark.parametrize("written, label", [
    ("Ông nội", "Ông"), ("ông ngoại", "Ông"), ("Bà nội", "Bà"), ("Bà ngoại", "Bà"), ("Bà", "Bà"), ("BÀ", "Bà"),
    ("Ba", "Bố"), ("Cha", "Bố"), ("Bố", "Bố"), ("Má", "Mẹ"), ("Mẹ", "Mẹ"), ("Giám hộ", "Người giám hộ"),
    ("Người giám hộ", "Người giám hộ"), ("Anh trai", "Anh"), ("Chị gái", "Chị"), ("Ong noi", "Ông"),
    ("Ba ngoai", "Bà"), ("Me", "Mẹ"), ("Co", "Cô"), ("", "Phụ huynh"), (None, "Phụ huynh"), ("Mother", "Mẹ"),
])
def test_the_relations_class_lists_write(written, label):
    assert relation_label(written) == label


def test_an_unknown_relation_is_none():
    assert relation_label("Hàng xóm") is None


def test_the_account_on_a_sheet_of_its_own_is_the_statements_account(app):
    # SHB's export (second outside import tester, N7): "Thong tin chung" names the account, the
    # lines are on "Chi tiet giao dich"; the preview said the file named no account.
    from pathlib import Path

    from lms.billing.statements import account_in_title

    data = (Path(__file__).parent.parent / "files" / "shb-hai-trang.xlsx").read_bytes()
    with app.test_request_context():
        table = read_statement("shb-hai-trang.xlsx", data)
        assert account_in_title(table) == "74010000123456"
        plan = plan_statement(table, table.mapping, "Asia/Ho_Chi_Minh")
        assert plan.account == "74010000123456" and [t.amount for _l, t in plan.transfers] == [930_000]
