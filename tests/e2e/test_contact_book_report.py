"""The contact book's cost report in Chromium: every column — the estimated cost above all — is on
the page at desktop width without scrolling sideways, and on a phone each channel's figures are
a card with its cost."""
import pytest

pytestmark = pytest.mark.e2e


def test_the_cost_report_shows_its_cost_column_at_1280_and_390(sign_in, page, live_server):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in("admin.thcs")
    page.goto(live_server.url + "/contact-book/report")
    box = page.locator("#cost-table").evaluate("t => [t.parentElement.scrollWidth, t.parentElement.clientWidth]")
    assert box[0] <= box[1], box                       # nothing past the edge of its box
    cost = page.locator('#cost-table tr[data-channel="total"] td[data-col="cost"]').bounding_box()
    assert cost["x"] + cost["width"] <= 1280
    page.screenshot(path="/tmp/contact4-report-1280.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    cost = page.locator('#cost-table tr[data-channel="total"] td[data-col="cost"]')
    box = cost.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path="/tmp/contact4-report-390.png", full_page=True)
