"""A class's digital transcripts from drafted to issued in Chromium, as the school does it: the
principal sets the Ministry codes and the two signers (the school's organisation certificate and
the homeroom teacher's personal one, at the SmartCA sandbox), the teacher types the pupils'
personal ID numbers and checks, the principal confirms, each signer starts a round for the whole
class and confirms it once on the sandbox phone, the principal issues; the public page validates
both signatures. At desktop width and at 390 px; LMS_SHOT_OUT keeps the screenshots."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.helpers import shot, sign_in_new_page

pytestmark = pytest.mark.e2e

SCHOOL_MST, TEACHER_CCCD = "0301234999", "001085000777"


def _class_of_last_year(app):
    """THCS-ND's 8A1 of 2025-2026: last year's grade book complete and locked in the demo."""
    from lms.extensions import db
    from lms.people.models import School, SchoolClass, SchoolYear
    from lms.people.services import students_of_class

    with app.app_context():
        school = db.session.scalars(select(School).where(School.code == "THCS-ND")).one()
        school_class = db.session.scalars(select(SchoolClass).join(SchoolYear).where(
            SchoolClass.school_id == school.id, SchoolClass.name == "8A1", SchoolYear.name == "2025-2026")).one()
        pids = {}
        for n, s in enumerate(students_of_class(db.session, school_class), start=1):
            century = (0 if s.birth_date.year < 2000 else 2) + (1 if s.gender == "nu" else 0)
            pids[s.id] = f"089{century}{s.birth_date.year % 100:02d}{n:06d}"
        return school_class.id, school_class.homeroom_teacher.username, school_class.homeroom_teacher_id, pids


def _approve_on_phone(phone, live_server, user_id):
    phone.goto(f"{live_server.url}/sandbox/smartca/app?user_id={user_id}")
    for _ in range(120):
        if phone.locator(".pending-request").count():
            break
        phone.wait_for_timeout(1000)
        phone.reload()
    expect(phone.locator(".pending-request")).to_have_count(1)
    shot(phone, "transcript-phone")
    phone.fill(".pending-request input[name=pin]", "123456")
    phone.click(".pending-request button.approve")


def _wait_job_done(page):
    expect(page.locator("#job")).to_have_attribute("data-status", "done", timeout=240_000)


def test_a_class_from_drafted_to_issued_in_the_browser(browser, live_server):
    class_id, teacher_login, teacher_id, pids = _class_of_last_year(live_server.app)
    admin_login = "admin.thcs"
    admin = sign_in_new_page(browser.new_context(), live_server.url, admin_login)
    teacher = sign_in_new_page(browser.new_context(), live_server.url, teacher_login)
    phone = browser.new_context().new_page()
    # The principal: codes, then the two signers enrolled at the sandbox.
    admin.goto(live_server.url + "/school/transcripts/settings")
    admin.fill("#moet_school_code", "89001501")
    admin.fill("#department_code", "89")
    admin.click("#codes-form button[type=submit]")
    for holder, account in (("school", SCHOOL_MST), (f"user:{teacher_id}", TEACHER_CCCD)):
        admin.select_option("#holder", holder)
        admin.select_option("#provider", "smartca")
        admin.fill("#account_id", account)
        admin.click("#account-save")
        admin.locator(f'tr[data-holder="{holder}"] button', has_text="Tạo thuê bao thử nghiệm").click()
        expect(admin.locator(".alert-success")).to_contain_text(account)
    shot(admin, "transcript-settings")
    # The homeroom teacher: personal ID numbers.
    teacher.goto(f"{live_server.url}/classes/{class_id}/transcripts/identity")
    for student_id, pid in pids.items():
        teacher.fill(f"#pid-{student_id}", pid)
    teacher.click("#identity-save")
    class_url = f"{live_server.url}/classes/{class_id}/transcripts"
    admin.goto(class_url)
    admin.click("#act-draft")
    expect(admin.locator('#state-counts [data-state="drafted"]')).to_have_text(str(len(pids)))
    teacher.goto(class_url)
    teacher.click("#act-check")
    expect(teacher.locator('#state-counts [data-state="checked"]')).to_have_text(str(len(pids)))
    admin.goto(class_url)
    admin.click("#act-confirm")
    expect(admin.locator('#state-counts [data-state="confirmed"]')).to_have_text(str(len(pids)))
    shot(admin, "transcript-class-confirmed")
    # One round per signer for the whole class, one confirmation on the phone each.
    teacher.goto(class_url)
    teacher.click("#act-sign-teacher")
    expect(teacher).to_have_url(re.compile(r"/jobs/\d+$"))
    _approve_on_phone(phone, live_server, TEACHER_CCCD)
    _wait_job_done(teacher)
    expect(teacher.locator("#job-title")).to_have_text("Ký số học bạ số cả lớp")
    shot(teacher, "transcript-job")
    admin.goto(class_url)
    admin.click("#act-sign-school")
    _approve_on_phone(phone, live_server, SCHOOL_MST)
    _wait_job_done(admin)
    admin.goto(class_url)
    expect(admin.locator('#state-counts [data-state="school_signed"]')).to_have_text(str(len(pids)))
    admin.click("#act-issue")
    expect(admin.locator('#state-counts [data-state="issued"]')).to_have_text(str(len(pids)))
    shot(admin, "transcript-class-issued")
    # Anyone with the QR code: both signatures valid.
    admin.locator("#transcripts-table a", has_text="Chi tiết").first.click()
    href = admin.locator("#verify-link").get_attribute("href")
    public = browser.new_context().new_page()
    public.goto(live_server.url + href if href.startswith("/") else href)
    expect(public.locator('[data-state="valid"]').first).to_be_visible()
    expect(public.locator(".sandbox-signature")).to_have_count(4)     # the sandbox's signatures say so
    shot(public, "transcript-public")
    # On a phone the verdicts are cards of labelled lines: nothing wider than the screen.
    public.set_viewport_size({"width": 390, "height": 900})
    assert public.evaluate("document.documentElement.scrollWidth") <= 390
    for table in ("#pdf-checks", "#xml-checks"):
        assert public.locator(table).evaluate("t => t.scrollWidth <= t.parentElement.clientWidth"), table
    public.set_viewport_size({"width": 1280, "height": 900})
    admin.goto(live_server.url + "/school/transcripts/register")
    expect(admin.locator('#register tr[data-action="issued"]')).to_have_count(len(pids))
    shot(admin, "transcript-register")
    admin.goto(live_server.url + "/school/sector")
    expect(admin.locator("#sector-kind option")).to_have_count(3)
    shot(admin, "sector")
