"""The department report's signatures never stand alone on a last page: the last section
("2. Đánh giá") goes onto the page that carries Nơi nhận and the signer, as the class summary's
last rows do, whatever the number of schools pushes where the page breaks."""
from __future__ import annotations

from types import SimpleNamespace

from lms.core.timeutil import utcnow
from lms.people.models import Department, School
from tests.integration.test_official_pdfs import _render
from tests.pdftext import page_of, pages


def test_the_signatures_share_their_page_with_the_last_section(app, world, dbs):
    from lms.reports import cashless, official

    with dbs() as s:
        school = s.get(School, world.a.school.id)
        department = s.get(Department, world.dept_a.id)
        period = cashless.half_year(2026, 2)
        now = utcnow()
        report = official.school_official(s, school, period, now)
        for n in range(10, 22):
            rows = [official.DepartmentRow(SimpleNamespace(name=f"Trường THCS Số {i:03d} xã Mỹ Hòa Hưng"), report)
                    for i in range(n)]
            d = official.DepartmentOfficial(department, period, dict(official.DEFAULT_WEIGHTS), rows, generated=now,
                                            signer_title="PHÓ GIÁM ĐỐC", signer_over="KT. GIÁM ĐỐC",
                                            signer_name="Nguyễn Văn Bình",
                                            recipients=["Bộ GD&ĐT (để báo cáo)", "UBND tỉnh (để báo cáo)",
                                                        "Lưu: VT, KHTC"])
            official.rank(d.rows, d.weights)
            texts = pages(_render(app, "reports/official_department_pdf.html", d=d))
            signed = page_of(texts, "Nguyễn Văn Bình")
            assert len(signed) == 1, (n, signed)
            assert page_of(texts, "Nơi nhận") == signed, n
            assert signed[0] in page_of(texts, "2. Đánh giá"), (n, len(texts), texts[signed[0]][:200])
