"""The two-sided signing: one side records, the other confirms or disputes; only a
confirmed signing counts, and the amount is public only when both sides agreed."""
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace.audit import AuditLog
from marketplace.db import beijing_today
from marketplace.errors import IllegalTransition, PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.matching import funnel, pairings, queries, signing
from marketplace.notifications.models import Notification

TODAY = beijing_today().isoformat()
CONTRACT = {"contract_date": TODAY, "contract_amount_wan": "268.5"}


@pytest.fixture
def talks(make):
    """A department and an enterprise negotiating (洽谈中), each with two users."""
    department, enterprise = make.org(kind="department"), make.org()
    make.member(department), make.member(enterprise)
    match = make.pairing(make.opportunity(department, status="published"), enterprise,
                         "negotiating")
    return department, enterprise, match


def notified(organization, event: str) -> list[Notification]:
    ids = [user.id for user in organization.users]
    return db.session.scalars(sa.select(Notification).where(
        Notification.user_id.in_(ids), Notification.event == event)).all()


def audit_actions(match) -> list[str]:
    return db.session.scalars(sa.select(AuditLog.action).where(
        AuditLog.object_type == "match", AuditLog.object_id == match.id)
        .order_by(AuditLog.id)).all()


def test_one_side_records_and_the_other_is_asked_to_confirm(ctx, talks):
    department, enterprise, match = talks
    signing.record(department.users[0], match, {**CONTRACT, "disclose_amount": "y"})
    assert match.stage == "signing" and match.awaits_confirmation
    assert match.contract_amount_wan == Decimal("268.5")
    assert match.signing_recorded_by_org_id == department.id
    assert match.awaiting_organization_id == enterprise.id
    assert (match.demand_discloses_amount, match.supply_discloses_amount) == (True, False)
    assert len(notified(enterprise, "signing_awaiting_confirmation")) == 2
    assert notified(department, "signing_awaiting_confirmation") == []
    assert audit_actions(match)[-1] == "match.sign_record"
    assert [c.to_stage for c in match.changes][-1] == "signing"


def test_the_recording_side_cannot_confirm_its_own_record(ctx, talks):
    department, enterprise, match = talks
    signing.record(enterprise.users[0], match, CONTRACT)
    for colleague in enterprise.users:  # not even another user of the same side
        with pytest.raises(PermissionDenied, match="须由对方单位确认"):
            signing.confirm(colleague, match, True)
        with pytest.raises(PermissionDenied, match="须由对方单位确认"):
            signing.dispute(colleague, match, "金额有误")
    assert match.stage == "signing"
    signing.confirm(department.users[1], match, False)
    assert match.stage == "signed" and match.signing_confirmed_by_id == department.users[1].id
    assert match.signing_confirmed_at is not None
    # The recorder hears that it is signed now.
    assert [n.title for n in notified(enterprise, "match_stage_changed")][-1].endswith("「已签约」")


def test_admins_and_third_parties_neither_record_nor_confirm(ctx, talks, make):
    department, enterprise, match = talks
    for outsider in (make.admin(), make.org().users[0], make.org(kind="department").users[0]):
        with pytest.raises(PermissionDenied):
            signing.record(outsider, match, CONTRACT)
    signing.record(department.users[0], match, CONTRACT)
    for outsider in (make.admin(), make.org().users[0]):
        with pytest.raises(PermissionDenied):
            signing.confirm(outsider, match)
        with pytest.raises(PermissionDenied):
            signing.dispute(outsider, match, "不同意")
    assert match.stage == "signing"


def test_bad_input_says_where_and_changes_nothing(ctx, talks):
    department, enterprise, match = talks
    rows = len(audit_actions(match))
    with pytest.raises(ValidationError) as error:
        signing.record(department.users[0], match, {"contract_date": "", "contract_amount_wan": ""})
    assert set(error.value.errors) == {"contract_date", "contract_amount_wan"}
    later = (beijing_today() + timedelta(days=2)).isoformat()
    with pytest.raises(ValidationError, match="不能晚于今天") as error:
        signing.record(department.users[0], match, {"contract_date": later,
                                                    "contract_amount_wan": "abc"})
    assert set(error.value.errors) == {"contract_date", "contract_amount_wan"}
    assert match.stage == "negotiating" and match.contract_date is None
    assert len(audit_actions(match)) == rows
    signing.record(department.users[0], match, CONTRACT)
    with pytest.raises(ValidationError, match="异议原因") as error:
        signing.dispute(enterprise.users[0], match, "  ")
    assert error.value.field == "reason" and match.stage == "signing"


