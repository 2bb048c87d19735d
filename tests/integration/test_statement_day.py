"""Statement day (issues #27, #31): a bank statement is recorded in statements whose number does
not grow with its lines, and the receipts of its payments are numbered and signed by a job after
the import's commit — not inside the accountant's request — each payment one signed receipt."""
from __future__ import annotations

import io
import re
import threading
from datetime import datetime, timedelta

from sqlalchemy import event, func, select

from lms.billing import receipts
from lms.billing.models import Invoice, Payment, Receipt
from lms.core.signing import signer_from_config
from lms.extensions import db
from tests.billing_helpers import issue, set_up_fees


def _vietcombank_csv(codes: list[str], lines: int, first: int) -> bytes:
    """A Vietcombank portal export: its title block, then one credit a line, codes typed as parents
    type them (small instalments: every statement finds its invoices still open), a tenth with no
    code at all (the queue)."""
    out = ["NGAN HANG TMCP NGOAI THUONG VIET NAM", "SAO KE TAI KHOAN 0071000123456 - TRUONG THCS A", "",
           "Ngày giao dịch,Số tham chiếu,Số tiền ghi có,Số tiền ghi nợ,Nội dung,Tên người chuyển"]
    start = datetime(2026, 9, 10, 8, 0)
    for n in range(first, first + lines):
        code = codes[n % len(codes)]
        memo = ("chuyen tien hoc phi cho con" if n % 10 == 9 else
                f"MBVCB.{n:07d}.{code[:2].lower()} {code[2:7]}.{code[7:]} nop tien hoc")
        out.append(f"{start + timedelta(minutes=n):%d/%m/%Y %H:%M},FT26{n:09d},{1_000 + n},,{memo},"
                   f"NGUYEN VAN {chr(65 + n % 26)}")
    return "\n".join(out).encode()


def _preview(client, data: bytes) -> dict:
    page = client.post("/billing/statements", {"file": (io.BytesIO(data), "SaoKe_VCB.csv")},
                       content_type="multipart/form-data")
    body = page.get_data(as_text=True)
    assert page.status_code == 200, body[:2000]
    token = re.search(r'name="token" value="([0-9a-f]+)"', body).group(1)
    mapping = dict(re.findall(r'<select[^>]*name="(col_\w+)"[^>]*>.*?<option value="(\d+)" selected', body, re.S))
    return {"token": token, **mapping, "confirm": "1", "account_confirmed": "1"}


def test_a_statement_takes_as_many_queries_for_12_lines_as_for_240_and_its_receipts_follow_in_a_job(
        app, world, client, dbs):
    with dbs() as s:
        set_up_fees(s, world.a)
        issue(s, world.a)
        s.commit()
        codes = list(s.scalars(select(Invoice.code).where(Invoice.school_id == world.a.school.id)))
    with app.app_context():
        engine = db.engine
    client.login("kt.a")
    request_thread = threading.get_ident()
    counted: dict[int, dict[str, int]] = {}
    first = 0
    for lines in (6, 12, 240):   # the first also makes the school's counters (credits, receipts)
        data = _vietcombank_csv(codes, lines, first)
        first += lines
        app.extensions["lms_jobs"].wait()          # nothing of the set-up counted as the import's
        seen = {"request": 0, "receipt rows in the request": 0, "job": 0}

        def listener(conn, cursor, statement, parameters, context, executemany, seen=seen):
            mine = threading.get_ident() == request_thread
            seen["request" if mine else "job"] += 1
            seen["receipt rows in the request"] += mine and statement.lstrip().upper().startswith("INSERT INTO RECEIPTS")

        confirm = _preview(client, data)
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.post("/billing/statements", confirm).status_code == 302
            app.extensions["lms_jobs"].wait()      # the receipts job's queries are its own
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        counted[lines] = seen
    small, large = counted[12], counted[240]
    # The request makes no receipt; the job made them (queries counted on its thread).
    assert small["receipt rows in the request"] == large["receipt rows in the request"] == 0, counted
    assert small["job"] > 0 and large["job"] > 0, counted
    # Up to a chunk of 500 lines (the IN lists' size), the same number of statements.
    assert large["request"] == small["request"], counted
    assert large["job"] == small["job"], counted
    with dbs() as s:
        paid = s.scalar(select(func.count()).select_from(Payment).where(Payment.school_id == world.a.school.id))
        found = s.scalars(select(Receipt).where(Receipt.school_id == world.a.school.id).order_by(Receipt.number)).all()
        assert paid == len(found) == len({r.payment_id for r in found}) > 200
        numbers = [r.number for r in found]
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
        signer = signer_from_config(app.config)
        assert all(receipts.verify_receipt(s, r.token, signer).authentic for r in found[::20])


def test_a_crash_after_a_statements_commit_still_ends_with_one_receipt_per_payment(app, world, client, dbs):
    """The import commits its payments with the one job that makes their receipts; if the process
    dies before the job runs, the periodic sweep makes them all, numbered in payment order — and
    the job arriving after all makes none twice."""
    from lms.core import jobs
    from lms.core.models import Job
    from lms.core.timeutil import utcnow
    from tests.integration.test_receipt_after_commit import _Crashed

    with dbs() as s:
        set_up_fees(s, world.a)
        issue(s, world.a)
        s.commit()
        codes = list(s.scalars(select(Invoice.code).where(Invoice.school_id == world.a.school.id)))
    client.login("kt.a")
    confirm = _preview(client, _vietcombank_csv(codes, 30, 0))
    runner, app.extensions["lms_jobs"] = app.extensions["lms_jobs"], _Crashed()
    try:
        assert client.post("/billing/statements", confirm).status_code == 302
    finally:
        app.extensions["lms_jobs"] = runner
    signer = app.extensions["lms_signer"]
    with dbs() as s:
        (job,) = s.scalars(select(Job).where(Job.kind == receipts.RECEIPT_JOB)).all()
        paid = sorted(s.scalars(select(Payment.id).where(Payment.school_id == world.a.school.id)))
        assert job.params == {"payment_ids": paid} and len(paid) == 27       # a tenth have no code: queued
        assert s.scalar(select(func.count()).select_from(Receipt)) == 0
        assert receipts.sweep_receipts(s, utcnow() + timedelta(minutes=3), signer) == 27
        assert receipts.sweep_receipts(s, utcnow() + timedelta(minutes=3), signer) == 0
        job_id = job.id
        s.get(Job, job_id).status = jobs.Status.QUEUED                      # the lost dispatch arrives after all
        s.commit()
    with app.app_context():
        jobs.run_job(db.session, job_id, app.config)
        db.session.remove()
    with dbs() as s:
        found = s.scalars(select(Receipt).order_by(Receipt.number)).all()
        assert [r.payment_id for r in found] == paid                          # one each, in payment order
