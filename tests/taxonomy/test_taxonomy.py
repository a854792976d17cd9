import csv

import pytest

from marketplace.errors import PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.seeding import SEED_DIR
from marketplace.taxonomy import services
from marketplace.taxonomy.models import Region
from marketplace.taxonomy.queries import field_by_name, field_choices, tag_by_name, tag_choices


def test_region_file_covers_jiangxi_and_wuhan():
    with open(SEED_DIR / "regions.csv", encoding="utf-8") as handle:
        rows = {r["code"]: r for r in csv.DictReader(handle)}
    assert rows["360113"]["name"] == "红谷滩区" and rows["360113"]["parent_code"] == "360100"
    jiangxi_districts = [r for r in rows.values()
                         if r["level"] == "district" and r["code"].startswith("36")]
    wuhan = [r for r in rows.values() if r["parent_code"] == "420100"]
    assert len(jiangxi_districts) == 100 and len(wuhan) == 13
    assert all(r["parent_code"] in rows for r in rows.values() if r["parent_code"])


def test_region_prefix_scopes_subregions(ctx):
    assert db.session.get(Region, "360000").prefix == "36"
    assert db.session.get(Region, "360100").prefix == "3601"
    assert db.session.get(Region, "360113").prefix == "360113"


def test_admin_edits_fields_and_tags(ctx, make):
    admin = make.admin()
    tag = services.create_tag(admin, "低空经济", "scenario")
    assert "低空经济" in [name for _, name in tag_choices()["应用场景"]]
    services.update_term(admin, tag, "低空经济", False)
    assert "低空经济" not in [name for _, name in tag_choices()["应用场景"]]
    group = field_by_name("智能生产")
    services.create_field(admin, "低空物流", group)
    assert "低空物流" in [name for _, name in field_choices()["智能生产"]]


def test_taxonomy_rules(ctx, make):
    admin = make.admin()
    with pytest.raises(ValidationError, match="同名"):
        services.create_tag(admin, "人工智能", "technology")
    with pytest.raises(ValidationError, match="类型"):
        services.create_tag(admin, "新标签", "colour")
    with pytest.raises(ValidationError, match="两级"):
        services.create_field(admin, "三级", field_by_name("交通出行"))
    with pytest.raises(ValidationError, match="同名"):
        services.update_term(admin, tag_by_name("5G"), "人工智能", True)
    with pytest.raises(PermissionDenied):
        services.create_tag(make.org().users[0], "越权", "scenario")


def test_deactivated_tag_is_refused_for_new_listings(ctx, make):
    admin = make.admin()
    services.update_term(admin, tag_by_name("物联网"), "物联网", False)
    with pytest.raises(ValidationError, match="标签"):
        make.opportunity(make.org(kind="department"))
    db.session.rollback()
