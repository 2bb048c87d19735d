import csv
import io

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

pytestmark = pytest.mark.e2e

HOME_TEXT = {"admin": "Trường THCS Nguyễn Du", "teacher": "Chào Trần Thị Mai", "accountant": "Kế toán —",
             "student": "Chào", "parent": "Chào", "department": "Sở Giáo dục và Đào tạo tỉnh An Giang"}


@pytest.mark.parametrize("role", list(HOME_TEXT))
def test_each_role_signs_in_and_sees_its_home(role, sign_in, live_server, page):
    login = live_server.logins[role][0]
    sign_in(login.username)
    expect(page.locator("#home-title")).to_contain_text(HOME_TEXT[role])
    if role == "parent":
        expect(page.locator("#children .card")).to_have_count(2)
    if role == "student":
        expect(page.locator("#student-courses .card").first).to_be_visible()
    if role == "teacher":
        expect(page.locator("#teacher-courses")).to_contain_text("Toán")
    page.click("#user-menu")
    page.click("#logout")
    expect(page.locator("#identifier")).to_be_visible()


def test_wrong_password_is_refused_in_vietnamese(page, live_server):
    page.goto(live_server.url + "/login")
    page.fill("#identifier", "admin.thcs")
    page.fill("#password", "không phải mật khẩu")
    page.click("#submit")
    expect(page.locator(".invalid-feedback")).to_contain_text("Sai tên đăng nhập hoặc mật khẩu")


def test_switch_language_and_back(sign_in, page):
    sign_in("admin.thcs")
    expect(page.locator("body")).to_contain_text("Thiết lập trường")
    page.click("#lang-switch")
    expect(page.locator("body")).to_contain_text("School set-up")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.click("#lang-switch")
    expect(page.locator("body")).to_contain_text("Thiết lập trường")


def test_import_with_one_bad_row_shows_the_line(sign_in, page, live_server, tmp_path):
    sign_in("admin.thcs")
    page.goto(live_server.url + "/school/students")
    page.click("#import-students")
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp", "Họ tên phụ huynh", "SĐT phụ huynh"])
    writer.writerow(["E2E001", "Đặng Minh Khôi", "02/03/2014", "Nam", "6A1", "Đặng Văn Hòa", "0911222333"])
    writer.writerow(["E2E002", "Lâm Thị Ngọc", "02/03/2014", "Nữ", "7Z7", "Lâm Văn Tư", "0911222334"])
    writer.writerow(["E2E003", "Tạ Quang Huy", "03/04/2014", "Nam", "6A2", "", ""])
    path = tmp_path / "hoc-sinh-loi.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    page.set_input_files("#file", str(path))
    page.click("#submit")
    row = page.locator('#import-errors tr[data-line="3"]')
    expect(row).to_contain_text("Lớp")
    expect(row).to_contain_text("7Z7")
    expect(page.locator("#import-errors tr.import-error")).to_have_count(1)
    expect(page.locator("#confirm-import")).to_have_count(0)
    # Nothing was saved: the good rows are not in the list.
    page.goto(live_server.url + "/school/students?q=E2E001")
    expect(page.locator("#students")).to_contain_text("Không có học sinh nào")


def test_import_good_file_then_confirm(sign_in, page, live_server, tmp_path):
    sign_in("admin.thcs")
    page.goto(live_server.url + "/school/import/students")
    path = tmp_path / "hoc-sinh.csv"
    path.write_text("Mã học sinh,Họ và tên,Lớp\nE2E100,Châu Ngọc Hân,9A1\n", encoding="utf-8")
    page.set_input_files("#file", str(path))
    page.click("#submit")
    expect(page.locator("#import-ok")).to_contain_text("1 mới")
    page.click("#confirm-import")
    expect(page.locator(".alert-success")).to_contain_text("1 mới")
    page.goto(live_server.url + "/school/students?q=chau ngoc han")
    expect(page.locator("#students")).to_contain_text("Châu Ngọc Hân")


def test_another_familys_child_gives_the_404_page(sign_in, page, live_server):
    from lms.auth.models import User
    from lms.extensions import db
    from lms.people.models import Guardianship, Student

    parent = live_server.logins["parent"][0]
    with live_server.app.app_context():
        me = db.session.scalars(select(User).where(User.phone == parent.username)).one()
        mine = set(db.session.scalars(select(Guardianship.student_id).where(Guardianship.guardian_id == me.id)))
        other = db.session.scalars(select(Student.id).where(Student.id.not_in(mine)).limit(1)).one()
    sign_in(parent.username)
    response = page.goto(f"{live_server.url}/children/{other}")
    assert response.status == 404
    expect(page.locator("#error-page")).to_contain_text("404")
    expect(page.locator("#error-page")).to_contain_text("Không tìm thấy")


def test_pages_load_nothing_from_other_hosts(sign_in, page, live_server):
    hosts = set()
    page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
    sign_in("admin.thcs")
    for path in ("/", "/school", "/school/students", "/school/import/students"):
        page.goto(live_server.url + path)
    assert hosts == {live_server.url.split("/")[2]}
