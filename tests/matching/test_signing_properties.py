"""Property: whatever either side (or an admin, or a third party) tries, in any order, a
signing counts only once the side that did not record it confirmed it; the amount is
public only when both consented; a refused call changes nothing."""
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from marketplace.db import beijing_today
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.matching import funnel, pairings, signing
from marketplace.matching.models import SIGNED_STAGES

ACTORS = ("department", "supplier", "admin", "outsider")
CONTRACT = {"contract_date": beijing_today().isoformat(), "contract_amount_wan": "88"}
OBSERVED = ("stage", "contract_amount_wan", "signing_recorded_by_org_id",
            "demand_discloses_amount", "supply_discloses_amount", "signing_confirmed_at")


def test_a_signing_counts_only_when_the_other_side_confirmed_it(make, each_example):
    department, supplier = make.org(kind="department"), make.org()
    people = {"department": department.users[0], "supplier": supplier.users[0],
              "admin": make.admin(), "outsider": make.org().users[0]}
    sides = {"department": department.id, "supplier": supplier.id}
    opportunity = make.opportunity(department, status="published")
    db.session.commit()

    class Signing(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.example = each_example()
            self.example.__enter__()
            self.match = pairings.start_manual(people["admin"], opportunity, supplier)
            pairings.advance(people["admin"], self.match, "negotiating")
            db.session.commit()
            self.recorder = None  # the side whose record awaits confirmation
            self.consents = {}
            self.confirmed = False

        def teardown(self):
            self.example.__exit__(None, None, None)

        def attempt(self, call) -> bool:
            before = {name: getattr(self.match, name) for name in OBSERVED}
            try:
                call()
            except DomainError:
                db.session.rollback()
                assert {n: getattr(self.match, n) for n in OBSERVED} == before
                return False
            db.session.commit()
            return True

        @rule(who=st.sampled_from(ACTORS), disclose=st.booleans())
        def record(self, who, disclose):
            # Either side, while 洽谈中 (nothing recorded, nothing confirmed yet).
            expected = who in sides and self.recorder is None and not self.confirmed
            assert self.attempt(lambda: signing.record(
                people[who], self.match, {**CONTRACT, "disclose_amount": disclose})) == expected
            if expected:
                self.recorder, self.consents = who, {who: disclose}

        @rule(who=st.sampled_from(ACTORS), disclose=st.booleans())
        def confirm(self, who, disclose):
            expected = self.recorder is not None and who in sides and who != self.recorder
            assert self.attempt(lambda: signing.confirm(people[who], self.match,
                                                        disclose)) == expected
            if expected:
                self.consents[who], self.recorder, self.confirmed = disclose, None, True

        @rule(who=st.sampled_from(ACTORS), reason=st.sampled_from(["金额有误", " "]))
        def dispute(self, who, reason):
            expected = (self.recorder is not None and who in sides and who != self.recorder
                        and reason.strip() != "")
            assert self.attempt(lambda: signing.dispute(people[who], self.match,
                                                        reason)) == expected
            if expected:
                self.recorder, self.consents = None, {}

        @rule(who=st.sampled_from(ACTORS), stage=st.sampled_from(["signed", "negotiating",
                                                                    "delivered"]))
        def advance(self, who, stage):
            ok = self.attempt(lambda: pairings.advance(people[who], self.match, stage,
                                                       {"delivery_note": "已上线"}))
            assert not ok or stage == "delivered"  # never a signing move

        @invariant()
        def counts_only_when_confirmed(self):
            match = self.match
            assert (match.stage in SIGNED_STAGES) == self.confirmed
            assert match.awaits_confirmation == (self.recorder is not None)
            if self.recorder is not None:
                assert match.signing_recorded_by_org_id == sides[self.recorder]
            assert match.amount_is_public == (self.confirmed and len(self.consents) == 2
                                              and all(self.consents.values()))
            assert funnel.report().reached["signed"] == int(self.confirmed)

    run_state_machine_as_test(Signing, settings=settings(
        max_examples=20, stateful_step_count=12,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
