"""The sandbox's own memory: what its pretend VNPay, MoMo and payOS did with each payment (also when
told to lose the notification), so their status-query APIs answer as the real ones do. It is the
provider's side of a payment, so it lives with the sandbox, in a small SQLite file of its own under
the instance folder (LMS_PAYMENT_SANDBOX_STORE), never in the school's database: a production
schema has no sandbox table, and a deployment without the sandbox never creates the file."""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

SCHEMA = """CREATE TABLE IF NOT EXISTS payments (
    provider TEXT NOT NULL, order_ref TEXT NOT NULL, txn_id TEXT NOT NULL, amount INTEGER NOT NULL,
    success INTEGER NOT NULL, notified INTEGER NOT NULL, paid_at TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (provider, order_ref))"""
# A store written before the provider's own record of the transfer was kept gets the column.
DETAIL = "ALTER TABLE payments ADD COLUMN detail TEXT NOT NULL DEFAULT '{}'"


@dataclass(frozen=True)
class Record:
    provider: str
    order_ref: str          # vnp_TxnRef, MoMo's orderId, payOS's orderCode
    txn_id: str
    amount: int
    success: bool
    notified: bool
    paid_at: datetime
    detail: dict = field(default_factory=dict)   # the transfer as the provider reported it (payOS: memo, time, accounts)


class Store:
    def __init__(self, path: Path | str):
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30)
        db.execute(SCHEMA)
        if "detail" not in {row[1] for row in db.execute("PRAGMA table_info(payments)")}:
            db.execute(DETAIL)
        return db

    def remember(self, provider: str, order_ref: str, txn_id: str, amount: int, *, success: bool, notified: bool,
                 now: datetime, detail: dict | None = None) -> None:
        """The provider's own record of a payment attempt (the first outcome of an order stands),
        with the transfer as the provider reported it, so that its status API answers the same."""
        with self._connect() as db:
            db.execute("INSERT OR IGNORE INTO payments VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (provider, str(order_ref), str(txn_id), int(amount), int(success), int(notified),
                        now.isoformat(), json.dumps(detail or {}, ensure_ascii=False)))
        db.close()

    def paid(self, provider: str, order_ref: str) -> Record | None:
        return next(iter(self._select(_ONE, (provider, str(order_ref)))), None)

    def records(self) -> list[Record]:
        return self._select(_ALL, ())

    def _select(self, query: str, args: tuple) -> list[Record]:
        if not self.path.exists():
            return []
        db = self._connect()
        try:
            rows = db.execute(query, args).fetchall()
        finally:
            db.close()
        return [Record(p, o, t, a, bool(s), bool(n), datetime.fromisoformat(w), json.loads(d or "{}"))
                for p, o, t, a, s, n, w, d in rows]


_COLUMNS = "SELECT provider, order_ref, txn_id, amount, success, notified, paid_at, detail FROM payments"
_ONE = _COLUMNS + " WHERE provider = ? AND order_ref = ?"
_ALL = _COLUMNS + " ORDER BY paid_at"


def store_of(config) -> Store:
    """The sandbox's store of an app's configuration."""
    return Store(config.get("PAYMENT_SANDBOX_STORE") or Path(config["INSTANCE_DIR"]) / "payment-sandbox.sqlite3")
