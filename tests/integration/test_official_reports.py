"""Official reports, on both databases: a school's half-year report and a department's ranking of
its schools, as PDF and Excel through the background job (its progress and result), with the
figures the report states checked against the data built for them; the ranking's weights are
the department's choice and bad weights are refused on their field."""
from __future__ import annotations

import io
import re
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote

from openpyxl import load_workbook

from lms.core.models import Job
from lms.people.models import Department
from lms.reports import cashless, official
from tests.factories import make_school
from tests.integration.test_cashless import _build as build_payments


def _wait_and_fetch(app, client, location: str) -> tuple[Job, bytes]:
    assert "/jobs/" in location
    job_id = int(location.rsplit("/", 1)[-1])
    app.extensions["lms_jobs"].wait()
    status = client.get(f"/jobs/{job_id}.json").get_json()
    assert status["status"] == "done", status
    assert status["done"] == status["total"]
    assert not status.get("message"), status          # finished: no "Đang tạo tệp…" left over
    result = client.get(f"/jobs/{job_id}/result")
    assert result.status_code == 200
    # Named by the period as people say it, never by its key ("2026-H2").
    disposition = unquote(result.headers["Content-Disposition"])
    assert "2026-H2" not in disposition and "6 tháng cuối năm 2026" in disposition, disposition
    return status, result.data


def _pdf_text(data: bytes) -> str:
    path = Path(tempfile.mkdtemp()) / "r.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout.decode()


def test_ranking_weights_ties_and_missing_figures():
    def row(name, online, count, value):
        board = SimpleNamespace(online=SimpleNamespace(share=online))
        money = SimpleNamespace(count_share=count, value_share=value)
        return official.DepartmentRow(SimpleNamespace(name=name), SimpleNamespace(board=board, money=money))

    rows = official.rank([row("B", Decimal(20), Decimal(60), Decimal(80)), row("A", Decimal(40), Decimal(40),
                                                                              Decimal(40)),
                          row("C", None, Decimal(40), Decimal(40)), row("D", Decimal(30), Decimal(50), Decimal(50)),
                          row("E", None, None, None)],
                         {"online": 50, "cashless_count": 25, "cashless_value": 25})
    # B: (1000+1500+2000)/100 = 45; A: 40; D: 40; C has no online figure, so it is scored on the
    # figures it has — (1000+1000)/50 = 40, never 0 % for the missing one; E has no data at all
    # and is not ranked (not "1" with 0,0 %).
    assert [(r.school.name, r.score, r.rank) for r in rows] == [
        ("B", Decimal("45.0"), 1), ("A", Decimal("40.0"), 2), ("C", Decimal("40.0"), 2), ("D", Decimal("40.0"), 2),
        ("E", None, None)]
    # The rule stated on the page, the PDF and the Excel file is the one computed above.
    rule = official.rank_rule({"online": 50, "cashless_count": 25, "cashless_value": 25})
    assert "không coi là 0" in rule and "tính là 0" not in rule and "(đủ cả ba: 100)" in rule
    for bad in ({"online": "-1"}, {"online": "x"}, {"online": 0, "cashless_count": 0, "cashless_value": 0}):
        try:
            official.check_weights(bad)
        except Exception as exc:  # noqa: BLE001
            assert exc.field == "online"
        else:
            raise AssertionError(bad)


def test_a_schools_half_year_report_as_pdf_and_excel(app, world, dbs, make_client):
    build_payments(app, world, dbs)
    admin = make_client()
    admin.login("admin.a")
    page = admin.get("/reports/official?year=2026&period=2026-H2").get_data(as_text=True)
    assert re.search(r"<td>Không dùng tiền mặt</td><td[^>]*>5</td><td[^>]*>4.100.000</td><td[^>]*>71,4 %</td>"
                     r"<td[^>]*>89,1 %</td>", page)
    assert "Thanh toán không dùng tiền mặt theo số giao dịch: 71,4 %, chỉ tiêu 95 % — chưa đạt." in page
    started = admin.post("/reports/official", {"year": "2026", "period": "2026-H2", "format": "pdf"})
    _, pdf = _wait_and_fetch(app, admin, started.headers["Location"])
    text = _pdf_text(pdf)
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "BÁO CÁO", "6 tháng cuối năm 2026",
                     "4. Thu phí không dùng tiền mặt", "71,4 %", "89,1 %", "HIỆU TRƯỞNG"):
        assert expected in text, expected
    started = admin.post("/reports/official", {"year": "2026", "period": "2026-H2", "format": "xlsx"})
    _, xlsx = _wait_and_fetch(app, admin, started.headers["Location"])
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(xlsx)).active.iter_rows()]
    assert next(r for r in rows if r[0] == "Không dùng tiền mặt")[1:5] == [5, 4_100_000, 71.4, 89.1]
    refused = admin.post("/reports/official", {"year": "2026", "period": "2026-H2", "format": "doc"})
    assert refused.status_code == 422 and "Chọn định dạng PDF hoặc Excel." in refused.get_data(as_text=True)


