"""The contact book in Chromium: a homeroom teacher takes the register on a phone (390 px) in a
few taps; a parent asks for leave and the homeroom teacher approves it; a teacher setting
homework sees the evening's load and needs an explicit override past the school's limit."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.helpers import in_db, sign_out


pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}



def _class_6a1(s):
    from lms.people.models import School, SchoolClass, SchoolYear

    return s.scalars(select(SchoolClass).join(SchoolYear).join(School, School.id == SchoolClass.school_id)
                     .where(SchoolClass.name == "6A1", SchoolYear.is_current.is_(True),
                            School.code == "THCS-ND")).one()


def _last_saturday() -> str:
    from lms.core.timeutil import school_tz, utc_to_local, utcnow

    from lms.attendance.rules import day_off

    day = utc_to_local(utcnow(), school_tz()).date() - timedelta(days=1)
    while day.weekday() != 5 or day_off(day, saturday_classes=True) is not None:
        day -= timedelta(days=1)
    return day.isoformat()


def _saturday_classes(s):
    from lms.auth.models import User
    from lms.core.timeutil import utcnow
    from lms.messaging import settings
    from lms.people.models import School

    school = s.get(School, _class_6a1(s).school_id)
    row = settings.settings_of(s, school.id)
    data = settings.SettingsInput(**{n: getattr(row, n) for n in settings.DEFAULTS})
    data.saturday_classes = True
    admin = s.scalars(select(User).where(User.username == "admin.thcs")).one()
    settings.save_settings(s, admin, school, data, now=utcnow())
    s.commit()


def _sign_out(page) -> None:
    """The user menu sits behind the menu button on a phone: sign out at desktop width."""
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_out(page)


def _open_menu(page, link_id: str) -> None:
    """On a phone the navigation sits behind the menu button."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
    page.click(f"#{link_id}")


def test_register_on_a_phone_in_a_few_taps(sign_in, page, live_server):
    def roster(s):
        from lms.people.services import students_of_class

        school_class = _class_6a1(s)
        return school_class.id, [(p.id, p.full_name) for p in students_of_class(s, school_class)]

    class_id, pupils = in_db(live_server, roster)
    page.set_viewport_size(PHONE)
    sign_in("gv1.thcs")
    _open_menu(page, "nav-attendance")
    expect(page.locator("#attendance-title")).to_be_visible()
    page.click(f"#take-{class_id}")
    page.fill("#pick-day", _last_saturday())      # a Saturday: the school does not teach then
    page.click("#register-pick button")
    expect(page.locator("#register-refusal")).to_contain_text("thứ Bảy")
    expect(page.locator("#register-form")).to_have_count(0)
    page.screenshot(path="/tmp/lms-register-refused-phone.png", full_page=True)
    in_db(live_server, _saturday_classes)           # it teaches on Saturdays after all: no register yet
    page.reload()
    expect(page.locator("#register-title")).to_contain_text("Cả ngày")
    absent_id, late_id = pupils[2][0], pupils[5][0]
    page.click(f"label[for='s-{absent_id}-K']")
    page.click(f"label[for='s-{late_id}-M']")
    expect(page.locator("#register-counts [data-count='K']")).to_have_text("1")
    expect(page.locator("#register-counts [data-count='M']")).to_have_text("1")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path="/tmp/lms-register-phone.png", full_page=True)
    page.click("#save-register")
    expect(page.locator(".alert-success")).to_contain_text("1 vắng, 1 đi muộn")
    expect(page.locator(".alert-success")).to_contain_text("Đã báo cho phụ huynh của 1 em vắng không phép")
    expect(page.locator(f"#s-{absent_id}-K")).to_be_checked()
    _sign_out(page)


