"""Sign in and out, language, role switching, password change and reset."""
from __future__ import annotations

from flask import (Blueprint, current_app, flash, g, redirect, render_template, request, session,
                   url_for)
from flask_login import current_user, login_required, login_user, logout_user

from lms.auth import second_factor, services, views_devices as devices
from lms.auth.forms import (ChangePasswordForm, CodeForm, ContextForm, DisableSecondFactorForm,
                            EnableSecondFactorForm, ForgotPasswordForm, LoginForm, ResetPasswordForm)
from lms.auth.models import User
from lms.core.errors import ValidationError
from lms.core.forms import Form
from lms.core.requests import committing, status_of
from lms.core.timeutil import utcnow
from lms.core.mail import mail_configured
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
    school = _sign_in_school(request.args.get("school"))
    status = 200
    if form.validate_on_submit():
        part = school.part if school else None
        key = services.sign_in_key(form.identifier.data, part)
        try:
            user = services.authenticate(db.session, _settings(), form.identifier.data, form.password.data,
                                         ip=client_ip(), device=devices.known(request.cookies, key), school=part)
        except services.SignInThrottled as exc:
            db.session.commit()  # the attempt is counted even though it is refused
            form.password.errors.append(str(exc.message))
            status = 429
        except services.SignInRefused as exc:
            db.session.commit()
            form.password.errors.append(str(exc.message))
            status = 200
        else:
            if user.totp_enabled:
                db.session.commit()
                _fresh_session()
                # Half signed in: the password was right; the code decides (within five minutes).
                session["pending_2fa"] = {"user": user.id, "remember": bool(form.remember.data), "key": key,
                                          "next": form.next.data or "", "at": int(utcnow().timestamp()),
                                          "school": part}
                return redirect(url_for("auth.login_code"))
            return _signed_in(user, bool(form.remember.data), form.next.data, key, part)
    return render_template("auth/login.html", form=form, school=school,
                           unknown_school=request.args.get("school") if school is None else None), status


def _sign_in_school(part: str | None):
    """The school whose sign-in address this is (`/login?school=thcs-nd`), or None: there a
    pupil's code alone signs that school's pupil in."""
    from lms.people.accounts import sign_in_school

    return sign_in_school(db.session, part) if part else None


def _fresh_session() -> None:
    lang = session.get("lang")
    session.clear()  # a fresh session at every sign-in (no fixation)
    if lang:
        session["lang"] = lang


def _signed_in(user, remember: bool, next_url: str | None, key: str | None, school: str | None):
    _fresh_session()
    if school:   # the school's sign-in address it came by, where signing out leads back
        session["sign_in_school"] = school
    token = services.start_session(db.session, _settings(), user, remember=remember, ip=client_ip(),
                                   user_agent=request.user_agent.string)
    db.session.commit()
    session["sid"] = token
    session.permanent = remember
    login_user(user)
    response = redirect(safe_next(next_url, _landing(user)))
    if key:   # this identifier's device from now on (lms.auth.views_devices)
        devices.remember(response, request.cookies, key)
    return response


PENDING_SECONDS = 300


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    """The second step of signing in, for an account with an authenticator app."""
    pending = session.get("pending_2fa") or {}
    user = db.session.get(User, pending.get("user") or 0)
    if user is None or not user.is_active or utcnow().timestamp() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop("pending_2fa", None)
        flash(_("Hãy đăng nhập lại."), "warning")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            how = second_factor.verify(db.session, current_app.extensions["lms_secrets"], user, form.code.data,
                                       policy=_settings().policy, ip=client_ip())
        except second_factor.SecondFactorThrottled as exc:
            db.session.commit()
            form.code.errors.append(str(exc.message))
            status = 429
        except ValidationError as exc:
            db.session.commit()  # the failure is counted
            form.code.errors.append(str(exc.message))
            status = 422
        else:
            if how == "recovery":
                flash(_("Đã dùng một mã khôi phục. Hãy tạo bộ mã mới trong Tài khoản → Xác thực hai lớp."), "warning")
            return _signed_in(user, bool(pending.get("remember")), pending.get("next"), pending.get("key"),
                              pending.get("school"))
    return render_template("auth/login_code.html", form=form), status


@bp.before_app_request
def _second_factor_first():
    """While a school requires it of one of the account's roles and it is not set up, every page
    leads to setting it up (signing out, the language and the password stay possible)."""
    if request.endpoint in _OPEN_DURING_SETUP or not current_user.is_authenticated:
        return None
    if current_user.totp_enabled or not second_factor.required(current_user):
        return None
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return {"error": {"status": 403, "message": _("Cần bật xác thực hai lớp trước.")}}, 403
    return redirect(url_for("auth.two_factor"))


