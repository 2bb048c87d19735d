"""The department's dashboards at province size (issue #31): the demo (three schools with a year of
lessons, homework, exams, grade-book marks, invoices and payments, seeded by `flask seed-demo`) is
copied set-based — one `INSERT … SELECT` per table and copy, ids shifted, school codes and other
globally unique texts suffixed — until the province has `--copies` × 3 schools, all under the
demo's department; nothing goes through the request path. Then, in-process (Flask's test client,
PostgreSQL on loopback), each department page and export, and the principal's pages of one
school, are opened `--repeat` times as the demo's department and admin accounts, and their
p50 / p95 and SQL statements are printed beside a bare baseline: the single grouped query that
sums the province's payments by school and method (the least any cashless figure costs). The
refresh job keeps every school's figures for the periods the ranking page opens with first (timed);
the other half-year is computed on the spot, as the page does for figures not kept. Each
school's dashboard and its report page for those periods are kept by the same job.

    .venv/bin/python bench/province.py [--copies 100] [--pupils 150000] [--repeat 5] [--demo-dump FILE]

With `--pupils N` each school's pupils are first copied within it (`multiply_pupils`: the pupil,
the account, and every row that hangs on them — enrolments, lesson completions, hand-ins,
attempts, grade-book entries, invoices, payments …) so that the province has about N pupils:
`--copies 100 --pupils 150000` is 300 schools of about 550 pupils (the demo's 276 pupils × 6 ×
100: 165,600; the demo's classes, each six times its size).

Seeding the demo takes minutes; with `--demo-dump FILE` the seeded demo is saved there with
pg_dump the first time and restored from it the next (the demo's instance folder beside it).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEEP = {"alembic_version", "departments"}   # one province: these are not copied


def flask(url: str, folder: Path, commands: list[list[str]]) -> None:
    import subprocess

    from lms.config import TestConfig

    env = {**os.environ, "LMS_DATABASE_URL": url, "LMS_INSTANCE_DIR": str(folder),
           "LMS_UPLOAD_DIR": str(folder / "uploads"), "LMS_SCHEDULER_SECONDS": "0",
           "LMS_SIGNING_KEY": TestConfig.SIGNING_KEY, "LMS_SECRETS_KEY": TestConfig.SECRETS_KEY,
           "LMS_ENV": "development", "LMS_LOG_FORMAT": "text", "FLASK_APP": "wsgi.py"}
    for command in commands:
        done = subprocess.run([sys.executable, "-m", "flask", *command], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=1800)
        if done.returncode:
            raise SystemExit(done.stdout[-2000:] + done.stderr[-3000:])


def seed_demo(url: str, folder: Path) -> list[dict]:
    flask(url, folder, [["db", "upgrade"], ["seed-demo"]])
    return json.loads((folder / "demo-logins.json").read_text(encoding="utf-8"))


def copy_schools(dsn: str, copies: int) -> dict:
    """Copy every row of every table (but KEEP's) `copies - 1` times, set-based. Ids and the
    foreign keys to copied tables are shifted by k × the largest id; a text column of a unique
    constraint or index that holds no shifted column gets a suffix, so codes, usernames and
    provider references stay unique. Triggers (foreign keys, the ledger's balance check) are off
    while copying: every copy is as consistent as the original."""
    import psycopg
    from sqlalchemy import BigInteger, Integer, MetaData, create_engine

    engine = create_engine(dsn.replace("postgresql://", "postgresql+psycopg://"))
    meta = MetaData()
    meta.reflect(engine)
    engine.dispose()
    tables = [t for t in meta.sorted_tables if t.name not in KEEP]
    counts = {}
    with psycopg.connect(dsn, autocommit=False) as conn:
        offset = 1
        for t in tables:
            if "id" in t.c and isinstance(t.c.id.type, (Integer, BigInteger)):
                offset = max(offset, (conn.execute(f'SELECT coalesce(max(id), 0) FROM "{t.name}"').fetchone()[0]) + 1)
        offset = 10 ** len(str(offset))
        conn.execute("SET session_replication_role = replica")
        for t in tables:
            shifted = set()
            for c in t.c:
                if not isinstance(c.type, (Integer, BigInteger)):
                    continue
                if (c.primary_key and c.name == "id") or any(fk.column.table.name not in KEEP for fk in c.foreign_keys):
                    shifted.add(c.name)
            suffixed = _suffixed(t, shifted)
            counts[t.name] = conn.execute(f'SELECT count(*) FROM "{t.name}"').fetchone()[0]
            if not counts[t.name]:
                continue
            for k in range(1, copies):
                exprs = []
                for c in t.c:
                    name = f'"{c.name}"'
                    if c.name in shifted:
                        exprs.append(f"{name} + {k * offset}")
                    elif c.name in suffixed:
                        exprs.append(_text_copy(c, k))
                    else:
                        exprs.append(name)
                columns = ", ".join(f'"{c.name}"' for c in t.c)
                originals = " AND ".join(f'coalesce("{n}", 0) < {offset}' for n in sorted(shifted)) or "true"
                conn.execute(f'INSERT INTO "{t.name}" ({columns}) SELECT {", ".join(exprs)} FROM "{t.name}" '
                             f'WHERE {originals}')
        conn.execute("SET session_replication_role = origin")
        _reset_sequences(conn, tables)
        conn.commit()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        sizes = {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                 for name in ("schools", "students", "lessons", "lesson_progress", "grade_entries", "invoices",
                              "payments", "attempts", "submissions") if name in counts}
    return sizes


def _suffixed(t, shifted: set[str]) -> set[str]:
    """The text columns of `t` that must change in a copy to keep its unique constraints: those of
    a unique constraint, index or primary key with no shifted column."""
    from sqlalchemy import String, Text

    groups = [list(u.columns) for u in t.constraints if u.__class__.__name__ == "UniqueConstraint"]
    groups += [list(i.columns) for i in t.indexes if i.unique]
    groups += [list(t.primary_key.columns)] if t.primary_key is not None else []
    out = set()
    for cols in groups:
        if cols and not any(c.name in shifted for c in cols):
            out |= {c.name for c in cols if isinstance(c.type, (String, Text))}
    # Expression indexes (lower(email)…) are not reflected with their columns: these identity
    # columns are unique across the whole database whatever the index says.
    if t.name == "users":
        out |= {c for c in ("username", "email", "phone") if c in t.c}
    return out


def _text_copy(c, k: int, mark: str = "~") -> str:
    """The text with `mark` and k added; where that would not fit the column, a digest of the
    whole text in its place (cutting it could make two copies equal)."""
    name, tail = f'"{c.name}"', f"{mark}{k}"
    length = getattr(c.type, "length", None)
    text = f"{name} || '{tail}'"
    if length:
        text = (f"CASE WHEN length({name}) + {len(tail)} <= {length} THEN {text} "
                f"ELSE left(md5({name}), {length - len(tail)}) || '{tail}' END")
    return f"CASE WHEN {name} IS NULL OR {name} = '' THEN {name} ELSE {text} END"


def _reset_sequences(conn, tables) -> None:
    from sqlalchemy import BigInteger, Integer

    for t in tables:
        if "id" in t.c and t.c.id.autoincrement and isinstance(t.c.id.type, (Integer, BigInteger)):
            seq = conn.execute("SELECT pg_get_serial_sequence(%s, 'id')", (t.name,)).fetchone()[0]
            if seq:
                conn.execute(f"SELECT setval('{seq}', (SELECT coalesce(max(id), 1) FROM \"{t.name}\"))")


def multiply_pupils(dsn: str, times: int) -> dict:
    """Every school `times` as many pupils, set-based: each pupil (a `students` row and its user
    account) copied `times - 1` times in the same classes, with every row that hangs on a pupil
    by its foreign keys, directly or through another copied row — enrolments, lesson completions,
    hand-ins, attempts and their answers, grade-book entries, invoices and their lines, payments,
    and so on. A copied row keeps its references to what is not copied (the school, class,
    course, lesson, exam, fee plan, the parent's account: siblings share their parents); ids and
    references to copied rows are shifted by k × a power of ten above every id, and text columns
    of unique constraints get a suffix. Triggers are off while copying. Returns rows per table."""
    import psycopg
    from sqlalchemy import BigInteger, Integer, MetaData, create_engine

    engine = create_engine(dsn.replace("postgresql://", "postgresql+psycopg://"))
    meta = MetaData()
    meta.reflect(engine)
    engine.dispose()
    tables = [t for t in meta.sorted_tables if t.name not in KEEP]
    by_name = {t.name: t for t in tables}
    added: dict[str, int] = {}
    with psycopg.connect(dsn, autocommit=False) as conn:
        offset = 1
        for t in tables:
            if "id" in t.c and isinstance(t.c.id.type, (Integer, BigInteger)):
                offset = max(offset, conn.execute(f'SELECT coalesce(max(id), 0) FROM "{t.name}"').fetchone()[0] + 1)
        offset = 10 ** len(str(offset))
        conn.execute("SET session_replication_role = replica")
        # The ids of the original rows to copy, table by table, parents before children.
        conn.execute("CREATE TEMP TABLE copy_users AS SELECT DISTINCT user_id AS id FROM students "
                     "WHERE user_id IS NOT NULL")
        conn.execute("CREATE TEMP TABLE copy_students AS SELECT id FROM students")
        chosen = {"users", "students"}
        for t in tables:
            if t.name in chosen or "id" not in t.c:
                continue
            links = [(c.name, fk.column.table.name) for c in t.c for fk in c.foreign_keys
                     if fk.column.table.name in chosen and fk.column.name == "id"]
            if not links:
                continue
            where = " OR ".join(f'"{col}" IN (SELECT id FROM copy_{parent})' for col, parent in links)
            conn.execute(f'CREATE TEMP TABLE copy_{t.name} AS SELECT id FROM "{t.name}" WHERE {where}')
            chosen.add(t.name)
        # Tables without an id of their own (association tables) that hang on copied rows.
        for t in tables:
            if t.name in chosen or "id" in t.c:
                continue
            if any(fk.column.table.name in chosen for c in t.c for fk in c.foreign_keys):
                chosen.add(t.name)
        for name in chosen:
            conn.execute(f"CREATE INDEX ON copy_{name} (id)") if "id" in by_name[name].c else None
        conn.execute("ANALYZE")
        for t in tables:
            if t.name not in chosen:
                continue
            refs = {c.name: fk.column.table.name for c in t.c for fk in c.foreign_keys
                    if fk.column.table.name in chosen and fk.column.name == "id"}
            shifted = ({"id"} if "id" in t.c else set()) | set(refs)
            suffixed = _suffixed(t, shifted)
            # A unique number of the school's own (an invoice's number): moved up like the ids.
            bumped = set()
            for u in [*t.constraints, *t.indexes]:
                cols = list(u.columns) if (u.__class__.__name__ == "UniqueConstraint" or getattr(u, "unique", False)) \
                    else []
                if cols and not any(c.name in shifted or c.name in suffixed for c in cols):
                    bumped |= {c.name for c in cols if isinstance(c.type, (Integer, BigInteger)) and not c.foreign_keys}
            own = f'"id" IN (SELECT id FROM copy_{t.name})' if "id" in t.c else \
                " OR ".join(f'"{col}" IN (SELECT id FROM copy_{parent})' for col, parent in refs.items())
            before = conn.execute(f'SELECT count(*) FROM "{t.name}"').fetchone()[0]
            for k in range(1, times):
                exprs = []
                for c in t.c:
                    name = f'"{c.name}"'
                    if c.name == "id" and "id" in shifted:
                        exprs.append(f"{name} + {k * offset}")
                    elif c.name in refs:
                        exprs.append(f"CASE WHEN {name} IN (SELECT id FROM copy_{refs[c.name]}) "
                                     f"THEN {name} + {k * offset} ELSE {name} END")
                    elif c.name in suffixed:
                        exprs.append(_text_copy(c, k, "~p"))     # not the school copies' "~k"
                    elif c.name in bumped:
                        exprs.append(f"{name} + {k * offset}")
                    else:
                        exprs.append(name)
                columns = ", ".join(f'"{c.name}"' for c in t.c)
                conn.execute(f'INSERT INTO "{t.name}" ({columns}) SELECT {", ".join(exprs)} FROM "{t.name}" '
                             f'WHERE {own}')
            added[t.name] = conn.execute(f'SELECT count(*) FROM "{t.name}"').fetchone()[0] - before
        conn.execute("SET session_replication_role = origin")
        _reset_sequences(conn, tables)
        conn.commit()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return added


def database_size(dsn: str) -> str:
    import psycopg

    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]


def timed(client, url: str, repeat: int, engine, warm: bool = True) -> dict:
    from sqlalchemy import event

    seen = []

    def listener(*args, **kw):
        seen.append(1)
    times, status = [], None
    for n in range(0 if warm else 1, repeat + 1):   # request 0 warms the caches and is not counted
        seen.clear()
        event.listen(engine, "before_cursor_execute", listener)
        started = time.perf_counter()
        try:
            status = client.get(url).status_code
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        if n:
            times.append(time.perf_counter() - started)
    times.sort()
    return {"status": status, "p50": statistics.median(times) * 1000,
            "p95": times[min(len(times) - 1, int(len(times) * 0.95))] * 1000, "statements": len(seen)}


def report_job(app, client, engine, year: int, period_key: str, fmt: str) -> dict:
    """The department's report of `period_key` as the department asks for it (the ranking page's
    form), its job run to the end in the app's job runner: the job's own time (started → finished,
    as the job row has it), its status and the SQL statements of the request and the job."""
    from sqlalchemy import event

    from lms.core.models import Job
    from lms.extensions import db

    seen = []

    def listener(*args, **kw):
        seen.append(1)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        answer = client.post("/department/official", {"year": str(year), "period": period_key, "format": fmt})
        job_id = int(answer.headers.get("Location", "/0").rstrip("/").rsplit("/", 1)[-1] or 0)
        app.extensions["lms_jobs"].wait(timeout=7200)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    with app.app_context():
        job = db.session.get(Job, job_id)
        out = {"status": job.status if job else f"HTTP {answer.status_code}", "statements": len(seen),
               "seconds": (job.finished_at - job.started_at).total_seconds() if job and job.finished_at else 0.0}
        db.session.remove()
    return out


def keep_before_copying(url: str, folder: Path) -> tuple[int, float]:
    """`--money-before-after`: the refresh job keeps the demo's three schools' teaching figures
    (every period and dashboard) before they are copied, so that the copies carry them as they
    carry everything else: the copies are the same schools, their figures the same. The kept
    payment months are not copied (their mark is one payment id of the whole province): they are
    kept after the copy, timed. Returns (figures kept, seconds)."""
    import psycopg

    from lms import create_app
    from lms.config import TestConfig
    from lms.core.timeutil import utcnow
    from lms.extensions import db
    from lms.reports import official

    app = create_app(type("P", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": folder,
                                               "UPLOAD_DIR": folder / "uploads"}))
    started, kept = time.perf_counter(), 0
    with app.app_context():
        while done := official.refresh_figures(db.session, utcnow()):
            db.session.commit()
            kept += done
        db.session.commit()
        db.engine.dispose()
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("DELETE FROM school_month_money")
        conn.execute("DELETE FROM money_marks")
    return kept, time.perf_counter() - started


def money_before_after(app, login: dict, engine, repeat: int, year: int, half: int, school_year: str, term: str) -> None:
    """The department's pages with every school's payments counted from the payments (no kept
    months: what the pages did before the months were kept), then the kept months filled by the
    refresh job's first turn (timed), then the same pages again, in one run."""
    from lms.core.timeutil import utcnow
    from lms.demo.school import DEMO_PASSWORD
    from lms.extensions import db
    from lms.reports import cashless
    from tests.conftest import Client

    urls = ["/department/cashless", f"/department/cashless?period={year}-H{half}",
            f"/department/cashless?year={year}&period={term}", "/department/official",
            f"/department/official?year={year}&period={year}-H{half}", f"/department/official?year={year}&period={term}",
            f"/department/official?year={year}&period={school_year}", f"/department/official?year={year - 1}"]
    client = Client(app)
    client.http.get("/login")
    client.login(login["username"], DEMO_PASSWORD)
    before = {url: timed(client, url, repeat, engine) for url in urls}
    with app.app_context():
        started = time.perf_counter()
        added = cashless.keep_months(db.session, utcnow())
        db.session.commit()
        fill = time.perf_counter() - started
        db.session.remove()
    after = {url: timed(client, url, repeat, engine) for url in urls}
    with app.app_context():       # a later turn: only the payments since the mark
        from sqlalchemy import text

        db.session.execute(text("UPDATE money_marks SET payment_id = payment_id - 1000"))
        db.session.commit()
        started = time.perf_counter()
        again = cashless.keep_months(db.session, utcnow())
        db.session.rollback()       # (the 1,000 would be counted twice: this turn is only timed)
        turn = time.perf_counter() - started
        db.session.remove()
    print(f"kept months: first fill {added:,} payments in {fill * 1000:.0f} ms; a later turn of {again:,} payments "
          f"in {turn * 1000:.0f} ms")
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{'page':60} {'counted p50/p95':>18} {'SQL':>4} {'kept p50/p95':>18} {'SQL':>4}")
    for url in urls:
        b, a = before[url], after[url]
        print(f"{url:60} {b['p50']:8.0f}/{b['p95']:<8.0f} {b['statements']:4} {a['p50']:8.0f}/{a['p95']:<8.0f} "
              f"{a['statements']:4}  {b['status']} {a['status']}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=100, help="the demo's three schools, this many times")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--demo-dump", help="save the seeded demo here (pg_dump), or restore it from here")
    parser.add_argument("--skip-unkept", action="store_true",
                        help="leave out the department's ranking of a period not kept (every school computed: minutes)")
    parser.add_argument("--pupils", type=int, default=0,
                        help="the province's pupils in all (150000 for a province): each school's pupils copied "
                             "within it, with everything that hangs on them, before the schools are copied")
    parser.add_argument("--refresh-minutes", type=float, default=0,
                        help="stop the refresh job after this long (the running periods and dashboards go first)")
    parser.add_argument("--money-before-after", action="store_true",
                        help="keep the teaching figures before copying the schools, then time the department's "
                             "pages with payments counted and from the kept months, side by side; nothing else")
    parser.add_argument("--report-formats", default="xlsx,pdf",
                        help="the department's half-year report files to make through their job ('' for none)")
    args = parser.parse_args()
    args.report_formats = [f for f in args.report_formats.split(",") if f]
    from sqlalchemy import select

    from lms import create_app
    from lms.config import TestConfig
    from lms.demo.school import DEMO_PASSWORD
    from lms.extensions import db
    from lms.people.models import School
    from tests.conftest import Client
    from tests.pg import PostgresServer

    folder = Path(tempfile.mkdtemp(prefix="lms-province-"))
    server = PostgresServer()
    server.start()
    try:
        url = server.create_database("province")
        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        t0 = time.perf_counter()
        dump = Path(args.demo_dump) if args.demo_dump else None
        from tests.pg import find_bin

        if dump and dump.exists():
            import shutil
            import subprocess

            subprocess.run([find_bin("pg_restore"), "--no-owner", "-d", dsn, str(dump)], check=True,
                           capture_output=True)
            shutil.copytree(Path(str(dump) + ".instance"), folder, dirs_exist_ok=True)
            flask(url, folder, [["db", "upgrade"]])      # a dump made before the latest migrations
            logins = json.loads((folder / "demo-logins.json").read_text(encoding="utf-8"))
        else:
            logins = seed_demo(url, folder)
            if dump:
                import shutil
                import subprocess

                subprocess.run([find_bin("pg_dump"), "-Fc", "-f", str(dump), dsn], check=True, capture_output=True)
                shutil.copytree(folder, Path(str(dump) + ".instance"), dirs_exist_ok=True)
        demo_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        times = 1
        if args.pupils:
            import psycopg

            with psycopg.connect(dsn) as conn:
                demo_pupils = conn.execute("SELECT count(*) FROM students").fetchone()[0]
            times = max(1, -(-args.pupils // (demo_pupils * args.copies)))     # at least --pupils
            if times > 1:
                added = multiply_pupils(dsn, times)
                print(f"pupils: each school's {demo_pupils / 3:.0f} pupils × {times} in {time.perf_counter() - t0:.0f} s"
                      f" — rows added: " + ", ".join(f"{v:,} {k}" for k, v in sorted(added.items(), key=lambda x: -x[1])
                                                       if v), flush=True)
        if args.money_before_after:
            kept_before, kept_s = keep_before_copying(url, folder)
            print(f"refresh job before copying: {kept_before} figures of the demo's schools in {kept_s:.0f} s", flush=True)
        sizes = copy_schools(dsn, args.copies)
        copy_s = time.perf_counter() - t0
        print(f"province: the demo {'restored' if dump and demo_s < 60 else 'seeded'} in {demo_s:.0f} s, "
              f"pupils × {times} and schools × {args.copies} in {copy_s:.0f} s, database {database_size(dsn)} — "
              + ", ".join(f"{v:,} {k}" for k, v in sizes.items()), flush=True)
        print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (the machine is shared)")
        app = create_app(type("P", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": folder,
                                                   "UPLOAD_DIR": folder / "uploads"}))
        by_role = {}
        for row in logins:
            by_role.setdefault(row["role"], row)
        with app.app_context():
            engine = db.engine
            school_id = db.session.scalars(select(School.id).order_by(School.id)).first()
            import psycopg

            with psycopg.connect(dsn) as conn:
                started = time.perf_counter()
                for _ in range(args.repeat):
                    conn.execute("SELECT school_id, method, count(*), sum(amount) FROM payments "
                                 "GROUP BY school_id, method").fetchall()
                bare = (time.perf_counter() - started) / args.repeat * 1000
            db.session.remove()
            if args.money_before_after:
                from lms.people.models import Department
                from lms.people.services import department_schools
                from lms.reports import official
                from sqlalchemy import text

                # The copies' figures were kept before the copy: as fresh as the data.
                db.session.execute(text("UPDATE school_figures SET computed_at = now()"))
                db.session.commit()
                department = db.session.scalars(select(Department).where(Department.parent_id.is_(None))
                                                .order_by(Department.id)).first()
                offered = official.department_periods_for(db.session, department_schools(db.session, department),
                                                          time.gmtime().tm_year)
                school_year = next(p.key for p in offered if p.kind == "school_year")
                term = next(p.key for p in offered if p.kind == "term")
                db.session.remove()
        if args.money_before_after:
            print(f"bare: one grouped query over the payments by school and method: {bare:.0f} ms")
            money_before_after(app, by_role["department"], engine, args.repeat, time.gmtime().tm_year,
                               1 if time.gmtime().tm_mon <= 6 else 2, school_year, term)
            with app.app_context():
                db.engine.dispose()
            return
        with app.app_context():
            engine = db.engine
            # What the refresh job does in the background (official.refresh_figures, a batch per
            # scheduler turn): every school's figures for the periods the page opens with.
            from lms.core.timeutil import utcnow
            from lms.reports import official

            started, kept, complete = time.perf_counter(), 0, True
            while done := official.refresh_figures(db.session, utcnow()):
                db.session.commit()
                kept += done
                if args.refresh_minutes and time.perf_counter() - started > args.refresh_minutes * 60:
                    complete = False    # running periods and dashboards go first; the ended ones wait
                    break
            refresh = time.perf_counter() - started
            db.session.remove()
            from lms.people.models import Department
            from lms.people.services import department_schools

            department = db.session.scalars(select(Department).where(Department.parent_id.is_(None))
                                            .order_by(Department.id)).first()
            offered = official.department_periods_for(db.session, department_schools(db.session, department),
                                                      time.gmtime().tm_year)
            school_year = next(p.key for p in offered if p.kind == "school_year")
            term = next(p.key for p in offered if p.kind == "term")
            today = time.gmtime()
            ended = {p.key for p in offered if not official.current(p, date(today.tm_year, today.tm_mon, today.tm_mday))}
            db.session.remove()
        print(f"refresh job: {kept} figures kept (each school × every period its pages offer, and its dashboard) in "
              f"{refresh:.0f} s ({refresh / max(1, kept) * 1000:.0f} ms each), "
              f"in batches of {official.REFRESH_BATCH} per scheduler turn"
              + ("" if complete else f"; stopped after --refresh-minutes {args.refresh_minutes:g}: the periods "
                 "that have ended are not all kept, and their pages are timed once (computed on the spot)"),
              flush=True)
        # Requests outside any app context of ours: each request has its own, as in a server
        # (an outer one would keep the signed-in user in `g` from one client to the next).
        year, half = time.gmtime().tm_year, 1 if time.gmtime().tm_mon <= 6 else 2
        pages = {"department": ["/department/cashless", f"/department/cashless?period={year}-H{half}",
                                "/department/official", f"/department/official?year={year}&period={year}-H{half}",
                                f"/department/official?year={year}&period={year}-H{3 - half}",
                                f"/department/official?year={year - 1}",
                                f"/department/official?year={year}&period={school_year}",
                                f"/department/official?year={year}&period={term}",
                                f"/department/cashless?year={year - 1}&period={year - 1}-H1",
                                f"/department/schools/{school_id}",
                                f"/department/schools/{school_id}/cashless",
                                f"/department/schools/{school_id}/dashboard",
                                f"/department/schools/{school_id}/dashboard.svg?metric=lessons"],
                 "admin": ["/reports/dashboard", "/reports/dashboard.svg?metric=cashless", "/reports/cashless",
                           "/reports/cashless.xlsx", "/reports/official",
                           f"/reports/official?year={year}&period={year}-H{half}",
                           f"/reports/official?year={year}&period={year}-H{3 - half}",
                           f"/reports/official?year={year - 1}", f"/reports/official?year={year}&period={term}",
                           "/reports/online-share"]}
        print(f"{'role':11} {'page':52} {'status':>6} {'p50 ms':>8} {'p95 ms':>8} {'SQL':>5}")
        print(f"{'(bare)':11} {'one grouped query: payments by school and method':52} {'':>6} {bare:8.0f} "
              f"{'':>8} {1:5}")
        for role, urls in pages.items():
            login = by_role.get(role)
            if login is None:
                print(f"{role}: no demo login")
                continue
            client = Client(app)
            page = client.http.get("/login")
            if page.status_code != 200 or client.login(login["username"], DEMO_PASSWORD).status_code != 302:
                print(f"{role}: sign-in refused (the sign-in page answered {page.status_code})")
                continue
            for page in urls:
                # Every period offered is kept by a complete refresh (issue #31); one cut short
                # keeps the running periods first, and the pages of ended ones run once.
                once = not complete and (f"year={year - 1}" in page or
                                         any(page.endswith(f"period={key}") for key in ended))
                if once and args.skip_unkept:
                    continue
                r = timed(client, page, 1 if once else args.repeat, engine, warm=not once)
                print(f"{role:11} {page:52} {r['status']:>6} {r['p50']:8.0f} {r['p95']:8.0f} {r['statements']:5}")
            if role == "department":
                for fmt in args.report_formats:
                    r = report_job(app, client, engine, year, f"{year}-H{half}", fmt)
                    print(f"{role:11} {f'half-year report {year}-H{half} ({fmt}), the job':52} {r['status']:>6} "
                          f"{r['seconds'] * 1000:8.0f} {'(once)':>8} {r['statements']:5}", flush=True)
        with app.app_context():
            db.engine.dispose()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
