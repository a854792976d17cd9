"""How long a sign-in lasts: SESSION_IDLE_MINUTES without a request, SESSION_MAX_HOURS in
all. Both are measured from times kept in the signed session cookie and checked on the
server at every request, so re-signing the cookie (a flash, a new CSRF token) never
extends them."""
import time

from flask import current_app, flash, session

AUTH_AT, SEEN_AT = "_auth_at", "_seen_at"
TOUCH_EVERY = 60  # seconds: how stale "last seen" may get before it is written again


def start() -> None:
    """A new sign-in: what the visitor's session held before is dropped (a new session),
    the clocks start. Call before ``login_user``."""
    session.clear()
    session[AUTH_AT] = session[SEEN_AT] = int(time.time())


def still_valid() -> bool:
    """True while the sign-in is within both limits (and notes this request); False, with
    a message for the login page, once either has passed."""
    config, now = current_app.config, int(time.time())
    auth_at, seen_at = session.get(AUTH_AT), session.get(SEEN_AT)
    if not isinstance(auth_at, int) or not isinstance(seen_at, int):
        return False
    if (now - auth_at > config["SESSION_MAX_HOURS"] * 3600
            or now - seen_at > config["SESSION_IDLE_MINUTES"] * 60):
        session.pop(AUTH_AT, None)
        session.pop(SEEN_AT, None)
        flash("登录已超时，请重新登录。", "info")
        return False
    if now - seen_at >= TOUCH_EVERY:
        session[SEEN_AT] = now
    return True


SECOND_STEP = "_second_step"


def begin_second_step(user) -> None:
    """The password was right and a code comes next: a new session that names the user
    and when, but is not signed in (no ``_user_id``)."""
    session.clear()
    session[SECOND_STEP] = {"user": user.get_id(), "at": int(time.time())}


def second_step_user() -> str | None:
    """The session id of the user half-way through signing in, while within
    SECOND_STEP_MINUTES of the password; None (and forgotten) after."""
    value = session.get(SECOND_STEP)
    if not isinstance(value, dict) or not isinstance(value.get("at"), int):
        return None
    if int(time.time()) - value["at"] > current_app.config["SECOND_STEP_MINUTES"] * 60:
        session.pop(SECOND_STEP, None)
        return None
    return value.get("user") if isinstance(value.get("user"), str) else None


def end_second_step() -> None:
    session.pop(SECOND_STEP, None)
