"""The grade book in Chromium: marks typed with the keyboard and pasted from Excel with the
averages following live, a refused mark, a locked term; a class's report cards issued in the
background, one verified through the address its QR code carries, and a tampered copy refused."""
import re
import subprocess

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from tests.e2e.helpers import sign_out as _sign_out

pytestmark = pytest.mark.e2e


def _ids(live_server):
    from lms.extensions import db
    from lms.people.models import Course, SchoolClass, SchoolYear, Subject

    with live_server.app.app_context():
        def course(class_name, year, code="toan"):
            return db.session.scalars(select(Course.id).join(SchoolClass).join(SchoolYear).join(Subject, Subject.id == Course.subject_id)
                                      .where(SchoolClass.name == class_name, SchoolYear.name == year,
                                             Subject.code == code)).first()

        def school_class(name, year, school_code):
            from lms.people.models import School

            return db.session.scalars(select(SchoolClass.id).join(SchoolYear).join(School, School.id == SchoolClass.school_id)
                                      .where(SchoolClass.name == name, SchoolYear.name == year,
                                             School.code == school_code)).one()

        year = db.session.scalars(select(SchoolYear.id).join(SchoolClass).where(SchoolClass.name == "6A1",
                                                                                 SchoolYear.name == "2026-2027")).first()
        return {"toan_6a1": course("6A1", "2026-2027"), "year_thcs": year,
                "10a1_last_year": school_class("10A1", "2025-2026", "THPT-LX")}


def test_keyboard_entry_paste_live_averages_and_a_locked_term(sign_in, page, live_server):
    ids = _ids(live_server)
    sign_in("gv1.thcs")
    page.locator("#teacher-courses tr", has_text="6A1").filter(has_text="Toán").get_by_text("Sổ điểm").click()
    expect(page.locator("#grid-title")).to_contain_text("Toán 6A1")
    rows = page.locator("#grade-grid tbody tr")
    first = rows.nth(0)
    # The demo has TX1–TX3 and the midterm; the final (CK) is still to be entered.
    tx = [first.locator("input[data-kind='tx']").nth(i).input_value() for i in range(3)]
    gk = first.locator("input[data-kind='gk']").input_value()
    expect(first.locator(".avg-sem")).to_have_text("")
    first.locator("input[data-kind='tx']").nth(3).click()
    page.keyboard.type("8")
    page.keyboard.press("ArrowRight")  # caret at the end: on to the midterm, then the final
    page.keyboard.press("ArrowRight")
    page.keyboard.type("7,5")
    expect(first.locator(".avg-sem")).not_to_have_text("")
    tenths = [round(float(v.replace(",", ".")) * 10) for v in tx] + [80]
    total = sum(tenths) + 2 * round(float(gk.replace(",", ".")) * 10) + 3 * 75
    expected = (2 * total + 9) // 18  # half up of total / 9, in tenths
    expect(first.locator(".avg-sem")).to_have_text(f"{expected // 10},{expected % 10}")
    page.keyboard.press("Enter")  # down to the next pupil's final
    page.keyboard.type("9")
    expect(page.locator("input[data-kind='ck']").nth(1)).to_have_value("9")
    # A column copied from Excel lands down the rows, starting at the focused cell.
    page.locator("input[data-kind='ck']").nth(2).focus()
    page.evaluate("""() => { const dt = new DataTransfer(); dt.setData('text/plain', '6\\r\\n6,5\\r\\n7\\r\\n');
        document.activeElement.dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true})); }""")
    expect(page.locator("input[data-kind='ck']").nth(3)).to_have_value("6,5")
    expect(page.locator("input[data-kind='ck']").nth(4)).to_have_value("7")
    # A mark out of range turns red at once and is refused on save, with its line and column.
    page.locator("input[data-kind='ck']").nth(5).fill("11")
    expect(page.locator("input[data-kind='ck']").nth(5)).to_have_class(re.compile("is-invalid"))
    page.click("#save-grades")
    expect(page.locator("#grade-issues")).to_contain_text("“11” lớn hơn 10")
    expect(page.locator("#grade-issues")).to_contain_text("CK")
    # The refused cell says its own reason, and the summary's link takes the focus to it (issue #28).
    refused = page.locator("input[data-kind='ck']").nth(5)
    expect(refused).to_have_attribute("aria-invalid", "true")
    reason = page.locator("#" + refused.get_attribute("aria-describedby"))
    expect(reason).to_have_text("“11” lớn hơn 10.")
    page.locator("#grade-issues a.cell-link").first.click()
    expect(refused).to_be_focused()
    expect(page.locator("input[data-kind='ck']").nth(1)).to_have_value("9")  # what was typed is kept
    page.locator("input[data-kind='ck']").nth(5).fill("10")
    page.click("#save-grades")
    expect(page.locator(".alert-success")).to_contain_text("Đã lưu sổ điểm: 7 điểm mới")
    expect(rows.nth(0).locator(".avg-sem")).to_have_text(f"{expected // 10},{expected % 10}")
    _sign_out(page)

    # The admin locks term I: the teacher can only read it now.
    sign_in("admin.thcs")
    page.goto(f"{live_server.url}/school/gradebook?year={ids['year_thcs']}")
    # The demo's term I is half-filled: the page lists the classes still missing marks, and the
    # lock needs the admin's "lock although incomplete".
    expect(page.locator("#lock-gaps-1")).to_contain_text("6A1")
    page.check("#incomplete-ok-1")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#lock-1")
    expect(page.locator("#lock-state-1")).to_have_text("Đã khoá")
    _sign_out(page)
    sign_in("gv1.thcs")
    page.goto(f"{live_server.url}/courses/{ids['toan_6a1']}/grades?term=1")
    expect(page.locator("#locked-banner")).to_contain_text("Trang này chỉ xem")
    expect(page.locator("#save-grades")).to_have_count(0)
    assert page.locator("input[data-kind='ck']").nth(0).get_attribute("readonly") is not None
    _sign_out(page)
    sign_in("admin.thcs")  # open it again for the other tests
    page.goto(f"{live_server.url}/school/gradebook?year={ids['year_thcs']}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#unlock-1")
    expect(page.locator("#lock-state-1")).to_have_text("Đang mở")


