"""Who signs a school's official documents is the school's setting — the principal by name, or a
deputy "KT. HIỆU TRƯỞNG / PHÓ HIỆU TRƯỞNG" — on the class summary, the school's report and the
report card alike; the department's report names its columns whole and totals every figure."""
from __future__ import annotations

import re
from types import SimpleNamespace

from lms.core.timeutil import utcnow
from lms.people.models import Department, School
from tests.factories import fill_year
from tests.integration.test_official_pdfs import _render
from tests.pdftext import pages


def test_the_schools_signer_is_its_setting(world, client, dbs):
    with dbs() as s:
        fill_year(s, world.a)
        s.commit()
    client.login("admin.a")
    saved = client.post("/school", {"name": "Trường THCS Thử A", "levels": ["THCS"], "bank_bin": "",
                                     "principal_name": "  Trần   Văn Hiệu ", "deputy_signer_name": ""})
    assert saved.status_code == 302, re.findall(r"invalid-feedback[^>]*>([^<]+)", saved.get_data(as_text=True))
    with dbs() as s:
        assert s.get(School, world.a.school.id).principal_name == "Trần Văn Hiệu"
    summary = " ".join(pages(client.get(f"/classes/{world.a.school_class.id}/summary.pdf?period=0").data))
    assert "HIỆU TRƯỞNG" in summary and "Trần Văn Hiệu" in summary and "KT. HIỆU TRƯỞNG" not in summary
    with dbs() as s:
        s.get(School, world.a.school.id).deputy_signer_name = "Lê Thị Phó"
        s.commit()
    summary = pages(client.get(f"/classes/{world.a.school_class.id}/summary.pdf?period=0").data)
    last = summary[-1]
    assert "KT. HIỆU TRƯỞNG" in last and "PHÓ HIỆU TRƯỞNG" in last and "Lê Thị Phó" in last
    assert "Trần Văn Hiệu" not in " ".join(summary)
    # The counting rule goes with the signatures, never signatures alone on a page.
    assert "Kết quả học tập cả năm theo Điều 9" in last


def test_the_departments_report_totals_every_figure_under_whole_headers(app, world, dbs):
    from lms.reports import cashless, official

    with dbs() as s:
        school = s.get(School, world.a.school.id)
        department = s.get(Department, world.dept_a.id)
        period = cashless.half_year(2026, 2)
        now = utcnow()
        report = official.school_official(s, school, period, now)
        report.board.online.part, report.board.online.whole = 3, 10
        other = official.school_official(s, school, period, now)
        other.board.online = type(report.board.online)("online", 1, 30)
        rows = [official.DepartmentRow(SimpleNamespace(name="Trường A"), report),
                official.DepartmentRow(SimpleNamespace(name="Trường B"), other)]
        d = official.department_official(s, department, [], period, dict(official.DEFAULT_WEIGHTS), now)
        d.rows = rows
        for r in rows:
            d.add(r.report)
        official.rank(d.rows, d.weights)
        text = " ".join(pages(_render(app, "reports/official_department_pdf.html", d=d)))
    assert "UBND TỈNH THỬ A" in text and "SỞ GD&ĐT" in text
    assert "(giá trị)" not in text and "Không tiền mặt theo giá trị" in text
    # 3 + 1 online periods of 10 + 30: 10,0 % — summed, not the average of 30 % and 3,3 %.
    assert "Tổng 2 trường 10,0 %" in text
