"""Every export of data leaves an audit row: who, what and how many rows (D10); the log
keeps phone numbers masked."""
import sqlalchemy as sa

from marketplace.audit import AuditLog
from marketplace.extensions import db


def exported(action: str) -> list[AuditLog]:
    return db.session.scalars(sa.select(AuditLog).where(AuditLog.action == action)
                              .order_by(AuditLog.id)).all()


def test_the_proposals_export_is_audited(client, make, login_as):
    department, enterprise = make.org("department"), make.org("enterprise")
    opportunity = make.opportunity(department, status="published")
    make.proposal(opportunity, enterprise, "submitted")
    login_as(department.users[0])
    response = client.get(f"/opportunities/{opportunity.id}/proposals.xlsx")
    assert response.status_code == 200
    [entry] = exported("proposals.export")
    assert entry.actor_id == department.users[0].id and entry.object_id == opportunity.id
    assert entry.after == {"rows": 1}


def test_a_release_download_is_audited_even_for_visitors(client, make):
    item = make.opportunity(make.org("department"), status="published")
    assert client.get(f"/releases/{item.release_id}.xlsx").status_code == 200
    [entry] = exported("release.export")
    assert entry.actor_id is None and entry.actor_label == "访客"
    assert entry.object_id == item.release_id and entry.after == {"rows": 1}


def test_the_command_line_export_is_audited(app, make, tmp_path):
    make.opportunity(make.org("department"), status="published")
    result = app.test_cli_runner().invoke(args=[
        "lists", "export", str(tmp_path / "out.xlsx"), "--kind", "opportunity"])
    assert result.exit_code == 0, result.output
    [entry] = exported("lists.export")
    assert entry.actor_label == "系统" and entry.after == {"rows": 1}
    assert "out.xlsx" in entry.summary


def test_the_event_exports_are_audited(client, make, login_as):
    admin = make.admin()
    event = make.event(admin, kind="matchmaking")
    make.registration(event, make.org("enterprise"), names=("张三", "李四"))
    login_as(admin)
    assert client.get(f"/events/{event.id}/participants.xlsx").status_code == 200
    assert client.get(f"/events/{event.id}/report.xlsx").status_code == 200
    csv = client.get(f"/events/{event.id}/participants.csv")
    assert csv.status_code == 200 and "张三" in csv.data.decode("utf-8-sig")
    assert csv.data.decode("utf-8-sig").splitlines()[0].startswith("单位")
    workbook, text = exported("event.participants_export")
    assert workbook.object_id == event.id and workbook.after == {"rows": 2}
    assert text.after == {"rows": 2} and "CSV" in text.summary
    [report] = exported("event.report_export")
    assert report.actor_id == admin.id


def test_the_audit_log_keeps_phone_numbers_masked(ctx, make):
    """Issue 13: no full phone numbers in audit records."""
    from marketplace.opportunities import services as opportunities

    department = make.org("department")
    item = make.opportunity(department, contact_phone="13812345678")
    opportunities.update(department.users[0], item,
                         make.opportunity_data(contact_phone="13987654321"))
    db.session.flush()
    rows = db.session.scalars(sa.select(AuditLog).where(AuditLog.object_id == item.id)).all()
    stored = " ".join(str(row.before) + str(row.after) for row in rows)
    assert "139****4321" in stored and "138****5678" in stored
    assert "13987654321" not in stored and "13812345678" not in stored
