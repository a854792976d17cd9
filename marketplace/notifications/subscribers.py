"""Who is told what: the receivers of the domain signals (``marketplace.signals``).

Each receiver turns one thing that happened into ``notify`` calls in the sender's
transaction. The app factory imports this module once, which connects them.
"""
from marketplace import signals
from marketplace.notifications.services import notify, organization_users, path_for


@signals.listing_approved.connect
def _listing_approved(item, **_):
    _tell_owner("listing_approved", item)


@signals.listing_returned.connect
def _listing_returned(item, **_):
    _tell_owner("listing_returned", item)


@signals.listing_published.connect
def _listing_published(item, **_):
    _tell_owner("listing_published", item)


def _tell_owner(event: str, item) -> None:
    notify(event, organization_users(item.organization),
           link=path_for(f"{item.endpoint}.detail", item_id=item.id), item=item)


def _questions_link(opportunity_id: int) -> str:
    return path_for("opportunities.detail", item_id=opportunity_id) + "#questions"


@signals.question_asked.connect
def _question_asked(question, **_):
    # The asker is not named: questions are anonymous to the department.
    opportunity = question.opportunity
    notify("question_asked", organization_users(opportunity.organization),
           link=_questions_link(opportunity.id), question=question, opportunity=opportunity)


@signals.question_answered.connect
def _question_answered(question, **_):
    notify("question_answered", organization_users(question.organization),
           link=_questions_link(question.opportunity_id), question=question,
           opportunity=question.opportunity)


@signals.proposal_submitted.connect
def _proposal_submitted(proposal, **_):
    notify("proposal_submitted", organization_users(proposal.opportunity.organization),
           link=path_for("proposals.detail", proposal_id=proposal.id), proposal=proposal,
           opportunity=proposal.opportunity)


@signals.proposal_decided.connect
def _proposal_decided(proposal, **_):
    notify("proposal_decided", organization_users(proposal.organization),
           link=path_for("proposals.detail", proposal_id=proposal.id), proposal=proposal,
           opportunity=proposal.opportunity)


@signals.match_advanced.connect
def _match_advanced(match, actor=None, **_):
    """Both sides but the one that acted (an admin's change reaches both)."""
    acting = getattr(actor, "organization_id", None)
    users = [user for org in (match.opportunity.organization, match.supplier)
             if org.id != acting for user in organization_users(org)]
    notify("match_stage_changed", users, link=path_for("matching.detail", match_id=match.id),
           match=match)


@signals.signing_recorded.connect
def _signing_recorded(match, actor=None, **_):
    """The side that did not record the signing is asked to confirm it."""
    recorder = actor.organization
    awaiting = (match.supplier if recorder.id == match.opportunity.organization_id
                else match.opportunity.organization)
    notify("signing_awaiting_confirmation", organization_users(awaiting),
           link=path_for("matching.signing_confirmation", match_id=match.id), match=match,
           recorder=recorder)


@signals.signing_disputed.connect
def _signing_disputed(match, actor=None, reason="", recorder_id=None, **_):
    """The side whose record was disputed hears why."""
    recorder = next((org for org in (match.opportunity.organization, match.supplier)
                     if org.id == recorder_id), None)
    notify("signing_disputed", organization_users(recorder),
           link=path_for("matching.detail", match_id=match.id), match=match, reason=reason,
           disputer=actor.organization)
