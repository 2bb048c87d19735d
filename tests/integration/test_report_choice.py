"""The year and period of every report page are read by one chooser (reports/choice.py): a year
or period that is not one of the choices is refused on its field in Vietnamese — never an error
page, never the figures of another period shown in its place — and a department chooses a school
year or term as a school does."""
from __future__ import annotations

from datetime import date

import pytest

from lms.reports import cashless, choice

TODAY = date(2026, 12, 6)


def _periods(year: int) -> list[cashless.Period]:
    return [cashless.calendar_year(year), cashless.half_year(year, 1), cashless.half_year(year, 2)]


@pytest.mark.parametrize("typed", ["1", "9999", "-5", "abc", "2026.5", "1e3"])
def test_a_year_outside_the_choices_is_refused_on_its_field(typed):
    c = choice.choose({"year": typed, "period": "2026"}, TODAY, _periods)
    assert not c.ok and c.period is None and "year" in c.errors
    assert c.typed_year == typed                       # shown back as typed


def test_a_period_of_another_year_is_refused_and_offered_in_the_new_year():
    c = choice.choose({"year": "2025", "period": "2026-H2"}, TODAY, _periods)
    assert not c.ok and c.selected == "2025-H2"
    assert "“6 tháng cuối năm 2026” không thuộc năm 2025" in c.errors["period"]
    c = choice.choose({"year": "2026", "period": "2030"}, TODAY, _periods)
    assert not c.ok and "“Năm 2030” không thuộc năm 2026" in c.errors["period"]
    c = choice.choose({"year": "2026", "period": "9999"}, TODAY, _periods)   # year 10000 has no dates
    assert not c.ok and c.errors["period"].startswith("Kỳ “9999” không có trong năm 2026")
    c = choice.choose({"year": "2026", "period": "T5"}, TODAY, _periods)
    assert not c.ok and c.errors["period"].startswith("Kỳ “T5” không có trong năm 2026")
    c = choice.choose({}, TODAY, _periods)
    assert c.ok and c.year == 2026 and c.period.key == "2026"


BAD = [("/department/official?year=1", "so.a", "year"), ("/department/official?year=9999", "so.a", "year"),
       ("/department/official?year=-5", "so.a", "year"), ("/department/official?year=2026&period=2026-07", "so.a",
                                                         "period"),
       ("/department/cashless?year=99999999999", "so.a", "year"),
       ("/department/cashless?year=2026&period=T5", "so.a", "period"),
       ("/reports/official?year=9999&period=9999", "admin.a", "year"),
       ("/reports/official?year=2026&period=9999", "admin.a", "period"),
       ("/reports/cashless?year=2025&period=2026-H2", "admin.a", "period"),
       ("/reports/cashless?year=20x6", "admin.a", "year")]


@pytest.mark.parametrize("url,login,field", BAD)
def test_report_pages_refuse_a_bad_year_or_period_on_its_field(world, make_client, url, login, field):
    client = make_client()
    client.login(login)
    response = client.get(url)
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page[:400]
    assert f'id="{field}-error"' in page
    message = page.split(f'id="{field}-error">')[1].split("</div>")[0]
    assert message.startswith("Năm ") if field == "year" else ("năm 20" in message and "”" in message)
    for figures in ('id="official-figures"', 'id="dept-ranking"', 'id="dept-cashless"', 'id="count-share"'):
        assert figures not in page                     # no other period's figures in its place


def test_files_and_charts_of_a_bad_period_are_not_found(world, make_client):
    client = make_client()
    client.login("admin.a")
    for url in ("/reports/cashless.xlsx?year=9999", "/reports/cashless.svg?year=2026&period=2025-01"):
        assert client.get(url).status_code == 404
    page = client.get("/reports/official")
    assert page.status_code == 200
    refused = client.post("/reports/official", {"year": "2026", "period": "2025-H2", "format": "pdf"})
    assert refused.status_code == 422 and "/jobs/" not in refused.headers.get("Location", "")


def test_a_department_chooses_a_school_year_or_term(world, make_client):
    viewer = make_client()
    viewer.login("so.a")
    page = viewer.get("/department/official?year=2026").get_data(as_text=True)
    for key in ("NH2026-2027", "HK1-2026-2027"):
        assert f'value="{key}"' in page, key
    term = viewer.get("/department/official?year=2026&period=HK1-2026-2027")
    text = term.get_data(as_text=True)
    assert term.status_code == 200 and 'id="dept-ranking"' in text
    assert "Học kỳ I năm học 2026-2027" in text
    cash = viewer.get("/department/cashless?year=2027&period=NH2026-2027")
    assert cash.status_code == 200 and 'id="dept-cashless"' in cash.get_data(as_text=True)
