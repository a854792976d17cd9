"""What matching shows on pages, gathered by the views before the template renders.

Section providers for pages of features below matching, wired by the app in
marketplace.web (see marketplace.sections): a listing's recommendations and look-alikes,
an organization's recommendations on its own list, the evidence on proposal evaluation.
And the pairing page, whose stage buttons come from the transition table and authz.
"""
from marketplace import authz
from marketplace.authz import Permission
from marketplace.matching import queries
from marketplace.matching.models import FUNNEL, MATCH_STAGES, MATCH_TRANSITIONS, Match
from marketplace.search.engine import MatchEngine
from marketplace.search.runtime import search_index

# The form fields a stage records when a pairing moves to it (pairings checks them).
STAGE_FIELDS = {"signed": ("contract_date", "contract_amount_wan"),
                "delivered": ("delivery_note",), "terminated": ("termination_reason",)}


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
    return [stage for stage in MATCH_STAGES if stage in MATCH_TRANSITIONS[match.stage]]


def pairing_context(match: Match, user, form) -> dict:
    """The pairing page: its track along the funnel, a form per next stage, and the
    exits (终止) apart."""
    allowed = allowed_stages(user, match)
    return {"match": match, "form": form, "stages": MATCH_STAGES, "funnel": FUNNEL,
            "next_stages": [stage for stage in allowed if stage in FUNNEL],
            "exit_stages": [stage for stage in allowed if stage not in FUNNEL],
            "stage_fields": {stage: [form[name] for name in STAGE_FIELDS.get(stage, ())]
                             for stage in allowed}}
