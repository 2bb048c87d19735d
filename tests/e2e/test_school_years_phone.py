"""The school years page on a phone: every year's buttons are on the screen (they wrap under the
year, never cut off at the right edge), and the new year's name suggests the year after the
school's latest — never one it already has."""
from __future__ import annotations

import os

import pytest
from tests.e2e.helpers import sign_in_new_page

pytestmark = pytest.mark.e2e

OUTSIDE = """() => [...document.querySelectorAll('main a.btn, main button')].filter(e => {
  const r = e.getBoundingClientRect();
  return r.width > 0 && (r.right > window.innerWidth + 1 || r.left < -1);
}).map(e => e.id || e.textContent.trim())"""


@pytest.mark.parametrize("width", (390, 1280))
def test_the_years_page_fits_a_phone_and_suggests_the_next_year(width, live_server, browser):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = sign_in_new_page(context, live_server.url, "admin.thcs")
    page.goto(live_server.url + "/school/years")
    names = page.eval_on_selector_all("main tbody tr[data-year]", "rows => rows.map(r => r.dataset.year)")
    assert names, "no year listed"
    latest = max(names)
    suggested = f"{int(latest[:4]) + 1}-{int(latest[:4]) + 2}"
    assert page.get_attribute("#name", "placeholder") == suggested and suggested not in names
    assert page.evaluate(OUTSIDE) == []
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    if os.environ.get("LMS_SHOTS"):
        page.screenshot(path=f"{os.environ['LMS_SHOTS']}-years-{width}.png", full_page=True)
    context.close()
