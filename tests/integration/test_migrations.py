"""One Alembic head, and upgrading an empty database gives exactly the models' schema."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from lms import create_app
from lms.config import TestConfig
from lms.extensions import db


def test_single_head(app):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_upgrade_from_empty_matches_models(backend, tmp_path, request):
    if backend == "postgresql":
        from tests.pg import PostgresServer  # noqa: F401
        base = request.getfixturevalue("pg_url").rsplit("/", 1)[0]
        engine = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text('DROP DATABASE IF EXISTS "lms_migrate"'))
            conn.execute(text('CREATE DATABASE "lms_migrate"'))
        engine.dispose()
        url = base + "/lms_migrate"
    else:
        url = f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
    app = create_app(type("C", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": tmp_path,
                                               "UPLOAD_DIR": tmp_path / "u"}))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        db.engine.dispose()
    assert diff == []
