"""Declarative base shared by every model."""
from __future__ import annotations

import contextlib
import functools
from datetime import datetime, timezone

from sqlalchemy import JSON, BigInteger, DateTime, MetaData, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Money is whole đồng in a BIGINT column; never float.
Money = BigInteger

# Structured values: JSON on SQLite, JSONB on PostgreSQL. PostgreSQL's plain `json` has no equality
# operator, so any DISTINCT, UNION or GROUP BY over a row holding one fails there (and only there).
Json = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC timestamps on every backend (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use lms.core.timeutil.utcnow()")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def matching_words(stmt, column, q: str | None):
    """`stmt` narrowed to rows whose folded `column` holds every word of `q`, accents and case
    ignored ("hinh hoc" finds "Hình học"); LIKE's % and _ are taken literally."""
    from lms.core.text import fold

    for word in fold(q or "").split():
        stmt = stmt.where(column.contains(word, autoescape=True))
    return stmt


def where_given(stmt, *conditions):
    """`stmt` narrowed by each (column, value) pair whose value is given (not None, "" or 0)."""
    for column, value in conditions:
        if value:
            stmt = stmt.where(column == value)
    return stmt


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def ping_idle_connections(engine, idle_seconds: float = 10.0) -> None:
    """Check a pooled connection before use only when it has sat idle for a while (a database
    restart or a firewall may have closed it). SQLAlchemy's `pool_pre_ping` pings on every checkout,
    which costs a round trip on every request — a third of an exam autosave. A connection in steady
    use is not pinged; if the server went away meanwhile, the first failing statement invalidates
    the whole pool, that one request fails (pages and the exam page retry) and the next get fresh
    connections."""
    import time

    from sqlalchemy import event
    from sqlalchemy.exc import DisconnectionError

    if engine.dialect.name == "sqlite":
        return

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, proxy):
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < idle_seconds:
            return
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
            dbapi_connection.rollback()
        except Exception as exc:  # any failure means the connection is unusable: get another one
            raise DisconnectionError() from exc
        finally:
            try:
                cursor.close()
            except Exception:  # noqa: S110  (closing a cursor of a dead connection)
                pass


def sqlite_waits_for_locks(engine, seconds: int = 30) -> None:
    """SQLite (the embedded default) lets one writer at a time: another connection that wants to
    write waits up to `seconds` for the lock instead of failing at once with "database is locked",
    and the write-ahead log lets pages be read while a long write (seeding the demo, issuing a
    month's invoices) is under way."""
    from sqlalchemy import event

    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, record):
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()


def sqlite_savepoints(engine) -> None:
    """Make a SAVEPOINT at the start of a transaction safe on SQLite. Python's sqlite3 module
    opens a transaction only before INSERT/UPDATE/DELETE, so a SAVEPOINT issued first (a
    service whose first write is guarded by `begin_nested`) would start one of its own, and
    releasing it would COMMIT — the rest of the work could then roll back without it. Here a
    BEGIN is sent first whenever a savepoint is about to be taken outside a transaction."""
    from sqlalchemy import event

    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "savepoint")
    def _begin_first(conn, name):
        raw = conn.connection.dbapi_connection
        if not raw.in_transaction:
            raw.execute("BEGIN")


@contextlib.contextmanager
def bulk_work():
    """Pause Python's cyclic garbage collector while one request builds and inserts thousands of
    rows (a bank statement): its collections, each walking every object the process holds, cost
    as much as the work itself there (docs/benchmarks.md, statement day). Reference counting still
    frees what the work drops; the collector is back on — if it was on — when the block ends."""
    import gc

    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def plain_row(model, **values):
    """A new row of `model` as a plain object (every column an attribute — its scalar default, or
    None — unless given; a column whose default is computed is left to `insert_objects`), for
    `insert_objects`: building an ORM object costs far more than its insert when a statement of
    thousands of lines makes thousands of them only to read them back."""
    from types import SimpleNamespace

    return SimpleNamespace(**{**_plain_defaults(model.__table__), **values, "__table__": model.__table__})


@functools.cache
def _plain_defaults(table) -> dict:
    return {column.key: None if column.default is None else column.default.arg for column in table.columns
            if column.default is None or column.default.is_scalar}


