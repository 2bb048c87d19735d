"""A class's report-card list on a phone: each pupil is a small card (name, results, card, then
the buttons on a line of their own). At 390 px the list was unreadable — the results column
wrapped a word a line, each pupil's row was about 550 px tall, and "Xem trước" / "Phát hành" were
cut off at the right edge. LMS_SHOT_OUT keeps the screenshots."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.e2e.helpers import in_db, shot, sign_in_new_page

pytestmark = pytest.mark.e2e

OUTSIDE = """() => [...document.querySelectorAll('main a, main button')].filter(e => {
  const r = e.getBoundingClientRect();
  return r.width > 0 && (r.right > window.innerWidth + 1 || r.left < -1);
}).map(e => e.id || e.textContent.trim())"""

ROWS = """() => [...document.querySelectorAll('#cards-table tbody tr')].map(r => {
  const buttons = [...r.querySelectorAll('.card-actions .btn')].map(b => b.getBoundingClientRect());
  return {height: r.getBoundingClientRect().height, buttons: buttons.length,
          cut: buttons.filter(b => b.right > window.innerWidth + 1 || b.left < -1 || b.width < 40).length,
          results: r.cells[2].getBoundingClientRect().width};
})"""


def _classes(live_server) -> dict[str, int]:
    from lms.people.models import School, SchoolClass, SchoolYear

    def find(s):
        rows = s.execute(select(SchoolYear.name, SchoolClass.id).join(SchoolYear, SchoolYear.id == SchoolClass.school_year_id)
                         .join(School, School.id == SchoolClass.school_id)
                         .where(SchoolClass.name == "10A1", School.code == "THPT-LX")).all()
        return dict(rows)

    return in_db(live_server, find)


@pytest.mark.parametrize("width", (390, 1280))
def test_the_report_card_list_reflows_on_a_phone(width, live_server, browser):
    classes = _classes(live_server)
    # Last year's class: both terms locked, every pupil's buttons shown; this year's: results missing.
    assert "2025-2026" in classes and "2026-2027" in classes, classes
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = sign_in_new_page(context, live_server.url, "admin.thpt")
    for year in ("2025-2026", "2026-2027"):
        page.goto(f"{live_server.url}/classes/{classes[year]}/report-cards")
        rows = page.evaluate(ROWS)
        assert rows, year
        assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0, year
        assert page.evaluate(OUTSIDE) == [], year
        assert all(r["cut"] == 0 for r in rows), (year, rows[:3])
        if year == "2025-2026":
            assert all(r["buttons"] == 2 for r in rows), rows[:3]   # "Xem trước" and "Phát hành", on every card
        if width == 390:
            # A card, not a squeezed column: the results use the phone's width, and a pupil takes a
            # few lines (the row was ~550 px tall, a word a line).
            assert all(r["results"] > 300 for r in rows), (year, rows[:3])
            assert max(r["height"] for r in rows) < 400, (year, max(r["height"] for r in rows))
        shot(page, f"report-cards-{year}-{width}")
    context.close()
