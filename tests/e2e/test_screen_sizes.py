"""Screens of every size: the top bar on one line from 1200 px to a wide desktop for every role,
in both languages (it folds behind the menu button where its menu does not fit, never runs off
the screen); and on a phone the grade grid and the exam monitor never scroll sideways — the grid
shows one column at a time, chosen above it, and the monitor's rows become cards."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.e2e.helpers import sign_in_as

pytestmark = pytest.mark.e2e

DESKTOPS = (1200, 1280, 1366, 1440, 1920)
PHONES = (390, 320)
TOP_BAR = """() => {
  const bar = document.querySelector('.lms-topbar');
  const outside = [...bar.querySelectorAll('a, button')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && (r.right > window.innerWidth + 1 || r.left < -1);
  }).map(e => e.id || e.textContent.trim().slice(0, 30));
  return {height: bar.offsetHeight, outside,
          unfolded: getComputedStyle(bar.querySelector('.navbar-toggler')).display === 'none',
          sideways: document.documentElement.scrollWidth - document.documentElement.clientWidth};
}"""
# How far the scroll box around a table scrolls sideways.
SIDEWAYS = "s => { const e = document.querySelector(s).closest('.table-responsive'); return e.scrollWidth - e.clientWidth; }"


@pytest.mark.parametrize("role", ["admin", "teacher", "accountant", "student", "parent", "department"])
def test_the_top_bar_stays_on_one_line_and_on_the_screen(role, live_server, browser):
    username = {"admin": "admin.thcs", "teacher": "gv1.thcs", "accountant": "ketoan.thcs"}.get(role) \
        or live_server.logins[role][0].username
    context = browser.new_context()
    page = context.new_page()
    sign_in_as(page, live_server.url, username)
    problems, folded = [], []
    for language in ("vi", "en"):
        page.goto(f"{live_server.url}/language/{language}?next=/")
        for width in DESKTOPS:
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_timeout(50)
            bar = page.evaluate(TOP_BAR)
            if bar["outside"] or bar["sideways"] > 0 or bar["height"] > 80:
                problems.append(f"{language} {width}px: {bar}")
            if not bar["unfolded"]:
                folded.append((language, width))
    page.goto(f"{live_server.url}/language/vi?next=/")
    context.close()
    assert not problems, f"{role}'s top bar off the screen or on two lines:\n" + "\n".join(problems)
    # The bar folds only where it must: everyone's, an admin's (the fullest) too, unfolds at
    # 1366 px, the commonest laptop, and on a wide desktop.
    assert not {("vi", 1366), ("en", 1366), ("vi", 1920), ("en", 1920)} & set(folded), folded


def _course(live_server, klass: str, subject: str) -> int:
    from lms.extensions import db
    from lms.people.models import Course, SchoolClass, SchoolYear, Subject

    with live_server.app.app_context():
        return db.session.scalars(select(Course.id).join(SchoolClass).join(SchoolYear).join(
            Subject, Subject.id == Course.subject_id).where(SchoolClass.name == klass, Subject.code == subject,
                                                            SchoolYear.is_current.is_(True))).first()


@pytest.mark.parametrize("width", PHONES)
def test_a_teacher_enters_marks_on_a_phone_one_column_at_a_time(width, live_server, browser):
    course_id = _course(live_server, "6A1", "toan")
    context = browser.new_context(viewport={"width": width, "height": 800}, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in_as(page, live_server.url, "gv1.thcs")
    page.goto(f"{live_server.url}/courses/{course_id}/grades?term=1")
    grid = page.locator("#grade-grid")
    picker = page.locator("#grade-grid-column")
    expect(picker).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    assert page.evaluate(SIDEWAYS, "#grade-grid") <= 0, "the grid's box scrolls sideways on a phone"
    # The pupil's name, the chosen column and the average are on screen; the other columns wait.
    first = grid.locator("tbody tr").first
    options = picker.locator("option").all_inner_texts()
    assert "GK" in options and "CK" in options
    picker.select_option(label="GK")
    visible = first.locator("input.grade-cell:visible")
    expect(visible).to_have_count(1)
    assert visible.get_attribute("aria-label").endswith(" GK")
    name = first.locator("th.grid-name")
    for element in (name, visible, first.locator(".avg-sem")):
        box = element.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, element
    visible.fill("7,5")
    page.click("#save-grades")
    page.wait_for_load_state("load")
    picker = page.locator("#grade-grid-column")
    picker.select_option(label="GK")
    expect(page.locator("#grade-grid tbody tr").first.locator("input.grade-cell:visible")).to_have_value("7,5")
    context.close()


@pytest.mark.parametrize("width", PHONES)
def test_the_exam_monitor_reads_as_cards_on_a_phone(width, live_server, browser):
    from lms.exams.models import Attempt, Exam
    from lms.extensions import db
    from lms.people.models import School

    with live_server.app.app_context():
        school = db.session.scalars(select(School.id).where(School.name.like("%Nguyễn Du%"))).first()
        exam_id = db.session.scalars(select(Exam.id).join(Attempt, Attempt.exam_id == Exam.id).where(
            Exam.school_id == school).group_by(Exam.id).order_by(func.count(Attempt.id).desc())).first()
    context = browser.new_context(viewport={"width": width, "height": 800}, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in_as(page, live_server.url, "admin.thcs")
    page.goto(f"{live_server.url}/exams/{exam_id}/monitor")
    table = page.locator("#monitor-table")
    assert table.locator("tbody tr").count() > 3
    assert page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    assert page.evaluate(SIDEWAYS, "#monitor-table") <= 0, "the monitor's box scrolls sideways on a phone"
    # Each value said with its column, and the table's roles kept for screen readers.
    assert table.get_attribute("role") == "table"
    status = table.locator("tbody tr").first.locator("td").nth(2)
    assert status.get_attribute("role") == "cell" and status.get_attribute("data-label") == "Trạng thái"
    label = status.evaluate("e => getComputedStyle(e, '::before').content")
    assert "Trạng thái" in label
    context.close()


def test_the_message_failures_read_as_cards_and_a_locked_blueprint_keeps_its_fields_readable_on_a_phone(
        live_server, browser):
    from lms.exams.models import Attempt, Exam
    from lms.extensions import db
    from lms.people.models import School

    with live_server.app.app_context():
        school = db.session.scalars(select(School.id).where(School.name.like("%Nguyễn Du%"))).first()
        exam_id = db.session.scalars(select(Exam.id).join(Attempt, Attempt.exam_id == Exam.id).where(
            Exam.school_id == school, Exam.source == "blueprint").group_by(Exam.id)).first()
    context = browser.new_context(viewport={"width": 390, "height": 800}, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in_as(page, live_server.url, "admin.thcs")
    # The school's failed messages: each a card of "column: value" lines, nothing off the screen.
    page.goto(f"{live_server.url}/contact-book/problems")
    table = page.locator("#problems")
    assert table.locator("tbody tr").count() >= 1
    assert page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    assert page.evaluate(SIDEWAYS, "#problems") <= 0, "the failures' box scrolls sideways on a phone"
    reason = table.locator("tbody tr").first.locator("td").nth(6)
    assert reason.get_attribute("data-label") == "Lý do" and reason.bounding_box()["width"] > 300
    # A locked blueprint: the category and topic keep a readable width (the box scrolls instead).
    page.goto(f"{live_server.url}/exams/{exam_id}/blueprint")
    assert page.locator("#content-locked").count() == 1
    row = page.locator("#rules tbody tr").first
    assert row.locator("select[name=category]").bounding_box()["width"] >= 180
    assert row.locator("input[name=topic]").bounding_box()["width"] >= 140
    assert page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    context.close()
