"""Uploaded file names in a real browser: the payloads of test_xss.py as the names of
files posted to the two upload forms (proposal attachments, designation evidence) with
the form's own CSRF token, as a browser would send them (the name raw in the multipart
header). Then the pages that list them (the proposal, the designation, the audit log)
are opened in Chromium, and every download is fetched:

* pages: no dialog, no CSP violation, no injected element; each stored name shows as
  text, character for character;
* downloads: ``Content-Disposition`` is an attachment whose plain ``filename`` holds only
  ``[A-Za-z0-9._()- ]`` and whose ``filename*`` (RFC 5987) decodes to the stored name with
  the stored type's extension; no line breaks; the sandboxing CSP and ``nosniff``.
"""
import re
from urllib.parse import unquote

import pytest
import sqlalchemy as sa

from marketplace.demonstrations import services as programme
from marketplace.demonstrations.models import DesignationEvidence
from marketplace.extensions import db
from marketplace.proposals.models import Attachment
from tests.e2e.test_publish_flow import login
from tests.e2e.test_xss import PAYLOADS, WATCH, script_problems
from tests.factories import PASSWORD, Factory
from tests.proposals.test_attachments import make_png

try:
    from playwright.sync_api import Page
except ImportError:  # the ``browser`` fixture skips, or fails when REQUIRE_BROWSER=1
    Page = None

pytestmark = pytest.mark.browser

PER_PARENT = 10  # the most attachments a proposal (evidence files a designation) takes
DISPOSITION = re.compile(r"""attachment; filename="([A-Za-z0-9._()\- ]+)"; """
                         r"""filename\*=UTF-8''([A-Za-z0-9%!#$&+\-.^_`|~]+)""")


@pytest.fixture
def targets(live_server) -> dict:
    """Draft proposals and designations to upload to, enough of each for every payload."""
    make = Factory()
    with live_server.app.app_context():
        try:
            department, enterprise = make.org("department"), make.org()
            chunks = range(0, len(PAYLOADS), PER_PARENT)
            proposals = [make.proposal(make.opportunity(department, "published"), enterprise)
                         for _ in chunks]
            admin = make.admin()
            designations = [programme.designate(admin, {
                "kind": "zone", "region_code": "360113", "year": "2026",
                "name": f"文件名测试示范区{n}", "focus": "上传", "lead_unit": "测试局"})
                for n in chunks]
            db.session.commit()
            return {"email": enterprise.users[0].email, "proposals": [p.id for p in proposals],
                    "designations": [d.id for d in designations]}
        finally:
            db.session.remove()


def _upload(page: Page, form_page: str, action: str, name: str) -> None:
    page.goto(form_page)
    token = page.locator(f'form[action="{action}"] input[name="csrf_token"]').input_value()
    response = page.request.post(action, multipart={
        "csrf_token": token,
        "file": {"name": name, "mimeType": "image/png", "buffer": make_png()}})
    assert response.status < 400, (name, response.status)


def _stored(live_server, model, column, value) -> list:
    with live_server.app.app_context():
        try:
            return list(db.session.execute(
                sa.select(model.id, model.original_name).where(column == value)
                .order_by(model.id)))
        finally:
            db.session.remove()


def _page_problems(page: Page, path: str, names: list[str], dialogs: list) -> list[str]:
    response = page.goto(path)
    problems = [] if response and response.status == 200 else [f"{path}: {response}"]
    problems += script_problems(page, path, dialogs)
    text = page.inner_text("body")
    return problems + [f"{path}: not shown as text: {n!r}" for n in names if n not in text]


def _download_problems(page: Page, url: str, name: str) -> list[str]:
    response = page.request.get(url)
    headers = response.headers
    disposition = headers.get("content-disposition", "")
    found = DISPOSITION.fullmatch(disposition)
    problems = []
    if response.status != 200 or found is None or "\n" in disposition or "\r" in disposition:
        problems.append(f"{url}: {response.status} {disposition!r}")
    elif unquote(found.group(2)) not in (name, f"{name}.png"):
        problems.append(f"{url}: filename* {unquote(found.group(2))!r} is not {name!r}")
    if "sandbox" not in headers.get("content-security-policy", "") \
            or headers.get("x-content-type-options") != "nosniff":
        problems.append(f"{url}: headers {headers}")
    return problems


def test_uploaded_file_names_show_as_text(page: Page, live_server, targets):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.add_init_script(WATCH)
    login(page, targets["email"], PASSWORD)
    for n, payload in enumerate(PAYLOADS):
        proposal = targets["proposals"][n // PER_PARENT]
        _upload(page, f"/proposals/{proposal}", f"/proposals/{proposal}/attachments",
                f"{payload}.png")
    problems, attached = [], 0
    for proposal in targets["proposals"]:
        files = _stored(live_server, Attachment, Attachment.proposal_id, proposal)
        attached += len(files)
        problems += _page_problems(page, f"/proposals/{proposal}", [n for _, n in files],
                                   dialogs)
        for file_id, name in files:
            problems += _download_problems(page, f"/attachments/{file_id}", name)

    page.context.clear_cookies()
    login(page, live_server.admin_email, live_server.admin_password)
    for n, payload in enumerate(PAYLOADS):
        designation = targets["designations"][n // PER_PARENT]
        _upload(page, f"/programme/designations/{designation}",
                f"/programme/designations/{designation}/evidence", f"{payload}.png")
    evidence = []
    for designation in targets["designations"]:
        files = _stored(live_server, DesignationEvidence, DesignationEvidence.designation_id,
                        designation)
        evidence += files
        problems += _page_problems(page, f"/programme/designations/{designation}",
                                   [n for _, n in files], dialogs)
        for file_id, name in files:
            problems += _download_problems(page, f"/programme/evidence/{file_id}", name)
    problems += _page_problems(page, "/admin/audit", [], dialogs)
    assert (attached, len(evidence)) == (len(PAYLOADS), len(PAYLOADS))
    assert problems == []
