"""The data-subject export (security.md #50) of one pupil with five school years of records.

Takes a database the demo was seeded into (`flask seed-demo`; `--database`, which is never
written: it is copied first), picks the demo pupil with the most rows in their export, times the
export (`lms.people.subject_export.pupil_export`, median of `--runs`), then gives that pupil four
more school years and times it again. The years are built set-wise, not through the services: the
schema is copied without its unique constraints (each becomes a plain index on the same columns,
so the export's lookups keep their indexes) and every row of the pupil's export below the pupil —
marks, attendance, hand-ins, attempts and their answers, invoices, their lines and payments,
messages — is inserted again per year in one executemany per table, with new ids (foreign keys
between copied rows follow them) and every date and time moved back a year. What the export then
reads is five times the demo year's rows of that pupil.

    .venv/bin/python bench/subject_export.py --database /path/to/demo.sqlite3 [--years 5] [--runs 5]
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

OFFSET = 10_000_000      # a copied row's id: the original's + OFFSET × year


def _schema_without_uniques():
    """The app's tables with each unique constraint or index turned into a plain index."""
    from sqlalchemy import Index, MetaData, UniqueConstraint

    from lms.db import Base

    metadata = MetaData()
    for table in Base.metadata.sorted_tables:
        copy = table.to_metadata(metadata)
        for n, constraint in enumerate([c for c in copy.constraints if isinstance(c, UniqueConstraint)]):
            copy.constraints.discard(constraint)
            Index(f"bx_{copy.name}_{n}", *[copy.c[c.name] for c in constraint.columns])
        for column in copy.columns:
            column.unique = False
        for index in copy.indexes:
            index.unique = False
    return metadata


def copy_database(source_url: str, target_url: str):
    """The demo's rows in a schema without unique constraints (see the module's doc)."""
    from sqlalchemy import create_engine, select

    metadata = _schema_without_uniques()
    source, target = create_engine(source_url), create_engine(target_url)
    metadata.create_all(target)
    with source.connect() as read, target.begin() as write:
        for table in metadata.sorted_tables:
            rows = [dict(r._mapping) for r in read.execute(select(table))]
            if rows:
                write.execute(table.insert(), rows)
    return target, metadata


def _moved(value, years: int):
    if isinstance(value, datetime):
        return value - timedelta(days=365 * years)
    if isinstance(value, date):
        return value - timedelta(days=365 * years)
    return value


def add_years(engine, metadata, export: dict, student_id: int, user_id: int | None, years: int) -> dict[str, int]:
    """Insert the pupil's rows again for each earlier year (see the module's doc); rows per table added."""
    from sqlalchemy import select

    skip = {"students", "users", "audit_log"}
    ids = {name: {r["id"] for r in rows if isinstance(r.get("id"), int)} for name, rows in export["tables"].items()}
    added: dict[str, int] = {}
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            if table.name in skip or table.name not in export["tables"] or "id" not in table.c:
                continue
            wanted = sorted(ids.get(table.name, ()))
            if not wanted:
                continue
            rows = []
            for start in range(0, len(wanted), 500):
                rows += [dict(r._mapping) for r in conn.execute(select(table).where(table.c.id.in_(wanted[start:start + 500])))]
            links = {fk.parent.name: fk.column.table.name for fk in table.foreign_keys if fk.column.name == "id"}
            for year in range(1, years):
                copies = []
                for row in rows:
                    copy = {k: _moved(v, year) for k, v in row.items()}
                    copy["id"] = row["id"] + OFFSET * year
                    for column, target in links.items():
                        if row.get(column) is not None and row[column] in ids.get(target, ()) and target not in skip:
                            copy[column] = row[column] + OFFSET * year
                    copies.append(copy)
                conn.execute(table.insert(), copies)
                added[table.name] = added.get(table.name, 0) + len(copies)
    return added


def time_export(app, student_id: int, runs: int) -> tuple[float, dict, int]:
    from lms.core.timeutil import utcnow
    from lms.extensions import db
    from lms.people.models import Student
    from lms.people.subject_export import pupil_export

    times, export = [], None
    for _ in range(runs):
        with app.app_context():
            student = db.session.get(Student, student_id)
            start = time.perf_counter()
            export = pupil_export(db.session, student, utcnow())
            body = json.dumps(export, ensure_ascii=False)
            times.append(time.perf_counter() - start)
            db.session.remove()
    return statistics.median(times), export, len(body.encode())


def _rows(export: dict) -> int:
    return sum(len(rows) for rows in export["tables"].values())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True, help="a SQLite file the demo was seeded into (copied, never written)")
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from sqlalchemy import func, select

    from lms import create_app
    from lms.config import TestConfig
    from lms.extensions import db
    from lms.people.models import Student

    folder = Path(tempfile.mkdtemp(prefix="lms-bench-export-"))
    plain = folder / "demo.sqlite3"
    shutil.copyfile(args.database, plain)
    app = create_app(type("B", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
                                               "INSTANCE_DIR": folder, "UPLOAD_DIR": folder / "u"}))  # every model imported
    started = time.perf_counter()
    engine, metadata = copy_database(f"sqlite:///{plain}", f"sqlite:///{folder / 'bench.sqlite3'}")
    copied_s = time.perf_counter() - started
    with app.app_context():
        candidates = db.session.scalars(select(Student.id).where(Student.user_id.is_not(None)).order_by(Student.id)
                                        .limit(40)).all()
        total = db.session.scalar(select(func.count()).select_from(Student))
    best, best_rows = None, -1
    for student_id in candidates:                  # the demo pupil with the most rows
        _t, export, _b = time_export(app, student_id, 1)
        if _rows(export) > best_rows:
            best, best_rows = student_id, _rows(export)
    one_s, export, one_bytes = time_export(app, best, args.runs)
    with app.app_context():
        user_id = db.session.get(Student, best).user_id
    started = time.perf_counter()
    added = add_years(engine, metadata, export, best, user_id, args.years)
    build_s = time.perf_counter() - started
    five_s, five, five_bytes = time_export(app, best, args.runs)
    print(f"subject export bench: demo of {total} pupils; copied in {copied_s:.1f} s; pupil id {best}")
    print(f"  one year : {_rows(export):6} rows in {len(export['tables'])} tables, {one_bytes / 1024:.0f} KiB JSON, "
          f"median {one_s * 1000:.0f} ms over {args.runs} runs")
    print(f"  {args.years} years: {_rows(five):6} rows ({sum(added.values())} added in {build_s:.1f} s), "
          f"{five_bytes / 1024:.0f} KiB JSON, median {five_s * 1000:.0f} ms over {args.runs} runs")
    largest = sorted(((len(r), n) for n, r in five["tables"].items()), reverse=True)[:8]
    print("  largest tables: " + ", ".join(f"{n} {c}" for c, n in largest))


if __name__ == "__main__":
    main()