def test_a_parent_asks_for_leave_and_the_homeroom_teacher_approves(sign_in, page, live_server):
    from lms.core.timeutil import school_tz, utc_to_local, utcnow

    parent = live_server.logins["parent"][0].username         # the family with a child in each school

    def find(s):
        from lms.auth.models import User
        from lms.people.models import Guardianship, School, Student

        user = s.scalars(select(User).where(User.phone == parent)).one()
        child = s.scalars(select(Student).join(Guardianship, Guardianship.student_id == Student.id)
                          .join(School, School.id == Student.school_id)
                          .where(Guardianship.guardian_id == user.id, School.code == "THCS-ND")).one()
        from lms.people.services import current_enrollment

        return child.id, child.full_name, current_enrollment(s, child).school_class.homeroom_teacher.username

    child_id, child_name, teacher = in_db(live_server, find)
    day = utc_to_local(utcnow(), school_tz()).date() + timedelta(days=10)
    page.set_viewport_size(PHONE)
    sign_in(parent)
    page.goto(f"{live_server.url}/children/{child_id}")
    page.click("#child-attendance-link")
    expect(page.locator("#child-attendance")).to_contain_text(child_name)
    page.fill("#first_day", day.isoformat())
    page.fill("#reason", "Cháu đi khám mắt theo lịch hẹn của bệnh viện.")
    page.click("#send-leave")
    expect(page.locator(".alert-success")).to_contain_text("Đã gửi đơn xin nghỉ")
    expect(page.locator("#leave-requests li").first).to_have_attribute("data-status", "pending")
    _sign_out(page)

    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(teacher)
    page.goto(f"{live_server.url}/attendance")
    page.click("#pending-leave a")
    request = page.locator("#pending-requests .list-group-item", has_text="khám mắt")
    expect(request).to_contain_text(child_name)
    request.get_by_role("button", name="Duyệt", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text(f"Đã duyệt đơn xin nghỉ của em {child_name}")
    _sign_out(page)

    sign_in(parent)
    page.goto(f"{live_server.url}/children/{child_id}/attendance")
    expect(page.locator("#leave-requests li").first).to_have_attribute("data-status", "approved")
    _sign_out(page)


def test_homework_guard_shows_the_evening_and_needs_an_override(sign_in, page, live_server):
    from lms.core.timeutil import school_tz, utc_to_local

    def evening(s):
        from lms.courses.models import Assignment

        busy = s.scalars(select(Assignment).where(Assignment.title.like("%Luỹ thừa%"))).one()
        return utc_to_local(busy.due_at, school_tz()), busy.minutes

    due, minutes = in_db(live_server, evening)
    sign_in("gv1.thcs")
    page.click("#nav-homework")
    page.click("#new-homework")
    page.fill("#title", "Bài tập: Ôn tập chương I (thử tải)")
    page.select_option("#course_ids", label="Toán — 6A1")
    page.fill("#due_at", due.strftime("%Y-%m-%dT19:00"))
    page.fill("#minutes", "80")
    page.locator("#minutes").dispatch_event("change")
    line = page.locator("#load-lines li").first
    expect(line).to_contain_text(f"đã có 1 bài, {minutes} phút; cộng bài này {minutes + 80} phút")
    expect(line).to_have_attribute("data-over", "yes")
    page.click("#save-homework")
    expect(page.locator("#override_load ~ .invalid-feedback, .invalid-feedback").first).to_contain_text(
        "quá giới hạn 90 phút")
    page.screenshot(path="/tmp/lms-homework-guard.png", full_page=True)
    page.check("#override_load")
    page.click("#save-homework")
    expect(page.locator("#homework-title")).to_have_text("Bài tập: Ôn tập chương I (thử tải)")
    # The week's view shows the evening over the limit.
    page.goto(f"{live_server.url}/homework/manage")
    page.locator("#week-load-links a", has_text="6A1").click()
    page.goto(page.url.split("?")[0] + f"?week={due.date().isoformat()}")
    row = page.locator(f"#week-table tr[data-day='{due.date().isoformat()}']")
    expect(row).to_have_class("table-danger")
    expect(row.locator("[data-col='minutes']")).to_contain_text(str(minutes + 80))
    _sign_out(page)
