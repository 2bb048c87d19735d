"""Billing at school size: issuing a month's invoices for a 2,000-pupil school (preview, then
issue), and recording 10,000 payments one by one through `record_payment` (each with its
allocation, ledger posting and signed receipt). On SQLite and on a throwaway PostgreSQL.

    .venv/bin/python bench/billing.py [--pupils 2000] [--payments 10000] [--backend both]
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def build_school(session, settings, pupils: int):
    """A school with `pupils` pupils in classes of 40, each with a guardian, through the import."""
    from datetime import date
    from types import SimpleNamespace

    from lms.auth.services import create_user
    from lms.people import imports, services
    from lms.people.models import Department, Role, School
    from tests.factories import csv_bytes

    dept = Department(name="Sở thử", kind="province")
    session.add(dept)
    session.flush()
    school = School(code="BENCH", name="Trường THCS Đo Lường", levels="THCS", department_id=dept.id)
    session.add(school)
    session.flush()
    admin = create_user(session, settings, username="admin.bench", full_name="Quản Trị", password="mat-khau-dai-1")
    accountant = create_user(session, settings, username="kt.bench", full_name="Kế Toán", password="mat-khau-dai-1")
    services.grant_role(session, admin, school, Role.ADMIN)
    services.grant_role(session, accountant, school, Role.ACCOUNTANT)
    year = services.create_school_year(session, admin, school, name="2026-2027",
                                       term1=(date(2026, 9, 5), date(2027, 1, 16)),
                                       term2=(date(2027, 1, 18), date(2027, 5, 29)))
    per_class = 40
    for c in range(0, pupils, per_class):
        services.save_class(session, admin, school, year=year, grade=6 + (c // per_class) % 4,
                            name=f"{6 + (c // per_class) % 4}A{c // per_class + 1}", homeroom_teacher_id=None)
    classes = services.classes_of_year(session, year)
    rows = [[f"HS{i:06d}", f"Học Sinh {i}", "01/01/2013", "Nữ", classes[i // per_class].name, "",
             f"Phụ Huynh {i}", "Mẹ", f"09{i:08d}", ""] for i in range(pupils)]
    plan = imports.plan_student_import(session, school, year, "hs.csv", csv_bytes(rows), 10**6)
    assert plan.ok, plan.issues[:3]
    imports.apply_student_import(session, admin, school, year, plan)
    session.commit()
    return SimpleNamespace(school=school, admin=admin, accountant=accountant, year=year,
                           school_class=classes[0])


def run(url: str, folder: Path, pupils: int, count: int) -> dict:
    from sqlalchemy import select

    from lms import create_app
    from lms.billing import invoicing, ledger, payments
    from lms.billing.models import Invoice, Method
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
        s.commit()
        start = time.perf_counter()
        preview = invoicing.plan_run(s, world.school, world.year, 9)
        out["preview_s"] = time.perf_counter() - start
        s.rollback()
        start = time.perf_counter()
        issued = invoicing.issue_run(s, world.accountant, world.school, world.year, 9, now=utcnow())
        s.commit()
        out["issue_s"] = time.perf_counter() - start
        out["invoices"] = len(issued.drafts)
        assert len(preview.drafts) == len(issued.drafts) == pupils
        start = time.perf_counter()
        again = invoicing.issue_run(s, world.accountant, world.school, world.year, 9, now=utcnow())
        s.commit()
        out["reissue_s"] = time.perf_counter() - start
        assert not again.drafts
        invoice_ids = list(s.scalars(select(Invoice.id).where(Invoice.school_id == world.school.id)
                                     .order_by(Invoice.id)))
        school_id, accountant_id = world.school.id, world.accountant.id
        s.close()
        rng = random.Random(7)
        signer = app.extensions["lms_signer"]
        per = max(1, count // len(invoice_ids))
        times = []
        done = 0
        from lms.auth.models import User
        from lms.people.models import School

        # Each payment as one request does it: a fresh session that loads the school, the
        # accountant and the invoice, records, commits.
        for invoice_id in invoice_ids:
            for _ in range(per):
                if done >= count:
                    break
                method = rng.choice([Method.CASH, Method.CARD_POS])
                extra = ({"terminal_id": "BENCH001", "approval_code": f"{done:06d}", "rrn": f"{done:012d}",
                          "card_last4": "4242"} if method == Method.CARD_POS else {})
                t0 = time.perf_counter()
                with db.session() as rs:
                    invoice = rs.get(Invoice, invoice_id)
                    data = payments.PaymentInput(method, 100_000, invoice.payer_name, utcnow(), **extra)
                    payments.record_payment(rs, rs.get(User, accountant_id), rs.get(School, school_id),
                                            invoice.student, invoice, data, signer=signer, now=utcnow())
                    rs.commit()
                times.append(time.perf_counter() - t0)
                done += 1
        s = db.session
        school = s.get(School, school_id)
        out["payments"] = done
        out["payments_s"] = sum(times)
        times.sort()
        out["payment_p50_ms"] = times[len(times) // 2] * 1000
        out["payment_p95_ms"] = times[int(len(times) * 0.95)] * 1000
        out["unbalanced"] = len(ledger.unbalanced(s))
        out["trial_balance_sum"] = sum(ledger.trial_balance(s, school.id).values())
        db.session.remove()
        db.engine.dispose()
    return out


def databases(choice: str, folder: Path):
    """(name, URL, stop) for SQLite in `folder` and/or a throwaway PostgreSQL server, one at a time."""
    for backend in (["sqlite", "postgresql"] if choice == "both" else [choice]):
        if backend == "postgresql":
            from tests.pg import PostgresServer

            server = PostgresServer()
            server.start()
            yield backend, server.create_database("bench"), server.stop
        else:
            yield backend, f"sqlite:///{folder / 'bench.sqlite3'}", lambda: None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pupils", type=int, default=2000)
    parser.add_argument("--payments", type=int, default=10000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="lms-bench-billing-"))
    print(f"billing bench: {args.pupils} pupils, {args.payments} payments")
    for backend, url, stop in databases(args.backend, folder):
        try:
            r = run(url, folder, args.pupils, args.payments)
        finally:
            stop()
        print(f"{backend:10} preview {r['preview_s']:.2f} s · issue {r['invoices']} invoices {r['issue_s']:.2f} s · "
              f"run again {r['reissue_s']:.2f} s · {r['payments']} payments {r['payments_s']:.1f} s "
              f"(p50 {r['payment_p50_ms']:.1f} ms, p95 {r['payment_p95_ms']:.1f} ms) · "
              f"unbalanced {r['unbalanced']} · trial balance {r['trial_balance_sum']}")


if __name__ == "__main__":
    main()
