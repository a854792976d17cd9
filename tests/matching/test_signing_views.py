"""The signing through the pages: a confirmation step before recording, the other
side's confirmation page, disputes, and bad input shown at its field."""
import pytest
import sqlalchemy as sa

from marketplace.db import beijing_today
from marketplace.extensions import db
from marketplace.matching import signing
from marketplace.matching.models import Match

CONTRACT = {"contract_date": beijing_today().isoformat(), "contract_amount_wan": "268.5"}


@pytest.fixture
def talks(make):
    department, enterprise = make.org(kind="department"), make.org()
    match = make.pairing(make.opportunity(department, status="published"), enterprise,
                         "negotiating")
    return department, enterprise, match


def stage_of(match) -> str:
    db.session.expire_all()
    return db.session.get(Match, match.id).stage


def test_recording_shows_a_confirmation_first(client, login_as, talks):
    department, enterprise, match = talks
    login_as(department.users[0])
    page = client.get(f"/matches/{match.id}").get_data(as_text=True)
    assert "登记签约…" in page and "标记为“已签约”" not in page
    preview = client.post(f"/matches/{match.id}/signing",
                          data={**CONTRACT, "disclose_amount": "y"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "确认登记签约" in html
    assert "268.5 万元" in html and enterprise.name in html and "须由对方单位确认" in html
    assert 'name="confirmed" value="yes"' in html and 'name="disclose_amount" value="y"' in html
    assert stage_of(match) == "negotiating"  # nothing done yet
    done = client.post(f"/matches/{match.id}/signing",
                       data={**CONTRACT, "disclose_amount": "y", "confirmed": "yes"})
    assert done.status_code == 302 and stage_of(match) == "signing"
    page = client.get(f"/matches/{match.id}").get_data(as_text=True)
    assert "已登记签约，待对方确认" in page and "登记签约…" not in page


def test_bad_input_is_shown_at_its_field_and_changes_nothing(client, login_as, talks):
    department, enterprise, match = talks
    login_as(department.users[0])
    for data in ({"contract_date": "明天", "contract_amount_wan": "一百万"},
                 {"contract_date": "2099-01-01", "contract_amount_wan": "", "confirmed": "yes"}):
        response = client.post(f"/matches/{match.id}/signing", data=data)
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert 'id="contract_date-error"' in html and 'id="contract_amount_wan-error"' in html
    assert stage_of(match) == "negotiating"


def test_admins_cannot_record_a_signing(client, login_as, talks, make):
    department, enterprise, match = talks
    login_as(make.admin())
    assert "登记签约…" not in client.get(f"/matches/{match.id}").get_data(as_text=True)
    response = client.post(f"/matches/{match.id}/signing", data={**CONTRACT, "confirmed": "yes"})
    assert response.status_code == 403 and "管理员不能代为登记" in response.get_data(as_text=True)
    assert stage_of(match) == "negotiating"


def test_the_other_side_confirms_on_its_page(client, login_as, talks):
    department, enterprise, match = talks
    signing.record(department.users[0], match, CONTRACT)
    db.session.commit()
    login_as(enterprise.users[0])
    assert "对方已登记签约，待本单位确认" in client.get(f"/matches/{match.id}").get_data(as_text=True)
    page = client.get(f"/matches/{match.id}/signing/confirm").get_data(as_text=True)
    assert "确认签约" in page and department.name in page and "提出异议" in page
    # A bare POST (no confirmation step) only leads to the confirmation page.
    bare = client.post(f"/matches/{match.id}/signing/confirm", data={"disclose_amount": "y"})
    assert bare.status_code == 302 and bare.location.endswith("/signing/confirm")
    assert stage_of(match) == "signing"
    client.post(f"/matches/{match.id}/signing/confirm",
                data={"disclose_amount": "y", "confirmed": "yes"})
    assert stage_of(match) == "signed"
    assert client.get(f"/matches/{match.id}/signing/confirm").status_code == 404


def test_the_recorder_is_sent_to_the_pairing_page(client, login_as, talks):
    department, enterprise, match = talks
    signing.record(department.users[0], match, CONTRACT)
    db.session.commit()
    login_as(department.users[0])
    response = client.get(f"/matches/{match.id}/signing/confirm")
    assert response.status_code == 302 and response.location.endswith(f"/matches/{match.id}")
    refused = client.post(f"/matches/{match.id}/signing/confirm", data={"confirmed": "yes"})
    assert refused.status_code == 403 and stage_of(match) == "signing"


def test_a_dispute_needs_a_reason(client, login_as, talks):
    department, enterprise, match = talks
    signing.record(department.users[0], match, CONTRACT)
    db.session.commit()
    login_as(enterprise.users[0])
    response = client.post(f"/matches/{match.id}/signing/dispute", data={"reason": " "})
    assert response.status_code == 400
    assert 'id="reason-error"' in response.get_data(as_text=True) and stage_of(match) == "signing"
    client.post(f"/matches/{match.id}/signing/dispute", data={"reason": "金额应为 230 万元"})
    assert stage_of(match) == "negotiating"
    changes = db.session.get(Match, match.id).changes
    assert changes[-1].note.endswith("金额应为 230 万元")


def test_plain_advance_to_signed_is_refused(client, login_as, talks):
    department, enterprise, match = talks
    login_as(department.users[0])
    response = client.post(f"/matches/{match.id}/advance", data={"stage": "signed", **CONTRACT})
    assert response.status_code == 400 and "登记签约" in response.get_data(as_text=True)
    assert stage_of(match) == "negotiating"
    assert db.session.scalar(sa.select(sa.func.count(Match.id))) == 1
