"""Matching bank transactions at school size: a bank statement of N credits (default 10,000) for a
school of 2,000 pupils with a month issued — most carry an invoice code (typed as parents type
them: lower case, spaces, dots, no diacritics), some several codes, some none — read, checked and
recorded through `statements.import_statement`, each credit matched and (when it pays an invoice)
recorded as a payment with its allocation and ledger posting, its signed receipt made by a job after
the commit (timed apart). Then the same statement again (must add nothing). On SQLite and on a throwaway PostgreSQL; on PostgreSQL also
the bare baseline of statement day (issue #31): the same lines' invoice codes read by the app's own
parser, COPY into a table of their own, and one set-based INSERT … SELECT of a payment per credit
whose code names an invoice — no allocation, posting, receipt or rule: the least the import costs.

    .venv/bin/python bench/matching.py [--pupils 2000] [--transactions 10000] [--backend both]
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.billing import databases  # noqa: E402


def statement_csv(codes: list[tuple[str, int]], count: int, seed: int = 11) -> bytes:
    """A bank portal's CSV export: a title block, then one credit per line."""
    rng = random.Random(seed)
    lines = ["NGAN HANG TMCP NGOAI THUONG VIET NAM", "SAO KE TAI KHOAN 0071000123456", "",
             "Ngày giao dịch,Số tham chiếu,Số tiền ghi có,Số tiền ghi nợ,Nội dung,Tên người chuyển"]
    start = datetime(2026, 9, 10, 8, 0)
    for n in range(count):
        code, due = codes[n % len(codes)]
        roll = rng.random()
        if roll < 0.80:       # one code, the part of the bill a parent pays this time
            content, amount = f"{code[:2].lower()} {code[2:7]}.{code[7:]} nop tien hoc", max(1000, due // 5)
        elif roll < 0.90:     # a typo'd or missing code: the queue
            content, amount = "chuyen tien hoc phi cho con", 150_000
        else:                 # more than owed: paid plus credit
            content, amount = f"{code} con nop", due // 5 + 50_000
        when = start + timedelta(minutes=n)
        lines.append(f"{when:%d/%m/%Y %H:%M},FT{n:010d},{amount},,{content},NGUYEN VAN {n % 97}")
    return "\n".join(lines).encode()


def bare(url: str, data: bytes) -> tuple[float, int]:
    """The baseline: parse the CSV and each memo's codes, COPY, one INSERT … SELECT joining the
    invoices by code; seconds and payments written."""
    import csv
    import io

    import psycopg

    from lms.billing.reference import extract_references

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("CREATE TABLE bare_lines (ref text PRIMARY KEY, amount bigint, content text, code text)")
        conn.execute("CREATE TABLE bare_payments (id serial PRIMARY KEY, invoice_id int, ref text, amount bigint)")
        conn.commit()
        started = time.perf_counter()
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))[4:]
        with conn.cursor() as cur, cur.copy("COPY bare_lines (ref, amount, content, code) FROM STDIN") as copy:
            for _when, ref, credit, _debit, content, _name in rows:
                codes = extract_references(content)
                copy.write_row((ref, int(credit), content, codes[0] if codes else None))
        paid = conn.execute("INSERT INTO bare_payments (invoice_id, ref, amount) SELECT i.id, l.ref, l.amount "
                            "FROM bare_lines l JOIN invoices i ON i.code = l.code").rowcount
        conn.commit()
        return time.perf_counter() - started, paid


def run(url: str, folder: Path, pupils: int, count: int) -> dict:
    from sqlalchemy import func, select

    from bench.billing import build_school
    from lms import create_app
    from lms.billing import invoicing, ledger, statements
    from lms.billing.models import BankTransaction, Invoice, Payment, Receipt
    from lms.config import TestConfig
    from lms.core.timeutil import utcnow
    from lms.extensions import db
    from tests.billing_helpers import set_up_fees

    app = create_app(type("B", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": folder,
                                               "UPLOAD_DIR": folder / "u"}))
    out = {}
    with app.app_context():
        db.drop_all()
        db.create_all()
        s = db.session
        world = build_school(s, app.extensions["lms_auth"], pupils)
        set_up_fees(s, world)
        invoicing.issue_run(s, world.accountant, world.school, world.year, 9, now=utcnow())
        s.commit()
        codes = [(c, d) for c, d in s.execute(select(Invoice.code, Invoice.total).where(
            Invoice.school_id == world.school.id).order_by(Invoice.id))]
        data = statement_csv(codes, count)
        for label in ("first", "again"):
            start = time.perf_counter()
            table = statements.read_statement("sao-ke.csv", data)
            plan = statements.plan_statement(table, table.mapping, "Asia/Ho_Chi_Minh")
            assert plan.ok, plan.problems[:3]
            out[f"{label}_read_s"] = time.perf_counter() - start
            start = time.perf_counter()
            done = statements.import_statement(s, world.school, plan, now=utcnow())
            s.commit()
            out[f"{label}_import_s"] = time.perf_counter() - start
            start = time.perf_counter()   # the receipts, made by a job after the commit
            app.extensions["lms_jobs"].wait(timeout=3600)
            out[f"{label}_receipts_s"] = time.perf_counter() - start
            out[f"{label}_new"], out[f"{label}_matched"] = done.new, done.matched
        if url.startswith("postgresql"):
            out["bare_s"], out["bare_paid"] = bare(url, data)
        out["transactions"] = s.scalar(select(func.count()).select_from(BankTransaction))
        out["payments"] = s.scalar(select(func.count()).select_from(Payment))
        out["receipts"] = s.scalar(select(func.count()).select_from(Receipt))
        out["unbalanced"] = len(ledger.unbalanced(s))
        db.session.remove()
        db.engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pupils", type=int, default=2000)
    parser.add_argument("--transactions", type=int, default=10000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="lms-bench-matching-"))
    print(f"matching bench: a statement of {args.transactions} credits, {args.pupils} pupils with September issued")
    for backend, url, stop in databases(args.backend, folder):
        try:
            r = run(url, folder, args.pupils, args.transactions)
        finally:
            stop()
        print(f"{backend:10} read+check {r['first_read_s']:.2f} s · match and record {r['first_new']} "
              f"({r['first_matched']} matched) {r['first_import_s']:.2f} s "
              f"({r['first_import_s'] / max(1, r['first_new']) * 1000:.2f} ms each) · same statement again "
              f"{r['again_import_s']:.2f} s, {r['again_new']} new · {r['transactions']} transactions, "
              f"{r['payments']} payments · unbalanced {r['unbalanced']}")
        print(f"{'':10} then, after the commit, the receipts job: {r['first_receipts_s']:.2f} s "
              f"({r['receipts']} signed receipts)")
        if "bare_s" in r:
            print(f"{'bare':10} COPY + one INSERT … SELECT: {r['bare_s']:.2f} s, {r['bare_paid']} payments "
                  f"(app / bare: {(r['first_read_s'] + r['first_import_s']) / r['bare_s']:.0f}×)")
        print(f"{'':10} load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} (the machine is shared)")


if __name__ == "__main__":
    main()