def test_a_department_ranks_its_own_schools(app, world, dbs, make_client):
    build_payments(app, world, dbs)
    with dbs() as s:
        make_school(s, app.extensions["lms_auth"], code="C", name="Trường THCS Thử C", level="THCS", grade=6,
                    class_name="6C1", department=s.get(Department, world.dept_a.id), prefix="c",
                    students=[["HSC001", "Lê Văn Cường", "02/02/2014", "Nam", "6C1", "", "Lê Thị Hoa", "Mẹ",
                               "0912000009", ""]])
        s.commit()
    viewer = make_client()
    viewer.login("so.a")
    page = viewer.get("/department/official?year=2026&period=2026-H2").get_data(as_text=True)
    # C has no payments and no teaching plan in the period: listed, but not ranked on figures it lacks.
    assert f'data-school="{world.a.school.code}" data-rank="1"' in page and 'data-school="C" data-rank=""' in page
    assert f'data-school="{world.b.school.code}"' not in page          # another department's school
    assert "không coi là 0" in page and "tính là 0" not in page         # the rule as `rank` computes it
    bad = viewer.get("/department/official?year=2026&period=2026-H2&online=150")
    assert bad.status_code == 422 and "Trọng số “trực tuyến” phải là số nguyên từ 0 đến 100." in bad.get_data(as_text=True)
    started = viewer.post("/department/official", {"year": "2026", "period": "2026-H2", "format": "pdf",
                                                    "online": "0", "cashless_count": "100", "cashless_value": "0"})
    status, pdf = _wait_and_fetch(app, viewer, started.headers["Location"])
    assert status["total"] == 3                                # two schools and the file
    from tests.pdftext import text as pdf_text

    text = pdf_text(pdf)                                       # read in order: a cell may wrap
    assert "BÁO CÁO TỔNG HỢP" in text and "Tổng 2 trường" in text and "71,4 %" in text
    assert "(0 × tỷ lệ dạy học trực tuyến + 100 ×" in text and "không coi là 0" in " ".join(text.split())
    started = viewer.post("/department/official", {"year": "2026", "period": "2026-H2", "format": "xlsx"})
    _, xlsx = _wait_and_fetch(app, viewer, started.headers["Location"])
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(xlsx)).active.iter_rows()]
    assert [r[1] for r in rows if isinstance(r[0], int)] == [world.a.school.name]
    assert any("không coi là 0" in str(r[0]) for r in rows)
    assert [r[0] for r in rows if r[1] == "Trường THCS Thử C"] == [None]


def test_the_department_page_shows_kept_figures_identical_to_computing_every_school(app, world, dbs, make_client):
    """A province's page reads each school's figures as the refresh job kept them (one statement
    for all schools) instead of computing every school; the ranking is the same as computed on the
    spot, the page says how old the kept figures are, and figures older than FRESH_MINUTES are
    computed again."""
    import re
    from datetime import timedelta

    from sqlalchemy import select, update

    from lms.core.timeutil import school_tz, utc_to_local, utcnow
    from lms.reports.models import SchoolFigures

    build_payments(app, world, dbs)
    with dbs() as s:
        make_school(s, app.extensions["lms_auth"], code="C", name="Trường THCS Thử C", level="THCS", grade=6,
                    class_name="6C1", department=s.get(Department, world.dept_a.id), prefix="c",
                    students=[["HSC001", "Lê Văn Cường", "02/02/2014", "Nam", "6C1", "", "Lê Thị Hoa", "Mẹ",
                               "0912000009", ""]])
        s.commit()
    today = utc_to_local(utcnow(), school_tz()).date()
    viewer = make_client()
    viewer.login("so.a")

    def ranking(key: str) -> tuple[str, str]:
        page = viewer.get(f"/department/official?year={today.year}&period={key}&online=40&cashless_count=30"
                          f"&cashless_value=30").get_data(as_text=True)
        table = re.search(r'<table class="table table-sm" id="dept-ranking">.*?</table>', page, re.S).group(0)
        return table, re.search(r'<p class="small text-muted" id="dept-freshness">(.*?)</p>', page, re.S).group(1)

    keys = [p.key for p in official.refresh_periods(today)]
    live = {key: ranking(key) for key in keys}
    for key in keys:
        assert "Số liệu của cả 2 trường vừa được tính." in live[key][1]
    assert any("71,4 %" in table for table, _ in live.values())
    with dbs() as s:
        from lms.people.models import School

        ids = list(s.scalars(select(School.id).where(School.department_id.is_not(None))))
        calendars = cashless.school_years_of(s, ids)
        kept = 0
        while done := official.refresh_figures(s, utcnow()):        # every period offered, and the dashboards
            kept += done
        assert len(ids) == 3 and kept == sum(len(official.kept_periods(calendars[i], today)) + 1 for i in ids)
        s.commit()
        assert official.refresh_figures(s, utcnow()) == 0           # all fresh: nothing to do
    for key in keys:
        table, freshness = ranking(key)
        assert table == live[key][0]
        assert "Số liệu của 2 trường được tính sẵn" in freshness and "0 trường vừa được tính" in freshness
    with dbs() as s:                                                  # one school's figures grow old
        s.execute(update(SchoolFigures).where(SchoolFigures.school_id == world.a.school.id)
                  .values(computed_at=utcnow() - timedelta(minutes=official.FRESH_MINUTES + 1)))
        s.commit()
    table, freshness = ranking(keys[0])
    assert table == live[keys[0]][0] and "1 trường vừa được tính" in freshness
