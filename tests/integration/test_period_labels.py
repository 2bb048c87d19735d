"""One name for each period, from the period itself (cashless.Period.label): the cashless page's
trend chart and months are those of the period chosen and titled by it (a school year's figure
never beside the calendar year's months), and the dashboard names what its figures cover the same
way the reports do."""
from __future__ import annotations

import re

from lms.people.models import SchoolYear


def test_the_trend_is_the_chosen_periods_and_named_by_it(world, client, dbs):
    with dbs() as s:
        year = s.get(SchoolYear, world.a.year.id)
        name, first, last = year.name, year.start_date, year.end_date
    key = f"NH{name}"
    client.login("admin.a")
    page = client.get(f"/reports/cashless?year={first.year}&period={key}").get_data(as_text=True)
    shown = re.findall(r'data-month="([0-9-]+)"', page)
    assert shown[0] == f"{first:%Y-%m}" and shown[-1] == f"{last:%Y-%m}"        # the school year's months
    assert f"{first.year}-01" not in shown
    chart = client.get(f"/reports/cashless.svg?year={first.year}&period={key}").get_data(as_text=True)
    assert f"Tỷ lệ không dùng tiền mặt theo tháng — Năm học {name}" in chart
    calendar = client.get(f"/reports/cashless.svg?year={first.year}&period={first.year}").get_data(as_text=True)
    assert f"theo tháng — Năm {first.year}" in calendar and "Năm học" not in calendar
    month = client.get(f"/reports/cashless.svg?year={first.year}&period={first:%Y-%m}").get_data(as_text=True)
    assert f"theo tháng — Năm {first.year}" in month
    board = re.sub(r"\s+", " ", client.get("/reports/dashboard").get_data(as_text=True))
    assert re.search(rf'id="dashboard-period">Năm học {name}<', board)
    assert f"giao dịch, năm học {name} đến nay" in board
