"""What matching shows on pages, gathered by the views before the template renders.

Section providers for pages of features below matching, wired by the app in
marketplace.web (see marketplace.sections): a listing's recommendations and look-alikes,
an organization's recommendations on its own list, the evidence on proposal evaluation.
And the pairing page, whose stage buttons come from the transition table and authz.
"""
from datetime import datetime

from flask import url_for

from marketplace import authz
from marketplace.authz import Permission
from marketplace.db import to_beijing
from marketplace.matching import pairings, queries
from marketplace.matching.models import FUNNEL, MATCH_STAGES, MATCH_TRANSITIONS, Match
from marketplace.search.engine import MatchEngine
from marketplace.search.runtime import search_index
from marketplace.text import format_wan
from marketplace.viewhelpers import Confirmation

# The form fields a stage records when a pairing moves to it (pairings checks them).
STAGE_FIELDS = {"delivered": ("delivery_note",), "terminated": ("termination_reason",)}


def recommendations(item, user) -> list | None:
    """A published listing's stored recommendations (an empty list says none fit)."""
    return queries.for_item(item) if item.is_published else None


def look_alikes_of(item) -> list:
    """Published listings much like ``item``: a live search, hundreds of milliseconds."""
    return queries.look_alikes(MatchEngine(search_index()), item)


def look_alikes(item, user) -> list | None:
    """Possible duplicates, for the owner while a duplicate can still be avoided."""
    if not (authz.belongs_to(user, item) and item.awaits_approval):
        return None
    return look_alikes_of(item)


def organization_recommendations(model, user) -> list:
    """[(listing, its best recommendations)] for the user's organization's listings."""
    return queries.for_organization(user.organization_id, model.kind)


def evidence(opportunity, user) -> dict:
    """product id → stored recommendation, for the products offered in proposals."""
    return queries.evidence_for(opportunity)


def allowed_stages(user, match: Match) -> list[str]:
    """The stages ``user`` may move ``match`` to now, in the order of MATCH_STAGES."""
    if not authz.can(user, Permission.MATCH_ADVANCE, match):
        return []
    return [stage for stage in MATCH_STAGES if stage in MATCH_TRANSITIONS[match.stage]
            and pairings.advanced_by_hand(match, stage)]


def signing_actions(user, match: Match) -> set[str]:
    """What ``user`` may do about the signing now (matching.signing accepts exactly
    these): "record" (洽谈中, either side), "confirm" and "dispute" (the side that did
    not record it), or "awaiting" (the recording side waits). Admins: nothing."""
    if not authz.can(user, Permission.MATCH_ADVANCE, match):
        return set()
    organization_id = getattr(user, "organization_id", None)
    if match.side_of(organization_id) is None:
        return set()
    if "signing" in MATCH_TRANSITIONS[match.stage]:
        return {"record"}
    if match.awaits_confirmation:
        if organization_id == match.signing_recorded_by_org_id:
            return {"awaiting"}
        return {"confirm", "dispute"}
    return set()


def stage_text(user, match: Match) -> str:
    """The stage as the viewer reads it: a recorded signing is 待对方确认 for the side
    that recorded it and 待本单位确认 for the other."""
    actions = signing_actions(user, match)
    if "awaiting" in actions:
        return "已登记签约，待对方确认"
    if "confirm" in actions:
        return "对方已登记签约，待本单位确认"
    return match.stage_label


def pairing_context(match: Match, user, form, signing_form=None) -> dict:
    """The pairing page: its track along the funnel (a signing awaiting confirmation
    sits at 已签约, marked 待确认), a form per next stage, the exits (终止) apart, and
    the signing: the form to record it, or the notice of who is to confirm it."""
    allowed = allowed_stages(user, match)
    return {"match": match, "form": form, "stages": MATCH_STAGES, "funnel": FUNNEL,
            "track_current": "signed" if match.awaits_confirmation else match.stage,
            "stage_text": stage_text(user, match),
            "signing": signing_actions(user, match), "signing_form": signing_form,
            "next_stages": [stage for stage in allowed if stage in FUNNEL],
            "exit_stages": [stage for stage in allowed if stage not in FUNNEL],
            "stage_fields": {stage: [form[name] for name in STAGE_FIELDS.get(stage, ())]
                             for stage in allowed}}


