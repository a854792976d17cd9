"""The events pages run no queries while they render (the rule and its fixtures are
tests/test_templates_run_no_queries.py's): each view gathers what its page shows."""
import pytest

from marketplace.events import services
from marketplace.extensions import db
from tests.test_templates_run_no_queries import page, render_queries  # noqa: F401


@pytest.fixture
def events_world(make):
    admin = make.admin()
    department, enterprise = make.org("department"), make.org()
    need = make.opportunity(department, "published")
    product = make.product(enterprise, "published")
    event = make.event(admin, capacity="1", requires_approval="1", themes="城市治理",
                       opportunity_ids=[str(need.id)], release_ids=[str(need.release_id)],
                       field_ids=[str(need.field_id)])
    holder = make.registration(event, department, names=("王五",), listing_ids=[str(need.id)])
    late = make.org()
    make.registration(event, late, names=("赵六",))
    waiting = make.registration(event, enterprise, names=("张三", "李四"),
                                listing_ids=[str(product.id)])
    declined = make.registration(event, make.org(), names=("钱七",))
    services.decline(admin, declined, "名额已满")
    services.cancel(department.users[0], holder)  # 赵六's organization is offered the seat
    db.session.commit()
    return {"event": event.id, "admin": admin.get_id(), "department": department.users[0].get_id(),
            "late": late.users[0].get_id(), "waiting": waiting.id,
            "newcomer": make.org().users[0].get_id()}


def test_events_pages(page, events_world):  # noqa: F811
    w = events_world
    event = w["event"]
    assert "数字经济供需对接会" in page("/events/")
    page("/events/?kind=matchmaking&region=360113")
    assert "王五" in page(f"/events/{event}", w["department"])
    assert "确认参会" in page(f"/events/{event}", w["late"])
    page(f"/events/{event}")
    page(f"/events/{event}", w["admin"])
    page(f"/events/{event}/register", w["newcomer"])
    assert "候补递补中" in page("/events/mine", w["late"])
    page("/events/manage", w["admin"])
    page("/events/new", w["admin"])
    page(f"/events/{event}/edit", w["admin"])
    assert "名额已满" in page(f"/events/{event}/manage", w["admin"])


def test_events_pages_shown_again_after_a_refused_change(page, events_world):  # noqa: F811
    w = events_world
    event = w["event"]
    assert "请至少填写一名参会人员" in page(f"/events/{event}/register", w["newcomer"],
                                           {"attendee_name-0": ""}, 400)
    assert "请填写活动名称" in page(f"/events/{event}/edit", w["admin"], {"title": ""}, 400)
    assert "请填写未通过的原因" in page(
        f"/events/registrations/{w['waiting']}/decline", w["admin"], {"reason": ""}, 400)
    assert "请填写活动名称" in page("/events/new", w["admin"], {"title": ""}, 400)
