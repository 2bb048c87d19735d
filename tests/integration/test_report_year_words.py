"""The year of a report page refused in words that say what is wrong with it: the field sent
empty is not silently this year, and a number of 200 digits is a number out of range — never "not
a number" (reports/choice.py, the one reader of every report page's year)."""
from __future__ import annotations

import re
from datetime import date

from lms.reports import cashless, choice

TODAY = date(2026, 12, 6)


def _periods(year: int) -> list[cashless.Period]:
    return [cashless.calendar_year(year), cashless.half_year(year, 1), cashless.half_year(year, 2)]


def test_each_wrong_year_says_what_is_wrong():
    said = {typed: choice.choose({"year": typed}, TODAY, _periods) for typed in ("", "  ", "9" * 200, "1999", "20x6")}
    assert all(not c.ok and c.period is None for c in said.values())
    assert said[""].errors["year"] == "Chưa nhập năm: gõ một năm từ 2000 đến 2027, ví dụ 2026."
    assert said[""].typed_year == ""                                   # the box shows what was sent: nothing
    assert said["9" * 200].errors["year"] == "Năm 999999999999… ngoài khoảng cho phép: gõ một năm từ 2000 đến 2027."
    assert said["1999"].errors["year"] == "Năm 1999 ngoài khoảng cho phép: gõ một năm từ 2000 đến 2027."
    assert said["20x6"].errors["year"].startswith("Năm “20x6” không phải một số")
    assert choice.choose({}, TODAY, _periods).ok                         # no year asked: this year


def test_the_official_report_says_it_on_the_year_field(world, client):
    client.login("admin.a")
    for url, said in (("/reports/official?year=", "Chưa nhập năm"),
                      (f"/reports/official?year={'9' * 200}", "ngoài khoảng cho phép")):
        page = client.get(url)
        body = page.get_data(as_text=True)
        assert page.status_code == 422
        message = body.split('id="year-error">')[1].split("</div>")[0]
        assert said in message and "một số" not in message
        assert re.search(r'id="year" name="year" value=""', body) or "9" * 200 in body
        assert 'id="count-share"' not in body                        # no figures of another period
