"""Health and readiness endpoints: no session, nothing secret, readiness naming what is wrong."""
from flask_migrate import stamp
from sqlalchemy import text

from lms.extensions import db


def test_health_answers_without_a_session(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers


def test_readiness_checks_the_schema_and_the_uploads(app, client):
    # The test database is built by create_all, not by the migrations: not ready until stamped.
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 503 and body["status"] == "not_ready"
    assert body["checks"]["database"] == "ok" and body["checks"]["uploads"] == "ok"
    assert body["checks"]["migrations"].startswith("schema at")
    with app.app_context():
        stamp()
    response = client.get("/readyz")
    assert response.status_code == 200 and response.get_json()["checks"] == {
        "database": "ok", "migrations": "ok", "uploads": "ok"}
    assert "Set-Cookie" not in response.headers
    with app.app_context():  # leave the shared test database as the other tests expect it
        db.session.execute(text("DROP TABLE alembic_version"))
        db.session.commit()


def test_readiness_fails_when_uploads_cannot_be_written(app, client, tmp_path):
    app.config["UPLOAD_DIR"] = tmp_path / "file-not-dir"
    (tmp_path / "file-not-dir").write_text("x")
    response = client.get("/readyz")
    assert response.status_code == 503 and response.get_json()["checks"]["uploads"] == "FileExistsError"
