"""Digests: which new opportunities a subscription selects, and when nothing is sent."""
from datetime import timedelta

import pytest

from marketplace.db import beijing_today, utcnow
from marketplace.extensions import db
from marketplace.matching.models import Recommendation
from marketplace.notifications.models import Subscription
from marketplace.reminders.digests import send_digests
from marketplace.taxonomy.queries import field_by_name, tag_by_name
from tests.notifications.conftest import clear_messages, inbox, outbox


@pytest.fixture
def opportunities(world, make):
    """Newly published opportunities that differ in one respect each."""
    o = {
        "parking": world.opportunity,  # 交通出行 · 360113 红谷滩区 · 智慧停车, 物联网
        "health": make.opportunity(world.department, "published",
                                   title="社区智慧养老服务平台",
                                   field_id=str(field_by_name("医疗健康").id),
                                   tag_ids=[str(tag_by_name("智慧养老").id)]),
        "wuhan": make.opportunity(world.department, "published", title="江岸区智慧停车试点",
                                  region_code="420102",
                                  tag_ids=[str(tag_by_name("智慧停车").id)]),
        "governance": make.opportunity(world.department, "published", title="一网统管平台",
                                       field_id=str(field_by_name("政务服务").id),
                                       tag_ids=[str(tag_by_name("一网统管").id)]),
    }
    clear_messages()
    return o


def _subscribe(user, **values) -> Subscription:
    sub = Subscription(user_id=user.id, **{"frequency": "daily", **values})
    db.session.add(sub)
    db.session.flush()
    return sub


def _digest_titles(user) -> list[str]:
    notes = inbox(user, "digest")
    assert len(notes) <= 1
    return sorted(line.split("] ", 1)[1] for line in notes[0].body.splitlines()
                  if line[:1].isdigit() and "] " in line) if notes else []


@pytest.mark.parametrize("criteria, expected", [
    ({"field_ids": ["交通出行"]}, ["parking", "wuhan"]),
    ({"field_ids": ["@数字生活"]}, ["health", "parking", "wuhan"]),  # a whole group
    ({"field_ids": ["交通出行", "政务服务"]}, ["governance", "parking", "wuhan"]),
    ({"region_codes": ["360100"]}, ["governance", "health", "parking"]),  # 南昌市 ⊃ 红谷滩区
    ({"region_codes": ["420000"]}, ["wuhan"]),
    ({"tag_ids": ["智慧停车"]}, ["parking", "wuhan"]),
    ({"tag_ids": ["智慧停车"], "region_codes": ["360113"]}, ["parking"]),
    ({"field_ids": ["医疗健康"], "tag_ids": ["智慧停车"]}, []),
    ({}, ["governance", "health", "parking", "wuhan"]),  # no criteria: everything new
])
def test_criteria_select_by_field_region_and_tag(world, opportunities, criteria, expected):
    values = dict(criteria)
    if "field_ids" in values:
        # "@name" is a field group, standing for all of its fields.
        values["field_ids"] = [_group_id(n[1:]) if n.startswith("@") else field_by_name(n).id
                               for n in values["field_ids"]]
    if "tag_ids" in values:
        values["tag_ids"] = [tag_by_name(n).id for n in values["tag_ids"]]
    _subscribe(world.ent_user, **values)
    result = send_digests("daily")
    assert _digest_titles(world.ent_user) == sorted(opportunities[k].title for k in expected)
    assert result.notified == (1 if expected else 0)


def _group_id(name: str) -> int:
    from marketplace.taxonomy.queries import field_groups

    return next(g.id for g in field_groups() if g.name == name)


def _recommend(opportunity, product, in_product_list=True):
    db.session.add(Recommendation(opportunity_id=opportunity.id, product_id=product.id,
                                  score=0.5, band="medium", in_product_list=in_product_list,
                                  evidence={}))
    db.session.flush()


def test_match_my_products_uses_stored_recommendations(world, opportunities, make):
    other = make.org("enterprise")
    other_product = make.product(other, "published")
    draft_product = make.product(world.enterprise, "draft", title="未发布的产品")
    clear_messages()
    _recommend(opportunities["parking"], world.product)
    _recommend(opportunities["health"], world.product, in_product_list=False)
    _recommend(opportunities["wuhan"], other_product)
    _recommend(opportunities["governance"], draft_product)
    _subscribe(world.ent_user, match_products=True)
    send_digests("daily")
    assert _digest_titles(world.ent_user) == [opportunities["parking"].title]


def test_match_my_products_or_criteria(world, opportunities):
    _recommend(opportunities["parking"], world.product)
    _subscribe(world.ent_user, match_products=True, region_codes=["420000"])
    send_digests("daily")
    assert _digest_titles(world.ent_user) == sorted(
        [opportunities["parking"].title, opportunities["wuhan"].title])


def test_excludes_closed_expired_and_already_sent(world, opportunities, make):
    make.opportunity(world.department, "closed", title="已关闭的机会")
    opportunities["health"].deadline = beijing_today() - timedelta(days=1)
    opportunities["governance"].published_at = utcnow() - timedelta(days=3)
    clear_messages()
    _subscribe(world.ent_user)
    send_digests("daily")
    assert _digest_titles(world.ent_user) == sorted(
        [opportunities["parking"].title, opportunities["wuhan"].title])


def test_weekly_window_and_last_sent_at(world, opportunities):
    opportunities["governance"].published_at = utcnow() - timedelta(days=3)
    opportunities["health"].published_at = utcnow() - timedelta(days=10)
    sub = _subscribe(world.ent_user, frequency="weekly")
    assert send_digests("daily").subscriptions == 0
    before = utcnow()
    send_digests("weekly")
    assert len(_digest_titles(world.ent_user)) == 3  # not the one from 10 days ago
    assert sub.last_sent_at >= before
    [mail] = outbox(world.ent_user)
    assert mail.subject.startswith("【场景对接平台】每周新机会摘要：3 条")
    # Sent again straight away: nothing new, so no notification and no e-mail.
    clear_messages()
    result = send_digests("weekly")
    assert result.notified == 0 and inbox(world.ent_user) == [] and outbox() == []
    assert sub.last_sent_at >= before


def test_empty_digest_sends_nothing_but_moves_the_window(world, opportunities):
    sub = _subscribe(world.ent_user, region_codes=["110000"])
    result = send_digests("daily")
    assert (result.subscriptions, result.notified) == (1, 0)
    assert inbox(world.ent_user) == [] and outbox() == []
    assert sub.last_sent_at is not None


def test_paused_and_ineligible_subscriptions(world, opportunities, make):
    _subscribe(world.ent_user, frequency="off")
    _subscribe(world.dept_user)  # a department user: not allowed to subscribe any more
    retired = make.member(world.enterprise)
    retired.active = False
    _subscribe(retired)
    result = send_digests("daily")
    assert result.notified == 0
    assert outbox() == []


def test_cli_digest(world, opportunities, app):
    _subscribe(world.ent_user, tag_ids=[tag_by_name("智慧停车").id])
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["notify", "digest", "--frequency", "daily"])
    assert result.exit_code == 0, result.output
    assert "发送摘要 1 份，共 2 条机会" in result.output
    bad = app.test_cli_runner().invoke(args=["notify", "digest", "--frequency", "hourly"])
    assert bad.exit_code != 0
