"""Test data built through the services, so objects are in states the app can reach."""
import itertools
from datetime import date, timedelta

import sqlalchemy as sa
from stdnum.cn import uscc

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Organization, User
from marketplace.extensions import db
from marketplace.listings import services as workflow
from marketplace.opportunities import services as opportunities
from marketplace.products import services as products
from marketplace.releases import services as releases
from marketplace.taxonomy.queries import field_by_name, tag_by_name

PASSWORD = "Passw0rd-for-tests"
_counter = itertools.count(1)


def valid_uscc(n: int) -> str:
    body = f"91360113MA{n:07d}"
    return body + uscc.calc_check_digit(body)


class Factory:
    password = PASSWORD

    def admin(self) -> User:
        n = next(_counter)
        user = accounts.create_platform_admin(f"admin{n}@test.cn", f"管理员{n}", PASSWORD)
        db.session.commit()
        return user

    def org(self, kind: str = "enterprise", status: str = "verified",
            region: str = "360113", name: str | None = None) -> Organization:
        n = next(_counter)
        org, user = accounts.register_organization({
            "name": name or f"测试{ {'department': '部门', 'enterprise': '企业', 'institute': '研究院'}[kind] }{n}",
            "kind": kind, "region_code": region,
            "uscc": "" if kind == "department" else valid_uscc(n),
            "user_name": f"管理员{n}", "email": f"orgadmin{n}@test.cn", "password": PASSWORD})
        if status != "pending":
            decision = {"verified": "verify", "rejected": "reject"}[status]
            accounts.review_organization(self._system_admin(), org, decision,
                                         "材料不全" if status == "rejected" else "")
        db.session.commit()
        return org

    def member(self, org: Organization, role: str = "member") -> User:
        n = next(_counter)
        user = User(email=f"member{n}@test.cn", name=f"成员{n}", organization=org,
                    org_role=role, password_hash=org.users[0].password_hash)
        db.session.add(user)
        db.session.commit()
        return user

    def org_admin(self, org: Organization) -> User:
        return org.users[0]

    @staticmethod
    def opportunity_data(**overrides) -> dict:
        data = {
            "title": "智慧停车诱导与泊位共享系统", "summary": "建设城区停车诱导屏和泊位共享平台。",
            "description": "覆盖核心商圈 20 个停车场，实时采集泊位数据并对外发布。",
            "field_id": str(field_by_name("交通出行").id),
            "tag_ids": [str(tag_by_name("智慧停车").id), str(tag_by_name("物联网").id)],
            "region_code": "360113", "budget_wan": "300", "cooperation_mode": "采购服务",
            "deadline": (date.today() + timedelta(days=60)).isoformat(),
            "timeline": "签约后 6 个月内完成", "contact_name": "王先生",
            "contact_phone": "13812345678",
        }
        data.update(overrides)
        return data

    @staticmethod
    def product_data(**overrides) -> dict:
        data = {
            "title": "城市级智慧停车管理平台", "summary": "路内外停车一体化管理。",
            "description": "基于地磁和视频桩的泊位感知，支持无感支付。",
            "field_id": str(field_by_name("交通出行").id),
            "tag_ids": [str(tag_by_name("智慧停车").id)], "region_code": "360100",
            "maturity": "成熟", "scenarios": "城市道路停车", "cases": "2025年在某区部署。",
            "contact_name": "李经理", "contact_phone": "0791-83881234",
        }
        data.update(overrides)
        return data

    def listing(self, kind: str, org: Organization, status: str = "draft", **overrides):
        """A listing of ``kind`` owned by ``org``, advanced to ``status`` via services."""
        owner = org.users[0]
        if kind == "opportunity":
            item = opportunities.create(owner, self.opportunity_data(**overrides))
        else:
            item = products.create(owner, self.product_data(**overrides))
        if status != "draft":
            workflow.submit(owner, item)
        admin = None
        if status in ("returned", "approved", "published", "closed"):
            admin = self._system_admin()
            if status == "returned":
                workflow.review(admin, item, "return", "请补充预算明细")
            else:
                workflow.review(admin, item, "approve")
        if status in ("published", "closed"):
            release = releases.create_release(admin, {"year": 2026})
            releases.add_items(admin, release, kind, [item.id])
            releases.publish_release(admin, release, date(2026, 5, 1))
        if status == "closed":
            workflow.close(owner, item, "已签约")
        db.session.commit()
        return item

    def opportunity(self, org, status="draft", **overrides):
        return self.listing("opportunity", org, status, **overrides)

    def product(self, org, status="draft", **overrides):
        return self.listing("product", org, status, **overrides)

    def _system_admin(self) -> User:
        admin = db.session.scalar(sa.select(User).where(User.is_platform_admin.is_(True))
                                  .limit(1))
        return admin or self.admin()
