"""Structured logs: one JSON object per line, each carrying the request id of the request it
belongs to, and one access line per request. No personal data and no secrets: paths are logged
without their query string (searches carry names), bodies and headers never, users by nothing.

A request id comes from the `X-Request-ID` header when a proxy sets a sane one, otherwise it is
made here; it is sent back in the response's `X-Request-ID` so a user's report can be traced.
"""
from __future__ import annotations

import json
import logging
import re
import time
import uuid

from flask import Flask, g, has_request_context, request

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
                 "logger": record.name, "message": record.getMessage()}
        for key in ("request_id", "method", "path", "status", "ms", "endpoint"):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record logged while it is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None) and has_request_context():
            record.request_id = getattr(g, "request_id", None)
        return True


def install_logging(app: Flask) -> None:
    fmt = app.config.get("LOG_FORMAT", "text")
    if fmt == "json" and not any(isinstance(h.formatter, JsonFormatter) for h in logging.getLogger().handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        handler.addFilter(RequestIdFilter())
        root = logging.getLogger()
        root.handlers[:] = [handler]
        root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    # WeasyPrint reports each layout step at INFO: a dozen lines per PDF, nothing an operator needs.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    # signxml writes every canonicalized XML it signs or checks at DEBUG: a whole transcript, the
    # pupil's citizen id included (the whole-run log canaries found it, security.md #52). Never below INFO.
    logging.getLogger("signxml").setLevel(logging.INFO)
    access = logging.getLogger("lms.access")

    @app.before_request
    def _request_id():
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _access(response):
        request_id = getattr(g, "request_id", None)
        if request_id:
            response.headers["X-Request-ID"] = request_id
            started = getattr(g, "request_started", None)
            access.info("request", extra={
                "request_id": request_id, "method": request.method, "path": request.path,
                "status": response.status_code, "endpoint": request.endpoint,
                "ms": round((time.perf_counter() - started) * 1000, 1) if started else None})
        return response
