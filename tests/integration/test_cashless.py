"""The cashless share, on both databases: every figure is built from payments made for it — per
legal method and channel, by number and by value, per month, half-year and year, with a refund
taken off its method's value and a payment at local midnight counted in its own month — then read
back from the service, the page, the Excel file and the department's view (which shows only its
own schools)."""
from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import select

from lms.billing import payments
from lms.billing.models import Invoice, Method
from lms.core.signing import signer_from_config
from lms.core.timeutil import local_to_utc
from lms.people.models import School
from lms.reports import cashless
from tests.billing_helpers import issue, set_up_fees

TZ = "Asia/Ho_Chi_Minh"


def _at(y, m, d, hh=9, mm=0):
    return local_to_utc(datetime(y, m, d, hh, mm), TZ)


def _pay(s, world_school, school, code, method, amount, when, signer, **extra):
    invoice = s.scalars(select(Invoice).where(Invoice.student_id == world_school.students[code].id)).first()
    data = payments.PaymentInput(method, amount, "Nguyễn Thị Lan", when, **extra)
    return payments.record_payment(s, world_school.accountant, school, invoice.student, invoice, data, signer=signer,
                                   now=when)


def _build(app, world, dbs):
    signer = signer_from_config(app.config)
    with dbs() as s:
        for w in (world.a, world.b):
            set_up_fees(s, w)
            issue(s, w)
        a = s.get(School, world.a.school.id)
        b = s.get(School, world.b.school.id)
        # September: 2 cash (300,000 + 200,000), 2 QR (100,000 partial + 400,000), 1 website (500,000)
        _pay(s, world.a, a, "HSA001", Method.CASH, 300_000, _at(2026, 9, 5), signer)
        _pay(s, world.a, a, "HSA002", Method.CASH, 200_000, _at(2026, 9, 6), signer)
        _pay(s, world.a, a, "HSA001", Method.QR, 100_000, _at(2026, 9, 7), signer, channel="vietqr_bank",
             provider="sepay", provider_txn_id="T1")
        _pay(s, world.a, a, "HSA002", Method.QR, 400_000, _at(2026, 9, 30, 23, 59), signer, channel="payos",
             provider="payos", provider_txn_id="T2")
        _pay(s, world.a, a, "HSA003", Method.WEBSITE, 500_000, _at(2026, 9, 8), signer, channel="vnpay",
             provider="vnpay", provider_txn_id="T3")
        # October: at local midnight on the 1st (October, not September), a card payment; an
        # overpaid QR transfer whose excess is refunded and paid out in October.
        _pay(s, world.a, a, "HSA003", Method.CARD_POS, 250_000, _at(2026, 10, 1, 0, 0), signer, terminal_id="TID00001",
             approval_code="A00001", rrn="000000000001", card_last4="4242")
        over = _pay(s, world.a, a, "HSA001", Method.QR, 3_000_000, _at(2026, 10, 3), signer, channel="vietqr_bank",
                    provider="sepay", provider_txn_id="T4")
        refund = payments.request_refund(s, world.a.accountant, over, 150_000, "bank", "Nộp thừa", now=_at(2026, 10, 4))
        payments.pay_refund(s, world.a.accountant, refund, "FT-HOAN-1", now=_at(2026, 10, 5))
        # Another department's school: never counted for school A or department A.
        _pay(s, world.b, b, "HSB001", Method.CASH, 999_000, _at(2026, 9, 5), signer)
        s.commit()
        return over.amount


