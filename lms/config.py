"""Settings. Everything that varies by deployment comes from LMS_* environment variables."""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-only-not-secret-change-me"


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"LMS_{name}")
    return value if value not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    return int(value) if value is not None else default


def _env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    """One of `choices`; any other value stops the app at start with the setting named."""
    value = _env(name, default)
    if value not in choices:
        raise ValueError(f"LMS_{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    ENV_NAME = _env("ENV", "development")
    SECRET_KEY = _env("SECRET_KEY", DEV_SECRET_KEY)
    INSTANCE_DIR = Path(_env("INSTANCE_DIR", str(BASE_DIR / "instance")))
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'lms.sqlite3'}")
    # Idle connections are pinged before use (lms.db.ping_idle_connections), not every checkout.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    UPLOAD_DIR = Path(_env("UPLOAD_DIR", str(INSTANCE_DIR / "uploads")))
    # Where stored files live (lms/core/storage.py): the folder above, or an S3-compatible bucket
    # so that app servers share no file system.
    STORAGE = _env_choice("STORAGE", ("local", "s3"), "local")
    S3_BUCKET = _env("S3_BUCKET")
    S3_PREFIX = _env("S3_PREFIX", "")
    S3_ENDPOINT_URL = _env("S3_ENDPOINT_URL")             # MinIO, Ceph…; unset: the provider's default
    S3_REGION = _env("S3_REGION", "us-east-1")
    S3_ACCESS_KEY_ID = _env("S3_ACCESS_KEY_ID")           # unset: boto3's own credential chain
    S3_SECRET_ACCESS_KEY = _env("S3_SECRET_ACCESS_KEY")
    S3_ADDRESSING_STYLE = _env_choice("S3_ADDRESSING_STYLE", ("path", "virtual", "auto"), "path")
    S3_CREATE_BUCKET = _env_bool("S3_CREATE_BUCKET", False)
    # Downloads redirect to a signed address of the bucket instead of passing through the app
    # (the proxy must serve the bucket on the site's own origin: deploy/nginx.conf).
    S3_SIGNED_URLS = _env_bool("S3_SIGNED_URLS", False)
    S3_URL_SECONDS = _env_int("S3_URL_SECONDS", 60)
    S3_PUBLIC_ENDPOINT_URL = _env("S3_PUBLIC_ENDPOINT_URL")  # the bucket's address as browsers see it
    # Per-kind limits for lesson files and library resources (MB); the request limit is the largest.
    UPLOAD_LIMITS_MB = {"image": _env_int("UPLOAD_IMAGE_MB", 10), "document": _env_int("UPLOAD_DOCUMENT_MB", 25),
                        "audio": _env_int("UPLOAD_AUDIO_MB", 40), "video": _env_int("UPLOAD_VIDEO_MB", 150)}
    MAX_CONTENT_LENGTH = (max(UPLOAD_LIMITS_MB.values()) + 1) * 1024 * 1024
    MAX_FORM_PARTS = 1000
    IMPORT_MAX_ROWS = _env_int("IMPORT_MAX_ROWS", 5000)

    LANGUAGES = ("vi", "en")
    # The language of a visitor who has not chosen one (a signed-in user's own choice wins).
    BABEL_DEFAULT_LOCALE = _env_choice("DEFAULT_LOCALE", LANGUAGES, "vi")
    BABEL_DEFAULT_TIMEZONE = _env("TIMEZONE", "Asia/Ho_Chi_Minh")  # read through lms.core.timeutil.school_tz()
    BOOTSTRAP_SERVE_LOCAL = True
    # The name parents and pupils know the service by, on the sign-in page and where no one school applies.
    PRODUCT_NAME = _env("PRODUCT_NAME", "Trường học số")

    # Sessions: a signed cookie carrying only a reference to a server-side session row.
    SESSION_COOKIE_NAME = "lms_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # One JSON object per line with request ids (production default), or plain text.
    LOG_FORMAT = _env("LOG_FORMAT", "json" if _env("ENV", "development") == "production" else "text")
    LOG_LEVEL = _env("LOG_LEVEL", "INFO")
    SESSION_COOKIE_SECURE = _env_bool("COOKIE_SECURE", False)
    REMEMBER_DAYS = min(_env_int("REMEMBER_DAYS", 30), 30)
    PERMANENT_SESSION_LIFETIME = timedelta(days=REMEMBER_DAYS)
    SESSION_IDLE_MINUTES = _env_int("SESSION_IDLE_MINUTES", 120)
    SESSION_ABSOLUTE_HOURS = _env_int("SESSION_ABSOLUTE_HOURS", 12)
    # Flask-WTF tokens must outlive a long exam page; the session itself bounds their life.
    WTF_CSRF_TIME_LIMIT = None

    # Password hashing (argon2id): t=2, m=19 MiB, p=1, one of ASVS 5.0 Appendix C's settings
    # (domain/security.md §33). t=3, 64 MiB, p=4 costs ~200 ms of a core per sign-in, so 1,000
    # pupils starting an exam within a minute would need 3.3 cores for hashing alone; this costs
    # ~30 ms (README "Password hashing"). Hashes made with other parameters are re-made with these
    # at the account's next sign-in.
    ARGON2_TIME_COST = _env_int("ARGON2_TIME_COST", 2)
    ARGON2_MEMORY_KIB = _env_int("ARGON2_MEMORY_KIB", 19456)
    ARGON2_PARALLELISM = _env_int("ARGON2_PARALLELISM", 1)

    # Per-account throttling of sign-in.
    LOGIN_FREE_FAILURES = _env_int("LOGIN_FREE_FAILURES", 5)
    LOGIN_LOCK_AFTER = _env_int("LOGIN_LOCK_AFTER", 10)
    LOGIN_LOCK_MINUTES = _env_int("LOGIN_LOCK_MINUTES", 15)
    # A ceiling of failed sign-ins per address (0 = none): far above what a lab of 40 pupils makes.
    LOGIN_IP_MAX_FAILURES = _env_int("LOGIN_IP_MAX_FAILURES", 300)
    LOGIN_IP_WINDOW_MINUTES = _env_int("LOGIN_IP_WINDOW_MINUTES", 15)
    # A ceiling of failed sign-ins per account over all addresses (0 = none): a spread-out guesser.
    # Its windows follow one another, so any hour meets at most two: 50 keeps every hour at ≤ 100
    # guesses processed (security.md #30). Browsers the account signed in on are not held by it.
    LOGIN_ACCOUNT_MAX_FAILURES = _env_int("LOGIN_ACCOUNT_MAX_FAILURES", 50)
    LOGIN_ACCOUNT_WINDOW_MINUTES = _env_int("LOGIN_ACCOUNT_WINDOW_MINUTES", 60)

    PASSWORD_RESET_HOURS = _env_int("PASSWORD_RESET_HOURS", 72)
    # The address users and payment providers reach the app at: receipts' QR codes, gateway
    # return and notification URLs, e-mail links. Required in production (https); `make run` sets it.
    PUBLIC_BASE_URL = _env("PUBLIC_BASE_URL") or (None if _env("ENV", "development") == "production"
                                                  else "http://127.0.0.1:5000")

    SMTP_HOST = _env("SMTP_HOST")
    SMTP_PORT = _env_int("SMTP_PORT", 587)
    SMTP_USER = _env("SMTP_USER")
    SMTP_PASSWORD = _env("SMTP_PASSWORD")
    SMTP_STARTTLS = _env_bool("SMTP_STARTTLS", True)
    MAIL_FROM = _env("MAIL_FROM", "lms@localhost")

    PROXY_HOPS = _env_int("PROXY_HOPS", 0)
    TESTING = False

    # The school documents' Ed25519 signing key (report cards); see lms/core/signing.py.
    SIGNING_KEY = _env("SIGNING_KEY")
    SIGNING_KEY_FILE = _env("SIGNING_KEY_FILE")
    SIGNING_RETIRED_KEYS = _env("SIGNING_RETIRED_KEYS")
    # The key that encrypts payment-channel secrets at rest (Fernet: urlsafe base64 of 32 bytes);
    # see lms/billing/secrets.py. Required in production; generated into the instance folder otherwise.
    SECRETS_KEY = _env("SECRETS_KEY")
    # Local imitations of the payment providers (VNPay, MoMo, payOS, the wallet aggregator, a bank
    # transfer): on in the demo and the tests only, never in production.
    PAYMENT_SANDBOX = _env("PAYMENT_SANDBOX", "1") == "1" and _env("ENV", "development") != "production"
    # Where the sandbox's gateway pages are served (another origin than PUBLIC_BASE_URL, as a real
    # gateway is: e.g. http://localhost:5000 beside http://127.0.0.1:5000); default PUBLIC_BASE_URL.
    PAYMENT_SANDBOX_URL = _env("PAYMENT_SANDBOX_URL")
    # The sandbox's own memory (what its pretend providers answer a status query with): a SQLite
    # file of its own, never the school's database; default INSTANCE_DIR/payment-sandbox.sqlite3.
    PAYMENT_SANDBOX_STORE = _env("PAYMENT_SANDBOX_STORE")
    # Local imitations of Zalo ZNS and eSMS for the contact book: on in the demo and the tests
    # only, never in production.
    MESSAGING_SANDBOX = _env("MESSAGING_SANDBOX", "1") == "1" and _env("ENV", "development") != "production"
    # The national transcript (học bạ số, lms/gradebook/transcript): the roots verification trusts (the
    # government CA's root certificates: PEM/DER files or folders, comma-separated), the RFC 3161
    # time-stamping authority, VNPT SmartCA's service-provider account (sp769 API), a file overriding
    # the Ministry code lists, and the local signing sandbox (a CA, a time-stamping unit and an imitation
    # of SmartCA with its phone page: demo and tests only, never in production).
    TRUST_ROOTS = _env("TRUST_ROOTS")
    TSA_URL = _env("TSA_URL")
    SMARTCA_URL = _env("SMARTCA_URL")
    SMARTCA_SP_ID = _env("SMARTCA_SP_ID")
    SMARTCA_SP_PASSWORD = _env("SMARTCA_SP_PASSWORD")
    SMARTCA_POLL_SECONDS = _env_int("SMARTCA_POLL_SECONDS", 10)
    # Viettel MySign (remote signing): base URL and the integrator's client account; empty = sandbox or off.
    MYSIGN_URL = _env("MYSIGN_URL")
    MYSIGN_CLIENT_ID = _env("MYSIGN_CLIENT_ID")
    MYSIGN_CLIENT_SECRET = _env("MYSIGN_CLIENT_SECRET")
    MYSIGN_PROFILE_ID = _env("MYSIGN_PROFILE_ID")
    MOET_CODES_FILE = _env("MOET_CODES_FILE")
    SIGNING_SANDBOX = _env("SIGNING_SANDBOX", "1") == "1" and _env("ENV", "development") != "production"
    # Background jobs without Redis run in this many threads of each app process.
    JOB_THREADS = _env_int("JOB_THREADS", 2)
    REDIS_URL = _env("REDIS_URL")           # set: jobs go to RQ workers (`flask worker`)
    # Periodic work (finishing overdue exam attempts) runs this often in each app process; 0 = off.
    SCHEDULER_SECONDS = _env_int("SCHEDULER_SECONDS", 60)
    # `flask seed-demo` issues last year's report cards of one class (about 15 s of PDF rendering).
    DEMO_REPORT_CARDS = True

    @classmethod
    def is_production(cls) -> bool:
        return cls.ENV_NAME == "production"


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-lms_session"


