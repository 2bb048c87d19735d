"""The web side of sending: the providers' delivery reports (Zalo's webhook, eSMS's callback),
the sandbox's endpoints that play both providers, the HTTP transport the sender uses, and the
periodic work — compose the digests, send what is due, let the sandbox report deliveries."""
from __future__ import annotations

import functools

from flask import Blueprint, Response, abort, current_app, jsonify, request

from lms.core import jobs
from lms.core.http import call_json
from lms.core.notify import register_router
from lms.core.tenancy import no_context
from lms.core.timeutil import school_tz, utcnow
from lms.extensions import csrf, db
from lms.messaging import digest, dispatch, hooks, routing, sandbox, texts

bp = Blueprint("contact_hooks", __name__)


@bp.record_once
def _install(state) -> None:
    register_router(routing.route_notes)
    routing.configure(email=bool(state.app.config.get("SMTP_HOST")))


def _box():
    return current_app.extensions["lms_secrets"]


def callback(view):
    """A provider's server calls this route: no session, no CSRF token; its own signature or
    token is the only authentication."""
    view.callback = True
    return csrf.exempt(no_context(view))


def sandbox_only(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if not current_app.config["MESSAGING_SANDBOX"]:
            abort(404)
        return view(*args, **kwargs)
    return wrapped


# ---------------------------------------------------------------- delivery reports

@bp.route("/hooks/zalo", methods=["POST"])
@callback
def zalo_hook():
    status, answer = hooks.receive_zalo(db.session, _box(), request.get_data(), request.headers.get("X-ZEvent-Signature"),
                                        utcnow())
    db.session.commit()
    return jsonify(answer), status


@bp.route("/hooks/esms/<token>", methods=["GET"])
@callback
def esms_hook(token: str):
    status, text = hooks.receive_esms(db.session, token, request.args, utcnow())
    db.session.commit()
    return Response(text, status=status, mimetype="text/plain")


# ---------------------------------------------------------------- the sandbox's provider endpoints
# The real APIs answer a refused call with HTTP 200 and an error code in the body; the sandbox
# also sets 401 on a refused credential (the sender reads the body either way).

def _refused(answer: dict) -> bool:
    return answer.get("error") in (-124, -14001, -14002, -14014) or answer.get("CodeResult") == "101"


@bp.route("/sandbox/zalo/message/template", methods=["POST"])
@callback
@sandbox_only
def sandbox_zalo_send():
    status, answer = sandbox.zalo_send(db.session, request.headers.get("access_token"),
                                       request.get_json(silent=True) or {}, utcnow())
    db.session.commit()
    return jsonify(answer), 401 if _refused(answer) else status


@bp.route("/sandbox/zalo/message/status", methods=["GET"])
@callback
@sandbox_only
def sandbox_zalo_status():
    status, answer = sandbox.zalo_status(db.session, request.headers.get("access_token"), request.args.to_dict(),
                                         utcnow())
    db.session.commit()
    return jsonify(answer), 401 if _refused(answer) else status


@bp.route("/sandbox/zalo/oauth/v4/oa/access_token", methods=["POST"])
@callback
@sandbox_only
def sandbox_zalo_token():
    status, answer = sandbox.zalo_token(db.session, _box(), request.headers.get("secret_key"),
                                        request.form.to_dict(), utcnow())
    db.session.commit()
    return jsonify(answer), 401 if _refused(answer) else status


@bp.route("/sandbox/esms/MainService.svc/json/SendMultipleMessage_V4_post_json/", methods=["POST"])
@callback
@sandbox_only
def sandbox_esms_send():
    status, answer = sandbox.esms_send(db.session, _box(), request.get_json(silent=True) or {}, utcnow())
    db.session.commit()
    return jsonify(answer), 401 if _refused(answer) else status


@bp.route("/sandbox/esms/MainService.svc/json/GetSendStatus", methods=["GET"])
@callback
@sandbox_only
def sandbox_esms_status():
    status, answer = sandbox.esms_status(db.session, _box(), request.args.to_dict(), utcnow())
    db.session.commit()
    return jsonify(answer), 401 if answer.get("CodeResponse") == "101" else status


# ---------------------------------------------------------------- the sender's tools

def http_call(method: str, url: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, bool]:
    """One call to a provider: (status, JSON answer, whether it may have reached them). The
    sandbox's URLs are answered inside the app, each in a context (and session) of its own."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    if current_app.config["MESSAGING_SANDBOX"] and url.startswith(base + "/sandbox/"):
        with current_app.app_context():
            response = current_app.test_client().open(url[len(base):], method=method, headers=headers, data=body)
        answer = response.get_json(silent=True)
        return response.status_code, answer if isinstance(answer, dict) else {}, True
    reply = call_json(method, url, body=body, headers=headers)
    return reply.status, reply.data, reply.reached


def _text(kind: str, params: dict, locale: str) -> str:
    from flask_babel import force_locale

    with force_locale(locale):
        return texts.render(kind, params)


def _mail(to: str, subject: str, body: str) -> bool:
    from lms.core.mail import send_mail

    return send_mail(to, subject, body)


def send_context() -> dispatch.SendContext:
    return dispatch.SendContext(box=_box(), transport=http_call, text=_text, mail=_mail,
                                base_url=current_app.config["PUBLIC_BASE_URL"], tz=school_tz(),
                                sandbox_on=bool(current_app.config["MESSAGING_SANDBOX"]))


def _deliver(call: sandbox.Call) -> None:
    method, url, headers, body = call
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    path = url[len(base):] if url.startswith(base) else url
    with current_app.app_context():
        current_app.test_client().open(path, method=method, headers=headers, data=body or None)


@jobs.periodic("contact_book")
def run_contact_book(session, now) -> int:
    """Compose the digests that are due, send what is due, and (sandbox) report deliveries."""
    context = send_context()
    done = digest.compose_due(session, now, context.tz)
    session.commit()
    done += dispatch.send_due(session, now, context)
    done += dispatch.check_deliveries(session, now, context)
    if context.sandbox_on:
        calls = sandbox.due_reports(session, context.box, now, context.base_url)
        session.commit()
        for call in calls:
            _deliver(call)
        done += len(calls)
    return done
