"""Exam start: a school's pupils arrive for one exam (issue #31, DESIGN.md: 1,000 pupils sign in
and start one blueprint exam within 60 s on two cores — 0 errors, sign-in p99 < 3 s, start p99
< 2 s, no answer lost).

A throwaway PostgreSQL; one school with `--pupils` pupils in `--classes` classes (accounts with
argon2id hashes at the server's parameters), a question bank of 120 questions and one published
exam whose blueprint draws 40 of them for each pupil. The real app runs under gunicorn with the
repository's gunicorn.conf.py. Pupils arrive uniformly over `--arrival` seconds, each as a
browser would: open the sign-in page, sign in, open the home page, the exam list and the exam,
press Start (→ the attempt page), then save an answer every 3 s (± 10 %) until `--until`
seconds; afterwards every acknowledged answer is checked in the database.

In the same run, the bare baseline (bench/bare_exam_start_app.py, Flask + psycopg, no ORM,
templates or rules) gets the same arrivals: sign in (hash verified at the same parameters, a
session row), start (an attempt and its 40 slots in one transaction), the same saves.

Printed: per step p50 / p95 / p99 (sign-in = the POST of the sign-in form; start = the POST of
Start until the attempt page has arrived), arrival → attempt page, when the last pupil got in,
errors, lost answers, the app's CPU per pupil, and statements per request for each step
(one pupil alone, before the load).

    .venv/bin/python bench/exam_start.py                           # 1,000 pupils, 25 classes, 60 s
    .venv/bin/python bench/exam_start.py --pupils 100 --classes 3 --arrival 10 --until 20
    .venv/bin/python bench/exam_start.py --hash 3,65536,4          # another password-hash cost
    .venv/bin/python bench/exam_start.py --stored-hash 3,65536,4   # accounts still on the old cost (upgraded at sign-in)
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.autosave import SECRET, cpu_seconds, driver_dsn, free_port, gunicorn, lost, stop  # noqa: E402

PASSWORD = "ky-thi-giua-ky-2026"
QUESTIONS, BANK = 40, 120
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
OPTION_RE = re.compile(r'name="q-(\d+)"[^>]*value="([^"]+)"')
STEPS = ["login page", "sign-in", "home", "exam list", "exam page", "start → attempt page", "save"]


def parse_hash(text: str) -> tuple[int, int, int]:
    t, m, p = (int(x) for x in text.split(","))
    return t, m, p


def seed(url: str, pupils: int, classes: int, stored: tuple[int, int, int]) -> tuple[int, list[str]]:
    from datetime import date, timedelta

    from argon2 import PasswordHasher

    from lms import create_app
    from lms.auth.services import create_user
    from lms.config import TestConfig
    from lms.core.timeutil import utcnow
    from lms.exams import bank, services
    from lms.extensions import db
    from lms.people import services as people
    from lms.people.models import Enrollment, School, Student, Subject
    from tests.factories import choice_data

    app = create_app(type("Bench", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET,
                                                   "INSTANCE_DIR": Path(tempfile.mkdtemp()),
                                                   "UPLOAD_DIR": Path(tempfile.mkdtemp())}))
    t, m, p = stored
    digest = PasswordHasher(time_cost=t, memory_cost=m, parallelism=p).hash(PASSWORD)
    names = []
    with app.app_context():
        db.create_all()
        s = db.session
        school = School(code="THI", name="Trường THCS Kỳ Thi", levels="THCS")
        s.add(school)
        s.flush()
        teacher = create_user(s, None, username="gv.thi", full_name="Giáo Viên Thi", password_hash=digest)
        people.grant_role(s, teacher, school, "teacher")
        year = people.create_school_year(s, teacher, school, name="2026-2027", term1=(date(2026, 9, 5), date(2027, 1, 16)),
                                         term2=(date(2027, 1, 18), date(2027, 5, 29)))
        people.add_programme_subjects(s, teacher, school)
        math = s.scalars(db.select(Subject).where(Subject.school_id == school.id, Subject.code == "toan")).one()
        made = []
        for i in range(classes):
            school_class = people.save_class(s, teacher, school, year=year, grade=9, name=f"9A{i + 1}",
                                             homeroom_teacher_id=None if i else teacher.id)   # one class each
            made.append((school_class, people.save_course(s, teacher, school, school_class=school_class, subject=math,
                                                          teacher_id=teacher.id)))
        category = bank.save_category(s, teacher, "teacher", school, subject_id=math.id, name="Giữa kỳ I")
        now = utcnow()
        for i in range(BANK):
            bank.save_question(s, teacher, "teacher", school, bank.QuestionInput(
                category_id=category.id, qtype="single_choice", text=f"Câu hỏi số {i + 1}: chọn đáp án đúng.",
                data=choice_data([("A", 100), ("B", 0), ("C", 0), ("D", 0)])), now=now)
        exam = services.save_exam(s, teacher, "teacher", school, services.ExamInput(
            title="Kiểm tra giữa kỳ I — Toán 9", subject_id=math.id, course_ids=[c.id for _, c in made],
            open_at=now - timedelta(minutes=5), close_at=now + timedelta(hours=4), time_limit_min=45, per_page=40))
        services.set_rules(s, teacher, "teacher", school, exam,
                           [services.RuleInput(category_id=category.id, count=QUESTIONS, mark="0,25")])
        services.publish_exam(s, teacher, "teacher", exam)
        for n in range(pupils):
            school_class, _course = made[n % classes]
            user = create_user(s, None, username=f"hs{n:05d}", full_name=f"Học Sinh {n}", password_hash=digest)
            people.grant_role(s, user, school, "student")
            student = Student(school_id=school.id, user_id=user.id, student_code=f"T{n:06d}", full_name=user.full_name,
                              sort_name=f"{n:06d}")
            s.add(student)
            s.flush()
            s.add(Enrollment(student_id=student.id, class_id=school_class.id, school_year_id=year.id))
            names.append(user.username)
            if n % 200 == 199:
                s.flush()
        s.commit()
        exam_id = exam.id
        with db.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE bare_sessions (token text PRIMARY KEY, user_id int)")
            conn.exec_driver_sql("CREATE TABLE bare_attempts (id serial PRIMARY KEY, user_id int, state text, "
                                 "deadline timestamptz)")
            conn.exec_driver_sql("CREATE TABLE bare_slots (attempt_id int, position int, question_id int, "
                                 "PRIMARY KEY (attempt_id, position))")
            conn.exec_driver_sql("CREATE TABLE bare_responses (attempt_id int, position int, value text, seq int, "
                                 "saved_at timestamptz, PRIMARY KEY (attempt_id, position))")
        db.engine.dispose()
    return exam_id, names


class Run:
    def __init__(self):
        self.times: dict[str, list[float]] = {step: [] for step in STEPS}
        self.errors: dict[str, int] = {}
        self.arrival_to_attempt: list[float] = []
        self.last_in = 0.0
        self.acked: dict[tuple[int, int], tuple[int, str]] = {}
        self.pupils_in = 0

    def error(self, step: str, what: str) -> None:
        key = f"{step}: {what}"
        self.errors[key] = self.errors.get(key, 0) + 1


async def pupil_lms(http, base: str, username: str, exam_id: int, arrive: float, t0: float, until: float, run: Run):
    import aiohttp

    await asyncio.sleep(max(0.0, t0 + arrive - time.monotonic()))
    arrived = time.monotonic()

    async def step(name: str, method: str, url: str, expect: tuple[int, ...], **kw):
        started = time.perf_counter()
        try:
            async with http.request(method, base + url, allow_redirects=False, **kw) as r:
                body = await r.text()
                run.times[name].append(time.perf_counter() - started)
                if r.status not in expect:
                    run.error(name, str(r.status))
                    return None, r
                return body, r
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            run.error(name, type(exc).__name__)
            return None, None

    page, _ = await step("login page", "GET", "/login", (200,))
    if page is None:
        return
    token = CSRF_RE.search(page).group(1)
    done, r = await step("sign-in", "POST", "/login", (302,),
                         data={"identifier": username, "password": PASSWORD, "csrf_token": token})
    if done is None or "/login" in r.headers.get("Location", ""):
        run.error("sign-in", "refused") if done is not None else None
        return
    if (await step("home", "GET", "/", (200,)))[0] is None:
        return
    if (await step("exam list", "GET", "/exams", (200,)))[0] is None:
        return
    page, _ = await step("exam page", "GET", f"/exams/{exam_id}", (200,))
    if page is None:
        return
    token = CSRF_RE.search(page).group(1)
    started = time.perf_counter()
    try:
        async with http.post(f"{base}/exams/{exam_id}", data={"csrf_token": token, "access_code": ""},
                             allow_redirects=False) as r:
            await r.read()
            location = r.headers.get("Location", "")
            if r.status != 302 or "/attempts/" not in location:
                run.error("start → attempt page", f"start {r.status}")
                return
        async with http.get(base + location if location.startswith("/") else location, allow_redirects=False) as r:
            page = await r.text()
            if r.status != 200:
                run.error("start → attempt page", f"attempt page {r.status}")
                return
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        run.error("start → attempt page", type(exc).__name__)
        return
    run.times["start → attempt page"].append(time.perf_counter() - started)
    run.arrival_to_attempt.append(time.monotonic() - arrived)
    run.last_in = max(run.last_in, time.monotonic() - t0)
    run.pupils_in += 1
    attempt = int(re.search(r'data-attempt="(\d+)"', page).group(1))
    csrf = re.search(r'data-csrf="([^"]+)"', page).group(1)
    ticket = re.search(r'data-ticket="([^"]+)"', page).group(1)
    save_url = re.search(r'data-save-url="([^"]+)"', page).group(1)
    options: dict[int, list[str]] = {}
    for position, value in OPTION_RE.findall(page):
        options.setdefault(int(position), []).append(value)
    await saves(http, base + save_url, attempt, options, until, t0, run, bare=False,
                headers={"X-CSRFToken": csrf, "X-Attempt-Ticket": ticket})


async def saves(http, url: str, attempt: int, options: dict[int, list[str]], until: float, t0: float, run: Run, *,
                bare: bool, headers: dict | None = None):
    import aiohttp

    seqs: dict[int, int] = {}
    await asyncio.sleep(random.uniform(0.5, 3.0))
    while time.monotonic() < t0 + until and options:
        position = random.choice(list(options))
        seq = seqs.get(position, 0) + 1
        seqs[position] = seq
        value = random.choice(options[position])
        started = time.perf_counter()
        try:
            async with http.post(url, data=json.dumps({"position": position, "value": value, "seq": seq}),
                                 headers={"Content-Type": "application/json", "Accept": "application/json",
                                          **(headers or {})}) as r:
                await r.read()
                run.times["save"].append(time.perf_counter() - started)
                if r.status == 200:
                    key = (attempt, position)
                    if run.acked.get(key, (0, ""))[0] < seq:
                        run.acked[key] = (seq, value)
                else:
                    run.error("save", str(r.status))
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            run.error("save", type(exc).__name__)
        await asyncio.sleep(3 * random.uniform(0.9, 1.1))


async def pupil_bare(http, base: str, username: str, arrive: float, t0: float, until: float, run: Run):
    import aiohttp

    await asyncio.sleep(max(0.0, t0 + arrive - time.monotonic()))
    arrived = time.monotonic()
    try:
        started = time.perf_counter()
        async with http.post(base + "/login", data={"identifier": username, "password": PASSWORD},
                             allow_redirects=False) as r:
            await r.read()
            run.times["sign-in"].append(time.perf_counter() - started)
            if r.status != 302:
                run.error("sign-in", str(r.status))
                return
        started = time.perf_counter()
        async with http.post(base + "/start", allow_redirects=False) as r:
            await r.read()
            run.times["start → attempt page"].append(time.perf_counter() - started)
            if r.status != 302:
                run.error("start → attempt page", str(r.status))
                return
            attempt = int(r.headers["Location"].rsplit("/", 1)[1])
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        run.error("sign-in/start", type(exc).__name__)
        return
    run.arrival_to_attempt.append(time.monotonic() - arrived)
    run.last_in = max(run.last_in, time.monotonic() - t0)
    run.pupils_in += 1
    await saves(http, f"{base}/save/{attempt}", attempt, {p: ["A", "B", "C", "D"] for p in range(1, QUESTIONS + 1)},
                until, t0, run, bare=True)


async def load(base: str, names: list[str], exam_id: int, arrival: float, until: float, bare: bool) -> Run:
    import aiohttp

    run = Run()
    order = list(names)
    random.shuffle(order)
    t0 = time.monotonic() + 1.0
    timeout = aiohttp.ClientTimeout(total=180)

    async def one(index: int, username: str):
        arrive = arrival * index / len(order)
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=timeout,
                                         connector=aiohttp.TCPConnector(limit=4)) as http:
            if bare:
                await pupil_bare(http, base, username, arrive, t0, until, run)
            else:
                await pupil_lms(http, base, username, exam_id, arrive, t0, until, run)

    await asyncio.gather(*(one(i, n) for i, n in enumerate(order)))
    return run


def statements_per_step(url: str, exam_id: int, username: str, env: dict) -> dict[str, int]:
    """One pupil alone, in process, through the test client: SQL statements each step sends."""
    from sqlalchemy import event

    from lms import create_app
    from lms.config import Config
    from lms.extensions import db

    os.environ.update(env)
    app = create_app(type("One", (Config,), {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "TESTING": True,
                                             "INSTANCE_DIR": Path(tempfile.mkdtemp()), "SCHEDULER_SECONDS": 0}))
    counted = {"n": 0}
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a, **k: counted.__setitem__("n", counted["n"] + 1))
    client = app.test_client()
    out = {}

    def count(name, fn):
        counted["n"] = 0
        response = fn()
        out[name] = counted["n"]
        return response

    page = count("login page", lambda: client.get("/login")).get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    count("sign-in", lambda: client.post("/login", data={"identifier": username, "password": PASSWORD,
                                                        "csrf_token": token}))
    count("home", lambda: client.get("/"))
    count("exam list", lambda: client.get("/exams"))
    page = count("exam page", lambda: client.get(f"/exams/{exam_id}")).get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    started = count("start", lambda: client.post(f"/exams/{exam_id}", data={"csrf_token": token, "access_code": ""}))
    count("attempt page", lambda: client.get(started.headers["Location"]))
    with app.app_context():
        db.engine.dispose()
    return out


def one_pupil(client, username: str, exam_id: int, spent: dict, profiler) -> None:
    """One pupil's way from the sign-in page to the attempt page, each step's CPU added to `spent`."""
    def step(name, fn, profiled=False):
        started = time.process_time()
        if profiler and profiled:
            profiler.enable()
        response = fn()
        if profiler and profiled:
            profiler.disable()
        spent.setdefault(name, []).append((time.process_time() - started) * 1000)
        return response

    token = CSRF_RE.search(step("login page", lambda: client.get("/login")).get_data(as_text=True)).group(1)
    step("sign-in", lambda: client.post("/login", data={"identifier": username, "password": PASSWORD,
                                                       "csrf_token": token}))
    step("home", lambda: client.get("/"))
    step("exam list", lambda: client.get("/exams"))
    page = step("exam page", lambda: client.get(f"/exams/{exam_id}")).get_data(as_text=True)
    form = {"csrf_token": CSRF_RE.search(page).group(1), "access_code": ""}
    started = step("start", lambda: client.post(f"/exams/{exam_id}", data=form), True)
    step("attempt page", lambda: client.get(started.headers["Location"]), True)


def cpu_per_step(url: str, exam_id: int, usernames: list[str], env: dict, profile: str | None = None
                 ) -> dict[str, float]:
    """Pupils one at a time, in process, through the test client: the CPU (this process's user +
    system time, ms) each step costs, median over `usernames`; the first pupil warms the caches
    and is not counted. With `profile`, cProfile's statistics of the start steps go there."""
    import cProfile
    import statistics

    from lms import create_app
    from lms.config import Config
    from lms.extensions import db

    os.environ.update(env)
    app = create_app(type("Cpu", (Config,), {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "TESTING": True,
                                             "INSTANCE_DIR": Path(tempfile.mkdtemp()), "SCHEDULER_SECONDS": 0}))
    spent: dict[str, list[float]] = {}
    profiler = cProfile.Profile(time.process_time) if profile else None   # CPU, not waiting for the database
    for n, username in enumerate(usernames):
        one_pupil(app.test_client(), username, exam_id, spent if n else {}, profiler if n else None)
    if profiler:
        profiler.dump_stats(profile)
    with app.app_context():
        db.engine.dispose()
    return {name: statistics.median(values) for name, values in spent.items()}


