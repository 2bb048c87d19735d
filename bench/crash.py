"""Crash test (domain/security.md #19): during autosave load, SIGKILL every gunicorn process and
restart it, then stop PostgreSQL in immediate mode and restart it. Every acknowledged save must
survive, and the clients' retry queue must bring the database to each client's final state.

A throwaway PostgreSQL with PostgreSQL's own commit rule (synchronous_commit on; the test
servers turn it off for speed) holds pupils with running attempts of a 40-question exam; the real
app runs under gunicorn with the repository's gunicorn.conf.py. Each client does what the exam
page does: every `interval` it changes one answer with the next sequence number; a save that
fails (no connection, timeout, 5xx) stays in its queue and is sent again, newest value per
question, before the next change. After the load the clients keep retrying until their queues are
empty. Then the database is compared with what the clients were told and with what they last
wanted.

    .venv/bin/python bench/crash.py [--students 300] [--interval 1] [--duration 40]

Exits 1 if an acknowledged save was lost or a final state was not reached.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.autosave import QUESTIONS, SECRET, driver_dsn, free_port, gunicorn, seed  # noqa: E402


def kill_group(process) -> None:
    """SIGKILL the gunicorn master and its workers at once (no graceful anything)."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


async def run_load(base: str, clients: list[dict], interval: float, duration: float, faults, drain: float) -> dict:
    import aiohttp

    acked: dict[tuple[int, int], tuple[int, str]] = {}   # what the server confirmed
    wanted: dict[tuple[int, int], tuple[int, str]] = {}  # each client's latest change
    counts = {"sent": 0, "ok": 0, "failed": 0, "stale": 0, "retried": 0}
    started = time.monotonic()
    stop_changes = started + duration
    give_up = stop_changes + drain

    async def send(session, c, position, seq, value) -> bool:
        """True when the server has this save (200) or a newer one (409)."""
        headers = {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": c["csrf"],
                   "X-Attempt-Ticket": c["ticket"],
                   "Cookie": f"lms_session={c['cookie']}; lms_device={c['device']}"}
        counts["sent"] += 1
        try:
            async with session.post(f"{base}/attempts/{c['attempt']}/save", headers=headers,
                                    data=json.dumps({"position": position, "value": value, "seq": seq})) as r:
                await r.read()
                if r.status == 200:
                    counts["ok"] += 1
                    key = (c["attempt"], position)
                    if acked.get(key, (0, ""))[0] < seq:
                        acked[key] = (seq, value)
                    return True
                if r.status == 409:
                    counts["stale"] += 1
                    return True
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
            pass
        counts["failed"] += 1
        return False

    async def pupil(session, c):
        queue: dict[int, tuple[int, str]] = {}   # position → newest unsent (seq, value)
        seqs: dict[int, int] = {}
        await asyncio.sleep(random.random() * interval)
        while True:
            now = time.monotonic()
            if now >= give_up or (now >= stop_changes and not queue):
                return
            for position, (seq, value) in sorted(queue.items()):
                counts["retried"] += 1
                if await send(session, c, position, seq, value) and queue.get(position, (0,))[0] == seq:
                    del queue[position]
            if now < stop_changes:
                position = random.randint(1, QUESTIONS)
                seq = seqs.get(position, 0) + 1
                seqs[position] = seq
                value = random.choice(c["options"][position])
                wanted[(c["attempt"], position)] = (seq, value)
                if not await send(session, c, position, seq, value):
                    queue[position] = (seq, value)
            await asyncio.sleep(interval * random.uniform(0.9, 1.1))

    timeout = aiohttp.ClientTimeout(total=5)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=300), timeout=timeout) as session:
        await asyncio.gather(faults(started), *(pupil(session, c) for c in clients))
    return {"acked": acked, "wanted": wanted, "counts": counts, "seconds": time.monotonic() - started}


def compare(url: str, acked: dict, wanted: dict) -> tuple[int, int]:
    import psycopg

    with psycopg.connect(driver_dsn(url)) as conn:
        stored = {(a, p): (s, v) for a, p, s, v in conn.execute("SELECT attempt_id, position, seq, value FROM responses")}

    def behind(expected: dict) -> int:
        missing = 0
        for key, (seq, value) in expected.items():
            got = stored.get(key)
            if got is None or got[0] < seq or (got[0] == seq and got[1] != json.dumps(value)):
                missing += 1
        return missing
    return behind(acked), behind(wanted)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=40.0)
    parser.add_argument("--drain", type=float, default=60.0, help="seconds the clients may retry after the load")
    args = parser.parse_args()
    kill_app_at, app_back_at = 0.25 * args.duration, 0.325 * args.duration
    stop_db_at, db_back_at = 0.575 * args.duration, 0.65 * args.duration

    from tests.pg import PostgresServer

    server = PostgresServer(durable=True)
    server.start()
    port = free_port()
    env = {"LMS_SECRET_KEY": SECRET, "LMS_SCHEDULER_SECONDS": "0", "LMS_ENV": "development"}
    app = {"process": None}
    log: list[str] = []
    try:
        url = server.create_database("crash")
        env["LMS_DATABASE_URL"] = url
        clients = seed(url, args.students)
        app["process"] = gunicorn("wsgi:app", port, env, 3, 4, config=True)

        async def faults(started: float):
            def at(label):
                log.append(f"{time.monotonic() - started:5.1f} s  {label}")

            await asyncio.sleep(kill_app_at)
            kill_group(app["process"])
            at("SIGKILL of the gunicorn master and every worker")
            await asyncio.sleep(app_back_at - kill_app_at)
            app["process"] = await asyncio.to_thread(gunicorn, "wsgi:app", port, env, 3, 4, True)
            at("gunicorn started again")
            await asyncio.sleep(stop_db_at - app_back_at)
            await asyncio.to_thread(server.stop_immediately)
            at("PostgreSQL stopped with pg_ctl -m immediate")
            await asyncio.sleep(db_back_at - stop_db_at)
            await asyncio.to_thread(server.restart)
            at("PostgreSQL started again (crash recovery)")

        result = asyncio.run(run_load(f"http://127.0.0.1:{port}", clients, args.interval, args.duration, faults,
                                      args.drain))
        lost_acked, behind_final = compare(url, result["acked"], result["wanted"])
    finally:
        if app["process"] is not None and app["process"].poll() is None:
            kill_group(app["process"])
        server.stop()
    c = result["counts"]
    print(f"crash test: {args.students} pupils × a save every {args.interval:g} s for {args.duration:g} s, "
          f"gunicorn 3×4 gthread, PostgreSQL (synchronous_commit on) on loopback")
    for line in log:
        print("  " + line)
    print(f"requests {c['sent']} · 200 {c['ok']} · 409 {c['stale']} · failed (refused, timed out, 5xx) {c['failed']} "
          f"· resent from the queues {c['retried']} · done after {result['seconds']:.0f} s")
    print(f"acknowledged answers lost: {lost_acked} of {len(result['acked'])}")
    print(f"(pupil, question) at the client's final state: {len(result['wanted']) - behind_final} of "
          f"{len(result['wanted'])}")
    return 1 if lost_acked or behind_final else 0


if __name__ == "__main__":
    sys.exit(main())
