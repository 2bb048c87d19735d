"""The class summary's page, PDF and Excel file print the same counts and the same year's lists,
item by item, because all three take them from the summary itself (`homeroom.Summary.tallies`,
`Summary.list_entries`): the page built its lists and counts in its template apart from the files
(its re-test line read "Bình: Ngữ văn …" where the PDF read "Kiểm tra lại: Ngữ văn …", and the
Excel file had no counts at all)."""
import html
import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from tests.factories import fill_year
from tests.pdftext import pages


def cell_texts(fragment: str) -> list[str]:
    return [html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", c)).strip())
            for c in re.findall(r"<td[^>]*>(.*?)</td>", fragment, re.S)]


def page_lists(page: str) -> list[tuple[str, list[tuple[str, str]]]]:
    out = []
    for key, title in re.findall(r'<h2 class="h6" id="list-(\w+)-title">([^<]+)</h2>', page):
        table = page.split(f'id="list-{key}"')[1].split("</table>")[0]
        rows = [cell_texts(r) for r in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)]
        out.append((html.unescape(title), [(r[1], r[2]) for r in rows if len(r) == 3]))
    return out


def page_tallies(page: str) -> list[list[str]]:
    block = page.split('id="summary-counts"')[1].split('id="summary-rule"')[0]
    return [[html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", span)).strip())
             for span in re.findall(r'<span class="me-3[^"]*">(.*?)</span>', card, re.S)]
            for card in block.split('id="tally-')[1:]]


def sheet_rows(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data)).active
    return [[v for v in row if v not in (None, "")] for row in sheet.iter_rows(values_only=True)]


def sheet_lists(rows: list[list], titles: list[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    out = []
    for title in titles:
        at = rows.index([title])
        entries = []
        for row in rows[at + 1:]:
            if len(row) != 3 or not isinstance(row[0], int):
                break
            entries.append((row[1], row[2]))
        out.append((title, entries))
    return out


def test_the_summary_page_pdf_and_excel_agree(world, client, dbs):
    from lms.gradebook.models import TermRecord

    a = world.a
    with dbs() as s:
        # An: every subject 8,0 (an award); Bình: Toán and Ngữ văn 3 (re-tests); Châu: conduct
        # Chưa đạt in term II (summer training); nobody retained (an empty list reads "Không có").
        fill_year(s, a, marks={("HSA002", "toan"): "3", ("HSA002", "ngu_van"): "3"})
        record = s.scalars(select(TermRecord).where(TermRecord.student_id == a.students["HSA003"].id,
                                                    TermRecord.term == 2)).one()
        record.conduct = "C"
        s.commit()
    client.login("gv.a")
    base = f"/classes/{a.school_class.id}/summary"
    for period in (0, 1):
        page = client.get(f"{base}?period={period}").get_data(as_text=True)
        texts = pages(client.get(f"{base}.pdf?period={period}").data)
        rows = sheet_rows(client.get(f"{base}.xlsx?period={period}").data)

        tallies = page_tallies(page)
        assert [len(t) for t in tallies] == [5, 5] and tallies[0][-1].startswith("Chưa đủ điểm")
        for counts in tallies:           # the same counts in the Excel file and the PDF, in the same order
            assert any(row[1:] == counts for row in rows), (counts, rows)
            assert " ".join(counts) in " ".join(texts)

        lists = page_lists(page)
        if period == 1:
            assert lists == []          # the year's lists belong to the year's summary only
            continue
        assert [t for t, _ in lists] == ["Danh sách kiểm tra lại (1)", "Danh sách rèn luyện trong kỳ nghỉ hè (1)",
                                         "Danh sách ở lại lớp (0)", "Danh sách khen thưởng (1)"]
        assert lists[0][1] == [("Nguyễn Thị Bình", "Kiểm tra lại: Ngữ văn (chưa có điểm), Toán (chưa có điểm)")]
        assert lists[1][1] == [("Trần Minh Châu", "Rèn luyện hè")] and lists[2][1] == []
        assert sheet_lists(rows, [t for t, _ in lists]) == lists
        printed = " ".join(texts)
        for title, entries in lists:     # each list's title, then its entries under it (before the next list)
            under = printed.split(title)[1].split("Danh sách")[0]
            for name, what in entries:
                assert name in under and what in under, (title, name, what, under)
            assert ("Không có" in under) == (not entries)