def test_issue_a_class_verify_through_the_qr_address_and_refuse_a_tampered_file(sign_in, page, live_server,
                                                                                 browser, tmp_path):
    ids = _ids(live_server)
    sign_in("admin.thpt")
    page.goto(f"{live_server.url}/classes/{ids['10a1_last_year']}/report-cards")
    expect(page.locator("#cards-title")).to_contain_text("10A1 · 2025-2026")
    page.click("#issue-all")
    expect(page.locator("#job-title")).to_contain_text("Phát hành học bạ cả lớp")
    expect(page.locator("#job-state")).to_have_text("Đã xong.", timeout=180_000)  # 38 PDFs on a busy machine
    expect(page.locator("#job-result")).to_be_visible()
    with page.expect_download() as zipped:
        page.click("#job-result")
    assert zipped.value.suggested_filename == "Học bạ 10A1 2025-2026.zip"
    page.click("#job-back")
    with page.expect_download() as download:
        page.locator(".card-link-pdf").first.click()
    pdf = tmp_path / "hoc-ba.pdf"
    download.value.save_as(pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    address = re.search(r"(http://\S+/verify/\S+)", text.replace("\n", " ")).group(1)
    path = address.split("/verify/", 1)[1]

    # Anyone holding the paper scans its QR code: no account needed.
    stranger = browser.new_context()
    check = stranger.new_page()
    check.goto(f"{live_server.url}/verify/{path}")
    expect(check.locator("#verify-result")).to_have_attribute("data-state", "valid")
    expect(check.locator("#verify-figures")).to_contain_text("10A1 · 2025-2026")
    check.set_input_files("#check-file", str(pdf))
    check.click("#check-submit")
    expect(check.locator("#file-check")).to_have_attribute("data-match", "1")
    data = bytearray(pdf.read_bytes())
    data[len(data) // 3] ^= 0x20
    forged = tmp_path / "hoc-ba-sua.pdf"
    forged.write_bytes(bytes(data))
    check.set_input_files("#check-file", str(forged))
    check.click("#check-submit")
    expect(check.locator("#file-check")).to_have_attribute("data-match", "0")
    expect(check.locator("#file-check")).to_contain_text("KHÔNG khớp")
    stranger.close()
