"""Which requests are rate-limited, and by what (等保 2.0 / ASVS: brute force and abuse).
The numbers are settings (config.py ``LIMIT_*``); a refused request gets the 429 page.

* login: per client address, and per account (the e-mail tried), POST only;
* registration: per address; password change: per signed-in user;
* search and exports: per address; full contact numbers: per signed-in user.
"""
from flask import current_app, request
from flask_login import current_user

from marketplace.extensions import limiter


@limiter.request_filter
def _switched_off() -> bool:
    """RATE_LIMITS (config) per app: Flask-Limiter's own switch is one for the process."""
    return not current_app.config["RATE_LIMITS"]


def _setting(name: str):
    return lambda: current_app.config[name]


def _account_tried() -> str:
    return "account:" + (request.form.get("email") or "").strip().lower()[:254]


def _user() -> str:
    return f"user:{current_user.get_id()}" if current_user.is_authenticated else \
        f"address:{request.remote_addr}"


login = limiter.shared_limit(_setting("LIMIT_LOGIN_PER_ADDRESS"), scope="login-address",
                             methods=["POST"])
login_account = limiter.limit(_setting("LIMIT_LOGIN_PER_ACCOUNT"), key_func=_account_tried,
                              methods=["POST"])
register = limiter.limit(_setting("LIMIT_REGISTER"), methods=["POST"])
password_change = limiter.limit(_setting("LIMIT_PASSWORD_CHANGE"), key_func=_user,
                                methods=["POST"])
search = limiter.limit(_setting("LIMIT_SEARCH"))
export = limiter.shared_limit(_setting("LIMIT_EXPORT"), scope="export")
# Full contact numbers one at a time: a scraper harvesting every number meets the limit.
contact = limiter.limit(_setting("LIMIT_CONTACT_VIEW"), key_func=_user, methods=["POST"])
