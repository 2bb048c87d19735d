"""An attempt opened twice, in Chromium. A second window of the same browser is the same device:
both save, and an older answer from the window that did not see the newer one never overwrites it —
that window shows the newer answer and says why, on its next save or as soon as it comes back into
view; each window keeps its own journal of unsent answers, so a reload of one never sends another's.
A second device (a phone, its own browser) is
shown a page that offers to move the attempt there; once moved, the phone resumes with every saved
answer, and the laptop's next answer is refused and the laptop says so; the move is logged."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.helpers import sign_in_new_page
from tests.e2e.test_exam_accommodations import PUPIL, PUPIL_SCHOOL, _exam

pytestmark = pytest.mark.e2e


def _answer(page, question: int, option: int, status: int = 200):
    radio = page.locator("section.question").nth(question).locator("input[type=radio]").nth(option)
    with page.expect_response(lambda r: r.url.endswith("/save") and r.request.method == "POST") as saved:
        # A refused (stale) save puts the server's answer back at once, which may be before
        # Playwright's check() looks at the radio again: a click, and the response says the rest.
        radio.check() if status == 200 else radio.click()
    assert saved.value.status == status


def _stored(live_server, attempt_id: int) -> tuple[dict, list[str]]:
    from lms.exams.models import AttemptEvent, Response
    from lms.extensions import db

    with live_server.app.app_context():
        answers = {r.position: r.value for r in db.session.scalars(select(Response).where(Response.attempt_id == attempt_id))}
        events = list(db.session.scalars(select(AttemptEvent.kind).where(AttemptEvent.attempt_id == attempt_id)))
    return answers, events


def test_a_second_window_and_a_second_device(browser, live_server):
    exam_id = _exam(live_server, "Kiểm tra mở trên hai máy", minutes=30, closes_in=60)
    laptop = browser.new_context(viewport={"width": 1280, "height": 800})
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        first = sign_in_new_page(laptop, live_server.url, PUPIL, school=PUPIL_SCHOOL)
        first.goto(f"{live_server.url}/exams/{exam_id}")
        first.click("#start")
        first.wait_for_selector("#attempt[data-ready]")
        attempt_url, attempt_id = first.url, int(first.url.rsplit("/", 1)[1])
        _answer(first, 0, 0)

        # A second window of the same browser: the same device, the saved answer shown.
        second = laptop.new_page()
        second.goto(attempt_url)
        second.wait_for_selector("#attempt[data-ready]")
        radios = lambda page, q: page.locator("section.question").nth(q).locator("input[type=radio]")  # noqa: E731
        expect(radios(second, 0).nth(0)).to_be_checked()
        _answer(second, 0, 1)
        # The first window did not see that change: its answer is older and is refused, and the
        # window shows the newer one and says it was changed in another window.
        _answer(first, 0, 2, status=409)
        expect(radios(first, 0).nth(1)).to_be_checked()
        expect(first.locator("#attempt-alert")).to_contain_text("cửa sổ khác")
        # Said where it cannot be missed: on the status badge (never "all saved" then) and on the
        # question clicked, not only in the alert at the top that may be scrolled away.
        expect(first.locator("#save-state")).to_contain_text("đã được đổi ở cửa sổ khác — đã tải lại")
        expect(first.locator("#save-state")).not_to_contain_text("Đã lưu tất cả")
        expect(first.locator("section.question").nth(0).locator(".stale-note")).to_be_visible()
        _answer(first, 0, 2)                                           # the next answer is the pupil's own again
        expect(first.locator("#save-state")).to_contain_text("Đã lưu tất cả")
        expect(first.locator("section.question").nth(0).locator(".stale-note")).to_be_hidden()
        _answer(second, 0, 3, status=409)                             # and the other window is told in turn
        expect(radios(second, 0).nth(2)).to_be_checked()
        # A window coming back into view is told without saving anything: the answer changed in the
        # other window is shown, and said on its question.
        _answer(first, 1, 1)
        second.evaluate("window.dispatchEvent(new Event('focus'))")
        expect(radios(second, 1).nth(1)).to_be_checked()
        expect(second.locator("section.question").nth(1).locator(".stale-note")).to_contain_text("cửa sổ khác")
        # Each window has its own journal: an answer the second window could not send is never sent
        # by the first one when it is reloaded.
        second.route("**/save", lambda route: route.abort())
        radios(second, 2).nth(1).check()
        expect(second.locator("#save-state")).to_contain_text("Mất kết nối")
        first.reload()
        first.wait_for_selector("#attempt[data-ready]")
        expect(radios(first, 2).nth(1)).not_to_be_checked()
        assert len(first.evaluate("Object.keys(localStorage).filter(k => k.startsWith('lms-attempt-'))")) == 2

        # A second device: offered the move, not the paper.
        mobile = sign_in_new_page(phone, live_server.url, PUPIL, school=PUPIL_SCHOOL)
        mobile.goto(attempt_url)
        expect(mobile.locator("#other-device")).to_be_visible()
        assert mobile.locator("section.question").count() == 0
        mobile.click("#takeover")
        mobile.wait_for_selector("#attempt[data-ready]")
        expect(radios(mobile, 0).nth(2)).to_be_checked()              # resumes with every saved answer
        expect(radios(mobile, 1).nth(1)).to_be_checked()
        _answer(mobile, 1, 0)
        # The laptop's next answer is refused, and the laptop says so.
        _answer(first, 2, 0, status=409)
        expect(first.locator("#save-state")).to_contain_text("thiết bị khác")
        answers, events = _stored(live_server, attempt_id)
        assert len(answers) == 2 and events.count("device_switch") == 1
    finally:
        laptop.close()
        phone.close()
