"""Importing questions in Chromium: a GIFT file, an Aiken file and a Word file are previewed as
pupils will see them and confirmed; a broken file shows the line of each error and saves nothing."""
import io

import pytest
from playwright.sync_api import expect

from tests.unit.files import PNG

pytestmark = pytest.mark.e2e

GIFT = """$CATEGORY: Nhập từ Moodle

::Cộng:: 2 + 3 = ? {=5 ~4 ~6}

::Đúng sai:: 0 là số tự nhiên. {T}

::Số:: Nửa của 5? {#2.5:0.05}
"""
AIKEN = "Số nguyên tố nhỏ nhất là\nA. 0\nB. 1\nC. 2\nD. 3\nANSWER: C\n"


def _word() -> bytes:
    from docx import Document

    document = Document()
    document.add_paragraph("ĐỀ KIỂM TRA 15 PHÚT — TOÁN 6")
    document.add_paragraph("Câu 1. Hình dưới đây có mấy cạnh?")
    document.add_paragraph().add_run().add_picture(io.BytesIO(PNG))
    paragraph = document.add_paragraph()
    paragraph.add_run("A. 2   ")
    paragraph.add_run("B. 3").underline = True
    paragraph.add_run("   C. 4   D. 5")
    document.add_paragraph("Câu 2. Cho tập hợp A = {1; 2; 3}.")
    for line in ("a) 1 ∈ A", "b) 4 ∈ A", "c) A có ba phần tử", "d) 0 ∈ A"):
        document.add_paragraph(line)
    document.add_paragraph("ĐÁP ÁN")
    document.add_paragraph("2-ĐSĐS")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _import(page, live_server, tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    page.goto(live_server.url + "/bank")
    page.click("#import-questions")
    page.set_input_files("#file", str(path))
    page.click("#preview-button")


def test_gift_aiken_and_word_files_are_previewed_and_confirmed(sign_in, page, live_server, tmp_path):
    sign_in("gv1.thcs")
    for name, data, count, seen in (("moodle.gift", GIFT.encode(), 3, "Nửa của 5?"),
                                    ("aiken.txt", AIKEN.encode(), 1, "Số nguyên tố nhỏ nhất là"),
                                    ("đề 15 phút.docx", _word(), 2, "Hình dưới đây có mấy cạnh?")):
        _import(page, live_server, tmp_path, name, data)
        preview = page.locator("#import-preview")
        expect(preview).to_contain_text(f"Đọc được {count} câu hỏi")
        expect(preview).to_contain_text(seen)
        expect(preview.locator("[data-position]")).to_have_count(count)
        if name.endswith(".docx"):
            # The picture is kept and the underlined option is understood as the right one.
            image = preview.locator("img").first
            expect(image).to_be_visible()
            assert image.evaluate("img => img.decode().then(() => img.naturalWidth, () => 0)") > 0
            expect(page.locator("[data-skipped='start']")).to_contain_text("ĐỀ KIỂM TRA 15 PHÚT")
            assert preview.locator("[data-position='1'] input:checked").count() == 1
        page.click("#confirm-import")
        expect(page.locator(".alert-success")).to_contain_text(f"Đã nhập {count} câu hỏi")


def test_a_broken_file_shows_the_line_of_each_error(sign_in, page, live_server, tmp_path):
    sign_in("gv1.thcs")
    broken = "Câu 1. Hỏi\nA. x\nC. y\nCâu 2. Không có đáp án\nA. a\nB. b\n"
    _import(page, live_server, tmp_path, "loi.txt", broken.encode())
    errors = page.locator("#import-errors")
    expect(errors).to_contain_text("Tệp có 2 lỗi")
    expect(errors).to_contain_text("Dòng 3:")
    expect(errors).to_contain_text("Dòng 4:")
    expect(page.locator("#confirm-import")).to_have_count(0)


def test_statistics_of_the_demo_quiz_and_its_printed_versions(sign_in, page, live_server, tmp_path):
    import subprocess

    sign_in("gv1.thcs")
    page.goto(live_server.url + "/exams/manage")
    page.locator("#exams a", has_text="Kiểm tra 15 phút — Tập hợp").click()
    page.click("#tab-statistics")
    expect(page.locator("#test-figures")).to_contain_text("Cronbach")
    expect(page.locator("#item-table tbody tr")).to_have_count(6)
    page.click("#tab-print")
    page.fill("#count", "2")
    page.fill("#first_code", "301")
    page.click("#make-papers")
    expect(page.locator("#papers [data-code]")).to_have_count(2)
    with page.expect_download() as download:
        page.click("#download-pdf")
    pdf = tmp_path / "de.pdf"
    download.value.save_as(pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    assert "Mã đề 301" in text and "Mã đề 302" in text and "ĐÁP ÁN THEO MÃ ĐỀ" in text
    assert "Tập hợp các số tự nhiên nhỏ hơn 5 là:" in text


ANGLES = ("Câu 1. Cho tam giác ABC có $\\widehat{ABC} = 60^\\circ$ và $\\widehat{A} = 50^\\circ$. "
          "Số đo góc $\\widehat{ACB}$ là:\nA. 60°\nB. 70°\nC. 80°\nD. 90°\nĐÁP ÁN\n1-B\n")


@pytest.mark.parametrize("fonts", ["math font", "no math font"])
def test_an_angle_s_hat_covers_its_letters_on_a_phone_with_or_without_a_math_font(sign_in, page, live_server,
                                                                                   tmp_path, fonts):
    """The hat was a combining circumflex that only a math font stretches: without one (an
    Android phone before 12) it stood small over one letter, or as a box. It is drawn now."""
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in("gv1.thcs")
    _import(page, live_server, tmp_path, "goc.txt", ANGLES.encode())
    preview = page.locator("#import-preview")
    expect(preview).to_contain_text("Đọc được 1 câu hỏi")
    if fonts == "no math font":   # the phone: math set in its ordinary sans-serif font
        page.evaluate("document.querySelectorAll('math').forEach(m => m.style.fontFamily = 'DejaVu Sans, sans-serif')")
    hats = preview.locator("mover")
    assert hats.count() == 3
    for i in range(3):
        over = hats.nth(i)
        assert over.locator("mo").count() == 0          # no glyph that a font may lack
        base, hat = over.locator(":scope > mrow, :scope > mi").first.bounding_box(), \
            over.locator(".math-hat").bounding_box()
        painted = over.locator(".math-hat").evaluate("e => getComputedStyle(e).backgroundImage")
        assert "math-hat.svg" in painted
        assert hat["width"] >= 0.6 * base["width"] and hat["height"] > 3
        assert hat["y"] + hat["height"] <= base["y"] + 2          # above the letters, not over them
        assert abs((hat["x"] + hat["width"] / 2) - (base["x"] + base["width"] / 2)) < 3   # centred on them
    page.screenshot(path=f"/tmp/lms-angle-hat-{fonts.replace(' ', '-')}-360.png", full_page=True)