def quantiles(values: list[float]) -> str:
    if not values:
        return f"{'–':>8} {'–':>8} {'–':>8}"
    v = sorted(values)

    def q(p):
        return v[min(len(v) - 1, int(p * len(v)))]

    return f"{q(0.5):8.2f} {q(0.95):8.2f} {q(0.99):8.2f}"


def report(name: str, run: Run, pupils: int, cpu: float | None, lost_count: int) -> None:
    print(f"\n{name}: {run.pupils_in} of {pupils} pupils reached their attempt; last one in at {run.last_in:.1f} s")
    print(f"  {'step':24} {'n':>6} {'p50 s':>8} {'p95 s':>8} {'p99 s':>8}")
    for step in STEPS:
        if run.times[step]:
            print(f"  {step:24} {len(run.times[step]):6d} {quantiles(run.times[step])}")
    print(f"  {'arrival → attempt page':24} {len(run.arrival_to_attempt):6d} {quantiles(run.arrival_to_attempt)}")
    errors = sum(run.errors.values())
    print(f"  errors: {errors}" + (f" ({', '.join(f'{k} × {v}' for k, v in sorted(run.errors.items()))})" if errors else ""))
    print(f"  answers lost: {lost_count} of {len(run.acked)} acknowledged (pupil, question)")
    if cpu is not None:
        print(f"  server CPU: {cpu:.1f} s in all, {1000 * cpu / max(1, pupils):.0f} ms per pupil (saves included)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pupils", type=int, default=1000)
    parser.add_argument("--classes", type=int, default=25)
    parser.add_argument("--arrival", type=float, default=60, help="pupils arrive uniformly over these seconds")
    parser.add_argument("--until", type=float, default=None, help="saving stops at (default: arrival + 30 s)")
    parser.add_argument("--hash", default=None, help="the server's argon2id t,m_KiB,p (default: the app's Config)")
    parser.add_argument("--stored-hash", default=None, help="the accounts' hashes' t,m_KiB,p (default: --hash)")
    parser.add_argument("--only", choices=("lms", "bare"))
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: gunicorn.conf.py's)")
    parser.add_argument("--cpu-steps", type=int, default=0,
                        help="before the load, this many pupils one at a time in process: CPU per step (median)")
    parser.add_argument("--profile", default=None, help="with --cpu-steps: cProfile statistics of start to this file")
    parser.add_argument("--no-load", action="store_true", help="only the per-pupil figures, no load")
    args = parser.parse_args()
    until = args.until if args.until is not None else args.arrival + 30

    from lms.config import Config
    from tests.pg import PostgresServer

    server_hash = parse_hash(args.hash) if args.hash else (Config.ARGON2_TIME_COST, Config.ARGON2_MEMORY_KIB,
                                                          Config.ARGON2_PARALLELISM)
    stored_hash = parse_hash(args.stored_hash) if args.stored_hash else server_hash
    t, m, p = server_hash
    env_hash = {"LMS_ARGON2_TIME_COST": str(t), "LMS_ARGON2_MEMORY_KIB": str(m), "LMS_ARGON2_PARALLELISM": str(p)}
    workers = args.workers or int(os.environ.get("LMS_WORKERS", (os.cpu_count() or 1) + 1))
    print(f"exam start: {args.pupils} pupils in {args.classes} classes arrive over {args.arrival:g} s, sign in, open "
          f"the exam and start a {QUESTIONS}-question blueprint attempt, then save every 3 s until {until:g} s; "
          f"gunicorn {workers} workers (gunicorn.conf.py), PostgreSQL on loopback; argon2id t={t}, m={m // 1024} MiB, "
          f"p={p}" + (f" (accounts' hashes t={stored_hash[0]}, m={stored_hash[1] // 1024} MiB, p={stored_hash[2]}, "
                      f"upgraded at sign-in)" if stored_hash != server_hash else ""), flush=True)
    endpoints = [("lms", "wsgi:app", False), ("bare Flask + psycopg", "bench.bare_exam_start_app:app", True)]
    if args.only:
        endpoints = [e for e in endpoints if e[0].startswith(args.only)]
    for name, module, bare in endpoints:
        pg = PostgresServer()
        pg.start()
        try:
            url = pg.create_database("exam_start")
            started = time.time()
            exam_id, names = seed(url, args.pupils, args.classes, stored_hash)
            import psycopg

            with psycopg.connect(driver_dsn(url), autocommit=True) as conn:
                conn.execute("VACUUM ANALYZE")
            print(f"[{name}] seeded in {time.time() - started:.0f} s", flush=True)
            env = {"LMS_DATABASE_URL": url, "LMS_SECRET_KEY": SECRET, "LMS_SCHEDULER_SECONDS": "0",
                   "LMS_ENV": "development", "BARE_DSN": driver_dsn(url), "BARE_MODULE": "bench.bare_exam_start_app",
                   "LMS_LOG_LEVEL": "WARNING", **env_hash}
            if not bare:
                per_step = statements_per_step(url, exam_id, names.pop(), env)
                print(f"[{name}] SQL statements per request, one pupil alone: "
                      + ", ".join(f"{k} {v}" for k, v in per_step.items()), flush=True)
                if args.cpu_steps:
                    cpu = cpu_per_step(url, exam_id, names[-args.cpu_steps - 1:], env, args.profile)
                    del names[-args.cpu_steps - 1:]
                    print(f"[{name}] CPU per request, in process, median of {args.cpu_steps} pupils one at a time: "
                          + ", ".join(f"{k} {v:.1f} ms" for k, v in cpu.items())
                          + f"; start + attempt page {cpu['start'] + cpu['attempt page']:.1f} ms", flush=True)
            if args.no_load:
                continue
            port = free_port()
            process = gunicorn(module, port, env, workers, 4, config=not bare)
            try:
                cpu_before = cpu_seconds(process.pid)
                run = asyncio.run(load(f"http://127.0.0.1:{port}", names, exam_id, args.arrival, until, bare))
                cpu = cpu_seconds(process.pid) - cpu_before
            finally:
                stop(process)
            report(name, run, len(names), cpu, lost(url, run.acked, bare))
        finally:
            pg.stop()
    print("\ntargets: 0 errors, 0 answers lost, sign-in p99 < 3 s, start → attempt page p99 < 2 s")


if __name__ == "__main__":
    main()