def insert_objects(session, objects: list, *, ids: bool = False) -> None:
    """INSERT new rows built as (transient) ORM objects of one class, or as `plain_row`s of one
    model, with one executemany statement, bypassing the unit of work: thousands of rows cost
    milliseconds, not seconds. Column defaults fill (and are set on) attributes left unset; with
    `ids` the new primary keys are written back on the objects. The objects do not join the
    session."""
    from sqlalchemy import insert

    if not objects:
        return
    table = objects[0].__table__
    columns = [c for c in table.columns if not (c.primary_key and c.autoincrement in (True, "auto"))]

    def value(obj, column):
        if column.key in obj.__dict__:
            return obj.__dict__[column.key]
        default = column.default
        if default is None:
            return None
        filled = default.arg(None) if default.is_callable else default.arg
        setattr(obj, column.key, filled)
        return filled

    key = table.primary_key.columns[0]
    if ids and session.get_bind().dialect.name == "postgresql":
        # The keys taken from the table's sequence first, then a plain executemany: PostgreSQL
        # inserts thousands of rows several times faster without RETURNING.
        from sqlalchemy import text

        taken = session.execute(text("SELECT nextval(pg_get_serial_sequence(:t, :c)) FROM generate_series(1, :n)"),
                                {"t": table.name, "c": key.name, "n": len(objects)}).scalars().all()
        for obj, new_id in zip(objects, sorted(taken), strict=True):
            obj.id = new_id
        columns, ids = [key, *columns], False
    if ids:
        # SQLite runs an INSERT … RETURNING of many rows one statement a row: the first row alone
        # with RETURNING (which takes the database's one write lock until the commit), then the
        # keys after it — no other writer can take them meanwhile — and the rest in one executemany.
        first = {c.key: value(objects[0], c) for c in columns}
        objects[0].id = session.execute(insert(table).returning(key), [first]).scalar_one()
        for n, obj in enumerate(objects[1:], start=1):
            obj.id = objects[0].id + n
        objects, columns = objects[1:], [key, *columns]
        if not objects:
            return
    if session.get_bind().dialect.name == "postgresql":
        _copy_rows(session, table, columns, [[value(obj, c) for c in columns] for obj in objects])
        return
    session.execute(insert(table), [{c.key: value(obj, c) for c in columns} for obj in objects])


def _copy_rows(session, table, columns: list, rows: list[list]) -> None:
    """PostgreSQL: `rows` of a model's table by COPY, each value through its column type's bind
    processing first, as an INSERT's would be."""
    dialect = session.get_bind().dialect
    processors = [c.type._cached_bind_processor(dialect) for c in columns]
    copy_rows(session, table.name, [c.name for c in columns],
              ([v if p is None or v is None else p(v) for p, v in zip(processors, row, strict=True)] for row in rows))


def insert_rows(session, table, rows: list[dict]) -> None:
    """INSERT plain dictionaries (every one with the same keys) into a table: one COPY on
    PostgreSQL, one executemany elsewhere."""
    from sqlalchemy import insert

    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        columns = [table.c[key] for key in rows[0]]
        _copy_rows(session, table, columns, ([row[c.key] for c in columns] for row in rows))
    else:
        session.execute(insert(table), rows)


def copy_rows(session, table: str, columns: list[str], rows) -> None:
    """PostgreSQL: rows (database values) into `table` by one COPY … FROM STDIN on the session's
    connection, in its transaction (triggers and constraints apply as to an INSERT). A pipelined
    executemany still sends and parses one INSERT a row: for a statement's ~18 rows a credit that
    was most of the import (docs/benchmarks.md, statement day)."""
    from psycopg import sql

    raw = session.connection().connection.driver_connection
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table),
                                                          sql.SQL(", ").join(sql.Identifier(c) for c in columns))
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def refresh_statistics(session) -> None:
    """On PostgreSQL, ANALYZE every table inside the current transaction (it counts the rows this
    transaction wrote). A long seeding transaction needs it: with the planner's statistics saying
    the tables are empty, a join over thousands of rows it has just written gets a nested-loop
    plan that takes seconds per query. Nothing on SQLite."""
    from sqlalchemy import text

    if session.get_bind().dialect.name == "postgresql":
        session.flush()
        session.execute(text("ANALYZE"))


def dialect_insert(session, table):
    """INSERT for the session's backend with its ON CONFLICT clauses (SQLite and PostgreSQL)."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - only these two backends are supported
        raise NotImplementedError(name)
    return insert(table)


def insert_missing(session, model, values: dict, *, unique: tuple[str, ...]) -> None:
    """Create a row on first use unless it exists, in one statement: two requests doing the same
    first use at the same moment (two sign-ins of a new account, two tabs) both succeed, where
    select-then-insert lets the second fail on the unique constraint with an HTTP 500."""
    stmt = dialect_insert(session, model.__table__).values(**values).on_conflict_do_nothing(index_elements=list(unique))
    session.execute(stmt)
