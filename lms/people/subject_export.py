"""Everything the platform holds about a person, for their data-subject request (Law 91/2025/QH15):
a pupil's, asked for by the parent; or a parent's own.

Driven by the schema, not by a list: starting from the pupil's row (and the pupil's account) or
the parent's account, every table with a foreign key to rows already taken contributes the rows
that point at them, and so on down from the pupil (an attempt brings its answers, an invoice its
lines, payments and receipts); from an account one step only (what the account wrote or was sent
is its own; what hangs below it — a teacher's assignment's hand-ins — is other people's). A new table with a pupil or account key is in the export the day it is added; a
test checks that every such table appears. Secrets are never exported (password and token hashes,
sealed keys, device fingerprints). The audit trail of who on staff read the pupil's record is
added as `staff_reads`.
"""
from __future__ import annotations

import base64
import re
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import MetaData, Table, select
from sqlalchemy.orm import Session

from lms.db import Base

SECRET = re.compile(r"(password|hash|token|secret|sealed|device)", re.IGNORECASE)
MAX_DEPTH = 5
FORMAT = "lms-subject-export/1"


def _value(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _row(table: Table, row) -> dict:
    return {c.name: ("[…]" if SECRET.search(c.name) and row._mapping[c] is not None else _value(row._mapping[c]))
            for c in table.columns}


def collect(session: Session, seeds: dict[str, set[int]], metadata: MetaData | None = None,
            depth: int = MAX_DEPTH) -> dict[str, list[dict]]:
    """Rows of every table reachable by foreign keys from the seed rows ({table: ids}), by table,
    `depth` steps down."""
    metadata = metadata or Base.metadata
    taken: dict[str, set[int]] = {name: set(ids) for name, ids in seeds.items()}
    out: dict[str, dict[int | tuple, dict]] = {name: {} for name in seeds}
    for name, ids in seeds.items():
        table = metadata.tables[name]
        for chunk in _chunks(sorted(ids)):
            for row in session.execute(select(table).where(table.c.id.in_(chunk))):
                out[name][row._mapping[table.c.id]] = _row(table, row)
    frontier = {name: set(ids) for name, ids in seeds.items()}
    for _depth in range(depth):
        found: dict[str, set[int]] = {}
        for table in metadata.sorted_tables:
            for fk in table.foreign_keys:
                target = fk.column.table.name
                if target not in frontier or not frontier[target] or fk.column.name != "id":
                    continue
                out.setdefault(table.name, {})
                for chunk in _chunks(sorted(frontier[target])):
                    for row in session.execute(select(table).where(fk.parent.in_(chunk))):
                        key = _key(table, row)
                        if key in out[table.name]:
                            continue
                        out[table.name][key] = _row(table, row)
                        if "id" in table.c:
                            rid = row._mapping[table.c.id]
                            if rid not in taken.setdefault(table.name, set()):
                                taken[table.name].add(rid)
                                found.setdefault(table.name, set()).add(rid)
        if not found:
            break
        frontier = found
    return {name: sorted(rows.values(), key=lambda r: (str(r.get("id")),)) for name, rows in sorted(out.items())}


def _key(table: Table, row):
    if "id" in table.c:
        return row._mapping[table.c.id]
    return tuple(row._mapping[c] for c in table.primary_key.columns)


def _chunks(values: list, size: int = 500):
    for i in range(0, len(values), size):
        yield values[i:i + size]


def _own_rows(tables: dict[str, list[dict]], user_id: int) -> dict[str, list[dict]]:
    """An account's rows without the invitations it has not accepted: what a school typed when
    inviting the identifier (the name, the child, the roles) is that school's until the person
    joins — an unclaimed account's other schools are not told to whoever takes it up."""
    if "invitations" in tables:
        tables["invitations"] = [r for r in tables["invitations"]
                                 if r.get("user_id") != user_id or r.get("status") == "accepted"]
    return tables


def pupil_export(session: Session, student, now: datetime) -> dict:
    """What is held about one pupil: their school records and their own account's."""
    from lms.core.models import AuditLog

    tables = collect(session, {"students": {student.id}})
    if student.user_id:
        # The pupil's own account: its row and what points at it, one step only — an account's
        # rows (what it wrote, what it was sent) are its own, what hangs below them may not be.
        for name, rows in _own_rows(collect(session, {"users": {student.user_id}}, depth=1),
                                    student.user_id).items():
            have = {str(r.get("id")) for r in tables.get(name, [])}
            tables[name] = tables.get(name, []) + [r for r in rows if str(r.get("id")) not in have or "id" not in r]
    reads = session.scalars(select(AuditLog).where(AuditLog.subject_type == "student", AuditLog.subject_id == student.id)
                            .order_by(AuditLog.id))
    return {"format": FORMAT, "subject": {"kind": "pupil", "student_id": student.id, "name": student.full_name},
            "made_at": now.isoformat(), "tables": tables,
            "staff_reads": [{"at": r.at.isoformat(), "actor_id": r.actor_id, "action": r.action, "route": r.route}
                            for r in reads]}


def account_export(session: Session, user, now: datetime) -> dict:
    """What is held about an account holder (a parent's own data: account, links, messages…)."""
    return {"format": FORMAT, "subject": {"kind": "account", "user_id": user.id, "name": user.full_name},
            "made_at": now.isoformat(), "tables": _own_rows(collect(session, {"users": {user.id}}, depth=1), user.id)}