_OPEN_DURING_SETUP = {"auth.two_factor", "auth.logout", "auth.language", "auth.change_password", "static",
                      "bootstrap.static",
                      "health.healthz", "health.readyz", "auth.login", "auth.login_code"}


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor():
    """Set up, renew the recovery codes of, or turn off the authenticator app."""
    box = current_app.extensions["lms_secrets"]
    enable_form, disable_form, codes = EnableSecondFactorForm(), DisableSecondFactorForm(), None
    action = request.form.get("action") if request.method == "POST" else None
    if action == "enable" and not current_user.totp_enabled and enable_form.validate_on_submit():
        secret = session.get("new_totp_secret")
        with committing(enable_form) as outcome:
            if not secret:
                raise ValidationError(_("Hãy quét lại mã QR."), field="code")
            codes = second_factor.enable(db.session, box, current_user, secret, enable_form.code.data)
        if outcome.ok:
            session.pop("new_totp_secret", None)
    elif action == "codes" and current_user.totp_enabled and Form().validate_on_submit():
        codes = second_factor.regenerate_recovery_codes(db.session, current_user)
        db.session.commit()
    elif action == "disable" and current_user.totp_enabled and disable_form.validate_on_submit():
        if second_factor.required(current_user):
            flash(_("Trường của bạn bắt buộc xác thực hai lớp cho vai trò quản trị và kế toán."), "warning")
        elif not _settings().hasher.verify(current_user.password_hash, disable_form.password.data):
            disable_form.password.errors.append(_("Mật khẩu hiện tại không đúng."))
        else:
            second_factor.disable(db.session, current_user, current_user)
            db.session.commit()
            flash(_("Đã tắt xác thực hai lớp."), "success")
            return redirect(url_for("auth.two_factor"))
    setup = None
    if not current_user.totp_enabled and codes is None:
        if "new_totp_secret" not in session:
            session["new_totp_secret"] = second_factor.new_secret()
        secret = session["new_totp_secret"]
        from lms.core.qr import qr_data_url

        uri = second_factor.provisioning_uri(secret, current_user)
        setup = {"secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)), "qr": qr_data_url(uri)}
    status = 422 if enable_form.errors or disable_form.errors else 200
    return render_template("auth/two_factor.html", enable_form=enable_form, disable_form=disable_form, codes=codes,
                           setup=setup, required=second_factor.required(current_user),
                           left=second_factor.recovery_left(db.session, current_user) if current_user.totp_enabled
                           else 0), status


def _landing(user) -> str:
    """Home, or first the schools' invitations waiting for this account's answer."""
    from lms.people.accounts import pending_for

    return url_for("people.invitations") if pending_for(db.session, user) else url_for("home.index")


@bp.route("/logout", methods=["POST"])
def logout():
    services.end_session(db.session, session.get("sid"))
    db.session.commit()
    logout_user()
    lang, school = session.get("lang"), session.get("sign_in_school")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login", school=school or None))


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
        with committing(form, fields={"password": "new_password"}) as outcome:
            services.change_password(db.session, _settings(), current_user, form.current_password.data,
                                     form.new_password.data, keep_token=session.get("sid"),
                                     sign_out_others=bool(form.sign_out_others.data))
        if outcome.ok:
            flash(_("Đã đổi mật khẩu."), "success")
            return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form,
                           sessions=services.active_session_count(db.session, current_user)), status_of(form)


@bp.route("/reset", methods=["GET", "POST"])
def reset_password():
    # The token travels in the query string, which access logs leave out (gunicorn.conf.py).
    token = request.args.get("t", "")
    row = services.find_reset_token(db.session, token)  # 404 page when invalid or expired
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with committing(form, fields={"password": "new_password"}) as outcome:
            services.reset_password(db.session, _settings(), token, form.new_password.data)
        if outcome.ok:
            if current_user.is_authenticated:
                logout_user()
                session.clear()
            flash(_("Đã đặt mật khẩu mới. Hãy đăng nhập."), "success")
            pupil = _pupil_sign_in(row.user)
            return redirect(url_for("auth.login", school=pupil.part) if pupil else url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form, account=row.user,
                           pupil=_pupil_sign_in(row.user)), status_of(form)


def _pupil_sign_in(user):
    """A pupil's code and school's sign-in address, for the page that sets the password; None for others."""
    from types import SimpleNamespace

    from lms.people import accounts, imports

    found = imports.pupil_sign_in(db.session, user)
    if found is None:
        return None
    part = accounts.school_part(found[1])
    return SimpleNamespace(code=found[0], part=part, address=url_for("auth.login", school=part, _external=True))


@bp.route("/forgot", methods=["GET", "POST"])
def forgot_password():
    """Asked from a school's sign-in address (`?school=`), it keeps it: a pupil's code alone names
    that school's pupil here too, and the answer leads back there."""
    form = ForgotPasswordForm()
    school = _sign_in_school(request.args.get("school"))
    part = school.part if school else None
    if form.validate_on_submit():
        if mail_configured():
            # The same work for every identifier, an account's or not: seal and queue. The job finds
            # the account, makes its one-time token and sends the e-mail after this answer is gone.
            services.queue_reset_request(db.session, current_app.extensions["lms_secrets"], form.identifier.data,
                                         _("Đặt lại mật khẩu lms"),
                                         _("Mở liên kết sau để đặt mật khẩu mới (dùng một lần): %(link)s",
                                           link="{link}"), current_app.config["PUBLIC_BASE_URL"], school=part)
            db.session.commit()
        # The same answer whether or not the account exists.
        flash(_("Nếu tài khoản có e-mail, chúng tôi đã gửi liên kết đặt lại mật khẩu. "
                "Nếu không nhận được, hãy liên hệ quản trị trường."), "info")
        return redirect(url_for("auth.login", school=part))
    return render_template("auth/forgot.html", form=form, mail=mail_configured(), school=school)
