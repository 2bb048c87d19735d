"""The page, the PDF and the Excel file of an official report print the same rows: each takes its
labels and figures from the report's row model (official.school_sections, official.department_table),
so a label or a figure cannot differ between them (issue #24, tester finding 14: the Excel file said
"Học bạ số đã phát hành của năm học —" where the PDF said "…không có năm học nào kết thúc trong kỳ",
and wrote "Hình thức sẵn sàng" as 2 where the PDF printed 2/4). A page in English follows its
language — figures "71.4 %", the signer "Director" — while the PDF, an official Vietnamese form,
stays Vietnamese (finding 12)."""
from __future__ import annotations

import html
import io
import re

from openpyxl import load_workbook

from lms.core.timeutil import utcnow
from lms.people.models import Department, School
from lms.reports import cashless, official
from tests.integration.test_cashless import _build as build_payments
from tests.integration.test_official_reports import _wait_and_fetch
from tests.pdftext import text as pdf_text

ROW = re.compile(r"<tr[^>]*>(.*?)</tr>", re.S)
CELL = re.compile(r"<t[dh][^>]*>(.*?)</t[dh]>", re.S)


def page_rows(page: str, table_re: str = r'<div id="official-figures">(.*?)</div>\s*<p') -> list[list[str]]:
    part = re.search(table_re, page, re.S).group(1)
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in CELL.findall(row)] for row in ROW.findall(part)]


def sheet_rows(data: bytes) -> list[list]:
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(data)).active.iter_rows()]
    out = []
    for r in rows:
        while r and r[-1] is None:
            r = r[:-1]
        out.append(r)
    return out


def model_rows(tables) -> tuple[list[list[str]], list[list]]:
    """The rows of `tables` as printed (a header's cells, then each line's) and as Excel values."""
    texts, values = [], []
    for table in tables:
        texts.append(list(table.header))
        values.append(list(table.header))
        for line in table.lines:
            texts.append([c.text() for c in line.cells])
            row = [c.sheet() for c in line.cells]
            while row and row[-1] is None:
                row = row[:-1]
            values.append(row)
    return texts, values


def assert_in_order(whole: str, cells: list[str], header: bool = False) -> None:
    """A row's cells in the PDF's text, in order (pdftotext reads a table's lines row by row; a
    header's wrapped cells it reads in any order: each is there)."""
    if header:
        for cell in cells:
            assert " ".join(cell.split()) in whole, (cell, cells)
        return
    at = 0
    for cell in filter(None, cells):
        found = whole.find(" ".join(cell.split()), at)
        assert found >= 0, (cell, cells, whole[at:at + 300])
        at = found + 1


def test_school_report_rows_are_the_same_on_the_page_in_the_pdf_and_in_excel(app, world, dbs, make_client):
    build_payments(app, world, dbs)
    admin = make_client()
    admin.login("admin.a")
    page = admin.get("/reports/official?year=2026&period=2026-H2").get_data(as_text=True)
    pdf = pdf_text(_wait_and_fetch(app, admin, admin.post("/reports/official", {
        "year": "2026", "period": "2026-H2", "format": "pdf"}).headers["Location"])[1])
    xlsx = sheet_rows(_wait_and_fetch(app, admin, admin.post("/reports/official", {
        "year": "2026", "period": "2026-H2", "format": "xlsx"}).headers["Location"])[1])
    with app.test_request_context("/"), dbs() as s:
        report, _kept = official.school_page(s, s.get(School, world.a.school.id), cashless.half_year(2026, 2), utcnow())
        sections = official.school_sections(report)
        texts, values = model_rows([t for sec in sections for t in sec.tables])
    assert page_rows(page) == texts
    headers = [t.header for sec in sections for t in sec.tables]
    for row in texts:
        assert_in_order(pdf, row, header=row in headers)
    # Every table row of the model is a row of the Excel file, in the same order, with its figures
    # as numbers (shares in per cent, money in đồng) and the ratios as printed.
    at = 0
    for row in values:
        at = xlsx.index(row, at) + 1
    for sec in sections:
        assert [sec.title] in xlsx and sec.title in page and sec.title in pdf
        for note in sec.notes:
            assert [note] in xlsx and html.escape(note, quote=False) in page and " ".join(note.split()) in pdf
    cards = next(r for r in texts if r[0].startswith("Học bạ số đã phát hành"))
    assert cards[0] == "Học bạ số đã phát hành (ký số, có mã xác minh): không có năm học nào kết thúc trong kỳ"
    ready = next(v for v in values if v[0] == "Hình thức sẵn sàng nhận tiền")
    assert re.fullmatch(r"[0-4]/4", ready[1]) and ready[2] == "yêu cầu ít nhất 3", ready
    # No target for the online share: said so, not "Chỉ tiêu —".
    assert texts[1][-1] == "không có chỉ tiêu" and "không có chỉ tiêu" in pdf
    # The money column is in đồng as its header says, never "0₫" beside "4.100.000 ₫".
    assert "₫" not in pdf and "4.100.000" in pdf

    # In English the page's figures follow the language; the PDF stays Vietnamese.
    with admin.http.session_transaction() as session:
        session["lang"] = "en"
    english = admin.get("/reports/official?year=2026&period=2026-H2").get_data(as_text=True)
    assert re.search(r"<td>Cashless</td><td[^>]*>5</td><td[^>]*>4.100.000</td><td[^>]*>71.4 %</td><td[^>]*>89.1 %</td>",
                     english), page_rows(english)[-8:]
    assert "71,4 %" not in english and "89,1" not in english
    pdf_en = pdf_text(_wait_and_fetch(app, admin, admin.post("/reports/official", {
        "year": "2026", "period": "2026-H2", "format": "pdf"}).headers["Location"])[1])
    assert "71,4 %" in pdf_en and "Không dùng tiền mặt" in pdf_en


