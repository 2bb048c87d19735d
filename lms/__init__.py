"""lms: online teaching, homework, exams, grade books and cashless fees for Vietnamese schools."""
from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request, session
from flask_login import current_user

from lms.config import DEV_SECRET_KEY, config_from_env
from lms.extensions import babel, bootstrap, csrf, db, login_manager, migrate


def create_app(config: type | dict | None = None) -> Flask:
    app = Flask(__name__, static_folder="../static", static_url_path="/static", instance_relative_config=False)
    app.config.from_object(config_from_env())
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    _check_secrets(app)
    from lms.core.timeutil import set_school_tz

    set_school_tz(app.config["BABEL_DEFAULT_TIMEZONE"])
    app.config["INSTANCE_DIR"].mkdir(parents=True, exist_ok=True)
    if app.config.get("STORAGE", "local") == "local":
        app.config["UPLOAD_DIR"].mkdir(parents=True, exist_ok=True)
    from lms.core.storage import storage_for

    storage_for(app.config)  # a missing bucket name stops the app here, with the setting named

    if app.config.get("PROXY_HOPS"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from lms import models  # noqa: F401  (every table registered before migrations look)

    from lms.core.tenancy import SessionInterface

    app.session_interface = SessionInterface()
    db.init_app(app)
    from lms.db import ping_idle_connections, sqlite_savepoints, sqlite_waits_for_locks

    with app.app_context():
        ping_idle_connections(db.engine)
        sqlite_waits_for_locks(db.engine)
        sqlite_savepoints(db.engine)
    migrate.init_app(app, db, directory=str(app.config.get("MIGRATIONS_DIR", _migrations_dir())))
    csrf.init_app(app)
    bootstrap.init_app(app)
    from lms.core.assets import install_assets

    install_assets(app)
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=lambda: app.config["BABEL_DEFAULT_TIMEZONE"])
    _init_login(app)

    from lms.auth.passwords import Hasher
    from lms.auth.services import AuthSettings
    from lms.auth.throttle import Ceiling

    app.extensions["lms_auth"] = AuthSettings(
        hasher=Hasher(app.config["ARGON2_TIME_COST"], app.config["ARGON2_MEMORY_KIB"], app.config["ARGON2_PARALLELISM"]),
        free_failures=app.config["LOGIN_FREE_FAILURES"], lock_after=app.config["LOGIN_LOCK_AFTER"],
        lock_minutes=app.config["LOGIN_LOCK_MINUTES"], idle_minutes=app.config["SESSION_IDLE_MINUTES"],
        absolute_hours=app.config["SESSION_ABSOLUTE_HOURS"], remember_days=app.config["REMEMBER_DAYS"],
        reset_hours=app.config["PASSWORD_RESET_HOURS"],
        ip_ceiling=Ceiling(app.config["LOGIN_IP_MAX_FAILURES"], app.config["LOGIN_IP_WINDOW_MINUTES"]),
        account_ceiling=Ceiling(app.config["LOGIN_ACCOUNT_MAX_FAILURES"], app.config["LOGIN_ACCOUNT_WINDOW_MINUTES"]))

    from lms.core.security import install_headers
    from lms.core.signing import signer_from_config

    install_headers(app)
    from lms.core.audited import install_read_audit

    install_read_audit(app)
    from lms.core.logs import install_logging

    install_logging(app)
    app.extensions["lms_signer"] = signer_from_config(app.config)
    from lms.billing.secrets import box_from_config

    app.extensions["lms_secrets"] = box_from_config(app.config)  # refuses production without LMS_SECRETS_KEY

    from lms.attendance.views import bp as attendance_bp
    from lms.core.inputs import install_inputs

    install_inputs(app)  # before the blueprints: their rules compile `<int:…>` when added
    from lms.auth.views import bp as auth_bp
    from lms.billing.views import bp as billing_bp
    from lms.billing.views_channels import bp as channels_bp
    from lms.billing.views_gateways import bp as gateways_bp
    from lms.courses.views import bp as courses_bp
    from lms.courses.views_comms import bp as comms_bp
    from lms.core.views_health import bp as health_bp
    from lms.courses.views_homework import bp as homework_bp
    from lms.courses.views_report import bp as report_bp
    from lms.exams.views import bp as exams_bp
    from lms.exams.views_attempts import bp as attempts_bp
    from lms.exams.views_import import bp as question_import_bp
    from lms.gradebook.transcript.views import bp as transcript_bp
    from lms.gradebook.views import bp as gradebook_bp
    from lms.home.views import bp as home_bp
    from lms.home.views_jobs import bp as jobs_bp
    from lms.messaging.views import bp as contact_bp
    from lms.messaging.views_hooks import bp as contact_hooks_bp
    from lms.people.views import bp as people_bp
    from lms.people.views_family import bp as family_bp
    from lms.reports.views import bp as reports_bp

    for blueprint in (auth_bp, home_bp, people_bp, family_bp, courses_bp, comms_bp, homework_bp, report_bp,
                      gradebook_bp, transcript_bp, jobs_bp, exams_bp, attempts_bp, question_import_bp, health_bp,
                      billing_bp, channels_bp, gateways_bp, reports_bp, attendance_bp, contact_bp, contact_hooks_bp):
        app.register_blueprint(blueprint)

    from lms.core.errors_views import install_error_handlers
    from lms.core.templating import install_template_helpers

    install_error_handlers(app)
    install_template_helpers(app)
    from lms.core.jobs import install_jobs
    from lms.core.mail import install_outbox

    install_outbox()
    install_jobs(app)

    from lms.exams.autosave import AutosaveFastPath

    app.wsgi_app = AutosaveFastPath(app, app.wsgi_app)

    from lms.cli import register_cli

    register_cli(app)

    @app.before_request
    def _load_context():
        from lms.core.tenancy import load_context

        g.ctx = load_context()

    return app


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"


