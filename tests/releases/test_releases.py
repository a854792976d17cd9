from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook

from marketplace.db import beijing_today
from marketplace.errors import IllegalTransition, ValidationError
from marketplace.extensions import db
from marketplace.releases import services
from tests.factories import PASSWORD


def test_numbers_are_stable_readable_and_per_kind(ctx, make):
    admin = make.admin()
    department, enterprise = make.org(kind="department"), make.org()
    opps = [make.opportunity(department, status="approved") for _ in range(2)]
    prod = make.product(enterprise, status="approved")
    release = services.create_release(admin, {"year": 2031})
    assert release.title == "2031年第一批机会清单和产品清单" and release.sequence == 1
    services.add_items(admin, release, "opportunity", [o.id for o in opps])
    services.add_items(admin, release, "product", [prod.id])
    services.publish_release(admin, release, date(2031, 3, 1))
    assert sorted(o.public_number for o in opps) == ["JH-2031-01-001", "JH-2031-01-002"]
    assert prod.public_number == "CP-2031-01-001"
    second = services.create_release(admin, {"year": 2031})
    assert second.sequence == 2 and second.title.startswith("2031年第二批")


def test_published_release_is_frozen(ctx, make):
    admin = make.admin()
    item = make.opportunity(make.org(kind="department"), status="published")
    with pytest.raises(IllegalTransition):
        services.add_items(admin, item.release, "opportunity", [item.id])
    with pytest.raises(IllegalTransition):
        services.publish_release(admin, item.release, beijing_today())


def test_only_approved_unassigned_items_can_be_added(ctx, make):
    admin = make.admin()
    draft = make.opportunity(make.org(kind="department"))
    release = services.create_release(admin, {"year": 2030})
    with pytest.raises(IllegalTransition):
        services.add_items(admin, release, "opportunity", [draft.id])
    with pytest.raises(IllegalTransition, match="没有条目"):
        services.publish_release(admin, release, beijing_today())
    with pytest.raises(ValidationError):
        services.create_release(admin, {"year": "abc"})


def test_removing_an_item_returns_it_to_the_pool(ctx, make):
    admin = make.admin()
    item = make.opportunity(make.org(kind="department"), status="approved")
    release = services.create_release(admin, {"year": 2030})
    services.add_items(admin, release, "opportunity", [item.id])
    services.remove_item(admin, release, item)
    assert item.release_id is None and item.status == "approved"


def test_public_pages_and_print(client, make):
    item = make.opportunity(make.org(kind="department"), status="published",
                            contact_phone="13812345678")
    release = item.release
    assert client.get("/releases/").status_code == 200
    html = client.get(f"/releases/{release.id}").get_data(as_text=True)
    assert item.public_number in html and item.title in html
    printed = client.get(f"/releases/{release.id}/print").get_data(as_text=True)
    assert item.public_number in printed and "13812345678" not in printed


def test_draft_release_is_not_public(client, make):
    release = services.create_release(make.admin(), {"year": 2030})
    assert client.get(f"/releases/{release.id}").status_code == 404
    assert client.get(f"/releases/{release.id}.xlsx").status_code == 404


def test_xlsx_export_neutralises_formulas(client, make):
    department = make.org(kind="department")
    item = make.opportunity(department, status="published",
                            title="=HYPERLINK(\"http://evil\",\"点击\")",
                            summary="@SUM(1+1)")
    response = client.get(f"/releases/{item.release_id}.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(BytesIO(response.data))["机会清单"]
    header = [c.value for c in sheet[2]]
    row = {h: c.value for h, c in zip(header, sheet[3])}
    assert row["编号"] == item.public_number
    assert row["名称"].startswith("'=") and row["摘要"].startswith("'@")
    assert row["发布单位"] == department.name
    for line in sheet.iter_rows(min_row=3, values_only=True):
        for value in line:
            assert not (isinstance(value, str) and value[:1] in "=+-@")


def test_an_item_in_a_draft_release_stays_approved_whatever_its_owner_tries(client, make):
    """D11: the owner's submit and withdraw of an approved item in a draft release are
    refused; it stays approved and attached, and the release publishes."""
    org = make.org("enterprise")
    item = make.listing("product", org, "approved")
    admin = make.admin()
    release = services.create_release(admin, {"year": "2027"})
    services.add_items(admin, release, "product", [item.id])
    db.session.commit()
    client.post("/login", data={"email": org.users[0].email, "password": PASSWORD})
    for action in ("submit", "withdraw"):
        client.post(f"/products/{item.id}/{action}")
        db.session.expire_all()
        assert (item.status, item.release_id) == ("approved", release.id), action
    services.publish_release(admin, release, date(2027, 1, 5))
    assert item.status == "published"
