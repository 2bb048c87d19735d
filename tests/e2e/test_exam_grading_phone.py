"""The essay grading page on a phone: each pupil's answer is a card — the pupil, the answer, the
marking guide, the mark and the comment one under another, each readable across the screen — not
a five-column table squeezed into 390 px."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import select
from tests.e2e.helpers import sign_in_new_page

pytestmark = pytest.mark.e2e

SIDEWAYS = "s => { const e = document.querySelector(s).closest('.table-responsive'); return e.scrollWidth - e.clientWidth; }"


def test_a_teacher_grades_essays_on_a_phone(live_server, browser):
    from lms.exams import results
    from lms.exams.models import Exam
    from lms.extensions import db

    with live_server.app.app_context():
        exam_id = next(e.id for e in db.session.scalars(select(Exam).order_by(Exam.id))
                       if results.grading_queue(db.session, e))
    context = browser.new_context(viewport={"width": 390, "height": 800}, is_mobile=True, has_touch=True)
    page = sign_in_new_page(context, live_server.url, "gv1.thcs")
    page.goto(f"{live_server.url}/exams/{exam_id}/grading")
    if os.environ.get("LMS_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["LMS_SCREENSHOTS"], "grading-390.png"), full_page=True)
    table = page.locator("#grading-form table").first
    row = table.locator("tbody tr").first
    assert page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    assert page.evaluate(SIDEWAYS, "#grading-form table") <= 0, "the grading table scrolls sideways on a phone"
    answer = row.locator("td.essay-answer")
    assert answer.bounding_box()["width"] > 300, "the pupil's answer is squeezed into a narrow column"
    assert answer.get_attribute("data-label") == "Bài làm"
    mark = row.locator("input[name^=mark-]")
    comment = row.locator("textarea[name^=comment-]")
    assert mark.bounding_box()["y"] > answer.bounding_box()["y"] and comment.bounding_box()["width"] > 300
    assert table.get_attribute("role") == "table"
    # Graded from the phone: the mark is kept.
    mark.fill("1,5")
    page.click("#save-grading")
    page.wait_for_load_state()
    assert "is-invalid" not in (page.locator("#grading-form").inner_html() if page.locator("#grading-form").count()
                                else "")
    context.close()


def test_the_question_editor_s_rows_are_cards_on_a_phone_with_each_refusal_beside_its_input(live_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 800}, is_mobile=True, has_touch=True)
    page = sign_in_new_page(context, live_server.url, "gv1.thcs")
    page.goto(live_server.url + "/bank/questions/new/numerical")
    page.fill("textarea[name=text]", "Tính 1,5 + 1")
    page.locator("input[name=num_value]").nth(0).fill("2,5")
    page.locator("input[name=num_value]").nth(1).fill("abc")
    page.click("#save-question")
    page.wait_for_selector("#question-form")
    if os.environ.get("LMS_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["LMS_SCREENSHOTS"], "editor-390.png"), full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    bad = page.locator("#num_value-2")
    assert bad.get_attribute("aria-invalid") == "true" and bad.bounding_box()["width"] > 300   # was 50 px: "a"
    said = page.locator("#num_value-2-error")
    assert said.inner_text() == "Đáp án 2: “abc” không phải là số."
    assert 0 <= said.bounding_box()["y"] - bad.bounding_box()["y"] < 60                        # right under it
    context.close()
