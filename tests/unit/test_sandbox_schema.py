"""Sandbox state belongs to the sandbox: the school's database (every model, as `create_all` and
the migrations build it) has no table of the payment sandbox, and the sandbox's own store is a
file of its own that works without the app's database."""
from __future__ import annotations

from datetime import datetime, timezone

import lms.models  # noqa: F401  (every model, so the metadata is the production schema's)
from lms.billing.sandbox.store import Store, store_of
from lms.db import Base


def test_the_production_metadata_has_no_payment_sandbox_table():
    billing = {mapper.local_table.name for mapper in Base.registry.mappers
               if mapper.class_.__module__.startswith("lms.billing")}
    assert {"payments", "checkouts", "callback_logs"} <= billing <= set(Base.metadata.tables)
    assert sorted(name for name in billing if "sandbox" in name) == []
    assert "sandbox_payments" not in Base.metadata.tables


def test_the_sandbox_store_is_its_own_file_and_keeps_the_first_outcome(tmp_path):
    store = store_of({"INSTANCE_DIR": tmp_path})
    assert store.path.parent == tmp_path and store.records() == [] and not store.path.exists()
    when = datetime(2026, 9, 5, 1, 15, tzinfo=timezone.utc)
    store.remember("vnpay", "HP1-1", "14000001", 250_000, success=True, notified=False, now=when)
    store.remember("vnpay", "HP1-1", "14000002", 1, success=False, notified=True, now=when)   # a second click
    row = Store(store.path).paid("vnpay", "HP1-1")
    assert (row.txn_id, row.amount, row.success, row.notified, row.paid_at) == ("14000001", 250_000, True, False, when)
    assert Store(store.path).paid("momo", "HP1-1") is None
