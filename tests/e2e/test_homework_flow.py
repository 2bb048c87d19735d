"""Homework in Chromium: a teacher sets work with a rubric, a pupil hands in a photo chosen in the
file picker, the teacher grades it by the rubric and sends the scores to the grade book, where
the mark appears with a link back to the homework; the pupil and a parent see the grade."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.unit.files import PNG
from tests.e2e.helpers import sign_out as _sign_out

pytestmark = pytest.mark.e2e

RUBRIC = "Lời giải | Đúng, đủ = 6 | Đúng một phần = 3 | Chưa đúng = 0\nTrình bày | Sạch đẹp = 4 | Tạm được = 2 | Cẩu thả = 0"


def _course_and_pupil(live_server):
    from lms.extensions import db
    from lms.people.models import Course, SchoolClass, SchoolYear, Student, Subject

    with live_server.app.app_context():
        course = db.session.scalars(select(Course).join(SchoolClass).join(SchoolYear)
                                    .join(Subject, Subject.id == Course.subject_id)
                                    .where(SchoolClass.name == "6A1", SchoolYear.name == "2026-2027",
                                           Subject.code == "toan")).first()
        pupil = db.session.scalars(select(Student).where(Student.student_code == "8910000023")).one()
        return course.id, pupil.full_name


def test_rubric_photo_grading_and_the_grade_book(sign_in, page, live_server, tmp_path):
    course_id, pupil_name = _course_and_pupil(live_server)
    sign_in("gv1.thcs")
    page.click("#nav-homework")
    page.click("#new-homework")
    page.fill("#title", "Bài tập: Ước và bội (thử nghiệm)")
    page.select_option("#course_ids", label="Toán — 6A1")
    page.fill("#instructions", "Tìm các ước của 12 và năm bội của 4. Chụp ảnh vở và nộp.")
    page.fill("#rubric", RUBRIC)
    page.click("#save-homework")
    expect(page.locator("#homework-title")).to_have_text("Bài tập: Ước và bội (thử nghiệm)")
    expect(page.locator("[data-count='not_due']")).not_to_have_text("0")
    homework_url = page.url
    _sign_out(page)

    # The pupil hands in a photo through the file picker.
    photo = tmp_path / "ảnh vở bài tập.png"
    photo.write_bytes(PNG)
    sign_in("8910000023", school="thcs-nd")
    page.click("#nav-homework")
    page.locator("#homework-items a", has_text="Ước và bội").click()
    page.fill("#text", "Ư(12) = {1; 2; 3; 4; 6; 12}")
    page.set_input_files("#files", str(photo))
    page.click("#hand-in-button")
    expect(page.locator(".alert-success")).to_contain_text("Đã nộp bài lúc")
    expect(page.locator("#my-submission")).to_contain_text("ảnh vở bài tập.png")
    expect(page.locator("#my-submission img")).to_be_visible()
    _sign_out(page)

    # The teacher opens it, sees the photo inline and grades by the rubric.
    sign_in("gv1.thcs")
    page.goto(homework_url)
    expect(page.locator("[data-count='submitted']")).to_have_text("1")
    page.locator("#submissions tr", has_text=pupil_name).get_by_role("link", name="Chấm").click()
    expect(page.locator("#submission-body img.hw-preview")).to_be_visible()
    # decode() waits until the picture has arrived (a busy server may take a moment) and fails if it is broken.
    assert page.locator("#submission-body img.hw-preview").evaluate(
        "img => img.decode().then(() => img.naturalWidth, () => 0)") > 0
    page.check("#rubric_0_0")
    page.check("#rubric_1_1")
    page.fill("#comment", "Đúng hết, trình bày cần gọn hơn.")
    page.click("#save-grade")
    expect(page.locator(".alert-success")).to_contain_text("Đã lưu điểm")
    expect(page.locator("#submissions tr", has_text=pupil_name)).to_contain_text("8/10")

    # One action sends the scores to the grade book (term II, TX1); the mark links back here.
    page.select_option("#gradebook", "2:tx1")
    page.click("#post-button")
    expect(page.locator(".alert-success")).to_contain_text("1 điểm mới")
    page.goto(f"{live_server.url}/courses/{course_id}/grades?term=2")
    row = page.locator("#grade-grid tbody tr", has_text=pupil_name)
    expect(row.locator("input[data-kind='tx']").first).to_have_value("8,0")
    expect(row.locator("a.grade-source").first).to_have_attribute("href", homework_url.replace(live_server.url, ""))
    _sign_out(page)

    # The pupil sees the grade, the rubric levels and the comment.
    sign_in("8910000023", school="thcs-nd")
    page.click("#nav-homework")
    page.locator("#homework-items a", has_text="Ước và bội").click()
    expect(page.locator("#my-score")).to_contain_text("8/10")
    expect(page.locator("#my-rubric")).to_contain_text("Trình bày: Tạm được (2)")
    expect(page.locator("#teacher-comment")).to_contain_text("trình bày cần gọn hơn")