# --- confirmation pages of the irreversible steps ------------------------------------------
def _day(value) -> str:
    """"2026年12月5日": a date, or a stored time's Beijing date."""
    if isinstance(value, datetime):
        value = to_beijing(value)
    return f"{value.year}年{value.month}月{value.day}日" if value else "—"


def _pairing_facts(match: Match) -> list[tuple[str, str]]:
    return [("机会", f"{match.opportunity.public_number or ''} {match.opportunity.title}".strip()),
            ("需求方", match.opportunity.organization.name), ("供给方", match.supplier.name)]


def select_confirmation(proposal) -> Confirmation:
    """选定: the proposal wins; the call stops inviting proposals; the result is public."""
    opportunity = proposal.opportunity
    return Confirmation(
        title="确认选定揭榜方案",
        action=url_for("matching.select", proposal_id=proposal.id),
        button=f"确认选定{proposal.organization.name}",
        cancel=url_for("proposals.evaluate", opportunity_id=opportunity.id),
        facts=[("机会", f"{opportunity.public_number or ''} {opportunity.title}".strip()),
               ("选定单位", proposal.organization.name),
               ("方案摘要", proposal.summary), ("报价", format_wan(proposal.price_wan))],
        consequences=["选定后不能撤销，该单位将收到通知，双方进入“已对接”阶段。",
                      "机会页面将公示揭榜结果（选定单位和日期），不再接受新的揭榜方案。",
                      "其他方案的评审结果请另行标记。"])


def _other_side_name(match: Match, user) -> str:
    if match.side_of(getattr(user, "organization_id", None)) == "demand":
        return match.supplier.name
    return match.opportunity.organization.name


def record_confirmation(match: Match, user, values: dict, disclose: bool) -> Confirmation:
    """登记签约: the entered contract, to confirm before it is sent to the other side."""
    other = _other_side_name(match, user)
    return Confirmation(
        title="确认登记签约",
        action=url_for("matching.record_signing", match_id=match.id),
        button="确认登记签约",
        cancel=url_for("matching.detail", match_id=match.id),
        facts=[*_pairing_facts(match), ("签约日期", _day(values["contract_date"])),
               ("合同金额", format_wan(values["contract_amount_wan"])),
               ("本单位同意公开金额", "是" if disclose else "否")],
        consequences=[f"登记后须由对方单位确认，确认前显示为“待对方确认”，{other}将收到通知。",
                      "对方确认后签约生效，计入对接成果和揭榜结果公示，不能再修改；"
                      "对方如有异议，对接将退回“洽谈中”。",
                      "合同金额只有在双方都同意时才公开。"],
        hidden={"contract_date": values["contract_date"].isoformat(),
                "contract_amount_wan": str(values["contract_amount_wan"]),
                **({"disclose_amount": "y"} if disclose else {})})


def signing_confirmation(match: Match) -> Confirmation:
    """确认签约: what the other side recorded; confirming makes it count."""
    return Confirmation(
        title="确认签约",
        action=url_for("matching.confirm_signing", match_id=match.id),
        button="确认签约", cancel=url_for("matching.detail", match_id=match.id),
        facts=[*_pairing_facts(match),
               ("登记单位", getattr(match.signing_recorder, "name", "—")),
               ("登记时间", _day(match.signing_recorded_at)),
               ("签约日期", _day(match.contract_date)),
               ("合同金额", format_wan(match.contract_amount_wan)),
               ("登记方同意公开金额", "是" if (match.demand_discloses_amount
                                           or match.supply_discloses_amount) else "否")],
        consequences=["确认后签约生效，对接进入“已签约”阶段，计入对接成果和揭榜结果公示，不能撤销。",
                      "合同金额只有在双方都同意时才公开；不勾选则只公示签约单位和日期。",
                      "如签约日期或金额有误，请不要确认，在下方提出异议。"],
        fields=("disclose_amount",))
