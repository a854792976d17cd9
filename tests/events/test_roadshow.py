"""The running order of a 产品路演: a permutation of 1…n over the confirmed 供给方
registrations, set by an organizer, shown on the public event page in that order."""
import pytest
import sqlalchemy as sa

from marketplace.audit import AuditLog
from marketplace.errors import IllegalTransition, PermissionDenied, ValidationError
from marketplace.events import checkin
from marketplace.events.checkin_pages import detail_part
from marketplace.events.models import Registration
from marketplace.extensions import db
from tests.events.checkin_helpers import registered


@pytest.fixture
def roadshow(make):
    """A 产品路演 with three presenting enterprises (one bringing a published product),
    a department in the audience and a waitlisted enterprise."""
    event = make.event(kind="roadshow", title="数字经济产品路演")
    first = make.org(name="甲科技有限公司")
    product = make.product(first, status="published", title="城市部件智能巡检系统")
    draft = make.product(first, title="尚未发布的产品")
    a = registered(make, event, first)
    a.products = [product, draft]
    b = registered(make, event, make.org(name="乙信息技术有限公司"))
    c = registered(make, event, make.org(name="丙智能装备有限公司"))
    audience = registered(make, event, make.org("department", name="区科工局"))
    waiting = registered(make, event, make.org(name="丁候补企业"), status="waitlisted")
    db.session.commit()
    return event, (a, b, c), audience, waiting


def orders(*pairs) -> dict:
    return {str(registration.id): str(place) for registration, place in pairs}


def places():
    return dict(db.session.execute(sa.select(Registration.id,
                                             Registration.presentation_order)).all())


def test_the_organizer_sets_the_order_and_the_public_page_shows_it(app, make, roadshow):
    event, (a, b, c), audience, waiting = roadshow
    assert detail_part(None, event)["checkin"]["roadshow"] == []  # not set yet: not shown
    ordered = checkin.set_presentation_order(make.region_admin("360113"), event,
                                             orders((a, 3), (b, 1), (c, 2)))
    assert [r.id for r in ordered] == [b.id, c.id, a.id]
    rows = detail_part(None, event)["checkin"]["roadshow"]
    assert [(row["place"], row["organization"]) for row in rows] == [
        (1, "乙信息技术有限公司"), (2, "丙智能装备有限公司"), (3, "甲科技有限公司")]
    assert [p.title for p in rows[2]["products"]] == ["城市部件智能巡检系统"]  # public only
    entry = db.session.scalar(sa.select(AuditLog).where(
        AuditLog.action == "event.roadshow_order"))
    assert entry.after == {"乙信息技术有限公司": 1, "丙智能装备有限公司": 2, "甲科技有限公司": 3}


@pytest.mark.parametrize("given, field, message", [
    (lambda a, b, c: ((a, 1), (b, 1), (c, 2)), "b", "序号 1 重复了"),
    (lambda a, b, c: ((a, 1), (b, 2), (c, 4)), "c", "请填写 1—3 之间的序号"),
    (lambda a, b, c: ((a, 1), (b, 2), (c, "二")), "c", "请填写 1—3 之间的序号"),
    (lambda a, b, c: ((a, 1), (b, 2)), "c", "请填写 1—3 之间的序号"),
    (lambda a, b, c: ((a, 0), (b, 2), (c, 3)), "a", "请填写 1—3 之间的序号"),
])
def test_a_place_list_that_is_not_a_permutation_is_refused(app, make, roadshow, given,
                                                           field, message):
    event, (a, b, c), _, _ = roadshow
    registrations = {"a": a, "b": b, "c": c}
    before = places()
    with pytest.raises(ValidationError) as refused:
        checkin.set_presentation_order(make.admin(), event, orders(*given(a, b, c)))
    assert refused.value.errors[f"order-{registrations[field].id}"].startswith(message)
    db.session.rollback()
    assert places() == before


def test_only_confirmed_presenters_are_ordered(app, make, roadshow):
    event, (a, b, c), audience, waiting = roadshow
    for outsider in (audience, waiting):
        with pytest.raises(ValidationError, match="只能为已确认的供给方设置"):
            checkin.set_presentation_order(make.admin(), event, orders(
                (a, 1), (b, 2), (c, 3), (outsider, 4)))


def test_a_presenter_that_cancels_loses_its_place(app, make, roadshow):
    event, (a, b, c), _, _ = roadshow
    admin = make.admin()
    checkin.set_presentation_order(admin, event, orders((a, 1), (b, 2), (c, 3)))
    b.status = "cancelled"
    checkin.set_presentation_order(admin, event, orders((c, 1), (a, 2)))
    assert places()[b.id] is None
    assert [row["organization"] for row in detail_part(None, event)["checkin"]["roadshow"]] \
        == ["丙智能装备有限公司", "甲科技有限公司"]


def test_only_a_roadshow_by_its_organizers(app, make, roadshow):
    event, (a, b, c), _, _ = roadshow
    for outsider in (a.organization.users[0], make.region_admin("360103")):
        with pytest.raises(PermissionDenied):
            checkin.set_presentation_order(outsider, event, orders((a, 1), (b, 2), (c, 3)))
    salon = make.event(kind="salon")
    with pytest.raises(IllegalTransition, match="只有产品路演"):
        checkin.set_presentation_order(make.admin(), salon, {})


def test_the_roadshow_page_shows_each_error_at_its_field(app, make, login_as, roadshow):
    event, (a, b, c), _, _ = roadshow
    client = login_as(make.admin())
    page = client.get(f"/events/{event.id}/roadshow").get_data(as_text=True)
    assert "甲科技有限公司" in page and "城市部件智能巡检系统" in page
    response = client.post(f"/events/{event.id}/roadshow", data={
        f"order-{a.id}": "1", f"order-{b.id}": "1", f"order-{c.id}": "9"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "序号 1 重复了" in html and "请填写 1—3 之间的序号" in html
    assert 'value="9"' in html  # what was typed comes back
    response = client.post(f"/events/{event.id}/roadshow", data={
        f"order-{a.id}": "2", f"order-{b.id}": "3", f"order-{c.id}": "1"})
    assert response.status_code == 302
    assert "路演顺序已保存" in client.get(response.location).get_data(as_text=True)
    assert client.get(f"/events/{make.event().id}/roadshow").status_code == 404  # a salon