def test_every_figure_comes_from_the_payments(app, world, dbs):
    _build(app, world, dbs)
    with dbs() as s:
        a = s.get(School, world.a.school.id)
        sep, oct_, h2, year = (*cashless.months(datetime(2026, 9, 1).date(), datetime(2026, 10, 31).date()),
                               cashless.half_year(2026, 2), cashless.calendar_year(2026))
        got = cashless.tally(s, [a.id], [sep, oct_, h2, year])
    f = got[(a.id, "2026-09")]
    assert (f.total.count, f.total.value) == (5, 1_500_000)
    assert (f.methods["cash"].count, f.methods["cash"].value) == (2, 500_000)
    assert (f.methods["qr"].count, f.methods["qr"].value) == (2, 500_000)
    assert (f.cashless.count, f.cashless.value) == (3, 1_000_000)
    assert f.count_share == Decimal("60.0") and f.value_share == Decimal("66.7")
    assert {c: (v.count, v.value) for c, v in f.channels.items()} == {
        "cash": (2, 500_000), "vietqr_bank": (1, 100_000), "payos": (1, 400_000), "vnpay": (1, 500_000)}
    o = got[(a.id, "2026-10")]
    # 250,000 by card (at 00:00 on 1 October) + 3,000,000 by QR less the 150,000 refunded.
    assert (o.total.count, o.total.value, o.refunded) == (2, 3_100_000, 150_000)
    assert (o.methods["qr"].count, o.methods["qr"].value) == (1, 2_850_000)
    assert o.count_share == Decimal("100.0") and o.value_share == Decimal("100.0")
    assert o.used_methods == ["qr", "card_pos"]
    for key in ("2026-H2", "2026"):
        t = got[(a.id, key)]
        assert (t.total.count, t.total.value, t.cashless.count, t.cashless.value) == (7, 4_600_000, 5, 4_100_000)
        assert t.count_share == Decimal("71.4") and t.value_share == Decimal("89.1")


def test_the_page_the_chart_and_the_excel_file(app, world, dbs, make_client):
    _build(app, world, dbs)
    accountant = make_client()
    accountant.login("kt.a")
    page = accountant.get("/reports/cashless?year=2026&period=2026-09").get_data(as_text=True)
    assert 'id="count-share">60,0 %' in page and 'id="value-share">66,7 %' in page
    assert "Tiền hoàn trả đã chi được trừ" in page          # the counting rule is on the page
    assert 'id="target">95 % / 95 %' in page                # the default milestone for 2026
    assert 'data-channel="payos"' in page and 'data-month="2026-10"' in page
    svg = accountant.get("/reports/cashless.svg?year=2026")
    assert svg.status_code == 200 and svg.data.startswith(b"<?xml") and b"<script" not in svg.data
    book = load_workbook(io.BytesIO(accountant.get("/reports/cashless.xlsx?year=2026&period=2026-H2").data))
    rows = [[c.value for c in r] for r in book.active.iter_rows()]
    cashless_row = next(r for r in rows if r[0] == "Không dùng tiền mặt")
    assert cashless_row[1:5] == [5, 4_100_000, 71.4, 89.1]
    assert next(r for r in rows if r[0] == "Đã trừ tiền hoàn trả")[2] == 150_000


def test_targets_are_the_schools_own_milestones(app, world, dbs, make_client):
    _build(app, world, dbs)
    admin = make_client()
    admin.login("admin.a")
    bad = admin.post("/reports/cashless/targets", {"starts_1": "2026-01-01", "count_1": "150", "value_1": "50"})
    assert bad.status_code == 422 and "Dòng 1: chỉ tiêu phải từ 0 đến 100 %" in bad.get_data(as_text=True)
    ok = admin.post("/reports/cashless/targets", {"starts_1": "2026-01-01", "count_1": "60", "value_1": "70",
                                                  "starts_2": "2026-10-01", "count_2": "80", "value_2": "85"})
    assert ok.status_code == 302
    september = admin.get("/reports/cashless?year=2026&period=2026-09").get_data(as_text=True)
    assert 'id="target">60 % / 70 %' in september and 'text-danger" id="value-share"' in september
    october = admin.get("/reports/cashless?year=2026&period=2026-10").get_data(as_text=True)
    assert 'id="target">80 % / 85 %' in october
    assert make_client().get("/reports/cashless/targets").status_code in (302, 401)
    teacher = make_client()
    teacher.login("gv.a")
    assert teacher.get("/reports/cashless").status_code == 403


def test_a_department_sees_its_own_schools_side_by_side(app, world, dbs, make_client):
    _build(app, world, dbs)
    viewer = make_client()
    viewer.login("so.a")
    page = viewer.get("/department/cashless?year=2026&period=2026").get_data(as_text=True)
    assert f'data-school="{world.a.school.code}"' in page and f'data-school="{world.b.school.code}"' not in page
    assert "71,4 %" in page and 'data-used="qr,website,card_pos"' in page
    detail = viewer.get(f"/department/schools/{world.a.school.id}/cashless?year=2026&period=2026-09")
    assert detail.status_code == 200 and 'id="count-share">60,0 %' in detail.get_data(as_text=True)
    assert viewer.get(f"/department/schools/{world.b.school.id}/cashless").status_code == 404


