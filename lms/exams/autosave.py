"""The exam autosave's usual case, answered before Flask builds a request.

Every pupil of a running exam saves every few seconds, so this one request decides how many pupils a
server holds. Most saves are the same thing: an answer, with a genuine attempt ticket, to one of
the attempt's questions (read once per process and kept), on an open attempt of this device —
newer than the stored one, or a retry, or an older one arriving late. For those — on PostgreSQL —
this WSGI layer checks the ticket and the answer, runs the guarded upsert (`saving.direct_save`)
and answers itself, exactly as the route would (saved, same, or stale with what is stored).
Everything else (a closed or overdue attempt, another device, a sequential exam, a position the
attempt does not have, bad input, any error, SQLite) goes on, untouched, to the `saving.save`
route, which applies the same rules in full and says why.

The attempt page's clock poll (`GET /attempts/<id>/clock`, every few seconds so a teacher's extra
time reaches the timer at once) is answered here too, with one read.
"""
from __future__ import annotations

import io
import json
import logging
import re

from werkzeug.http import parse_cookie

from lms.core.security import security_headers
from lms.core.timeutil import utcnow
from lms.exams import saving

log = logging.getLogger(__name__)

PATH = re.compile(r"/attempts/(\d+)/save")
CLOCK = re.compile(r"/attempts/(\d+)/clock")
MAX_BODY = 256 * 1024  # an essay answer fits; anything longer takes the full route


class AutosaveFastPath:
    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self._engine = None
        self._enabled: bool | None = None
        self._messages: dict[str, str] = {}
        self._headers = [("Content-Type", "application/json"), ("Cache-Control", "no-store"),
                         *security_headers(bool(app.config.get("SESSION_COOKIE_SECURE")))]

    def _postgres(self):
        if self._enabled is None:
            from lms.extensions import db

            with self.app.app_context():
                self._engine = db.engine
            self._enabled = self._engine.dialect.name == "postgresql"
        return self._engine if self._enabled else None

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "GET":
            return self._clock(environ, start_response)
        if environ.get("REQUEST_METHOD") != "POST":
            return self.wsgi_app(environ, start_response)
        match = PATH.fullmatch(environ.get("PATH_INFO", ""))
        engine = self._postgres() if match else None
        if engine is None:
            return self.wsgi_app(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if not 0 < length <= MAX_BODY:
            return self.wsgi_app(environ, start_response)
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)  # the full route reads it again if it is needed
        try:
            answer = self._save(engine, int(match.group(1)), environ, body)
        except Exception:  # the full route meets the same error and answers it properly
            log.exception("autosave fast path")
            answer = None
        if answer is None:
            return self.wsgi_app(environ, start_response)
        status, answer = answer
        payload = json.dumps(answer, sort_keys=True).encode()
        start_response(status, [*self._headers, ("Content-Length", str(len(payload)))])
        return [payload]

    def _clock(self, environ, start_response):
        """The attempt page's clock poll, answered here on PostgreSQL (the route answers elsewhere)."""
        match = CLOCK.fullmatch(environ.get("PATH_INFO", ""))
        engine = self._postgres() if match else None
        answer = None
        if engine is not None:
            attempt_id = int(match.group(1))
            ticket = saving.read_ticket(self.app.config["SECRET_KEY"], environ.get("HTTP_X_ATTEMPT_TICKET"), attempt_id)
            try:
                answer = saving.direct_clock(engine, ticket, utcnow()) if ticket is not None else None
            except Exception:  # the route meets the same error and answers it properly
                log.exception("attempt clock")
        if answer is None:
            return self.wsgi_app(environ, start_response)
        payload = json.dumps(answer, sort_keys=True).encode()
        start_response("200 OK", [*self._headers, ("Content-Length", str(len(payload)))])
        return [payload]

    def _stale(self, lang: str) -> str:
        """The stale-save message in the page's language, translated once per process."""
        message = self._messages.get(lang)
        if message is None:
            from flask_babel import force_locale

            with self.app.test_request_context(), force_locale(lang):
                message = self._messages[lang] = saving.stale_message()
        return message

    def _save(self, engine, attempt_id: int, environ, body: bytes) -> tuple[str, dict] | None:
        ticket = saving.read_ticket(self.app.config["SECRET_KEY"], environ.get("HTTP_X_ATTEMPT_TICKET"), attempt_id)
        if ticket is None:
            return None
        data = json.loads(body)
        if not isinstance(data, dict):
            return None
        device = saving.device_hash(parse_cookie(environ.get("HTTP_COOKIE", "")).get(saving.DEVICE_COOKIE))
        lang = ticket.lang if ticket.lang in self.app.config["LANGUAGES"] else "vi"
        outcome = saving.direct_save(engine, ticket, data.get("position"), data.get("value"), data.get("seq"),
                                       device=device, now=utcnow(), stale=self._stale(lang))
        if outcome is None:
            return None
        answer = {"status": outcome.status, "seq": outcome.seq, "message": outcome.message}
        if outcome.status == "stale":
            answer["value"] = outcome.value  # what is stored, so the page can show it
            return "409 CONFLICT", answer
        return "200 OK", answer
