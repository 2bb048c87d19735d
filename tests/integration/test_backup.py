"""Backup and restore through the CLI, on both databases: a school with fees, payments, a refund
and signed receipts is backed up (database and uploads), restored into an empty database, and
checked — every table's row count, the ledger balanced, a receipt still verifying, the uploads
back in place — and on PostgreSQL the ledger's append-only triggers come back with the dump."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select, text

from lms import create_app
from lms.billing import ledger, receipts
from lms.billing.models import Receipt
from lms.config import TestConfig
from lms.extensions import db
from tests.integration.test_cashless import _build as build_payments


def _counts(app) -> dict[str, int]:
    with app.app_context():
        out = {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}
        db.session.remove()
        return out


def test_a_backup_restores_into_an_empty_database(app, world, dbs, backend, tmp_path, empty_database):
    build_payments(app, world, dbs)
    upload = app.config["UPLOAD_DIR"] / "reportcards" / "the-card.pdf"
    upload.parent.mkdir(parents=True, exist_ok=True)
    upload.write_bytes(b"%PDF-1.7 signed card")
    before = _counts(app)
    assert before["payments"] == 8 and before["receipts"] == 8
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backups")])
    assert result.exit_code == 0, result.output
    dumps = sorted((tmp_path / "backups").glob("lms-*"))
    assert len(dumps) == 1 and list((tmp_path / "backups").glob("uploads-*.tar.gz"))

    # An empty database and an empty uploads folder, as on a new server.
    url = empty_database("lms_restored")
    restored_uploads = tmp_path / "new-server" / "uploads"
    target = create_app(type("R", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": tmp_path / "new",
                                                  "UPLOAD_DIR": restored_uploads,
                                                  "SIGNING_KEY": app.config.get("SIGNING_KEY")}))
    refused = target.test_cli_runner().invoke(args=["restore", str(dumps[0])])
    assert refused.exit_code != 0 and "--yes" in refused.output
    result = target.test_cli_runner().invoke(args=["restore", str(dumps[0]), "--yes"])
    assert result.exit_code == 0, result.output
    assert _counts(target) == before
    assert (restored_uploads / "reportcards" / "the-card.pdf").read_bytes() == b"%PDF-1.7 signed card"
    with target.app_context():
        s = db.session
        assert ledger.unbalanced(s) == []
        receipt = s.scalars(select(Receipt)).first()
        assert receipts.verify_receipt(s, receipt.token, app.extensions["lms_signer"]).authentic
        if backend == "postgresql":
            with pytest.raises(sa.exc.DBAPIError):
                s.execute(text("UPDATE ledger_lines SET debit = debit + 1"))
            s.rollback()
        s.remove()
        db.engine.dispose()