def test_the_department_view_does_not_grow_with_its_schools(app, world, dbs, make_client):
    """A province has hundreds of schools: the side-by-side view reads them, their payments,
    their milestones and their channels in a fixed number of statements."""
    from sqlalchemy import event

    from lms.extensions import db
    from lms.reports.models import CashlessTarget

    _build(app, world, dbs)
    viewer = make_client()
    viewer.login("so.a")
    url = "/department/cashless?year=2026&period=2026"

    def statements() -> int:
        seen = []
        listener = lambda *args, **kw: seen.append(1)  # noqa: E731
        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert viewer.get(url).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    viewer.get(url)
    one = statements()
    with dbs() as s:
        department_id = s.get(School, world.a.school.id).department_id
        for n in range(4):
            school = School(code=f"AX{n}", name=f"Trường Thêm {n}", levels="THCS", department_id=department_id,
                            bank_bin="970436", bank_account_number=f"00710001234{n}")
            s.add(school)
            s.flush()
            s.add(CashlessTarget(school_id=school.id, starts=datetime(2026, 1, 1).date(), count_percent=60 + n,
                                 value_percent=70))
        s.commit()
    page = viewer.get(url).get_data(as_text=True)
    assert 'data-school="AX3"' in page
    assert statements() == one


def test_the_notes_name_the_credits_waiting_in_the_queue_and_the_parents_open_reports(app, world, dbs, make_client):
    """Money in the suspense queue and parents' "I have paid" reports are not in the figures; the
    report's notes say how many, how much and how old, on the page and in the Excel file."""
    from datetime import date, timedelta

    from lms.billing import matching
    from lms.billing.models import PaymentReport
    from lms.core.timeutil import utcnow

    _build(app, world, dbs)
    accountant = make_client()
    accountant.login("kt.a")
    page = accountant.get("/reports/cashless?year=2026&period=2026-09").get_data(as_text=True)
    assert "Không còn khoản tiền chờ đối chiếu" in page
    now = utcnow()
    with dbs() as s:
        a = s.get(School, world.a.school.id)
        # Two credits nobody can match (a Vietcombank memo without an invoice code, a typo'd one)
        for n, (amount, memo, days) in enumerate([
                (1_250_000, "MBVCB.7261530123.018725.NGUYEN THI LAN chuyen tien hoc phi con.CT tu 0071000123456", 9),
                (450_000, "TRAN VAN BINH NOP HP HSA00 lop 6A1", 2)]):
            matching.receive_transfer(s, a, matching.TransferIn("sepay", f"SP{n}", amount, memo, now - timedelta(days=days),
                                                                bank_reference=f"FT2634{n}1234"), signer=None, now=now)
        invoice = s.scalars(select(Invoice).where(Invoice.school_id == a.id)).first()
        s.add(PaymentReport(school_id=a.id, invoice_id=invoice.id, channel="vietqr", amount=700_000,
                            paid_on=date.today(), bank_reference="FT26339", created_at=now - timedelta(days=4)))
        # Another school's queue is not school A's.
        b = s.get(School, world.b.school.id)
        matching.receive_transfer(s, b, matching.TransferIn("sepay", "SPB", 99_000, "ung ho", now), signer=None, now=now)
        s.commit()
    page = accountant.get("/reports/cashless?year=2026&period=2026-09").get_data(as_text=True)
    notes = page.split('id="cashless-notes"')[1].split("</ul>")[0]
    assert "2 khoản tiền vào tài khoản (1.700.000 đ) chưa đối chiếu được với hoá đơn, khoản lâu nhất 9 ngày" in notes
    assert "1 báo “đã nộp” của phụ huynh (700.000 đ) chưa xử lý, báo lâu nhất 4 ngày" in notes
    book = load_workbook(io.BytesIO(accountant.get("/reports/cashless.xlsx?year=2026&period=2026-09").data))
    rows = [r[0].value for r in book.active.iter_rows()]
    after = rows[rows.index("Ghi chú") + 1:]
    assert any(str(v).startswith("2 khoản tiền vào tài khoản (1.700.000 đ)") for v in after)
    assert any(str(v).startswith("1 báo “đã nộp” của phụ huynh (700.000 đ)") for v in after)
