"""The audit log shows what changed in Chinese: field names and coded values in words."""
import sqlalchemy as sa

from marketplace.admin.changes import changes, value_text
from marketplace.audit import AuditLog
from marketplace.extensions import db
from marketplace.listings import services as listing_services


def _latest(action: str) -> AuditLog:
    return db.session.scalars(sa.select(AuditLog).filter_by(action=action)
                              .order_by(AuditLog.id.desc())).first()


def test_a_submission_reads_as_fields_and_statuses_in_words(ctx, make):
    department = make.org(kind="department")
    item = make.opportunity(department)
    listing_services.submit(department.users[0], item)
    rows = {row.label: row for row in changes(_latest("opportunity.submit"))}
    assert rows["状态"].before == "草稿" and rows["状态"].after == "待审核"
    assert rows["状态"].changed


def test_values_in_words():
    assert value_text("contact_consent", True) == "是"
    assert value_text("stage", "negotiating") == "洽谈中"
    assert value_text("status", "verified", "organization") == "已认证"
    assert value_text("kind", "salon", "event") == "场景沙龙"
    assert value_text("summary", None) == "—" and value_text("tag_ids", [1, 2]) == "1、2"


def test_the_page_shows_no_field_codes(client, make, login_as):
    department = make.org(kind="department")
    item = make.opportunity(department, title="审计页面字段测试")
    listing_services.submit(department.users[0], item)
    db.session.commit()
    login_as(make.admin())
    html = client.get("/admin/audit?category=all&action=opportunity.submit").get_data(
        as_text=True)
    assert "变更前" in html and "<th scope=\"row\">状态</th>" in html
    assert "&#34;status&#34;" not in html and '{"status"' not in html  # no JSON of codes


def test_every_field_the_demo_writes_has_a_chinese_name(ctx):
    """The demo exercises every feature; each before/after key it leaves is named."""
    from marketplace.admin.changes import FIELD_LABELS
    from marketplace.seeding.demo import load_demo

    load_demo()
    keys = set()
    for before, after in db.session.execute(sa.select(AuditLog.before, AuditLog.after)):
        keys |= {key for values in (before, after) if isinstance(values, dict) for key in values}
    assert len(keys) > 40 and not sorted(keys - set(FIELD_LABELS))
