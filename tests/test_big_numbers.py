"""Numbers too big for the database never reach it (D8): a huge id in a URL is a 404, a
huge page or filter is ignored, a huge id in a form is a message at its field."""
import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.opportunities.models import Opportunity
from marketplace.validators import ID_MAX, as_id
from tests.factories import PASSWORD

HUGE = "99999999999999999999"  # past 2**63: SQLite overflows
PG_HUGE = str(2**31)  # past PostgreSQL's integer


def sign_in(client, user):
    client.post("/login", data={"email": user.email, "password": PASSWORD})


@pytest.mark.parametrize("number", [HUGE, PG_HUGE])
def test_huge_ids_in_urls_are_not_found(app, make, number):
    client = app.test_client()
    sign_in(client, make.admin())
    rules = [rule for rule in app.url_map.iter_rules()
             if "GET" in rule.methods and any(
                 type(conv).__name__ == "IdConverter" for conv in rule._converters.values())]
    assert len(rules) > 20
    for rule in rules:
        values = {name: (number if type(conv).__name__ == "IdConverter" else "x")
                  for name, conv in rule._converters.items()}
        path = rule.rule
        for name, value in values.items():
            path = path.replace(f"<int:{name}>", value).replace(f"<{name}>", value)
        assert client.get(path).status_code == 404, path


@pytest.mark.parametrize("path", [
    "/opportunities/?page={n}", "/opportunities/?field={n}&tag={n}&release={n}",
    "/products/?page={n}&field={n}", "/search?q=停车&page={n}", "/notifications?page={n}",
    "/admin/audit?page={n}",
    "/programme/designations?page={n}", "/programme/?year={n}", "/programme/report?year={n}",
    "/programme/indicators?year={n}"])
@pytest.mark.parametrize("number", [HUGE, PG_HUGE, "²", "١٢"])
def test_huge_numbers_in_queries_are_ignored(app, make, path, number):
    client = app.test_client()
    sign_in(client, make.admin())
    assert client.get(path.format(n=number)).status_code in (200, 404)


def test_a_huge_id_in_a_form_is_a_message_at_its_field(client, make):
    department = make.org("department")
    sign_in(client, department.users[0])
    data = make.opportunity_data(field_id=HUGE, tag_ids=[HUGE])
    response = client.post("/opportunities/new", data=data)
    assert response.status_code == 200  # the form again, with the message at the field
    page = response.get_data(as_text=True)
    assert 'id="field_id-error"' in page or "请选择领域" in page, page[:2000]
    assert db.session.scalar(sa.select(sa.func.count(Opportunity.id))) == 0


def test_a_huge_parent_id_is_not_found(client, make):
    sign_in(client, make.admin())
    response = client.post("/admin/taxonomy/fields", data={"name": "新领域", "parent_id": HUGE})
    assert response.status_code == 404


@pytest.mark.parametrize("raw, expected", [
    ("12", 12), (" 12 ", 12), (12, 12), (str(ID_MAX), ID_MAX), (str(ID_MAX + 1), None),
    ("0", None), ("-3", None), ("²", None), ("١٢", None), ("１２", None), ("1e3", None),
    ("", None), (None, None), (HUGE, None)])
def test_as_id_takes_only_ascii_digits_within_bounds(raw, expected):
    assert as_id(raw) == expected


@pytest.mark.parametrize("capacity", ["²", "١٢", HUGE, "0"])
def test_an_event_with_an_odd_number_of_seats_is_a_message(ctx, make, capacity):
    from marketplace.errors import ValidationError
    from marketplace.events import services as events

    with pytest.raises(ValidationError) as refused:
        events.create_event(make.admin(), make.event_data(capacity=capacity))
    assert refused.value.errors["capacity"] == "名额应为 1—10000 的整数。"


@pytest.mark.parametrize("place", ["²", HUGE, "-1"])
def test_an_odd_roadshow_place_is_a_message_at_its_row(ctx, make, place):
    from marketplace.errors import ValidationError
    from marketplace.events import checkin

    admin = make.admin()
    event = make.event(admin, kind="roadshow")
    registration = make.registration(event, make.org("enterprise"))
    with pytest.raises(ValidationError) as refused:
        checkin.set_presentation_order(admin, event, {registration.id: place})
    assert refused.value.errors == {f"order-{registration.id}": "请填写 1—1 之间的序号。"}
