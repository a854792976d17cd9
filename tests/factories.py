"""Test data built through the services, so objects are in states the app can reach:
organizations and users, listings, questions, proposals, pairings, events and their
registrations. Only time is arranged by hand (``age_pairing``)."""
import itertools
from datetime import date, timedelta

import sqlalchemy as sa
from stdnum.cn import uscc

from marketplace.accounts import auditors
from marketplace.accounts import services as accounts
from marketplace.accounts.models import Organization, User
from marketplace.db import beijing_today, utcnow
from marketplace.events import services as events
from marketplace.extensions import db
from marketplace.listings import services as listing_services
from marketplace.matching import pairings, signing
from marketplace.matching.models import Match, MatchStageChange
from marketplace.opportunities import services as opportunities
from marketplace.products import services as products
from marketplace.proposals import services as proposals
from marketplace.proposals.models import Proposal, Question
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

    def region_admin(self, region: str = "360113") -> User:
        """A region administrator of ``region`` (a city or district), opened by a platform
        admin through the service."""
        n = next(_counter)
        user = accounts.create_region_admin(self._system_admin(), {
            "region_code": region, "user_name": f"区域管理员{n}",
            "email": f"region{n}@test.cn", "password": PASSWORD})
        db.session.commit()
        return user

    def auditor(self) -> User:
        """An auditor, opened by a platform admin through the service."""
        n = next(_counter)
        user = auditors.create_auditor(self._system_admin(), {
            "user_name": f"审计员{n}", "email": f"auditor{n}@test.cn", "password": PASSWORD})
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
            "deadline": (beijing_today() + timedelta(days=60)).isoformat(),
            "timeline": "签约后 6 个月内完成", "contact_name": "王先生",
            "contact_phone": "13812345678", "contact_consent": True,
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
            "contact_consent": True,
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
            listing_services.submit(owner, item)
        admin = None
        if status in ("returned", "approved", "published", "closed"):
            admin = self._system_admin()
            if status == "returned":
                listing_services.review(admin, item, "return", "请补充预算明细")
            else:
                listing_services.review(admin, item, "approve")
        if status in ("published", "closed"):
            release = releases.create_release(admin, {"year": 2026})
            releases.add_items(admin, release, kind, [item.id])
            releases.publish_release(admin, release, date(2026, 5, 1))
        if status == "closed":
            listing_services.close(owner, item, "已签约")
        db.session.commit()
        return item

    def opportunity(self, org, status="draft", **overrides):
        return self.listing("opportunity", org, status, **overrides)

    def product(self, org, status="draft", **overrides):
        return self.listing("product", org, status, **overrides)

    # -- questions, proposals and pairings, through their services -----------------------
    def question(self, opportunity, organization, text: str = "停车场数据接口采用什么协议？",
                 answer: str | None = None) -> Question:
        """A question by ``organization`` on a published opportunity, answered by the
        owning department when ``answer`` is given. Both steps notify (see clear_messages
        in tests/notifications/conftest.py)."""
        question = proposals.ask(organization.users[0], opportunity, text)
        if answer is not None:
            proposals.answer(opportunity.organization.users[0], question, answer)
        db.session.commit()
        return question

    @staticmethod
    def proposal_data(**overrides) -> dict:
        data = {"summary": "基于地磁与视频桩的泊位感知方案", "approach": "地磁+视频桩，三个月完成部署。",
                "timeline": "签约后 90 天", "price_wan": "280", "product_ids": [], "members": []}
        data.update(overrides)
        return data

    def proposal(self, opportunity, organization, status: str = "draft", reason: str = "",
                 **overrides) -> Proposal:
        """``organization``'s proposal to an open opportunity, taken to ``status`` by the
        services: submitted; withdrawn; shortlisted; not_selected (with ``reason``, which
        the service requires); selected, as the department does it, which also starts a
        pairing at 已对接 (matching.pairings.select_proposal)."""
        author, department = organization.users[0], opportunity.organization.users[0]
        proposal = proposals.create_proposal(author, opportunity, self.proposal_data(**overrides))
        if status != "draft":
            proposals.submit(author, proposal)
        if status == "withdrawn":
            proposals.withdraw(author, proposal)
        elif status == "shortlisted":
            proposals.decide(department, proposal, "shortlist", reason)
        elif status == "not_selected":
            proposals.decide(department, proposal, "decline", reason or "报价超出预算")
        elif status == "selected":
            pairings.select_proposal(department, proposal, reason)
        elif status not in ("draft", "submitted"):
            raise ValueError(f"no way to a {status} proposal here")
        db.session.commit()
        return proposal

    STAGE_VALUES = {"delivered": ("delivery_note",), "terminated": ("termination_reason",)}
    # How a pairing at 已对接 reaches each stage (the signing is two-sided).
    PAIRING_PATHS = {"contacted": (), "negotiating": ("negotiating",),
                     "signing": ("negotiating", "signing"),
                     "signed": ("negotiating", "signing", "signed"),
                     "delivered": ("negotiating", "signing", "signed", "delivered"),
                     "terminated": ("terminated",)}

    def pairing(self, opportunity, supplier, stage: str = "contacted", *, product=None,
                changed_days_ago: int = 0, disclose: tuple[bool, bool] = (False, False),
                **values) -> Match:
        """A pairing recorded by a platform admin (start_manual: 已对接) and advanced one
        stage at a time to ``stage``; ``terminated`` ends it at 已对接. The signing is
        recorded by the department's first user (``contract_date``, default today;
        ``contract_amount_wan``, default 100) — 待确认签约 — and confirmed by the
        supplier's (已签约); ``disclose`` is (the department's, the supplier's) consent to
        show the amount. 已落地 takes ``delivery_note``, 终止 ``termination_reason``.
        Every step notifies. ``changed_days_ago`` then ages the stage change (see
        age_pairing)."""
        admin = self._system_admin()
        match = pairings.start_manual(admin, opportunity, supplier, product)
        data = {"contract_date": beijing_today().isoformat(), "contract_amount_wan": "100",
                "delivery_note": "系统已上线运行，日均服务 2 万人次。",
                "termination_reason": "需求已取消"}
        data.update(values)
        if stage not in self.PAIRING_PATHS:
            raise ValueError(f"no way to a {stage} pairing here")
        for target in self.PAIRING_PATHS[stage]:
            if target == "signing":
                signing.record(opportunity.organization.users[0], match,
                               {**data, "disclose_amount": disclose[0]})
            elif target == "signed":
                signing.confirm(supplier.users[0], match, disclose[1])
            else:
                pairings.advance(admin, match, target,
                                 {k: data[k] for k in self.STAGE_VALUES.get(target, ())})
        db.session.commit()
        if changed_days_ago:
            self.age_pairing(match, changed_days_ago)
        return match

    @staticmethod
    def age_pairing(match: Match, days: int) -> None:
        """Move the pairing's history ``days`` into the past (its last stage change and
        every dated step), as if nothing had happened since."""
        shift = timedelta(days=days)
        db.session.execute(sa.update(Match).where(Match.id == match.id)
                           .values(stage_changed_at=utcnow() - shift))
        for change_id, created_at in db.session.execute(
                sa.select(MatchStageChange.id, MatchStageChange.created_at)
                .where(MatchStageChange.match_id == match.id)).all():
            db.session.execute(sa.update(MatchStageChange)
                               .where(MatchStageChange.id == change_id)
                               .values(created_at=created_at - shift))
        db.session.commit()
        db.session.refresh(match)

    @staticmethod
    def event_data(**overrides) -> dict:
        """An event of 红谷滩区 in ten days, registration open now (times in UTC)."""
        now = utcnow().replace(second=0, microsecond=0)
        data = {"kind": "matchmaking", "title": "数字经济供需对接会", "region_code": "360113",
                "summary": "围绕城市治理与产业数字化开展供需对接。",
                "venue": "红谷滩区会展中心", "starts_at": now + timedelta(days=10),
                "ends_at": now + timedelta(days=10, hours=4),
                "registration_opens_at": now - timedelta(days=1),
                "registration_closes_at": now + timedelta(days=9), "capacity": "50",
                "offer_hours": "24"}
        data.update(overrides)
        return data

    def event(self, actor: User | None = None, **overrides):
        """An event created by ``actor`` (default: a platform admin) through the service."""
        event = events.create_event(actor or self._system_admin(), self.event_data(**overrides))
        db.session.commit()
        return event

    def registration(self, event, org: Organization, names=("张三",), user: User | None = None,
                     **data):
        """``org`` registers for ``event`` with attendees ``names`` (by one of its members)."""
        user = user or (org.users[0] if org.users else self.member(org))
        registration = events.register(
            user, event, {"attendees": [{"name": n, "title": "经理"} for n in names], **data})
        db.session.commit()
        return registration

    def _system_admin(self) -> User:
        admin = db.session.scalar(sa.select(User).where(User.is_platform_admin.is_(True))
                                  .limit(1))
        return admin or self.admin()

    # -- outcomes: meetings made directly (the schedule builder's rows), events aged ------
    def meeting(self, demand, supply, *, session: int = 0, slot: int = 0, table: int = 0,
                kind: str = "manual", opportunity=None, product=None):
        """A 1:1 meeting of a demand and a supply registration of one event at ``slot`` of
        session ``session`` (the session starts with the event if it is missing)."""
        from marketplace.events.models import EventSession, Meeting
        event = demand.event
        if not any(s.position == session for s in event.sessions):
            event.sessions.append(EventSession(position=session, starts_at=event.starts_at,
                                               slots=max(slot + 1, 8)))
        meeting = Meeting(event_id=event.id, demand_id=demand.id, supply_id=supply.id,
                          session=session, slot=slot, table_number=table, kind=kind,
                          opportunity_id=getattr(opportunity, "id", None),
                          product_id=getattr(product, "id", None))
        db.session.add(meeting)
        db.session.commit()
        return meeting

    @staticmethod
    def age_event(event, days: int = 11) -> None:
        """Move the event (its times and its sessions) ``days`` into the past; the default
        takes an event of ``event_data`` to one that ended yesterday."""
        shift = timedelta(days=days)
        for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
            setattr(event, name, getattr(event, name) - shift)
        for session in event.sessions:
            session.starts_at -= shift
        db.session.commit()

    @staticmethod
    def bring(registration, *listings):
        """``registration`` brings ``listings`` to its event (opportunities or products,
        by its side)."""
        registration.listings.extend(listings)
        db.session.commit()
        return registration
