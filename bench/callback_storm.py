"""Fee-deadline storm: hundreds of payment callbacks at once on loopback — every invoice's genuine
VNPay IPN sent several times at once (VNPay's retries and duplicated deliveries racing each other),
bank credit webhooks (SePay) each delivered several times, and forged ones of both — against the
real app under gunicorn (gunicorn.conf.py) and a throwaway PostgreSQL, and in the same run against
the bare baseline (bench/bare_callbacks_app.py: Flask + psycopg, the same signature checks, the
guarded claim and the payment insert, nothing else) given the same calls.

It prints, per endpoint, throughput and p50/p95/p99, the answers, and what was recorded: one
payment per paid order and per matched credit, one bank row per credit (each counted once, none
lost), no unbalanced posting; and the p95/p99 ratios app / bare (issue #31: within 2×).

    .venv/bin/python bench/callback_storm.py [--invoices 300] [--transfers 300] [--copies 4]
        [--forged 200] [--concurrency 100] [--workers 3] [--only lms|bare]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.autosave import SECRET, cpu_seconds, driver_dsn, free_port, gunicorn, stop  # noqa: E402

SECRETS_KEY = "YmVuY2gtb25seS1zZWNyZXRzLWtleS0wMTIzNDU2Nzg="
SIGNING_KEY = "YmVuY2gtb25seS1lZDI1NTE5LXNlZWQtMDEyMzQ1Njc="
HASH = "BENCHVNPAYHASHSECRET0123456789"
SEPAY_KEY = "bench-sepay-api-key-0123456789"
BARE_TABLES = """
CREATE TABLE bare_checkouts (txn_ref text PRIMARY KEY, amount bigint NOT NULL, status text NOT NULL);
CREATE TABLE bare_payments (id serial PRIMARY KEY, provider text, ref text, provider_txn_id text, amount bigint);
CREATE TABLE bare_callbacks (id serial PRIMARY KEY, provider text, body text, at timestamptz DEFAULT now());
CREATE TABLE bare_bank (provider text, txn_id text, amount bigint, content text, PRIMARY KEY (provider, txn_id));
"""


def seed(url: str, folder: Path, invoices: int, transfers: int) -> tuple[list[dict], list[dict]]:
    """A school with `invoices + transfers` pupils billed for September; a VNPay checkout for each
    of the first `invoices` invoices (their genuine IPNs returned) and a SePay credit for each of
    the others, paying half the bill with the code typed as parents type it."""
    from sqlalchemy import select

    from bench.billing import build_school
    from lms import create_app
    from lms.billing import channel_settings, checkouts
    from lms.billing.channels import vnpay
    from lms.billing.models import Checkout, Invoice
    from lms.config import TestConfig
    from lms.core.timeutil import utcnow
    from lms.extensions import db
    from lms.people.models import Guardianship
    from tests.billing_helpers import issue, set_up_fees

    app = create_app(type("B", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": folder,
                                               "UPLOAD_DIR": folder / "u", "SECRETS_KEY": SECRETS_KEY,
                                               "SIGNING_KEY": SIGNING_KEY}))
    ipns, credits = [], []
    with app.app_context():
        db.drop_all()
        db.create_all()
        s = db.session
        world = build_school(s, app.extensions["lms_auth"], invoices + transfers)
        set_up_fees(s, world)
        issue(s, world)
        box = app.extensions["lms_secrets"]
        import inspect

        # Both channels in the local sandbox (the keyword became `mode` when channels got modes).
        sandbox = {"mode": "sandbox"} if "mode" in inspect.signature(channel_settings.save_channel).parameters \
            else {"sandbox": True}
        channel_settings.save_channel(s, world.admin, world.school, "vnpay", {"tmn_code": "BENCHTMN", "hash_secret": HASH},
                                      enabled=True, counts_as=None, box=box, **sandbox)
        channel_settings.save_channel(s, world.admin, world.school, "sepay", {"api_key": SEPAY_KEY},
                                      enabled=True, counts_as=None, box=box, **sandbox)
        s.commit()
        bills = list(s.scalars(select(Invoice).where(Invoice.school_id == world.school.id).order_by(Invoice.id)))
        # The import now invites the guardians (their accounts come when they accept): the paying
        # parents here are accounts of their own, linked directly.
        from lms.auth.services import create_user

        linked = set(s.scalars(select(Guardianship.student_id)))
        for n, invoice in enumerate(bills[:invoices]):
            if invoice.student_id not in linked:
                parent = create_user(s, app.extensions["lms_auth"], username=f"09{n + 10**7:08d}"[:10],
                                     full_name=f"Phụ Huynh {n}", password="mat-khau-dai-1")
                s.add(Guardianship(guardian_id=parent.id, student_id=invoice.student_id, relation="Mẹ"))
        s.commit()
        for invoice in bills[:invoices]:
            parent = s.scalars(select(Guardianship).where(Guardianship.student_id == invoice.student_id)).first().guardian
            started = checkouts.start_checkout(s, parent, invoice, "vnpay", key=None, box=box,
                                              base_url="http://bench", return_url="http://bench/r", client_ip="127.0.0.1",
                                              locale="vi", now=utcnow())
            params = dict(parse_qsl(urlsplit(started.redirect).query))
            ipn = {"vnp_Amount": params["vnp_Amount"], "vnp_BankCode": "NCB", "vnp_BankTranNo": f"B{invoice.id}",
                   "vnp_CardType": "ATM", "vnp_OrderInfo": params["vnp_OrderInfo"], "vnp_PayDate": "20260905081500",
                   "vnp_ResponseCode": "00", "vnp_TmnCode": "BENCHTMN", "vnp_TransactionNo": str(90000000 + invoice.id),
                   "vnp_TransactionStatus": "00", "vnp_TxnRef": params["vnp_TxnRef"]}
            ipn["vnp_SecureHash"] = vnpay.sign(ipn, HASH)
            ipns.append(ipn)
        when = datetime.now(timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M:%S")
        for n, invoice in enumerate(bills[invoices:invoices + transfers]):
            code = invoice.code
            credits.append({"id": 70000000 + n, "gateway": "BIDV", "transactionDate": when,
                            "accountNumber": "0071000123456", "subAccount": None, "code": None,
                            "content": f"{code[:2].lower()} {code[2:7]}.{code[7:]} nop tien hoc",
                            "transferType": "in", "description": "BankAPINotify", "transferAmount": max(1000, invoice.total // 2),
                            "accumulated": 0, "referenceCode": f"FT{n:010d}"})
        s.commit()
        with db.engine.begin() as conn:
            for statement in BARE_TABLES.strip().split(";\n"):
                conn.exec_driver_sql(statement.rstrip(";"))
            refs = [(c.txn_ref, c.amount) for c in s.scalars(select(Checkout))]
            for ref, amount in refs:
                conn.exec_driver_sql("INSERT INTO bare_checkouts VALUES (%s, %s, 'pending')", (ref, amount))
        db.session.remove()
        db.engine.dispose()
    import psycopg

    with psycopg.connect(driver_dsn(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return ipns, credits


def calls_of(ipns: list[dict], credits: list[dict], copies: int, forged: int, seed: int = 5) -> list[tuple]:
    """(kind, payload, key) per call, shuffled: each genuine IPN and credit `copies` times, and
    `forged` forgeries (an IPN with its amount changed but not its hash; a credit with a wrong key)."""
    rng = random.Random(seed)
    calls = [("ipn", p, None) for p in ipns for _ in range(copies)]
    calls += [("sepay", c, SEPAY_KEY) for c in credits for _ in range(copies)]
    for n in range(forged):
        if ipns and (n % 2 == 0 or not credits):
            fake = dict(rng.choice(ipns))
            fake["vnp_Amount"] = str(int(fake["vnp_Amount"]) + rng.choice([-100, 100, 1000]))
            calls.append(("ipn", fake, None))
        elif credits:
            fake = dict(rng.choice(credits), id=rng.randrange(10**8, 10**9))
            calls.append(("sepay", fake, "not-the-key"))
    rng.shuffle(calls)
    return calls


async def warm(base: str, workers: int, threads: int) -> None:
    """Untimed: enough requests at once that every worker has started and served one (a worker
    still booting on a busy machine would otherwise be timed as the endpoint's latency)."""
    import aiohttp

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        async def one():
            async with session.get(f"{base}/healthz") as r:
                await r.read()
        for _ in range(3):
            await asyncio.gather(*(one() for _ in range(workers * threads)))


async def storm(base: str, calls: list[tuple], concurrency: int, bare: bool, school_code: str) -> dict:
    import aiohttp

    latencies = {"ipn": [], "sepay": []}
    answers, errors = {}, 0
    semaphore = asyncio.Semaphore(concurrency)

    async def one(session, kind, payload, key):
        nonlocal errors
        async with semaphore:
            started = time.perf_counter()
            try:
                if kind == "ipn":
                    url = f"{base}/ipn" if bare else f"{base}/callbacks/vnpay/ipn"
                    async with session.get(url, params=payload) as r:
                        body = await r.json(content_type=None)
                        answer = f"vnpay {body.get('RspCode')}"
                else:
                    url = f"{base}/sepay" if bare else f"{base}/callbacks/sepay/{school_code}"
                    async with session.post(url, data=json.dumps(payload).encode(),
                                            headers={"Authorization": f"Apikey {key}",
                                                     "Content-Type": "application/json"}) as r:
                        await r.read()
                        answer = f"sepay {r.status}"
                if r.status >= 500:
                    errors += 1
                latencies[kind].append(time.perf_counter() - started)
                answers[answer] = answers.get(answer, 0) + 1
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                errors += 1

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(one(session, *c) for c in calls))
        elapsed = time.perf_counter() - started
    return {"latencies": latencies, "answers": answers, "errors": errors, "elapsed": elapsed}


