"""Callback storm: hundreds of concurrent VNPay IPNs on loopback against the real app under
gunicorn and a throwaway PostgreSQL — every invoice's genuine IPN sent several times at once
(VNPay retries, duplicated deliveries), mixed with forged ones. Prints throughput, latency
percentiles, the answers, and the payments actually recorded (must equal the number of invoices).

    .venv/bin/python bench/callback_storm.py [--invoices 300] [--copies 4] [--forged 200] [--concurrency 100]
"""
from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.autosave import SECRET, driver_dsn, free_port, gunicorn, stop  # noqa: E402

SECRETS_KEY = "YmVuY2gtb25seS1zZWNyZXRzLWtleS0wMTIzNDU2Nzg="
SIGNING_KEY = "YmVuY2gtb25seS1lZDI1NTE5LXNlZWQtMDEyMzQ1Njc="
HASH = "BENCHVNPAYHASHSECRET0123456789"


def seed(url: str, folder: Path, invoices: int) -> list[dict]:
    from sqlalchemy import select

    from bench.billing import build_school
    from lms import create_app
    from lms.billing import channel_settings, gateways
    from lms.billing.channels import vnpay
    from lms.billing.models import Invoice
    from lms.config import TestConfig
    from lms.core.timeutil import utcnow
    from lms.extensions import db
    from lms.people.models import Guardianship
    from tests.billing_helpers import issue, set_up_fees

    app = create_app(type("B", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": folder,
                                               "UPLOAD_DIR": folder / "u", "SECRETS_KEY": SECRETS_KEY,
                                               "SIGNING_KEY": SIGNING_KEY}))
    out = []
    with app.app_context():
        db.drop_all()
        db.create_all()
        s = db.session
        world = build_school(s, app.extensions["lms_auth"], invoices)
        set_up_fees(s, world)
        issue(s, world)
        channel_settings.save_channel(s, world.admin, world.school, "vnpay", {"tmn_code": "BENCHTMN", "hash_secret": HASH},
                                      enabled=True, counts_as=None, sandbox=True, box=app.extensions["lms_secrets"])
        s.commit()
        for invoice in s.scalars(select(Invoice).where(Invoice.school_id == world.school.id)):
            parent = s.scalars(select(Guardianship).where(Guardianship.student_id == invoice.student_id)).first().guardian
            started = gateways.start_checkout(s, parent, invoice, "vnpay", key=None, box=app.extensions["lms_secrets"],
                                              base_url="http://bench", return_url="http://bench/r", client_ip="127.0.0.1",
                                              locale="vi", now=utcnow())
            params = dict(parse_qsl(urlsplit(started.redirect).query))
            ipn = {"vnp_Amount": params["vnp_Amount"], "vnp_BankCode": "NCB", "vnp_BankTranNo": f"B{invoice.id}",
                   "vnp_CardType": "ATM", "vnp_OrderInfo": params["vnp_OrderInfo"], "vnp_PayDate": "20260905081500",
                   "vnp_ResponseCode": "00", "vnp_TmnCode": "BENCHTMN", "vnp_TransactionNo": str(90000000 + invoice.id),
                   "vnp_TransactionStatus": "00", "vnp_TxnRef": params["vnp_TxnRef"]}
            ipn["vnp_SecureHash"] = vnpay.sign(ipn, HASH)
            out.append(ipn)
        s.commit()
        db.engine.dispose()
    return out


async def storm(base: str, calls: list[dict], concurrency: int) -> dict:
    import aiohttp

    latencies, answers, errors = [], {}, 0
    semaphore = asyncio.Semaphore(concurrency)

    async def one(session, params):
        nonlocal errors
        async with semaphore:
            started = time.perf_counter()
            try:
                async with session.get(f"{base}/callbacks/vnpay/ipn", params=params) as r:
                    body = await r.json(content_type=None)
                    latencies.append(time.perf_counter() - started)
                    answers[body.get("RspCode")] = answers.get(body.get("RspCode"), 0) + 1
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                errors += 1

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(one(session, p) for p in calls))
        elapsed = time.perf_counter() - started
    return {"latencies": sorted(latencies), "answers": answers, "errors": errors, "elapsed": elapsed}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=300)
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--forged", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()
    from tests.pg import PostgresServer

    folder = Path(tempfile.mkdtemp(prefix="lms-storm-"))
    server = PostgresServer()
    server.start()
    try:
        url = server.create_database("storm")
        genuine = seed(url, folder, args.invoices)
        rng = random.Random(5)
        calls = [dict(p) for p in genuine for _ in range(args.copies)]
        for _ in range(args.forged):
            forged = dict(rng.choice(genuine))
            forged["vnp_Amount"] = str(int(forged["vnp_Amount"]) + rng.choice([-100, 100, 1000]))
            calls.append(forged)
        rng.shuffle(calls)
        port = free_port()
        env = {"LMS_DATABASE_URL": url, "LMS_SECRET_KEY": SECRET, "LMS_SECRETS_KEY": SECRETS_KEY,
               "LMS_SIGNING_KEY": SIGNING_KEY, "LMS_SCHEDULER_SECONDS": "0", "LMS_ENV": "development",
               "LMS_INSTANCE_DIR": str(folder), "LMS_LOG_LEVEL": "WARNING"}
        app = gunicorn("wsgi:app", port, env, args.workers, 8, config=True)
        try:
            result = asyncio.run(storm(f"http://127.0.0.1:{port}", calls, args.concurrency))
        finally:
            stop(app)
        import psycopg

        with psycopg.connect(driver_dsn(url)) as conn:
            recorded = conn.execute("SELECT count(*) FROM payments WHERE provider = 'vnpay'").fetchone()[0]
            unbalanced = conn.execute("SELECT count(*) FROM (SELECT transaction_id FROM ledger_lines GROUP BY "
                                      "transaction_id HAVING sum(debit - credit) <> 0) x").fetchone()[0]
        lat = result["latencies"]
        pct = (lambda q: lat[min(len(lat) - 1, int(len(lat) * q))] * 1000) if lat else (lambda q: 0.0)
        print(f"callback storm: {len(calls)} IPNs ({args.invoices} invoices × {args.copies} copies + {args.forged} "
              f"forged), {args.concurrency} at a time, gunicorn {args.workers} workers × 8 threads, PostgreSQL")
        print(f"throughput {len(lat) / result['elapsed']:.0f}/s · p50 {pct(0.5):.0f} ms · p95 {pct(0.95):.0f} ms · "
              f"p99 {pct(0.99):.0f} ms · errors {result['errors']} · answers {dict(sorted(result['answers'].items()))}")
        print(f"payments recorded {recorded} (expected {args.invoices}) · unbalanced postings {unbalanced}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
