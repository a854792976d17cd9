"""Security headers on every page: each GET page of the authorization matrix's catalogue
(tests/authz_pages.py, authz_events.py — every GET route has one) opened anonymously and
signed in, whatever it answers (the page, a redirect, a refusal, not found):

* a Content-Security-Policy whose scripts come from the site only: no 'unsafe-inline',
  'unsafe-eval', wildcard, data: or other origin in script-src (or default-src, its
  fallback), and frame-ancestors 'none';
* X-Frame-Options DENY, X-Content-Type-Options nosniff, a Referrer-Policy that sends no
  address to other sites;
* Cache-Control no-store whenever someone is signed in, and on every download (an
  attachment, signed in or not), which also carries a sandboxing policy of its own;
* and the HTML holds nothing that policy would block (so the policy can stay strict): no
  inline script other than JSON data, no on…= handler attributes, no javascript: URLs.
"""
import re

import pytest

from tests.authz_cases import SIGNED_IN, World
from tests.test_authz_matrix import PAGES, build_url, client_for

SAFE_REFERRER = {"no-referrer", "same-origin", "strict-origin",
                 "strict-origin-when-cross-origin"}
# Signed in: an allowed role (the page itself, not only its refusal), else an outsider.
PREFERENCE = ("member", "org_admin", "counterpart", "platform_admin", "region_admin",
              "other_member", "other_admin", "other_region_admin")
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)([^>]*)>", re.I)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed.setdefault(words[0].lower(), words[1:])
    return parsed


def header_problems(response, signed_in: bool) -> list[str]:
    problems = []
    policy = directives(response.headers.get("Content-Security-Policy", ""))
    scripts = policy.get("script-src", policy.get("default-src"))
    if scripts is None:
        problems.append("no script-src or default-src")
    else:
        bad = [s for s in scripts if s.lower() not in ("'self'", "'none'")
               and not s.startswith(("'nonce-", "'sha256-"))]
        if bad:
            problems.append(f"script-src allows {bad}")
    if policy.get("frame-ancestors") != ["'none'"]:
        problems.append(f"frame-ancestors {policy.get('frame-ancestors')}")
    if response.headers.get("X-Frame-Options") != "DENY":
        problems.append("X-Frame-Options")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("X-Content-Type-Options")
    if response.headers.get("Referrer-Policy") not in SAFE_REFERRER:
        problems.append(f"Referrer-Policy {response.headers.get('Referrer-Policy')}")
    download = response.headers.get("Content-Disposition", "").startswith("attachment")
    if (signed_in or download) and "no-store" not in response.headers.get("Cache-Control", ""):
        problems.append(f"Cache-Control {response.headers.get('Cache-Control')}")
    if download and policy.get("sandbox") is None:
        problems.append("a download without the sandbox policy")
    return problems


def markup_problems(response) -> list[str]:
    if response.status_code != 200 or response.mimetype != "text/html":
        return []
    html = response.get_data(as_text=True)
    problems = [f"inline script {attrs.strip()!r}" for attrs in INLINE_SCRIPT.findall(html)
                if 'type="application/json"' not in attrs]
    problems += [f"handler {found[:60]!r}" for found in HANDLER.findall(html)]
    if "javascript:" in html.lower():
        problems.append("javascript: URL")
    return problems


def _signed_in_role(page) -> str:
    return next(role for role in PREFERENCE if role in page.allowed or role == PREFERENCE[-1])


@pytest.mark.parametrize("page", PAGES, ids=[page.id for page in PAGES])
def test_every_page_carries_the_security_headers(app, make, page):
    world = World(make, page.kind, "verified")
    url = build_url(app, page.endpoint, page.arrange(world))
    for role in ("anonymous", _signed_in_role(page)):
        assert role == "anonymous" or role in SIGNED_IN
        response = client_for(app, world.users[role]).get(url)
        problems = header_problems(response, signed_in=role != "anonymous")
        problems += markup_problems(response)
        assert problems == [], (role, response.status_code, problems)


def test_error_pages_and_static_files_carry_them_too(app, make):
    member = make.member(make.org())
    for user in (None, member):
        client = client_for(app, user)
        for url in ("/no-such-page", "/static/css/app.css"):
            response = client.get(url)
            assert header_problems(response, signed_in=False) == [], (url, user)
        missing = client.get("/no-such-page")
        assert missing.status_code == 404
        if user is not None:
            assert header_problems(missing, signed_in=True) == []


def test_a_weak_policy_is_caught(app):
    """The checks above can fail: a policy with inline scripts, a missing header."""
    response = app.response_class("<p onclick=x()>", mimetype="text/html", headers={
        "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'",
        "X-Content-Type-Options": "nosniff"})
    problems = header_problems(response, signed_in=True) + markup_problems(response)
    assert len(problems) == 6, problems
