"""Configuration, read from the environment (see README, "配置")."""
import os
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'marketplace.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # SQLite: GET requests read side by side; False makes every transaction take the
    # write lock, one at a time (see marketplace/db.py).
    SQLITE_DEFERRED_READS = True

    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"

    # Sessions: server-side revocation via User.session_token; no remember-me cookie.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    # Served over HTTPS (behind the organization's proxy): cookies only over HTTPS, HSTS,
    # https links in e-mails. create_app derives those from this one switch.
    PREFER_HTTPS = _bool("PREFER_HTTPS", False)
    # How many reverse proxies stand in front (nginx: 1; a load balancer and nginx: 2).
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    # Rate limits (Flask-Limiter): counted in Redis when RATELIMIT_STORAGE_URI names it
    # (production, several workers), in the process's memory otherwise. A storage outage
    # falls back to memory rather than refusing requests.
    # (Not RATELIMIT_ENABLED: Flask-Limiter keeps that on its one, process-wide object.)
    RATE_LIMITS = _bool("RATE_LIMITS", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    LIMIT_LOGIN_PER_ADDRESS = os.environ.get("LIMIT_LOGIN_PER_ADDRESS", "20 per minute")
    LIMIT_LOGIN_PER_ACCOUNT = os.environ.get("LIMIT_LOGIN_PER_ACCOUNT", "10 per minute")
    LIMIT_REGISTER = os.environ.get("LIMIT_REGISTER", "10 per hour")
    LIMIT_PASSWORD_CHANGE = os.environ.get("LIMIT_PASSWORD_CHANGE", "5 per minute")
    LIMIT_SEARCH = os.environ.get("LIMIT_SEARCH", "60 per minute")
    LIMIT_EXPORT = os.environ.get("LIMIT_EXPORT", "30 per minute")
    LIMIT_CONTACT_VIEW = os.environ.get("LIMIT_CONTACT_VIEW", "60 per hour")
    # A sign-in ends after this long without a request, and this long in all (等保 2.0:
    # session timeout); neither is extended by activity past its own rule.
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
    SESSION_MAX_HOURS = int(os.environ.get("SESSION_MAX_HOURS", "12"))

    # The second factor (TOTP): required of administrators and auditors when on (the
    # demo, `make run`, and the tests turn it off); the half-signed-in state between
    # password and code lasts this long. TOTP secrets are stored encrypted with
    # TOTP_ENCRYPTION_KEY (a Fernet key), else with a key derived from SECRET_KEY.
    REQUIRE_ADMIN_TOTP = _bool("REQUIRE_ADMIN_TOTP", True)
    SECOND_STEP_MINUTES = int(os.environ.get("SECOND_STEP_MINUTES", "5"))
    TOTP_ENCRYPTION_KEY = os.environ.get("TOTP_ENCRYPTION_KEY", "")

    LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
    LOGIN_LOCK_MINUTES = int(os.environ.get("LOGIN_LOCK_MINUTES", "30"))
    # werkzeug's default (scrypt) is the slow hash we want; tests use a cheaper one.
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt")
    # The password policy (accounts/passwords.py): the 等保 2.0 profile by default.
    PASSWORD_MIN_LENGTH = int(os.environ.get("PASSWORD_MIN_LENGTH", "10"))
    PASSWORD_MIN_CLASSES = int(os.environ.get("PASSWORD_MIN_CLASSES", "3"))
    PASSWORD_MAX_AGE_DAYS = int(os.environ.get("PASSWORD_MAX_AGE_DAYS", "90"))

    PAGE_SIZE = 20
    # The header's 工作台/通知 numbers are kept this long in the session (a user's own
    # changes show at once; others' within this time); 0 counts them on every page.
    HEADER_COUNTS_SECONDS = int(os.environ.get("HEADER_COUNTS_SECONDS", "30"))
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    # E-mail: with no MAIL_SERVER, messages are written to the log (development).
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "noreply@localhost")
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_MB", "10")) * 1024 * 1024
    MAX_CONTENT_LENGTH = UPLOAD_MAX_BYTES + 1024 * 1024
    # The web import of lists (transfer/stash.py): a file waits here between its preview
    # and the confirmation, for at most IMPORT_PREVIEW_MINUTES.
    IMPORT_DIR = os.environ.get("IMPORT_DIR", str(INSTANCE_DIR / "imports"))
    IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_MB", "2")) * 1024 * 1024
    IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "2000"))
    IMPORT_PREVIEW_MINUTES = int(os.environ.get("IMPORT_PREVIEW_MINUTES", "30"))
    STALE_MATCH_DAYS = int(os.environ.get("STALE_MATCH_DAYS", "30"))
    OUTCOME_REMINDER_DAYS = int(os.environ.get("OUTCOME_REMINDER_DAYS", "28"))
    DEADLINE_REMINDER_DAYS = int(os.environ.get("DEADLINE_REMINDER_DAYS", "3"))
    # whoosh (files under SEARCH_INDEX_DIR, one machine) or postgres (tables in the
    # application's PostgreSQL database, shared by every node); after switching, run
    # `flask search rebuild` (search.backend).
    SEARCH_BACKEND = os.environ.get("SEARCH_BACKEND", "whoosh")
    SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR", str(INSTANCE_DIR / "search-index"))
    # A drain thread inside the web process: right for one process (make run), wrong for
    # several workers, where `flask search sync --follow` is the single writer.
    SEARCH_BACKGROUND_DRAIN = _bool("SEARCH_BACKGROUND_DRAIN", False)
    # Two listings of one list scoring at least this (0..1, search.lookalikes) are shown
    # to reviewers as possible duplicates. 0.5 sits above every pair of the labelled sets
    # written to be distinct (at most 0.49) and below the same product or need written up
    # twice by different people (tests/search/test_lookalikes.py).
    LOOKALIKE_THRESHOLD = float(os.environ.get("LOOKALIKE_THRESHOLD", "0.5"))
    DEMO_LOGINS_FILE = os.environ.get("DEMO_LOGINS_FILE", str(INSTANCE_DIR / "demo-logins.txt"))
    WTF_CSRF_TIME_LIMIT = None  # tied to the session, which already expires


class TestConfig(Config):
    TESTING = True
    RATE_LIMITS = False  # tests of the limits turn them on (tests/test_rate_limits.py)
    REQUIRE_ADMIN_TOTP = False  # tests of the second factor turn it on
    SECRET_KEY = "test-secret-key"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    SQLALCHEMY_ENGINE_OPTIONS = {}
