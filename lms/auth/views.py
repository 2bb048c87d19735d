"""Sign in and out, language, role switching, password change and reset."""
from __future__ import annotations

from flask import (Blueprint, current_app, flash, g, redirect, render_template, request, session,
                   url_for)
from flask_login import current_user, login_required, login_user, logout_user

from lms.auth import services
from lms.auth.forms import (ChangePasswordForm, ContextForm, ForgotPasswordForm, LoginForm,
                            ResetPasswordForm)
from lms.core.errors import ValidationError
from lms.core.mail import mail_configured, send_mail
from lms.core.security import client_ip, safe_next
from lms.extensions import db
from lms.i18n import gettext as _

bp = Blueprint("auth", __name__, template_folder="templates")


def _settings() -> services.AuthSettings:
    return current_app.extensions["lms_auth"]


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(db.session, _settings(), form.identifier.data, form.password.data,
                                         ip=client_ip())
        except services.SignInThrottled as exc:
            db.session.commit()  # the attempt is counted even though it is refused
            form.password.errors.append(str(exc.message))
            status = 429
        except services.SignInRefused as exc:
            db.session.commit()
            form.password.errors.append(str(exc.message))
            status = 200
        else:
            lang = session.get("lang")
            session.clear()  # a fresh session at every sign-in (no fixation)
            if lang:
                session["lang"] = lang
            token = services.start_session(db.session, _settings(), user, remember=bool(form.remember.data),
                                           ip=client_ip(), user_agent=request.user_agent.string)
            db.session.commit()
            session["sid"] = token
            session.permanent = bool(form.remember.data)
            login_user(user)
            return redirect(safe_next(form.next.data, _landing(user)))
    return render_template("auth/login.html", form=form), status


def _landing(user) -> str:
    """Home, or first the schools' invitations waiting for this account's answer."""
    from lms.people.accounts import pending_for

    return url_for("people.invitations") if pending_for(db.session, user) else url_for("home.index")


@bp.route("/logout", methods=["POST"])
def logout():
    services.end_session(db.session, session.get("sid"))
    db.session.commit()
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language/<code>")
def language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    return redirect(safe_next(request.args.get("next"), url_for("home.index")))


@bp.route("/context", methods=["POST"])
@login_required
def switch_context():
    form = ContextForm()
    if form.validate_on_submit() and any(c.key == form.key.data for c in g.ctx.choices):
        session["ctx"] = form.key.data
    return redirect(url_for("home.index"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(db.session, _settings(), current_user, form.current_password.data,
                                     form.new_password.data, keep_token=session.get("sid"),
                                     sign_out_others=bool(form.sign_out_others.data))
        except ValidationError as exc:
            db.session.rollback()
            target = form.current_password if exc.field == "current_password" else form.new_password
            target.errors.append(str(exc.message))
        else:
            db.session.commit()
            flash(_("Đã đổi mật khẩu."), "success")
            return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form,
                           sessions=services.active_session_count(db.session, current_user))


@bp.route("/reset", methods=["GET", "POST"])
def reset_password():
    # The token travels in the query string, which access logs leave out (gunicorn.conf.py).
    token = request.args.get("t", "")
    row = services.find_reset_token(db.session, token)  # 404 page when invalid or expired
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(db.session, _settings(), token, form.new_password.data)
        except ValidationError as exc:
            db.session.rollback()
            form.new_password.errors.append(str(exc.message))
        else:
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
                session.clear()
            flash(_("Đã đặt mật khẩu mới. Hãy đăng nhập."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form, account=row.user)


@bp.route("/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = services.find_user_by_identifier(db.session, form.identifier.data)
        if user is not None and user.is_active and user.email and mail_configured():
            token = services.issue_reset_token(db.session, _settings(), None, user)
            db.session.commit()
            link = url_for("auth.reset_password", t=token, _external=True)
            send_mail(user.email, _("Đặt lại mật khẩu lms"),
                      _("Mở liên kết sau để đặt mật khẩu mới (dùng một lần): %(link)s", link=link))
        # The same answer whether or not the account exists.
        flash(_("Nếu tài khoản có e-mail, chúng tôi đã gửi liên kết đặt lại mật khẩu. "
                "Nếu không nhận được, hãy liên hệ quản trị trường."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form, mail=mail_configured())
