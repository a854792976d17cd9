"""场景对接平台: the application factory."""
import hmac
import secrets

from flask import Flask, current_app, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from marketplace.config import INSTANCE_DIR, Config
from marketplace.extensions import babel, csrf, db, limiter, login_manager


def create_app(config_object=Config, **overrides) -> Flask:
    app = Flask(__name__, template_folder="../templates", static_folder="../static",
                instance_path=str(INSTANCE_DIR))
    app.config.from_object(config_object)
    app.config.update(overrides)
    if app.config["PREFER_HTTPS"]:
        app.config.update(SESSION_COOKIE_SECURE=True, PREFERRED_URL_SCHEME="https")
    app.json.ensure_ascii = False  # audit before/after shown as readable Chinese
    _ensure_secret_key(app)
    _trust_proxies(app)

    db.init_app(app)
    csrf.init_app(app)
    babel.init_app(app)
    limiter.init_app(app)
    _init_login(app)
    from marketplace.search import runtime as search_runtime

    search_runtime.init_app(app)

    from marketplace import models  # noqa: F401  (registers every model with metadata)
    from marketplace.notifications import subscribers  # noqa: F401  (connects receivers)
    from marketplace.cli import register_cli
    from marketplace.errors import register_error_pages
    from marketplace.web import register_blueprints, register_template_helpers

    register_blueprints(app)
    register_template_helpers(app)
    register_error_pages(app)
    register_cli(app)
    app.after_request(_security_headers)
    if app.config["SEARCH_BACKGROUND_DRAIN"]:
        from marketplace.sync.steps import start_background

        start_background(app)
    return app


def _ensure_secret_key(app: Flask) -> None:
    """Production sets SECRET_KEY; the embedded setup keeps a generated one in instance/."""
    if app.config.get("SECRET_KEY"):
        return
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32), encoding="utf-8")
        key_file.chmod(0o600)
    app.config["SECRET_KEY"] = key_file.read_text(encoding="utf-8").strip()


def _trust_proxies(app: Flask) -> None:
    """Behind PROXY_COUNT reverse proxies (nginx, a load balancer) take the client's
    address and scheme from their X-Forwarded-* headers: rate limits per address and
    the audit log's address would otherwise see only the proxy. Without proxies the
    headers are ignored, since any client can send them."""
    count = app.config["PROXY_COUNT"]
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


def _init_login(app: Flask) -> None:
    from sqlalchemy.orm import joinedload

    from marketplace.accounts import sessions
    from marketplace.accounts.models import User

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "请先登录。"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str):
        user_id, _, token = session_id.partition(":")
        if not user_id.isdigit() or not token:
            return None
        # Its organization in the same statement: every signed-in page's header reads it.
        user = db.session.get(User, int(user_id), options=[joinedload(User.organization)])
        if user is None or not user.active:
            return None
        # A rotated token (logout elsewhere, password change) ends this session.
        if not hmac.compare_digest(user.session_token, token):
            return None
        return user if sessions.still_valid() else None


def _security_headers(response):
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'self'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config["PREFER_HTTPS"]:
        response.headers.setdefault("Strict-Transport-Security",
                                    "max-age=31536000; includeSubDomains")
    if request.endpoint != "static" and current_user.is_authenticated:
        # A signed-in page holds personal data: not kept by the browser or a proxy, so
        # "back" after logout on a shared computer shows nothing.
        response.headers["Cache-Control"] = "no-store"
    return response