def test_department_report_rows_are_the_same_on_the_page_in_the_pdf_and_in_excel(app, world, dbs, make_client):
    build_payments(app, world, dbs)
    viewer = make_client()
    viewer.login("so.a")
    url = "/department/official?year=2026&period=2026-H2"
    page = viewer.get(url).get_data(as_text=True)
    form = {"year": "2026", "period": "2026-H2", "signer": "deputy", "signer_name": "Trần Văn Phó"}
    pdf = pdf_text(_wait_and_fetch(app, viewer, viewer.post("/department/official", {**form, "format": "pdf"})
                                   .headers["Location"])[1])
    xlsx = sheet_rows(_wait_and_fetch(app, viewer, viewer.post("/department/official", {**form, "format": "xlsx"})
                                      .headers["Location"])[1])
    with app.test_request_context("/"), dbs() as s:
        from lms.people.services import department_schools

        department = s.get(Department, world.dept_a.id)
        d = official.department_page(s, department, department_schools(s, department), cashless.half_year(2026, 2),
                                     dict(official.DEFAULT_WEIGHTS), utcnow())
        texts, values = model_rows([official.department_table(d)])
    shown = page_rows(page, r'(<table class="table table-sm" id="dept-ranking">.*?</table>)')
    assert [[c.replace(" · thu phí", "") for c in row] for row in shown] == texts
    for row in texts:
        assert_in_order(pdf, row, header=row is texts[0])
    at = 0
    for row in values:
        at = xlsx.index(row, at) + 1
    school = next(v for v in values if v[1] == "Trường THCS Thử A")
    assert all(re.fullmatch(r"[0-4]/4", x) for x in school[10:12]), school   # as printed, not 2 for 2/4
    assert "KT. GIÁM ĐỐC" in pdf and "PHÓ GIÁM ĐỐC" in pdf
    # In English: the signer's title and the figures follow the page's language; the PDF does not.
    with viewer.http.session_transaction() as session:
        session["lang"] = "en"
    english = viewer.get(url).get_data(as_text=True)
    signer = re.search(r'<select[^>]*id="signer".*?</select>', english, re.S).group(0)
    assert "Giám đốc" not in signer and "GIÁM ĐỐC" not in signer and "Director" in signer, signer
    assert "71.4 %" in english and "71,4 %" not in english
    pdf_en = pdf_text(_wait_and_fetch(app, viewer, viewer.post("/department/official", {**form, "format": "pdf"})
                                      .headers["Location"])[1])
    assert "KT. GIÁM ĐỐC" in pdf_en and "PHÓ GIÁM ĐỐC" in pdf_en and "71,4 %" in pdf_en and "DIRECTOR" not in pdf_en
