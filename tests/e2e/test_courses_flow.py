"""A teacher builds a plan and an online lesson, a pupil completes it, and the online-share
report follows — in Chromium, against the demo school."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.unit.files import PNG
from tests.e2e.helpers import sign_out as _sign_out

pytestmark = pytest.mark.e2e


def _pupil_of(live_server, class_name: str) -> str:
    from lms.extensions import db
    from lms.people.models import Enrollment, SchoolClass, Student

    with live_server.app.app_context():
        student = db.session.scalars(select(Student).join(Enrollment, Enrollment.student_id == Student.id)
                                     .join(SchoolClass).where(SchoolClass.name == class_name)
                                     .order_by(Student.sort_name)).first()
        return student.user.username


def test_plan_lesson_completion_and_report(sign_in, page, live_server):
    # The school counts a period as delivered once one pupil in a hundred opened it.
    sign_in("admin.thcs")
    page.goto(live_server.url + "/school/online-targets")
    page.fill("#open_percent", "1")
    page.click("#submit")
    expect(page.locator("#share-rule")).to_contain_text("ít nhất 1 %")
    _sign_out(page)

    sign_in("gv1.thcs")
    page.locator("#teacher-courses a", has_text="6A2").first.click()
    expect(page.locator("#course-title")).to_contain_text("Toán — Lớp 6A2")
    page.click("#open-plan")
    page.click("#generate-plan")
    expect(page.locator("#plan-table tbody tr")).to_have_count(140)
    row = page.locator("#plan-table tbody tr").nth(2)
    row.locator("input[name=topic]").fill("Ôn tập: phân số trên trục số")
    row.locator("select[name=mode]").select_option("online_self")
    page.click("#save-plan")
    expect(page.locator("#plan-summary")).to_contain_text("trong đó 1 tiết trực tuyến")

    page.locator("#plan-table tbody tr").nth(2).get_by_text("+ Soạn bài").click()
    page.fill("#title", "Ôn tập phân số")
    page.fill("#body", "# Phân số\n\n| Tử | Mẫu |\n|---|---|\n| 1 | 2 |\n\nXem hình minh hoạ bên dưới.")
    page.set_input_files("#files", files=[{"name": "truc-so.png", "mimeType": "image/png", "buffer": PNG}])
    page.check("input[name=publish][value=now]")
    page.click("#submit")
    expect(page.locator("#lesson-title")).to_have_text("Ôn tập phân số")
    expect(page.locator("#lesson-body table")).to_be_visible()
    expect(page.locator("#lesson-files img")).to_be_visible()

    page.goto(live_server.url + "/reports/online-share")
    cell = page.locator('#share-courses tr[data-label="Toán — 6A2"] td.delivered')
    expect(cell).to_have_text("0,0 %")
    _sign_out(page)

    sign_in(_pupil_of(live_server, "6A2"))
    page.locator("#student-courses a", has_text="Toán").click()
    page.locator("#pupil-lessons a", has_text="Ôn tập phân số").click()
    expect(page.locator("#lesson-body")).to_contain_text("Phân số")
    page.click("#complete-lesson")
    expect(page.locator("#pupil-lessons")).to_contain_text("Đã học xong")
    expect(page.locator("#course-progress")).to_have_attribute("value", "1")
    _sign_out(page)

    sign_in("gv1.thcs")
    page.goto(live_server.url + "/reports/online-share")
    expect(page.locator('#share-courses tr[data-label="Toán — 6A2"] td.delivered')).to_have_text("0,7 %")
    expect(page.locator("#share-chart")).to_be_visible()


def test_disguised_upload_and_bad_plan_file_are_refused(sign_in, page, live_server, tmp_path):
    sign_in("gv1.thcs")
    page.goto(live_server.url + "/resources")
    page.set_input_files("#files", files=[{"name": "de-thi.pdf", "mimeType": "application/pdf",
                                           "buffer": b"MZ\x90\x00" + b"\x00" * 100}])
    page.click("#submit")
    expect(page.locator("#upload-form")).to_contain_text("không phải pdf thật")
    page.fill("input[name=q]", "hinh hoc")
    page.click("#library-search button")
    expect(page.locator("#library-table")).to_contain_text("Hình học trực quan")

    bad = tmp_path / "ke-hoach.csv"
    bad.write_text("Tuần,Tên bài học / chủ đề,Số tiết,Hình thức\n1,Tập hợp,1,Trực tiếp\n99,Sai tuần,1,\n",
                   encoding="utf-8")
    page.goto(live_server.url + "/")
    page.locator("#teacher-courses a", has_text="6A1").first.click()
    page.click("#open-plan")
    page.locator("summary").click()
    page.set_input_files("#file", str(bad))
    page.get_by_role("button", name="Nhập kế hoạch").click()
    expect(page.locator("#import-errors")).to_contain_text("Tuần phải là số nguyên từ 1 đến 53")
    expect(page.locator("#import-errors")).to_contain_text("3")
