"""Health and readiness for load balancers and orchestrators: `/healthz` says the process
answers; `/readyz` says it can serve — the database answers, its schema is at the migrations'
head, the file storage (folder or bucket) takes a write. Neither needs a session or says anything secret."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from lms.core.storage import storage_for
from lms.core.tenancy import no_context
from lms.extensions import db

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@no_context
def healthz():
    return jsonify({"status": "ok"})


def _database() -> str | None:
    db.session.execute(text("SELECT 1"))
    return None


def _migrations() -> str | None:
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = current_app.extensions["migrate"].migrate.get_config()
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return None if current == heads else f"schema at {sorted(current) or 'none'}, code at {sorted(heads)}"


def _uploads() -> str | None:
    storage_for(current_app.config).check()
    return None


CHECKS = {"database": _database, "migrations": _migrations, "uploads": _uploads}


@bp.route("/readyz")
@no_context
def readyz():
    failed = {}
    for name, check in CHECKS.items():
        try:
            problem = check()
        except Exception as exc:  # a check that cannot run is a failed check, named, without details
            db.session.rollback()
            problem = type(exc).__name__
        if problem:
            failed[name] = problem
    db.session.remove()
    body = {"status": "ready" if not failed else "not_ready", "checks": {n: failed.get(n, "ok") for n in CHECKS}}
    return jsonify(body), 200 if not failed else 503
