"""Error pages in both languages, JSON for API clients, never a stack trace."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from flask_babel.speaklater import LazyString
from werkzeug.exceptions import HTTPException

from lms.core.errors import DomainError
from lms.extensions import db
from lms.i18n import lazy_gettext as _l

MESSAGES = {
    400: _l("Yêu cầu không hợp lệ."),
    401: _l("Bạn cần đăng nhập."),
    403: _l("Bạn không có quyền xem trang này."),
    404: _l("Không tìm thấy trang hoặc dữ liệu bạn cần."),
    405: _l("Thao tác không được phép."),
    409: _l("Dữ liệu đã thay đổi ở nơi khác."),
    413: _l("Tệp hoặc dữ liệu gửi lên quá lớn."),
    422: _l("Dữ liệu không hợp lệ."),
    429: _l("Quá nhiều yêu cầu. Vui lòng thử lại sau ít phút."),
    500: _l("Đã có lỗi ở máy chủ. Chúng tôi đã ghi nhận; vui lòng thử lại."),
}


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.is_json:   # a program that sent JSON reads JSON back
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def render_error(status: int, message=None):
    message = message or MESSAGES.get(status, MESSAGES[500])
    if wants_json():
        return {"error": {"status": status, "message": str(message)}}, status
    return render_template("errors/error.html", status=status, message=message), status


def signed_out_answer():
    """What a page needing a signed-in user answers without one (Flask-Login's unauthorized
    handler, and a form refused for its token once the session is gone): the plain sign-in page,
    at the school's own sign-in address the person came by, with `next` back to the page — and,
    when a session had been there (it expired or was ended), a sentence in the person's language
    saying so; after a form was sent, that what was typed was not saved. Before: "Please sign in"
    for an ended session too, the school's address lost, a form's input dropped without a word."""
    from urllib.parse import urlsplit

    from flask import flash, redirect, session, url_for

    from lms.core.security import safe_next
    from lms.i18n import gettext as _

    ended = bool(session.get("_user_id"))
    posted = request.method not in ("GET", "HEAD", "OPTIONS")
    if ended and posted:
        message = _("Phiên đăng nhập đã hết hạn nên những gì bạn vừa gửi chưa được lưu. "
                    "Hãy đăng nhập lại rồi nhập lại.")
    elif ended:
        message = _("Phiên đăng nhập đã hết hạn. Hãy đăng nhập lại để tiếp tục.")
    elif posted:
        message = _("Bạn chưa đăng nhập nên những gì bạn vừa gửi chưa được lưu. Hãy đăng nhập rồi nhập lại.")
    else:
        message = _("Vui lòng đăng nhập để tiếp tục.")
    if wants_json() or request.is_json:
        return {"error": {"status": 401, "message": message}}, 401
    if posted:   # back to the page the form was on, not to a route that only takes a POST
        referrer = urlsplit(request.referrer or "")
        page = (referrer.path + (f"?{referrer.query}" if referrer.query else "")
                if referrer.netloc == request.host else "")
    else:
        page = request.full_path.rstrip("?")
    flash(message, "warning")
    return redirect(url_for("auth.login", school=session.get("sign_in_school") or None,
                            next=safe_next(page, "") or None))


def install_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc):
        from flask import session
        from flask_login import current_user

        if session.get("_user_id") and not current_user.is_authenticated:
            # The session ended with the form open: the sign-in page says so.
            return signed_out_answer()
        return render_error(400, _l("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Hãy tải lại trang và thử lại."))

    @app.errorhandler(RecursionError)
    def _too_deep(exc: RecursionError):
        # Only a hostile body nests deep enough (JSON of a thousand brackets, sent to a payment
        # callback or an exam's save): whatever reads it, the answer is a bad request, not a 500.
        db.session.rollback()
        return render_error(400, _l("Dữ liệu gửi lên lồng nhau quá sâu, không đọc được."))

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        db.session.rollback()
        return render_error(exc.status, exc.message)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        # Our own sentence where the code gave one (`abort(404, description=_l(...))`, e.g.
        # tenancy.school_scoped); Werkzeug's English default text otherwise never reaches the page.
        own = exc.description if isinstance(exc.description, LazyString) else None
        body, status = render_error(exc.code or 500, own)
        # A 405 names the methods the URL takes (RFC 9110 §15.5.6); Werkzeug's own page did, ours dropped it.
        allow = dict(exc.get_headers()).get("Allow") if status == 405 else None
        return (body, status, {"Allow": allow}) if allow else (body, status)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)
