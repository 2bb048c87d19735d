"""A computer lab signs in (domain/security.md #29): 40 pupils submit the login form at the same
moment from one address, against the real app under gunicorn (the repository's gunicorn.conf.py)
and a throwaway PostgreSQL, with the production password hash (argon2id, the Config defaults).
Target: 0 refused by rate limits, p95 < 3 s on 2 cores.

Run twice in one go: with the former default hash (argon2id t=3, m=64 MiB, p=4) and with the one
the app uses since issue #31 (t=2, m=19 MiB, p=1, ASVS 5.0 Appendix C; README "Security"); a
deployment chooses another with LMS_ARGON2_TIME_COST / _MEMORY_KIB / _PARALLELISM.

Each pupil first opens the login page (its own cookie and form token), then all post together;
the round is repeated with new browsers, and one wrong password per pupil is mixed into the
last round to show that another pupil's mistakes do not lock anyone else out.

    .venv/bin/python bench/logins.py [--pupils 40] [--rounds 3]
"""
from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.autosave import SECRET, free_port, gunicorn, stop  # noqa: E402

PASSWORD = "phong-may-tinh-2026"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


SETTINGS = [("former default", 3, 65536, 4), ("used now", 2, 19456, 1)]


def seed(url: str, pupils: int, time_cost: int, memory_kib: int, parallelism: int) -> list[str]:
    from lms import create_app
    from lms.auth.services import create_user
    from lms.config import TestConfig
    from lms.extensions import db
    from lms.people import services as people
    from lms.people.models import School

    app = create_app(type("L", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": Path(tempfile.mkdtemp()),
        "ARGON2_TIME_COST": time_cost, "ARGON2_MEMORY_KIB": memory_kib, "ARGON2_PARALLELISM": parallelism}))
    with app.app_context():
        db.create_all()
        s = db.session
        school = School(code="LAB", name="Trường THCS Phòng Máy", levels="THCS")
        s.add(school)
        s.flush()
        settings = app.extensions["lms_auth"]
        digest = settings.hasher.hash(PASSWORD)  # one hash, with the parameters the server will use
        names = []
        for n in range(pupils):
            user = create_user(s, None, username=f"hs.lab{n:02d}", full_name=f"Học Sinh {n}", password_hash=digest)
            people.grant_role(s, user, school, "student")
            names.append(user.username)
        s.commit()
        db.engine.dispose()
    return names


async def round_(base: str, names: list[str], wrong: bool) -> list[tuple[float, int, str]]:
    import aiohttp

    async def pupil(username: str, go: asyncio.Event):
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar, timeout=aiohttp.ClientTimeout(total=60)) as session:
            async with session.get(f"{base}/login") as r:
                token = CSRF_RE.search(await r.text()).group(1)
            await go.wait()
            if wrong:  # a pupil mistypes once, then gets it right
                async with session.post(f"{base}/login", data={"identifier": username, "password": "sai-mat-khau",
                                                               "csrf_token": token}, allow_redirects=False) as r:
                    await r.read()
            started = time.perf_counter()
            async with session.post(f"{base}/login", data={"identifier": username, "password": PASSWORD,
                                                           "csrf_token": token}, allow_redirects=False) as r:
                await r.read()
                return time.perf_counter() - started, r.status, r.headers.get("Location", "")

    go = asyncio.Event()
    tasks = [asyncio.create_task(pupil(n, go)) for n in names]
    await asyncio.sleep(1.0)  # every page fetched
    go.set()
    return await asyncio.gather(*tasks)


def storm(pupils: int, rounds: int, time_cost: int, memory_kib: int, parallelism: int) -> list:
    import os

    from tests.pg import PostgresServer

    server = PostgresServer()
    server.start()
    try:
        url = server.create_database("logins")
        names = seed(url, pupils, time_cost, memory_kib, parallelism)
        port = free_port()
        env = {"LMS_DATABASE_URL": url, "LMS_SECRET_KEY": SECRET, "LMS_SCHEDULER_SECONDS": "0",
               "LMS_ENV": "development", "LMS_ARGON2_TIME_COST": str(time_cost),
               "LMS_ARGON2_MEMORY_KIB": str(memory_kib), "LMS_ARGON2_PARALLELISM": str(parallelism)}
        workers = int(os.environ.get("LMS_WORKERS", max(2, (os.cpu_count() or 1) + 1)))
        process = gunicorn("wsgi:app", port, env, workers, 4, config=True)
        try:
            return [asyncio.run(round_(f"http://127.0.0.1:{port}", names, wrong=n == rounds - 1))
                    for n in range(rounds)]
        finally:
            stop(process)
    finally:
        server.stop()


def main() -> None:
    import os

    parser = argparse.ArgumentParser()
    parser.add_argument("--pupils", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    workers = int(os.environ.get("LMS_WORKERS", max(2, (os.cpu_count() or 1) + 1)))
    print(f"login storm: {args.pupils} pupils post the login form at once from 127.0.0.1, {args.rounds} rounds "
          f"(the last with one wrong password each first), gunicorn {workers} workers × 4 threads, PostgreSQL")
    print(f"{'hash':<30} {'round':>5} {'signed in':>10} {'refused 429':>12} {'other':>6} {'p50 s':>7} {'p95 s':>7} "
          f"{'max s':>7}")
    for label, time_cost, memory_kib, parallelism in SETTINGS:
        name = f"{label} (t={time_cost}, m={memory_kib // 1024} MiB, p={parallelism})"
        every, refused_all = [], 0
        for n, rows in enumerate(storm(args.pupils, args.rounds, time_cost, memory_kib, parallelism), start=1):
            times = sorted(t for t, _, _ in rows)
            every += times
            ok = sum(1 for _, status, location in rows if status == 302 and "/login" not in location)
            refused = sum(1 for _, status, _ in rows if status == 429)
            refused_all += refused
            print(f"{name:<30} {n:>5} {ok:>10} {refused:>12} {len(rows) - ok - refused:>6} "
                  f"{times[len(times) // 2]:7.2f} {times[min(len(times) - 1, int(0.95 * len(times)))]:7.2f} "
                  f"{times[-1]:7.2f}")
        every.sort()
        print(f"{name:<30} all: p95 {every[min(len(every) - 1, int(0.95 * len(every)))]:.2f} s (target < 3 s), "
              f"refused by rate limits {refused_all} (target 0)")


if __name__ == "__main__":
    main()
