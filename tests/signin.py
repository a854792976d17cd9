"""Signing a test client in without the login page: the session holds what a real sign-in
leaves there (the user, and the clocks of accounts/sessions.py)."""
import time

from marketplace.accounts import sessions


def sign_in_session(client, user) -> None:
    """``user``: a User, or its session id (``User.get_id()``)."""
    session_id = user if isinstance(user, str) else user.get_id()
    with client.session_transaction() as session:
        session.clear()
        session["_user_id"], session["_fresh"] = session_id, True
        session[sessions.AUTH_AT] = session[sessions.SEEN_AT] = int(time.time())
