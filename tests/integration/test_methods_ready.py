"""The plans' rule — at least 3 of the 4 cashless methods ready to take money — is judged on the
methods ready, and the methods that brought a payment in the period are shown beside it under
their own name, never judged: the same two names and figures on the school's report (page,
findings, Excel, PDF), the department's ranking (page, Excel, PDF) and both cashless pages."""
from __future__ import annotations

import io
import re
from datetime import datetime, timezone

from openpyxl import load_workbook

from lms.core.timeutil import utcnow
from lms.people.models import Department, School
from lms.reports import cashless, official
from tests.integration.test_official_pdfs import _render
from tests.integration.test_report_periods import _payment
from tests.pdftext import text


def test_ready_and_used_methods_are_named_apart_everywhere(app, world, dbs, make_client):
    with dbs() as s:
        school = s.get(School, world.a.school.id)
        # QR is ready (the school's account is declared); no gateway, wallet or POS is set up.
        school.bank_bin, school.bank_account_number = "970436", "0071000123456"
        pupil = world.a.students["HSA001"]
        # In the period: a QR transfer, and a card payment recorded from the bank's slip (card
        # is used, though not ready to take money through the platform).
        _payment(s, school, pupil, "qr", 200_000, datetime(2026, 10, 5, 3, tzinfo=timezone.utc))
        _payment(s, school, pupil, "card_pos", 300_000, datetime(2026, 10, 6, 3, tzinfo=timezone.utc))
        s.commit()
        period = cashless.half_year(2026, 2)
        report = official.school_official(s, school, period, utcnow())
        assert (report.ready, report.used) == (1, 2)
        finding = report.findings[-1]
        assert finding == ("Hình thức không dùng tiền mặt sẵn sàng nhận tiền: 1/4 (yêu cầu ít nhất 3) — chưa đạt; "
                           "có giao dịch trong kỳ: 2/4 (để đối chiếu).")
        rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(official.school_workbook(report))).active.iter_rows()]
        # As the PDF and the page print them (official.school_sections): "1/4", never 1 beside 4.
        assert ["Hình thức sẵn sàng nhận tiền", "1/4", "yêu cầu ít nhất 3"] == rows[[r[0] for r in rows].index(
            "Hình thức sẵn sàng nhận tiền")][:3]
        assert ["Hình thức có giao dịch trong kỳ", "2/4", "để đối chiếu"] == rows[[r[0] for r in rows].index(
            "Hình thức có giao dịch trong kỳ")][:3]
        pdf = text(_render(app, "reports/official_school_pdf.html", r=report, rule=cashless.RULE,
                           labels=cashless.METHOD_LABELS, methods=cashless.METHODS))
        assert "Hình thức sẵn sàng nhận tiền 1/4 yêu cầu ít nhất 3" in pdf
        assert "Hình thức có giao dịch trong kỳ 2/4 để đối chiếu" in pdf
        assert "Số hình thức có giao dịch trong kỳ chỉ để đối chiếu" in pdf
        d = official.department_official(s, s.get(Department, world.dept_a.id), [school], period,
                                         dict(official.DEFAULT_WEIGHTS), utcnow())
        sheet = [[c.value for c in r] for r in load_workbook(io.BytesIO(official.department_workbook(d))).active.iter_rows()]
        header = next(r for r in sheet if r[0] == "Hạng")
        line = next(r for r in sheet if r[1] == school.name)
        assert (line[header.index("Hình thức sẵn sàng nhận tiền")], line[header.index("Hình thức có giao dịch trong kỳ")]) == (
            "1/4", "2/4")
        pdf = text(_render(app, "reports/official_department_pdf.html", d=d))
        assert "Hình thức sẵn sàng nhận tiền" in pdf and "Hình thức có giao dịch trong kỳ" in pdf
        assert "Số trường có ít nhất 3/4 hình thức không dùng tiền mặt sẵn sàng nhận tiền: 0/1." in pdf
    both = "Sẵn sàng nhận tiền: 1/4 (yêu cầu ít nhất 3) · có giao dịch trong kỳ: 2/4"
    admin = make_client()
    admin.login("admin.a")
    page = admin.get("/reports/official?year=2026&period=2026-H2").get_data(as_text=True)
    assert re.search(r"<td>Hình thức sẵn sàng nhận tiền</td><td[^>]*>1/4</td><td>yêu cầu ít nhất 3</td>", page)
    assert 'id="methods-rule"' in page
    page = admin.get("/reports/cashless?year=2026&period=2026-H2").get_data(as_text=True)
    assert re.search(r'id="cashless-ready">\s*' + re.escape(both), page)
    viewer = make_client()
    viewer.login("so.a")
    code = world.a.school.code
    for url in ("/department/official?year=2026&period=2026-H2", "/department/cashless?year=2026&period=2026-H2"):
        page = viewer.get(url).get_data(as_text=True)
        assert "Hình thức sẵn sàng nhận tiền</th>" in page and "Hình thức có giao dịch trong kỳ</th>" in page, url
        row = page.split(f'data-school="{code}"')[1].split("</tr>")[0]
        assert re.search(r">\s*1 ?/ ?4\s*</td>\s*<td[^>]*>\s*2 ?/ ?4\s*</td>", row), url