def recorded(url: str, bare: bool) -> dict:
    import psycopg

    with psycopg.connect(driver_dsn(url)) as conn:
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        if bare:
            return {"vnpay payments": one("SELECT count(*) FROM bare_payments WHERE provider = 'vnpay'"),
                    "vnpay orders paid twice": one("SELECT count(*) FROM (SELECT ref FROM bare_payments WHERE provider "
                                                   "= 'vnpay' GROUP BY ref HAVING count(*) > 1) x"),
                    "credits": one("SELECT count(*) FROM bare_bank"),
                    "credit payments": one("SELECT count(*) FROM bare_payments WHERE provider = 'sepay'")}
        return {"vnpay payments": one("SELECT count(*) FROM payments WHERE provider = 'vnpay'"),
                "vnpay orders paid twice": one("SELECT count(*) FROM (SELECT provider_txn_id FROM payments WHERE "
                                               "provider = 'vnpay' GROUP BY provider_txn_id HAVING count(*) > 1) x"),
                "credits": one("SELECT count(*) FROM bank_transactions WHERE source = 'sepay'"),
                "credit payments": one("SELECT count(*) FROM payments WHERE provider = 'sepay'"),
                "receipts": one("SELECT count(*) FROM receipts"),
                "payments": one("SELECT count(*) FROM payments"),
                "unbalanced": one("SELECT count(*) FROM (SELECT transaction_id FROM ledger_lines GROUP BY "
                                  "transaction_id HAVING sum(debit - credit) <> 0) x")}


