"""A weight of the department's ranking refused is named by the label its form shows, the field
marked (is-invalid, aria-invalid) and what was typed shown back — never a bare 'a weight'."""
from __future__ import annotations

import re


def _field(page: str, name: str) -> str:
    return re.search(r'<input[^>]*id="%s"[^>]*>' % name, page).group(0)


def test_a_bad_weight_is_named_and_its_field_marked(app, world, make_client):
    viewer = make_client()
    viewer.login("so.a")
    for key, sent, label in (("online", "-1", "trực tuyến"), ("cashless_count", "x", "không tiền mặt (theo số)"),
                             ("cashless_value", "101", "không tiền mặt (theo giá trị)")):
        refused = viewer.get(f"/department/official?year=2026&period=2026-H2&{key}={sent}")
        assert refused.status_code == 422
        page = refused.get_data(as_text=True)
        assert f"Trọng số “{label}” phải là số nguyên từ 0 đến 100." in page
        assert 'is-invalid' in _field(page, key) and 'aria-invalid="true"' in _field(page, key)
        assert f'value="{sent}"' in _field(page, key)
        for other in {"online", "cashless_count", "cashless_value"} - {key}:
            assert "is-invalid" not in _field(page, other)
    page = viewer.get("/department/official?year=2026&period=2026-H2").get_data(as_text=True)
    assert "is-invalid" not in page and "phải là số nguyên" not in page
