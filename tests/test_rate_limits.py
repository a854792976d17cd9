"""Rate limits (D7): logins per address and per account, registration, password change,
search and exports; a refused request gets the Chinese 429 page and changes nothing.
Counted in memory here, and in the Redis server when RATELIMIT_STORAGE_URI names it."""
import os
import secrets

import pytest
import redis
import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.audit import AuditLog
from marketplace.extensions import db
from tests.factories import PASSWORD, Factory

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
LIMITS = {"RATE_LIMITS": True, "LIMIT_LOGIN_PER_ADDRESS": "6 per minute",
          "LIMIT_LOGIN_PER_ACCOUNT": "3 per minute", "LIMIT_REGISTER": "2 per hour",
          "LIMIT_SEARCH": "4 per minute", "LIMIT_EXPORT": "2 per minute",
          "LIMIT_PASSWORD_CHANGE": "2 per minute"}


def login(client, email, password="wrong-password-1", address="10.0.0.1"):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def audit_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(AuditLog.id)))


def test_logins_are_limited_per_account_whatever_the_address(app_with):
    app = app_with(**LIMITS)
    client = app.test_client()
    statuses = [login(client, "someone@test.cn", address=f"10.0.0.{i}").status_code
                for i in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    before = audit_rows(app)
    refused = login(client, "someone@test.cn", address="10.0.0.9")
    assert refused.status_code == 429 and "请求过于频繁" in refused.get_data(as_text=True)
    assert "Retry-After" in refused.headers
    assert audit_rows(app) == before  # refused before the password was looked at
    assert login(client, "other@test.cn", address="10.0.0.9").status_code == 200


def test_logins_are_limited_per_address_across_accounts(app_with):
    app = app_with(**LIMITS)
    client = app.test_client()
    statuses = [login(client, f"user{i}@test.cn").status_code for i in range(8)]
    assert statuses == [200] * 6 + [429, 429]
    assert login(client, "user0@test.cn", address="10.0.0.2").status_code == 200
    assert client.get("/login", environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 200


def _login_through_proxy(client, email, client_address, proxy="10.9.9.9"):
    return client.post("/login", data={"email": email, "password": "wrong-password-1"},
                       environ_base={"REMOTE_ADDR": proxy},
                       headers={"X-Forwarded-For": client_address})


def _last_login_address(app) -> str:
    with app.app_context():
        return db.session.scalar(sa.select(AuditLog.ip_address).order_by(
            AuditLog.id.desc()).limit(1))


def test_behind_a_proxy_clients_are_told_apart_by_their_forwarded_address(app_with):
    """nginx in front (PROXY_COUNT=1): each client has its own per-address budget and
    the audit log records the client, not the proxy."""
    app = app_with(**LIMITS, PROXY_COUNT=1)
    client = app.test_client()
    statuses = [_login_through_proxy(client, f"user{i}@test.cn", "203.0.113.7").status_code
                for i in range(7)]
    assert statuses == [200] * 6 + [429]
    assert _login_through_proxy(client, "user0@test.cn", "203.0.113.8").status_code == 200
    assert _last_login_address(app) == "203.0.113.8"


def test_without_proxies_a_forwarded_address_is_not_believed(app_with):
    """Any client can send X-Forwarded-For: without PROXY_COUNT it changes nothing, so
    it cannot be used to escape the per-address limit or to forge the audited address."""
    app = app_with(**LIMITS)
    client = app.test_client()
    statuses = [_login_through_proxy(client, f"user{i}@test.cn", f"203.0.113.{i}").status_code
                for i in range(7)]
    assert statuses == [200] * 6 + [429]
    assert _last_login_address(app) == "10.9.9.9"


def test_registration_search_and_exports_are_limited(app_with):
    app = app_with(**LIMITS)
    client = app.test_client()
    registrations = [client.post("/register", data={"name": ""}).status_code
                     for _ in range(3)]
    assert registrations == [200, 200, 429]
    searches = [client.get("/search?q=停车").status_code for _ in range(5)]
    assert searches == [200] * 4 + [429]
    with app.app_context():
        item = Factory().opportunity(Factory().org("department"), status="published")
        release_id = item.release_id
    exports = [client.get(f"/releases/{release_id}.xlsx").status_code for _ in range(3)]
    assert exports == [200, 200, 429]


def test_password_changes_are_limited_per_user(app_with):
    app = app_with(**LIMITS)
    with app.app_context():
        user = Factory().org().users[0]
        email, user_id, password_hash = user.email, user.id, user.password_hash
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code == 302
    wrong = {"current_password": "not-the-password", "new_password": "N3w-password-x",
             "confirm": "N3w-password-x"}
    statuses = [client.post("/account", data=wrong).status_code for _ in range(3)]
    assert 429 not in statuses[:2] and statuses[2] == 429
    assert client.get("/account").status_code == 200  # reading the page is not limited
    with app.app_context():
        assert db.session.get(User, user_id).password_hash == password_hash


def test_limits_are_counted_in_redis(app_with):
    """With RATELIMIT_STORAGE_URI naming the Redis server (production: every worker
    shares it), the counts live there."""
    server = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        server.ping()
    except redis.RedisError as error:
        if os.environ.get("REQUIRE_REDIS") == "1":
            raise
        pytest.skip(f"Redis 不可用（{REDIS_URL}）：{error}")
    prefix = f"test-{secrets.token_hex(4)}"
    client = app_with(**LIMITS, RATELIMIT_STORAGE_URI=REDIS_URL,
                      RATELIMIT_KEY_PREFIX=prefix).test_client()
    statuses = [login(client, "shared@test.cn", address=f"10.1.0.{i}").status_code
                for i in range(4)]
    assert statuses == [200, 200, 200, 429]
    counted = server.keys(f"*{prefix}*")
    assert counted, "no count stored in Redis"
    server.delete(*counted)


def test_limits_are_off_where_the_setting_says(app_with):
    client = app_with(**{**LIMITS, "RATE_LIMITS": False}).test_client()
    assert {login(client, "someone@test.cn").status_code for _ in range(8)} == {200}
