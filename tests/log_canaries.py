"""Secrets and personal data out of the logs over the whole integration run (security.md #52).

Every integration test's app gathers its canaries from the requests it is sent (`watch`): a
password typed (any form field named like one), a one-time link's token (`?t=`), the session
cookie and the session token inside it, the known-device cookie, a payment callback's signature
(`vnp_SecureHash`, a JSON body's `signature`, an `Authorization` header) and a citizen id number
(twelve digits, in any query or form value). One handler on the root logger, at DEBUG, keeps
every record of the test (the app's loggers record at DEBUG while it runs); after the test, each
record as the app would write it — its message, its arguments, its extra fields and traceback —
is searched for every canary, and a canary found fails the test. Per test and per worker, so
parallel workers need nothing gathered in one place.

Kept cheap: records are only appended while the test runs and read once at its end; the
libraries whose debug output is bulky and never sees a request (fonts, PDF layout, SQL
statements — `sqlalchemy.engine` at INFO echoes every statement) keep their own level.
"""
from __future__ import annotations

import logging
import os
import re

import pytest

MIN_LENGTH = 8          # shorter values would match by chance
CITIZEN_ID = re.compile(r"\d{12}")
PASSWORD_FIELD = re.compile(r"password|^confirm$|^pin$", re.I)
SIGNATURE_FIELDS = ("vnp_SecureHash", "signature", "checksum", "secure_hash")
QUIET = ("fontTools", "weasyprint", "PIL", "sqlalchemy", "markdown_it", "pydyf", "cssselect2", "tinycss2",
         "asyncio", "faker", "hypothesis", "filelock", "docx", "openpyxl", "matplotlib")
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}

canaries: set[str] = set()
# LMS_TEST_LOG_CANARIES=0 runs without it (to measure what it costs).
ON = os.environ.get("LMS_TEST_LOG_CANARIES", "1") != "0"


class _Gather(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


_handler = _Gather()


def _add(value) -> None:
    if isinstance(value, str) and len(value) >= MIN_LENGTH:
        canaries.add(value)


def _harvest() -> None:
    """Before each request of a watched app: what it carries that must never be logged."""
    from flask import current_app, request, session

    for name in (current_app.config.get("SESSION_COOKIE_NAME"), "lms_known_device", "__Host-lms_known_device"):
        _add(request.cookies.get(name or ""))
    _add(session.get("sid"))
    _add(request.headers.get("Authorization"))
    _add(request.args.get("t"))
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        request.get_data(cache=True)    # the raw body stays readable for views that verify it
        fields = request.form
    else:
        fields = None
    for source in (request.args, fields):
        for key, value in (source.items(multi=True) if source is not None else ()):
            if PASSWORD_FIELD.search(key) or key in SIGNATURE_FIELDS:
                _add(value)
            elif CITIZEN_ID.fullmatch(value.strip()):
                canaries.add(value.strip())
    if request.is_json:
        body = request.get_json(silent=True, cache=True)
        if isinstance(body, dict):
            for key in SIGNATURE_FIELDS:
                _add(body.get(key))


def watch(app) -> None:
    """Gather this app's requests' canaries (first of its before-request functions)."""
    if not ON:
        return
    app.before_request_funcs.setdefault(None, []).insert(0, _harvest)


def _text(record: logging.LogRecord) -> str:
    parts = [record.getMessage() if record.args else str(record.msg)]
    if record.args:
        parts.append(repr(record.args))
    parts.extend(repr(v) for k, v in vars(record).items() if k not in _STANDARD)
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    if record.exc_text:
        parts.append(record.exc_text)
    if record.stack_info:
        parts.append(record.stack_info)
    return "\n".join(parts)


def found_in(records: list[logging.LogRecord], wanted: set[str]) -> list[str]:
    text = "\n".join(_text(r) for r in records)
    return sorted(c for c in wanted if c in text)


def pytest_configure(config) -> None:
    if not ON:
        return
    for name in QUIET:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.WARNING)


@pytest.fixture(autouse=True)
def _log_canaries(request):
    if not ON or request.node.path.parent.name != "integration":
        yield
        return
    root = logging.getLogger()
    if _handler not in root.handlers:   # an app made with LOG_FORMAT=json replaces the root's handlers
        root.addHandler(_handler)
    level, root.level = root.level, logging.DEBUG
    canaries.clear()
    _handler.records.clear()
    try:
        yield
    finally:
        root.setLevel(level)
    records, wanted = list(_handler.records), set(canaries)
    _handler.records.clear()
    canaries.clear()
    leaked = found_in(records, wanted)
    if leaked:
        pytest.fail("in the logs (security.md #52): " + ", ".join(c[:6] + "…" for c in leaked), pytrace=False)
