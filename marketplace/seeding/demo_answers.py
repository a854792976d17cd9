"""Demo 揭榜 activity: questions, proposals and pairings at several funnel stages, so the
proposal, evaluation and funnel pages have something to show. Through the services."""

import sqlalchemy as sa

from marketplace.accounts.models import Organization
from marketplace.db import beijing_today
from marketplace.extensions import db
from marketplace.matching import pairings, signing
from marketplace.opportunities.models import Opportunity
from marketplace.products.models import Product
from marketplace.proposals import services as proposals

PROPOSERS = ("中国移动通信集团江西有限公司南昌分公司", "中国电信股份有限公司南昌分公司")


def _published_product(org) -> Product | None:
    return db.session.scalar(sa.select(Product).where(
        Product.organization_id == org.id, Product.status == "published").limit(1))


def _propose(org, opportunity, summary: str):
    product = _published_product(org)
    proposal = proposals.create_proposal(org.users[0], opportunity, {
        "summary": summary,
        "approach": "一、现状调研与需求确认；二、方案设计与联调；三、试点部署与培训；四、验收与运维。"
                    "项目组由项目经理、架构师和现场实施工程师组成，提供 7×24 小时运维保障。",
        "timeline": "签约后 90 天内完成部署", "price_wan": "180",
        "product_ids": [str(product.id)] if product else [],
        "members": [{"name": "联想人工智能研究院", "role": "算法模型与技术支撑"}]})
    proposals.submit(org.users[0], proposal)
    return proposal


def load_answers(department_name: str) -> None:
    department = db.session.scalar(sa.select(Organization).where(
        Organization.name == department_name))
    bidders = [db.session.scalar(sa.select(Organization).where(Organization.name == name))
               for name in PROPOSERS]
    opportunities = db.session.scalars(sa.select(Opportunity).where(
        Opportunity.organization_id == department.id, Opportunity.status == "published")
        .order_by(Opportunity.public_number).limit(2)).all()
    officer = department.users[0]
    for opportunity in opportunities:
        question = proposals.ask(bidders[0].users[0], opportunity,
                                 "请问项目是否需要与区里现有的视频平台对接？")
        proposals.answer(officer, question, "需要，平台接口文档将在签约后提供。")
    first, second = opportunities[0], opportunities[-1]
    chosen = _propose(bidders[0], first, "基于 5G 与物联网的整体解决方案，分两期实施。")
    runner_up = _propose(bidders[1], first, "云网一体方案，复用已有政务云资源。")
    proposals.decide(officer, runner_up, "shortlist")
    match = pairings.select_proposal(officer, chosen)
    pairings.advance(bidders[0].users[0], match, "negotiating")
    # Two-sided like in the UI: the department records the contract, the enterprise
    # confirms it; both agree to show the amount in the results list.
    signing.record(officer, match, {"contract_date": beijing_today().isoformat(),
                                    "contract_amount_wan": "168", "disclose_amount": True})
    signing.confirm(bidders[0].users[0], match, disclose_amount=True)
    if second.id != first.id:
        pairings.select_proposal(officer, _propose(bidders[1], second, "试点先行的轻量方案。"))
