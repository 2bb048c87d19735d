"""The class summary says the rule of the period it shows — a term's results from that term's
averages and the homeroom teacher's term conduct, the year's from the year averages, the Điều 8
table and the promotion rules — on the page, in the PDF and in the Excel file; and it warns, with
where to fill it, when the school's settings name no principal to print under the signature."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from lms.people.models import School
from tests.factories import fill_year
from tests.pdftext import text


def _squash(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def _rule(page: str) -> str:
    """The footnote's text, its abbreviations' markup left out."""
    return re.sub(r"<[^>]+>", "", re.search(r'id="summary-rule">(.*?)</p>', page, re.S).group(1))


def test_each_period_states_its_own_rule(world, client, dbs):
    with dbs() as s:
        fill_year(s, world.a)
        s.commit()
    client.login("gv.a")
    base = f"/classes/{world.a.school_class.id}/summary"
    for period, term in ((1, "học kỳ I"), (2, "học kỳ II")):
        page = _squash(client.get(f"{base}?period={period}").get_data(as_text=True))
        rule = _rule(page)
        assert '<abbr title="Điểm trung bình môn học kỳ">ĐTBmhk</abbr>' in page   # its full form, on the page
        assert f"Kết quả học tập {term} theo Điều 9" in rule and "ĐTBmhk" in rule
        assert f"kết quả rèn luyện {term} do giáo viên chủ nhiệm đánh giá" in rule
        assert "ĐTBmcn" not in rule and "tra theo bảng" not in rule and "Điều 12–14" not in rule
        pdf = text(client.get(f"{base}.pdf?period={period}").data)
        assert f"Kết quả học tập {term} theo Điều 9" in pdf and "Điều 12–14" not in pdf and "ĐTBmcn" not in pdf
        sheet = load_workbook(io.BytesIO(client.get(f"{base}.xlsx?period={period}").data)).active
        assert str(sheet.cell(sheet.max_row, 1).value).startswith(f"Kết quả học tập {term} theo Điều 9")
    year = _squash(client.get(f"{base}?period=0").get_data(as_text=True))
    rule = _rule(year)
    assert "Kết quả học tập cả năm theo Điều 9" in rule and "ĐTBmcn" in rule and "tra theo bảng Điều 8" in rule
    assert "Điều 12–14" in rule
    assert "Điều 12–14" in text(client.get(f"{base}.pdf?period=0").data)


def test_a_missing_principal_is_said_before_printing_or_issuing(world, make_client, dbs):
    with dbs() as s:
        fill_year(s, world.a)
        school = s.get(School, world.a.school.id)
        school.principal_name = school.deputy_signer_name = None
        s.commit()
    class_id = world.a.school_class.id
    client = make_client()
    client.login("admin.a")
    for url in (f"/classes/{class_id}/summary?period=1", f"/classes/{class_id}/report-cards"):
        page = client.get(url).get_data(as_text=True)
        assert 'id="signer-missing"' in page, url
        assert re.search(r'<a href="/school#principal_name" id="signer-missing-fix">[^<]*Thông tin trường', page)
    teacher = make_client()
    teacher.login("gv.a")
    page = teacher.get(f"/classes/{class_id}/summary?period=1").get_data(as_text=True)
    assert 'id="signer-missing"' in page and "Đề nghị quản trị trường điền" in page
    assert "signer-missing-fix" not in page                     # a teacher cannot open the settings
    with dbs() as s:
        s.get(School, world.a.school.id).principal_name = "Trần Văn Hiệu"
        s.commit()
    for url in (f"/classes/{class_id}/summary?period=1", f"/classes/{class_id}/report-cards"):
        assert 'id="signer-missing"' not in client.get(url).get_data(as_text=True), url
