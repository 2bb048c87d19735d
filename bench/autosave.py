"""Exam autosave under load, beside a bare Flask + PostgreSQL endpoint doing the same guarded
upsert, in one run (DESIGN.md targets: 0 errors, 0 lost answers, p95 within 1.5× of the bare one).

A throwaway PostgreSQL is started; pupils with attempts of a 40-question exam are created through
the services; the real app runs under gunicorn (gthread, the repository's gunicorn.conf.py) and so
does the bare endpoint; asyncio clients save answers every `interval` seconds (plus 5 % stale,
out-of-order duplicates); afterwards every pupil's latest acknowledged answer is checked in the
database.

    .venv/bin/python bench/autosave.py --students 500 --interval 10 --duration 60
    .venv/bin/python bench/autosave.py --students 1500 --interval 3 --duration 60
    .venv/bin/python bench/autosave.py --students 1500 --interval 3 --duration 600 --only lms --rounds 1

The warm-up (untimed, default six save intervals, at least 20 s) lets each gunicorn worker read
the attempts it serves once, as happens in the first minutes of any real exam; `--warmup 0` times
that too.

At 1,500 pupils every 3 s a two-core machine running the clients too is close to full, and a
queue that forms for a few seconds (a vacuum, another process on the VM) lifts a whole minute's
p95 of whichever endpoint happens to be running. So each endpoint runs `--rounds` times (default
2) in the balanced order lms, bare, bare, lms against the same tables, after a VACUUM ANALYZE of
the freshly seeded database; the ratio is of the p95s over all of each endpoint's runs, and every
run is printed with its p95 per 10 s so a burst shows as one.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SECRET = "bench-secret-key-bench-secret-key-0123456789abcdef"
QUESTIONS = 40


def driver_dsn(url: str) -> str:
    """The SQLAlchemy URL of the throwaway server as psycopg's own connection string."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(url: str, students: int) -> list[dict]:
    """Pupils with a running attempt each; returns what a client needs to act as each pupil."""
    from datetime import date, timedelta

    from flask.sessions import SecureCookieSessionInterface
    from itsdangerous import URLSafeTimedSerializer

    from lms import create_app
    from lms.auth.services import create_user, start_session
    from lms.config import TestConfig
    from lms.core.timeutil import utcnow
    from lms.exams import attempts, bank, saving, services
    from lms.extensions import db
    from lms.people import services as people
    from lms.people.models import Enrollment, School, Student, Subject
    from tests.factories import choice_data

    app = create_app(type("Bench", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET,
                                                   "INSTANCE_DIR": Path(tempfile.mkdtemp()), "UPLOAD_DIR": Path(tempfile.mkdtemp())}))
    clients = []
    with app.app_context():
        db.create_all()
        s = db.session
        school = School(code="BENCH", name="Trường THCS Đo tải", levels="THCS")
        s.add(school)
        s.flush()
        teacher = create_user(s, None, username="gv.bench", full_name="Giáo Viên Đo", password_hash="x")
        people.grant_role(s, teacher, school, "teacher")
        year = people.create_school_year(s, teacher, school, name="2026-2027", term1=(date(2026, 9, 5), date(2027, 1, 16)),
                                         term2=(date(2027, 1, 18), date(2027, 5, 29)))
        people.add_programme_subjects(s, teacher, school)
        math = s.scalars(db.select(Subject).where(Subject.school_id == school.id, Subject.code == "toan")).one()
        classes = []
        for i in range(-(-students // 40)):
            school_class = people.save_class(s, teacher, school, year=year, grade=6, name=f"6A{i + 1}",
                                             homeroom_teacher_id=teacher.id)
            course = people.save_course(s, teacher, school, school_class=school_class, subject=math,
                                        teacher_id=teacher.id)
            classes.append((school_class, course))
        category = bank.save_category(s, teacher, "teacher", school, subject_id=math.id, name="Đo tải")
        now = utcnow()
        questions = [bank.save_question(s, teacher, "teacher", school, bank.QuestionInput(
            category_id=category.id, qtype="single_choice", text=f"Câu {i}",
            data=choice_data([("A", 100), ("B", 0), ("C", 0), ("D", 0)])), now=now) for i in range(QUESTIONS)]
        exam = services.save_exam(s, teacher, "teacher", school, services.ExamInput(
            title="Đo tải", subject_id=math.id, course_ids=[c.id for _, c in classes], open_at=now - timedelta(minutes=1),
            close_at=now + timedelta(hours=3), time_limit_min=150, shuffle_options=False))
        services.set_items(s, teacher, "teacher", school, exam, [(q.id, "0,25") for q in questions])
        services.publish_exam(s, teacher, "teacher", exam)
        serializer = SecureCookieSessionInterface().get_signing_serializer(app)
        csrf = URLSafeTimedSerializer(SECRET, salt="wtf-csrf-token")
        settings = app.extensions["lms_auth"]
        for n in range(students):
            school_class, _course = classes[n // 40]
            user = create_user(s, None, username=f"hs{n:05d}", full_name=f"Học Sinh {n}", password_hash="x")
            people.grant_role(s, user, school, "student")
            student = Student(school_id=school.id, user_id=user.id, student_code=f"B{n:06d}", full_name=user.full_name,
                              sort_name=f"{n:06d}")
            s.add(student)
            s.flush()
            s.add(Enrollment(student_id=student.id, class_id=school_class.id, school_year_id=year.id))
            s.flush()
            device = f"device-{n}"
            attempt = attempts.start_attempt(s, student, exam, now=now, device=saving.device_hash(device))
            token = start_session(s, settings, user, remember=False, ip="127.0.0.1", user_agent="bench")
            raw = f"csrf-{n}-{random.random()}"
            cookie = serializer.dumps({"sid": token, "_user_id": str(user.id), "_fresh": True, "csrf_token": raw})
            options = [o["id"] for o in questions[0].current.data["options"]]
            slots = {slot.position: [o["id"] for o in slot.version.data["options"]] for slot in attempt.slots} or \
                {p: options for p in range(1, QUESTIONS + 1)}
            clients.append({"attempt": attempt.id, "cookie": cookie, "device": device, "csrf": csrf.dumps(raw),
                            "ticket": saving.issue_ticket(SECRET, attempt, user.id), "options": slots})
            if n % 100 == 99:
                s.commit()
        s.commit()
        # The bare endpoint's own tables, with the same attempts open.
        with db.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE bare_attempts (id int PRIMARY KEY, state text, deadline timestamptz)")
            conn.exec_driver_sql("CREATE TABLE bare_responses (attempt_id int, position int, value text, seq int, "
                                 "saved_at timestamptz, PRIMARY KEY (attempt_id, position))")
            conn.exec_driver_sql("INSERT INTO bare_attempts SELECT id, 'in_progress', now() + interval '3 hours' "
                                 "FROM attempts")
        db.engine.dispose()
    return clients


def gunicorn(module: str, port: int, env: dict, workers: int, threads: int, config: bool) -> subprocess.Popen:
    args = [str(ROOT / ".venv/bin/gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--worker-class", "gthread", "--threads", str(threads), "--access-logfile", "/dev/null",
            "--error-logfile", "-", "--log-level", "warning"]
    if config:
        args += ["-c", str(ROOT / "gunicorn.conf.py")]
    else:
        args += ["--config", str(ROOT / "bench" / "bare_gunicorn.py")]
    process = subprocess.Popen(args + [module], cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    for _ in range(600):  # up to two minutes: loading the app is slow on a busy machine
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn for {module} did not start")


def cpu_seconds(group: int) -> float:
    """CPU time (user + system) used so far by every process of a process group (gunicorn's master
    and workers), from /proc."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # pgrp
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


async def load(base: str, clients: list[dict], interval: float, duration: float, bare: bool,
               warmup: float = 0, state: dict | None = None) -> dict:
    """Every pupil saves every `interval` s; the first `warmup` s are run but not timed (each worker's
    statement cache and per-attempt memo fill, as they do in the first minutes of a real exam).
    Answers acknowledged during the warm-up are still checked for loss. `state` keeps sequence
    numbers and acknowledged answers across rounds against the same tables."""
    import aiohttp

    latencies, timeline, errors, codes = [], [], 0, {}
    state = state if state is not None else {"seqs": {}, "acked": {}}
    acked: dict[tuple[int, int], tuple[int, str]] = state["acked"]
    seqs: dict[tuple[int, int], int] = state["seqs"]
    timed_from = time.monotonic() + warmup
    stop_at = timed_from + duration
    connector = aiohttp.TCPConnector(limit=200)
    timeout = aiohttp.ClientTimeout(total=30)

    async def one(session, c, position, seq, value):
        nonlocal errors
        url = f"{base}/save/{c['attempt']}" if bare else f"{base}/attempts/{c['attempt']}/save"
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if not bare:
            # What the exam page sends: its cookies, the form token and the attempt ticket.
            headers.update({"X-CSRFToken": c["csrf"], "X-Attempt-Ticket": c["ticket"],
                            "Cookie": f"lms_session={c['cookie']}; lms_device={c['device']}"})
        started = time.perf_counter()
        try:
            async with session.post(url, data=json.dumps({"position": position, "value": value, "seq": seq}),
                                    headers=headers) as r:
                await r.read()
                now = time.monotonic()
                if now >= timed_from:
                    latencies.append(time.perf_counter() - started)
                    timeline.append((now - timed_from, latencies[-1]))
                codes[r.status] = codes.get(r.status, 0) + 1
                return r.status
        except (aiohttp.ClientError, asyncio.TimeoutError):
            errors += 1
            return None

    async def pupil(session, c):
        await asyncio.sleep(random.random() * interval)
        while time.monotonic() < stop_at:
            position = random.randint(1, QUESTIONS)
            key = (c["attempt"], position)
            seq = seqs.get(key, 0) + 1
            seqs[key] = seq
            value = random.choice(c["options"][position])
            status = await one(session, c, position, seq, value)
            if status == 200 and acked.get(key, (0, ""))[0] < seq:
                acked[key] = (seq, value)
            if random.random() < 0.05 and seq > 1:  # a stale, out-of-order duplicate
                status = await one(session, c, position, seq - 1, random.choice(c["options"][position]))
            await asyncio.sleep(interval * random.uniform(0.9, 1.1))

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(pupil(session, c) for c in clients))
    return {"latencies": latencies, "timeline": timeline, "errors": errors, "codes": codes, "acked": acked}


def lost(url: str, acked: dict, bare: bool) -> int:
    import psycopg

    table = "bare_responses" if bare else "responses"
    dsn = driver_dsn(url)
    with psycopg.connect(dsn) as conn:
        stored = {(a, p): (s, v) for a, p, s, v in conn.execute(f"SELECT attempt_id, position, seq, value FROM {table}")}
    missing = 0
    for key, (seq, value) in acked.items():
        got = stored.get(key)
        expected = value if bare else json.dumps(value)
        if got is None or got[0] < seq or (got[0] == seq and got[1] != expected):
            missing += 1
    return missing


def quantile_ms(ordered: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of latencies in seconds, sorted, in ms."""
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


def summary(name: str, result: dict, lost_count: int, duration: float) -> dict:
    lat = sorted(result["latencies"])
    non_ok = sum(n for code, n in result["codes"].items() if code not in (200, 409))
    return {"name": name, "requests": len(lat), "rps": len(lat) / duration, "p50": quantile_ms(lat, 0.5),
            "p95": quantile_ms(lat, 0.95), "p99": quantile_ms(lat, 0.99), "errors": result["errors"] + non_ok, "codes": result["codes"],
            "acked": len(result["acked"]), "lost": lost_count}


def windows(timeline: list[tuple[float, float]], width: float = 10) -> str:
    """p95 in ms per `width` seconds of the timed part: shows whether a slow p95 is a burst
    (a few seconds of backlog) or the whole run."""
    buckets: dict[int, list[float]] = {}
    for at, latency in timeline:
        buckets.setdefault(int(at // width), []).append(latency)
    return " ".join(f"{quantile_ms(sorted(buckets[k]), 0.95):.0f}" for k in sorted(buckets))


def pg_activity(url: str) -> dict:
    """Counters of background work PostgreSQL did: autovacuum/autoanalyze runs of the tables, and
    checkpoints; read before and after each endpoint's run."""
    import psycopg

    dsn = driver_dsn(url)
    with psycopg.connect(dsn) as conn:
        vacuum = conn.execute("SELECT coalesce(sum(autovacuum_count + autoanalyze_count), 0) "
                              "FROM pg_stat_user_tables").fetchone()[0]
        checkpoints = conn.execute("SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter").fetchone()[0]
    return {"autovacuum": int(vacuum), "checkpoints": int(checkpoints)}


def run_once(url: str, name: str, module: str, bare: bool, clients: list[dict], state: dict, args,
             warmup: float) -> dict:
    """One endpoint under gunicorn for one warm-up plus timed period; `state` carries the clients'
    sequence numbers and acknowledged answers from that endpoint's earlier rounds."""
    port = free_port()
    env = {"LMS_DATABASE_URL": url, "LMS_SECRET_KEY": SECRET, "LMS_SCHEDULER_SECONDS": "0",
           "BARE_DSN": driver_dsn(url), "LMS_ENV": "development"}
    process = gunicorn(module, port, env, args.workers, args.threads, config=not bare)
    try:
        activity_before = pg_activity(url)
        cpu_before = cpu_seconds(process.pid)
        result = asyncio.run(load(f"http://127.0.0.1:{port}", clients, args.interval, args.duration, bare,
                                  warmup, state))
        cpu = cpu_seconds(process.pid) - cpu_before  # the load only, not start-up
    finally:
        stop(process)
    activity = pg_activity(url)
    row = summary(name, result, lost(url, state["acked"], bare), args.duration)
    row["cpu_ms"] = 1000 * cpu / max(1, sum(result["codes"].values()))
    row["bare"] = bare
    row["windows"] = windows(result["timeline"])
    row["pg"] = {k: activity[k] - activity_before[k] for k in activity}
    row["result"] = result
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--interval", type=float, default=10)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=None, help="untimed seconds first (default: 6 intervals, ≥ 20)")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2,
                        help="each endpoint this many times, in the balanced order lms, bare, bare, lms, …")
    parser.add_argument("--only", choices=("lms", "bare"),
                        help="one endpoint only (a long run against the absolute targets of domain/exams.md)")
    parser.add_argument("--no-settle", action="store_true",
                        help="skip VACUUM ANALYZE and CHECKPOINT after seeding")
    args = parser.parse_args()
    warmup = args.warmup if args.warmup is not None else max(20.0, 6 * args.interval)

    from tests.pg import PostgresServer

    server = PostgresServer()
    server.start()
    try:
        url = server.create_database("bench")
        started = time.time()
        clients = seed(url, args.students)
        print(f"seeded {args.students} pupils with running attempts of {QUESTIONS} questions "
              f"in {time.time() - started:.0f} s", flush=True)
        if not args.no_settle:
            # A school's database has statistics and no backlog of vacuum work from a minute-old
            # bulk load; without this the first endpoint measured shares the cores with it.
            import psycopg

            with psycopg.connect(driver_dsn(url), autocommit=True) as conn:
                conn.execute("VACUUM ANALYZE")
                conn.execute("CHECKPOINT")
        lms_endpoint = ("lms /attempts/<id>/save", "wsgi:app", False)
        bare_endpoint = ("bare Flask + psycopg upsert", "bench.bare_autosave_app:app", True)
        order = []
        for n in range(args.rounds):
            order += [lms_endpoint, bare_endpoint] if n % 2 == 0 else [bare_endpoint, lms_endpoint]
        if args.only:
            order = [e for e in order if e[2] == (args.only == "bare")]
        states = {False: {"seqs": {}, "acked": {}}, True: {"seqs": {}, "acked": {}}}
        rows = []
        for name, module, bare in order:
            rows.append(run_once(url, name, module, bare, clients, states[bare], args, warmup))
            print(json.dumps({k: v for k, v in rows[-1].items() if k != "result"}, default=str), flush=True)
        pooled = []
        for name, _module, bare in (lms_endpoint, bare_endpoint):
            mine = [r for r in rows if r["bare"] == bare]
            if not mine:
                continue
            joined = {"latencies": [x for r in mine for x in r["result"]["latencies"]],
                      "errors": sum(r["result"]["errors"] for r in mine), "codes": {}, "acked": states[bare]["acked"]}
            for r in mine:
                for code, n in r["result"]["codes"].items():
                    joined["codes"][code] = joined["codes"].get(code, 0) + n
            total = summary(name, joined, max(r["lost"] for r in mine), args.duration * len(mine))
            total["cpu_ms"] = sum(r["cpu_ms"] for r in mine) / len(mine)
            pooled.append(total)
        print()
        print(f"autosave: {args.students} pupils × a save every {args.interval:g} s, {args.rounds} × {args.duration:g} s "
              f"timed per endpoint after {warmup:g} s untimed (+5 % stale duplicates), gunicorn "
              f"{args.workers}×{args.threads} gthread, PostgreSQL on loopback")
        print(f"{'run':4} {'endpoint':32} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7} "
              f"{'lost':>12} {'CPU ms/req':>10}  p95 ms per 10 s")
        for n, r in enumerate(rows + pooled, 1):
            label = str(n) if n <= len(rows) else "all"
            print(f"{label:4} {r['name']:32} {r['rps']:7.0f} {r['p50']:8.1f} {r['p95']:8.1f} {r['p99']:8.1f} "
                  f"{r['errors']:7d} {r['lost']:>5d}/{r['acked']:<6d} {r['cpu_ms']:10.2f}  {r.get('windows', '')}")
        vacuum = ", ".join(f"run {n}: {r['pg']['autovacuum']}/{r['pg']['checkpoints']}" for n, r in enumerate(rows, 1))
        print(f"PostgreSQL autovacuum-or-analyze runs / checkpoints during each run: {vacuum}")
        if len(pooled) == 2:
            app_row, bare_row = pooled
            print(f"p95 ratio lms / bare over all runs: {app_row['p95'] / bare_row['p95']:.2f} (target ≤ 1.5)")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