def receipts_done(url: str, timeout: float = 300) -> float | None:
    """Seconds after the storm until every payment has its receipt (None: not within `timeout`)."""
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(driver_dsn(url), autocommit=True) as conn:
        while time.perf_counter() - started < timeout:
            missing = conn.execute("SELECT count(*) FROM payments p WHERE NOT EXISTS "
                                   "(SELECT 1 FROM receipts r WHERE r.payment_id = p.id)").fetchone()[0]
            if not missing:
                return time.perf_counter() - started
            time.sleep(0.1)
    return None


def in_process(url: str, folder: Path, calls: list[tuple], genuine_ipns: list[dict], profile: str | None) -> None:
    """The calls one at a time through Flask's test client, in this process: CPU (process time)
    and SQL statements per call, by kind — the genuine first delivery, a copy, a forgery — and,
    with `profile`, cProfile's statistics (process time) of all of them in that file."""
    import cProfile
    import statistics

    from sqlalchemy import event

    from lms import create_app
    from lms.config import TestConfig
    from lms.extensions import db

    app = create_app(type("P", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": folder,
                                               "UPLOAD_DIR": folder / "u", "SECRETS_KEY": SECRETS_KEY,
                                               "SIGNING_KEY": SIGNING_KEY}))
    client = app.test_client()
    counted = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a, **k: counted.append(1))
    profiler = cProfile.Profile(time.process_time) if profile else None
    seen, spent = set(), {}
    for kind, payload, key in calls:
        ident = payload.get("vnp_TxnRef") or payload.get("id")
        forged = key == "not-the-key" or (kind == "ipn" and payload not in genuine_ipns)
        label = f"{kind} {'forged' if forged else 'copy' if (kind, ident) in seen else 'first'}"
        if not forged:
            seen.add((kind, ident))
        counted.clear()
        started = time.process_time()
        if profiler:
            profiler.enable()
        if kind == "ipn":
            client.get("/callbacks/vnpay/ipn", query_string=payload)
        else:
            client.post("/callbacks/sepay/BENCH", data=json.dumps(payload).encode(),
                        headers={"Authorization": f"Apikey {key}", "Content-Type": "application/json"})
        if profiler:
            profiler.disable()
        spent.setdefault(label, []).append(((time.process_time() - started) * 1000, len(counted)))
    app.extensions["lms_jobs"].wait(timeout=300)     # the receipts' jobs, in threads
    if profiler:
        profiler.dump_stats(profile)
    for label, values in sorted(spent.items()):
        print(f"in process: {label:12} {len(values):5} calls, CPU median {statistics.median(v[0] for v in values):6.1f} ms, "
              f"statements median {statistics.median(v[1] for v in values):4.0f}")
    with app.app_context():
        db.engine.dispose()


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))] * 1000 if values else 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=300, help="orders paid through VNPay")
    parser.add_argument("--transfers", type=int, default=300, help="bank credits reported by SePay webhooks")
    parser.add_argument("--copies", type=int, default=4, help="deliveries of each genuine call")
    parser.add_argument("--forged", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--only", choices=("lms", "bare"))
    parser.add_argument("--in-process", action="store_true",
                        help="instead of the storm: the calls one at a time in process, CPU and statements per call")
    parser.add_argument("--profile", default=None, help="with --in-process: cProfile statistics to this file")
    args = parser.parse_args()
    from tests.pg import PostgresServer

    folder = Path(tempfile.mkdtemp(prefix="lms-storm-"))
    server = PostgresServer()
    server.start()
    results = {}
    try:
        url = server.create_database("storm")
        ipns, credits = seed(url, folder, args.invoices, args.transfers)
        calls = calls_of(ipns, credits, args.copies, args.forged)
        print(f"fee-deadline storm: {len(calls)} calls ({args.invoices} VNPay orders and {args.transfers} SePay credits, "
              f"each delivered {args.copies} times, + {args.forged} forged), {args.concurrency} in flight, "
              f"gunicorn {args.workers} workers × {args.threads} threads, PostgreSQL on loopback; "
              f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        if args.in_process:
            in_process(url, folder, calls, ipns, args.profile)
            return
        endpoints = [("lms", "wsgi:app", False), ("bare", "bench.bare_callbacks_app:app", True)]
        for name, module, bare in endpoints:
            if args.only and args.only != name:
                continue
            port = free_port()
            env = {"LMS_DATABASE_URL": url, "LMS_SECRET_KEY": SECRET, "LMS_SECRETS_KEY": SECRETS_KEY,
                   "LMS_SIGNING_KEY": SIGNING_KEY, "LMS_SCHEDULER_SECONDS": "0", "LMS_ENV": "development",
                   "LMS_INSTANCE_DIR": str(folder), "LMS_LOG_LEVEL": "WARNING", "BARE_DSN": driver_dsn(url),
                   "BARE_MODULE": "bench.bare_callbacks_app", "BARE_VNPAY_SECRET": HASH, "BARE_SEPAY_KEY": SEPAY_KEY}
            process = gunicorn(module, port, env, args.workers, args.threads, config=not bare)
            try:
                asyncio.run(warm(f"http://127.0.0.1:{port}", args.workers, args.threads))
                cpu0 = cpu_seconds(process.pid)
                result = asyncio.run(storm(f"http://127.0.0.1:{port}", calls, args.concurrency, bare, "BENCH"))
                if not bare:   # the gateways' receipts are made by jobs after the commit: wait for them
                    result["receipts_after"] = receipts_done(url)
                result["cpu_ms"] = (cpu_seconds(process.pid) - cpu0) * 1000 / max(1, len(calls))
            finally:
                stop(process)
            result["recorded"] = recorded(url, bare)
            result["load"] = os.getloadavg()[0]
            results[name] = result
        print(f"{'endpoint':8} {'calls/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'IPN p95':>8} "
              f"{'credit p95':>10} {'errors':>7} {'CPU ms':>7}  load")
        for name, r in results.items():
            every = r["latencies"]["ipn"] + r["latencies"]["sepay"]
            print(f"{name:8} {len(every) / r['elapsed']:8.0f} {pct(every, .5):8.0f} {pct(every, .95):8.0f} "
                  f"{pct(every, .99):8.0f} {pct(r['latencies']['ipn'], .95):8.0f} {pct(r['latencies']['sepay'], .95):10.0f} "
                  f"{r['errors']:7} {r['cpu_ms']:7.1f}  {r['load']:.1f}")
        for name, r in results.items():
            print(f"{name}: answers {dict(sorted(r['answers'].items()))}")
            print(f"{name}: recorded {r['recorded']} (expected {args.invoices} VNPay payments, 0 paid twice, "
                  f"{args.transfers} credits and {args.transfers} credit payments)")
            if "receipts_after" in r:
                after = r["receipts_after"]
                print(f"{name}: every payment had its receipt " +
                      (f"{after:.1f} s after the last answer" if after is not None else "NOT within 300 s"))
        if len(results) == 2:
            lms_all = results["lms"]["latencies"]["ipn"] + results["lms"]["latencies"]["sepay"]
            bare_all = results["bare"]["latencies"]["ipn"] + results["bare"]["latencies"]["sepay"]
            print(f"ratio lms / bare: p95 {pct(lms_all, .95) / max(1e-9, pct(bare_all, .95)):.2f}, "
                  f"p99 {pct(lms_all, .99) / max(1e-9, pct(bare_all, .99)):.2f} (target ≤ 2)")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
