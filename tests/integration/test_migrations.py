"""One Alembic head, and upgrading an empty database gives exactly the models' schema."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text

from lms import create_app
from lms.config import TestConfig
from lms.extensions import db


def test_single_head(app):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def _empty_database(backend, tmp_path, request, name: str) -> str:
    if backend == "postgresql":
        base = request.getfixturevalue("pg_url").rsplit("/", 1)[0]
        engine = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return base + "/" + name
    return f"sqlite:///{tmp_path / (name + '.sqlite3')}"


def _schema(conn) -> dict:
    """Every table with its columns, indexes, keys and checks, as the database reports them."""
    from sqlalchemy import inspect

    found = inspect(conn)
    out = {}
    for table in sorted(found.get_table_names()):
        out[table] = (sorted((c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(table)),
                      sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in found.get_indexes(table)),
                      sorted(str(fk["name"]) for fk in found.get_foreign_keys(table)),
                      sorted(str(u["name"]) for u in found.get_unique_constraints(table)),
                      sorted(str(c["name"]) for c in found.get_check_constraints(table)))
    return out


def test_migrations_go_down_to_nothing_and_up_again_to_the_same_schema(backend, tmp_path, request):
    url = _empty_database(backend, tmp_path, request, "lms_roundtrip")
    app = create_app(type("C", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": tmp_path,
                                               "UPLOAD_DIR": tmp_path / "u"}))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            first = _schema(conn)
        downgrade(revision="base")
        with db.engine.connect() as conn:
            from sqlalchemy import inspect

            assert inspect(conn).get_table_names() in ([], ["alembic_version"])
        upgrade()
        with db.engine.connect() as conn:
            again = _schema(conn)
        db.engine.dispose()
    assert len(first) > 50 and again == first


def test_upgrade_from_empty_matches_models(backend, tmp_path, request):
    url = _empty_database(backend, tmp_path, request, "lms_migrate")
    app = create_app(type("C", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": tmp_path,
                                               "UPLOAD_DIR": tmp_path / "u"}))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        db.engine.dispose()
    assert diff == []
