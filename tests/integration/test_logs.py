"""Structured logs: a request id on every response and log line, an access line per request,
and no query strings, bodies or personal data in them."""
import json
import logging

from lms.core.logs import JsonFormatter, RequestIdFilter


def test_every_response_has_a_request_id_and_a_sane_one_is_kept(client):
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32
    kept = client.get("/healthz", headers={"X-Request-ID": "proxy-1234abcd"})
    assert kept.headers["X-Request-ID"] == "proxy-1234abcd"
    odd = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert len(odd.headers["X-Request-ID"]) == 32                       # replaced, never echoed


def test_access_lines_are_json_without_query_or_personal_data(world, client, caplog):
    client.login("gv.a")
    with caplog.at_level(logging.INFO, logger="lms.access"):
        response = client.get("/school/students?q=Nguyễn+Văn+An", headers={"X-Request-ID": "trace-00000001"})
    records = [r for r in caplog.records if r.name == "lms.access" and getattr(r, "request_id", "") == "trace-00000001"]
    assert len(records) == 1
    line = JsonFormatter().format(records[0])
    entry = json.loads(line)
    assert entry["path"] == "/school/students" and entry["status"] == response.status_code
    assert entry["request_id"] == "trace-00000001" and entry["method"] == "GET" and entry["ms"] >= 0
    assert "Nguyễn" not in line and "q=" not in line and "gv.a" not in line


def test_records_logged_during_a_request_carry_its_id(app):
    record = logging.LogRecord("lms.test", logging.WARNING, __file__, 1, "xảy ra lỗi", None, None)
    with app.test_request_context("/"):
        from flask import g

        g.request_id = "req-inside-1"
        RequestIdFilter().filter(record)
    assert json.loads(JsonFormatter().format(record))["request_id"] == "req-inside-1"
    assert json.loads(JsonFormatter().format(record))["message"] == "xảy ra lỗi"
