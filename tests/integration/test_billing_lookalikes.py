"""Invoice codes as banks and payers really write them (issue #27, finding 7): upper-cased with the
spaces removed ("…QHP0001000125KTHUTIEN"), behind "CT DEN:" or "MBVCB.123.", with the letters I, O
or l typed for the digits 1 and 0 — recognised only where the check character confirms it; a code
whose check character is missing or wrong waits in the queue with the invoice it may mean."""
from __future__ import annotations

import re

from sqlalchemy import select

from lms.billing.models import BankTransaction, Invoice, InvoiceStatus, Payment
from tests.billing_helpers import once_key
from tests.integration.test_channels import _sepay, _setup


def _wrong_check(code: str) -> str:
    """The code with another check character: a digit 1 for a letter I, else 0 for O, else 1."""
    return code[:-1] + {"I": "1", "O": "0", "1": "0"}.get(code[-1], "1")


def _paid(dbs, inv_id) -> list[Payment]:
    with dbs() as s:
        return list(s.scalars(select(Payment).where(Payment.invoice_id == inv_id)))


def test_a_code_glued_to_the_memo_or_with_letters_for_digits_pays_where_the_check_confirms_it(
        world, client, make_client, dbs):
    invoices = _setup(dbs, world, client)
    bank = make_client()
    (id1, code1, due1), (id2, code2, due2) = invoices["HSA001"], invoices["HSA002"]
    # The bank removed the spaces: the code is glued to the payer's name and the words after it.
    assert _sepay(bank, f"CT DEN:634812345678 NGUYENVANQ{code1}THUTIEN", due1, 7001).status_code == 200
    # The payer typed the letter O for the digit 0 and a lower-case l for 1; the check agrees.
    typed = code2[:2] + code2[2:12].replace("0", "O", 2).replace("1", "l", 1) + code2[12:]
    assert typed != code2
    assert _sepay(bank, f"MBVCB.123.{typed}.TRAN THI B chuyen tien", due2, 7002).status_code == 200
    with dbs() as s:
        assert s.get(Invoice, id1).status == InvoiceStatus.PAID
        assert s.get(Invoice, id2).status == InvoiceStatus.PAID
    assert len(_paid(dbs, id1)) == 1 and len(_paid(dbs, id2)) == 1


def test_a_code_with_its_check_character_missing_or_wrong_waits_with_a_suggestion(world, client, make_client, dbs):
    invoices = _setup(dbs, world, client)
    bank = make_client()
    (id1, code1, due1), (id3, code3, due3) = invoices["HSA001"], invoices["HSA003"]
    # A digit for the check letter (or any wrong check): nothing confirms the reading — never paid.
    assert _sepay(bank, f"CT DEN:634812345679 {_wrong_check(code1)} HOC PHI", due1, 7101).status_code == 200
    # The check character left out, the code glued to the bank's words.
    assert _sepay(bank, f"MBVCB.123.{code3[:-1]}.NGUYEN VAN C chuyen tien", due3, 7102).status_code == 200
    # A code whose letters-for-digits reading the check character contradicts: not paid either.
    misread = code3[:2] + code3[2:12].replace("0", "O", 1) + ("1" if code3[-1] != "1" else "2")
    assert _sepay(bank, f"HOC PHI {misread}", due3, 7103).status_code == 200
    assert _paid(dbs, id1) == [] and _paid(dbs, id3) == []
    with dbs() as s:
        rows = {r.provider_txn_id: r for r in s.scalars(select(BankTransaction))}
        assert {rows[k].status for k in ("7101", "7102", "7103")} == {"unmatched"}
        ids = {k: rows[k].id for k in ("7101", "7102", "7103")}
    client.login("kt.a")
    queue = client.get("/billing/transfers").get_data(as_text=True)

    def row_of(transfer_id):
        return re.search(r'<tr[^>]*>(?:(?!</tr>).)*?/billing/transfers/%d/assign.*?</tr>' % transfer_id, queue, re.S).group(0)

    assert f'data-code-hint="{code1}"' in row_of(ids["7101"]) and f"Có thể là {code1}" in row_of(ids["7101"])
    assert f'data-code-hint="{code3}"' in row_of(ids["7102"])
    assert f'data-code-hint="{code3}"' in row_of(ids["7103"])
    # The suggestion assigns in one click.
    done = client.post(f"/billing/transfers/{ids['7101']}/assign",
                       {"invoice_code": code1, "key": once_key(client, "/billing/transfers", "assign")})
    assert done.status_code == 302
    assert len(_paid(dbs, id1)) == 1
