"""A refused form as its user meets it: the summary at the top says what did not happen for this
form (a sign-in saves nothing: "Chưa đăng nhập", never "Chưa lưu"), and each field's message and
hint are on the page under the ids its aria-describedby names (the refused fee type's code pointed
at a hint the page no longer had)."""
from __future__ import annotations

import re

from tests.markup import broken_references

TITLE = re.compile(r'<h2 class="h6" id="error-summary-title">([^<]+)</h2>')


def _title(html: str) -> str:
    found = TITLE.search(html)
    assert found, "no error summary"
    return found.group(1)


def test_a_refused_sign_in_says_nothing_was_signed_in_not_nothing_saved(world, client):
    page = client.post("/login", {"identifier": "", "password": ""})
    html = page.get_data(as_text=True)
    assert _title(html) == "Chưa đăng nhập. Cần sửa (2):"
    assert not broken_references(html)
    with client.http.session_transaction() as session:
        session["lang"] = "en"
    html = client.post("/login", {"identifier": "", "password": ""}).get_data(as_text=True)
    assert _title(html) == "Not signed in. To fix (2):"


def test_a_refused_fee_type_keeps_its_hint_beside_the_message_and_every_reference_resolves(world, client):
    client.login("kt.a")
    page = client.post("/billing/fee-types/new", {"code": "bán trú", "name": "Tiền ăn", "category": "service"})
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert _title(html) == "Chưa lưu. Cần sửa (1):"
    assert 'id="code-error"' in html and 'id="code-hint"' in html    # what was wrong, and what to type
    assert not broken_references(html)