def _check_secrets(app: Flask) -> None:
    from urllib.parse import urlsplit

    if app.config.get("ENV_NAME") == "production":
        key = app.config.get("SECRET_KEY") or ""
        if key == DEV_SECRET_KEY or len(key) < 32:
            raise RuntimeError("LMS_SECRET_KEY must be set to at least 32 random characters in production "
                               "(python -c 'import secrets; print(secrets.token_urlsafe(48))').")
        if app.debug:
            raise RuntimeError("debug mode is forbidden in production")
        if not (app.config.get("SIGNING_KEY") or app.config.get("SIGNING_KEY_FILE")):
            raise RuntimeError("LMS_SIGNING_KEY (or LMS_SIGNING_KEY_FILE) must be set in production: the school's "
                               "Ed25519 key that signs report cards (python -c 'import base64,os; "
                               "print(base64.b64encode(os.urandom(32)).decode())')")
        if not app.config.get("SECRETS_KEY"):
            raise RuntimeError("LMS_SECRETS_KEY must be set in production: the key that encrypts payment-channel "
                               "secrets (python -c 'from cryptography.fernet import Fernet; "
                               "print(Fernet.generate_key().decode())')")
        sandboxes = [name for name in ("PAYMENT_SANDBOX", "MESSAGING_SANDBOX") if app.config.get(name)]
        if sandboxes:
            raise RuntimeError(f"{', '.join(sandboxes)} must be off in production: the local imitations of the "
                               "banks, gateways and messaging providers answer only the demo and the tests")
        public = urlsplit(app.config.get("PUBLIC_BASE_URL") or "")
        if public.scheme != "https" or not public.netloc:
            raise RuntimeError("LMS_PUBLIC_BASE_URL must be set in production to the https address users and payment "
                               "providers reach the app at (e.g. https://lms.example.edu.vn): receipts' QR codes, "
                               "gateway return and notification URLs are built from it")


def _select_locale() -> str:
    if not has_request_context():  # CLI commands and jobs speak the default language
        return "vi"
    languages = current_app.config["LANGUAGES"]
    chosen = g.get("lang") or session.get("lang")  # g.lang: set by views that read no session
    if chosen in languages:
        return chosen
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _signed_out():
    from lms.core.errors_views import signed_out_answer

    return signed_out_answer()


def _init_login(app: Flask) -> None:
    from lms.auth.services import resolve_session

    login_manager.init_app(app)
    # Signed out, expired or ended: the school's sign-in address, `next`, and what happened, said.
    login_manager.unauthorized_handler(lambda: _signed_out())
    # Sessions are server-side rows; the "remember me" cookie of Flask-Login is never used.
    login_manager.session_protection = None

    # The login manager is one object for every app of the process, and so is its loader: it reads
    # the settings of the app serving the request, never those of the app created last.
    @login_manager.user_loader
    def _load_user(user_id: str):
        try:
            uid = int(user_id)
        except (TypeError, ValueError):
            return None
        user = resolve_session(db.session, current_app.extensions["lms_auth"], session.get("sid"), uid)
        if user is None:
            session.pop("sid", None)
        return user

    from lms.core.downloads import one_disposition

    app.after_request(one_disposition)

    @app.after_request
    def _commit_session_touch(response):
        # resolve_session may move last_seen forward; persist it without disturbing the view's work.
        if db.session.dirty and request.method in ("GET", "HEAD"):
            db.session.commit()
        return response
