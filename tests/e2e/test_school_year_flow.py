"""Next school year in Chromium, at desktop width and at 390 px: created without switching,
pupils placed from last year's results, the switch page saying what changes; a teacher reaches
last year's grade books from the menu. LMS_SHOT_OUT keeps the screenshots."""

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import shot

pytestmark = pytest.mark.e2e


def test_next_year_prepared_promoted_and_switched(sign_in, page, live_server):
    sign_in("admin.thcs")
    page.goto(live_server.url + "/school/years")
    page.fill("#name", "2027-2028")
    page.fill("#term1_start", "2027-09-05")
    page.fill("#term1_end", "2028-01-15")
    page.fill("#term2_start", "2028-01-17")
    page.fill("#term2_end", "2028-05-27")
    page.click("#submit")
    expect(page.locator(".alert-success")).to_contain_text("Năm học hiện tại không đổi")
    shot(page, "years")
    page.click("#promote-2027-2028")
    expect(page.locator("#promotion-title")).to_contain_text("2027-2028")
    shot(page, "promotion")
    page.goto(live_server.url + "/school/years")
    page.click("#switch-2027-2028")
    expect(page.locator("#switch-summary")).to_contain_text("2026-2027")
    shot(page, "switch")
    page.goto(live_server.url + "/school/years")
    expect(page.locator("table")).to_contain_text("2027-2028")
    expect(page.locator("#switch-2027-2028")).to_be_visible()          # not switched by creating it


def test_a_teacher_opens_last_years_books_from_the_menu(sign_in, page, live_server):
    sign_in("gv1.thcs")
    page.click("#nav-year-books")
    expect(page.locator("#year-books")).to_contain_text("2026-2027")
    page.select_option("#year-choice", label="2025-2026")
    page.click("#year-choice ~ button")
    expect(page.locator("#year-books")).to_contain_text("2025-2026")
    shot(page, "year-books")