class TestConfig(Config):
    TESTING = True
    ENV_NAME = "test"
    SECRET_KEY = "test-secret-key-test-secret-key-0123456789"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    WTF_CSRF_ENABLED = True
    # Cheap hashes keep the suite fast; production parameters have their own test.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_KIB = 8192
    ARGON2_PARALLELISM = 1
    SERVER_NAME = None
    DEMO_REPORT_CARDS = False  # the demo tests do not wait for PDFs; the report-card tests issue their own
    SCHEDULER_SECONDS = 0      # tests run the periodic work themselves
    REDIS_URL = None           # jobs run in threads unless a test starts a Redis
    # A fixed key for tests only (base64 of 32 bytes); never used outside the test suite.
    SIGNING_KEY = "dGVzdC1vbmx5LWVkMjU1MTktc2VlZC0wMTIzNDU2Nzg="
    SECRETS_KEY = "dGVzdC1vbmx5LXNlY3JldHMta2V5LTAxMjM0NTY3ODk="
    PAYMENT_SANDBOX = True
    MESSAGING_SANDBOX = True
    SIGNING_SANDBOX = True
    SMARTCA_POLL_SECONDS = 0.2
    TSA_URL = None
    TRUST_ROOTS = None


def config_from_env() -> type[Config]:
    return ProductionConfig if Config.is_production() else Config
