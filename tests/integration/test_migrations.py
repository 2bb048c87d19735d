"""One Alembic head, and upgrading an empty database gives exactly the models' schema."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from lms import create_app
from lms.config import TestConfig
from lms.extensions import db


def test_single_head(app):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        assert len(ScriptDirectory.from_config(config).get_heads()) == 1


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


def test_upgrading_an_empty_database_gives_the_models_schema_and_the_migrations_go_down_and_up_again(
        empty_database, tmp_path):
    """Upgraded from empty, the schema is exactly the models' (autogenerate finds nothing to add);
    down to nothing and up again, the same schema. (One upgrade from empty for both checks: each
    costs seconds per database.)"""
    url = empty_database("lms_roundtrip")
    app = create_app(type("C", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": tmp_path,
                                               "UPLOAD_DIR": tmp_path / "u"}))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
            first = _schema(conn)
        assert diff == []
        downgrade(revision="base")
        with db.engine.connect() as conn:
            from sqlalchemy import inspect

            assert inspect(conn).get_table_names() in ([], ["alembic_version"])
        upgrade()
        with db.engine.connect() as conn:
            again = _schema(conn)
        db.engine.dispose()
    assert len(first) > 50 and again == first


def test_0048_names_pupils_in_their_schools_names(empty_database, tmp_path):
    """Pupils named by the bare code before 0048 (`hsa001`) are renamed `hsa001.a`; one whose
    qualified name another account holds keeps the bare name (the code signs it in at the
    school's address); staff are left alone. Down again, the bare names come back."""
    from sqlalchemy.orm import Session

    from tests.factories import build_world

    url = empty_database("lms_pupil_names")
    app = create_app(type("C", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": tmp_path,
                                               "UPLOAD_DIR": tmp_path / "u"}))
    with app.app_context():
        upgrade()
        with Session(db.engine) as s:
            build_world(s, app.extensions["lms_auth"])
            s.commit()
        downgrade(revision="0047")

        def names():
            with db.engine.connect() as conn:
                return {name: uid for name, uid in conn.execute(text("SELECT username, id FROM users"))}

        before = names()
        assert {"hsa001", "hsa002", "hsb001", "gv.a", "admin.b"} <= set(before)
        assert "hsa001.a" not in before
        with db.engine.begin() as conn:   # someone holds HSA002's qualified name
            conn.execute(text("UPDATE users SET username = 'hsa002.a' WHERE username = 'gv.b'"))
        upgrade()
        after = names()
        db.engine.dispose()
    assert after["hsa001.a"] == before["hsa001"] and after["hsb001.b"] == before["hsb001"]
    assert after["hsa002"] == before["hsa002"] and after["hsa002.a"] == before["gv.b"]
    assert "hsa001" not in after and after["gv.a"] == before["gv.a"]
    assert len(after) == len(before)
