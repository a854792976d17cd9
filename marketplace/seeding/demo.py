"""`flask seed demo`: demo accounts (a platform admin, a region administrator per seeded
district), enterprises and listings, two published releases.

Everything goes through the services the UI uses, so the demo data is validated and
audited like real data. Demo passwords are generated per database and written to
instance/demo-logins.txt (never fixed in code).
"""
import json
import secrets
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Organization, User
from flask import current_app
from marketplace.db import beijing_today, utcnow
from marketplace.extensions import db
from marketplace.listings import services as listing_services
from marketplace.notifications.models import EmailMessage
from marketplace.opportunities import services as opportunities
from marketplace.products import services as products
from marketplace.releases import services as releases
from marketplace.seeding import SEED_DIR
from marketplace.seeding.demo_answers import load_answers
from marketplace.seeding.demo_events import load_events
from marketplace.seeding.demo_programme import load_programme
from marketplace.taxonomy.queries import field_by_name, tag_by_name

DEMO_DEPARTMENT = "红谷滩区科学技术和经济信息化局"
DEMO_ENTERPRISE = "中国移动通信集团江西有限公司南昌分公司"
# One region administrator per district the demo organizations are in.
DEMO_REGION_ADMINS = {"360113": ("hgt", "红谷滩区管理员"), "360103": ("xh", "西湖区管理员"),
                      "420102": ("ja", "江岸区管理员")}
RELEASES = [
    {"year": 2026, "title": "2026年第一批机会清单和产品清单", "published_on": date(2026, 4, 20)},
    {"year": 2026, "title": "2026年第二批机会清单和产品清单", "published_on": date(2026, 9, 16)},
]


def _password() -> str:
    return f"Demo-{secrets.token_urlsafe(9)}7"


def _read(name: str):
    return json.loads((SEED_DIR / "demo" / name).read_text(encoding="utf-8"))


def _org_user(admin: User, org: Organization, issued: dict[str, str]) -> User:
    """The organization's first user; the platform admin opens it when there is none
    (with a password of its own, noted in ``issued`` by e-mail)."""
    if org.users:
        return org.users[0]
    email = f"dept{org.id}@demo.example.cn"
    issued[email] = _password()
    return accounts.add_member(admin, org, {
        "user_name": f"{org.short_name or org.name[:10]}管理员", "email": email,
        "password": issued[email], "org_role": "admin"})


def _future(value: str | None) -> str | None:
    """Keep demo deadlines in the future whatever year the demo is loaded in."""
    if not value:
        return None
    deadline, today = date.fromisoformat(value), beijing_today()
    while deadline <= today:
        deadline = deadline.replace(year=deadline.year + 1)
    return deadline.isoformat()


def _form_data(row: dict) -> dict:
    field = field_by_name(row["field"])
    data = {**row, "field_id": field.id if field else None, "region_code": row["region"],
            "tag_ids": [tag_by_name(name).id for name in row.get("tags", [])],
            # The demo's contacts are invented office numbers, shown as consented ones are.
            "contact_consent": row.get("contact_consent", True)}
    if "name" in row and "title" not in row:
        data["title"] = row["name"]
    if "deadline" in row:
        data["deadline"] = _future(row["deadline"])
    return data


def _advance(admin, owner, item, row, release_by_number) -> None:
    state = row["state"]
    if state == "draft":
        return
    listing_services.submit(owner, item)
    if state == "submitted":
        return
    if state == "returned":
        listing_services.review(admin, item, "return", row.get("return_reason") or "请补充材料。")
        return
    listing_services.review(admin, item, "approve")
    if state in ("published", "closed"):
        releases.add_items(admin, release_by_number[row["release"]], item.kind, [item.id])


def load_demo() -> dict:
    """Create demo accounts and data; returns the logins to print."""
    if db.session.scalar(sa.select(sa.func.count(User.id))):
        raise RuntimeError("数据库中已有用户，演示数据只能载入空数据库。")
    # Every account its own generated password (none shared, none fixed in code).
    issued = {"admin@demo.example.cn": _password()}
    admin = accounts.create_platform_admin("admin@demo.example.cn", "平台管理员",
                                           issued["admin@demo.example.cn"])

    for row in _read("organizations.json"):
        email = f"org{row['uscc'][-6:].lower()}@demo.example.cn"
        issued[email] = _password()
        org, _ = accounts.register_organization({
            **row, "region_code": row["region"], "user_name": f"{row['short_name']}管理员",
            "email": email, "password": issued[email]})
        accounts.review_organization(admin, org, "verify")

    release_by_number = {
        number: releases.create_release(admin, spec)
        for number, spec in enumerate(RELEASES, start=1)}
    closing = []
    for filename, service in (("opportunities.json", opportunities),
                              ("products.json", products)):
        for row in _read(filename):
            org = db.session.scalar(sa.select(Organization)
                                    .where(Organization.name == row["organization"]))
            owner = _org_user(admin, org, issued)
            item = service.create(owner, _form_data(row))
            _advance(admin, owner, item, row, release_by_number)
            if row["state"] == "closed":
                closing.append((owner, item, row.get("outcome") or "已对接"))
    for number, spec in enumerate(RELEASES, start=1):
        releases.publish_release(admin, release_by_number[number], spec["published_on"])
    for owner, item, outcome in closing:
        listing_services.close(owner, item, outcome)
    _org_user(admin, db.session.scalar(sa.select(Organization).where(
        Organization.name == DEMO_DEPARTMENT)), issued)
    load_answers(DEMO_DEPARTMENT)
    load_programme(admin)
    load_events(admin)
    _settle_demo_emails()

    department = db.session.scalar(sa.select(Organization)
                                   .where(Organization.name == DEMO_DEPARTMENT))
    enterprise = db.session.scalar(sa.select(Organization)
                                   .where(Organization.name == DEMO_ENTERPRISE))
    region_admins = []
    for code, (slug, name) in DEMO_REGION_ADMINS.items():
        email = f"region-{slug}@demo.example.cn"
        issued[email] = _password()
        region_admins.append(accounts.create_region_admin(admin, {
            "region_code": code, "user_name": name, "email": email,
            "password": issued[email]}))
    department_user = _org_user(admin, department, issued)
    logins = [("平台管理员", admin.email, issued[admin.email]),
              *[(user.role_label, user.email, issued[user.email]) for user in region_admins],
              (f"部门用户（{department.name}）", department_user.email,
               issued[department_user.email]),
              (f"企业用户（{enterprise.name}）", enterprise.users[0].email,
               issued[enterprise.users[0].email])]
    _write_logins(logins)
    return {"logins": logins}


def _settle_demo_emails() -> None:
    """The demo's own activity addressed mail to the fictitious demo accounts: keep the
    in-app notifications, mark those e-mails as handled so a configured SMTP server never
    sends them (recorded in last_error, not silently dropped)."""
    db.session.execute(sa.update(EmailMessage).where(EmailMessage.sent_at.is_(None)).values(
        sent_at=utcnow(), last_error="演示数据：未实际发送"))


def logins_file() -> Path:
    return Path(current_app.config["DEMO_LOGINS_FILE"])


def _write_logins(logins) -> None:
    path = logins_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["演示账号（仅用于本地演示环境）："]
    lines += [f"  {label}: {email} / {password}" for label, email, password in logins]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