def test_a_dispute_goes_back_to_negotiating_and_tells_the_recorder(ctx, talks):
    department, enterprise, match = talks
    signing.record(department.users[0], match, {**CONTRACT, "disclose_amount": True})
    signing.dispute(enterprise.users[0], match, "合同金额应为 230 万元")
    assert match.stage == "negotiating"
    assert (match.contract_date, match.contract_amount_wan, match.signing_recorded_by_org_id,
            match.demand_discloses_amount) == (None, None, None, False)
    assert match.changes[-1].note == "对签约登记有异议：合同金额应为 230 万元"
    told = notified(department, "signing_disputed")
    assert len(told) == 2 and "合同金额应为 230 万元" in told[0].body
    assert notified(enterprise, "signing_disputed") == []
    entry = db.session.scalars(sa.select(AuditLog).where(
        AuditLog.action == "match.sign_dispute", AuditLog.object_id == match.id)).one()
    assert entry.before["contract_date"] == TODAY  # what was disputed stays on record
    assert entry.after["stage"] == "negotiating" and entry.actor_id == enterprise.users[0].id
    # Recorded again, by the other side this time, and confirmed.
    signing.record(enterprise.users[0], match, CONTRACT)
    signing.confirm(department.users[0], match)
    assert match.stage == "signed"


def test_advance_refuses_the_signing_moves(ctx, talks, make):
    department, enterprise, match = talks
    for target in ("signing", "signed"):
        with pytest.raises(IllegalTransition, match="登记签约"):
            pairings.advance(make.admin(), match, target, CONTRACT)
    signing.record(department.users[0], match, CONTRACT)
    with pytest.raises(IllegalTransition, match="登记签约"):
        pairings.advance(enterprise.users[0], match, "negotiating")
    with pytest.raises(IllegalTransition):
        signing.record(enterprise.users[0], match, CONTRACT)  # already recorded
    pairings.advance(enterprise.users[0], match, "terminated", {"termination_reason": "预算取消"})
    with pytest.raises(IllegalTransition):
        signing.confirm(department.users[0], match)


@pytest.mark.parametrize("demand, supply", [(False, False), (True, False), (False, True),
                                            (True, True)])
def test_the_amount_is_public_only_with_both_consents(ctx, make, demand, supply):
    department, enterprise = make.org(kind="department"), make.org()
    match = make.pairing(make.opportunity(department, status="published"), enterprise,
                         "signing", disclose=(demand, supply))
    assert not match.amount_is_public  # not before the confirmation, whatever was agreed
    signing.confirm(enterprise.users[0], match, supply)
    assert match.amount_is_public == (demand and supply)
    assert match.public_amount_wan == (Decimal("100") if demand and supply else None)


def test_only_a_confirmed_signing_counts_in_the_funnel(ctx, talks):
    department, enterprise, match = talks
    signing.record(department.users[0], match, CONTRACT)
    pending = funnel.report()
    assert pending.current["signing"] == 1 and pending.current["signed"] == 0
    assert pending.reached["signed"] == 0 and pending.signed_amount_wan == 0
    assert pending.by_origin["manual"] == (1, 0)
    signing.confirm(enterprise.users[0], match)
    done = funnel.report()
    assert done.reached["signed"] == 1 and done.signed_amount_wan == 268.5
    assert done.by_origin["manual"] == (1, 1)


def test_signings_awaiting_an_organization(ctx, talks, make):
    department, enterprise, match = talks
    assert queries.signings_awaiting(enterprise.id) == []
    signing.record(department.users[0], match, CONTRACT)
    other = make.pairing(make.opportunity(department, status="published"), make.org(),
                         "signing")  # recorded by the department: awaits the other one
    assert queries.signings_awaiting(enterprise.id) == [match]
    assert queries.signings_awaiting(department.id) == []
    assert queries.signings_awaiting(other.supplier_id) == [other]
