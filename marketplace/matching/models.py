"""Stored recommendations (computed when a listing is indexed, read by pages) and the
pairings (matches) tracked through the funnel 推荐 → 已对接 → 洽谈中 → 已签约 → 已落地.

A signing takes both sides: one records it (待确认签约, shown as 待对方确认), the other
confirms it (已签约) or disputes it (back to 洽谈中); see matching/signing.py."""
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import state_is, utcnow
from marketplace.extensions import db

BANDS = {"strong": "强", "medium": "中", "weak": "弱"}


class Recommendation(db.Model):
    """A scored opportunity–product pair with the evidence that explains it.

    The score is symmetric, so the same row serves the opportunity's page (products that
    fit it) and the product's page (opportunities it could answer)."""

    __tablename__ = "recommendations"
    __table_args__ = (sa.UniqueConstraint("opportunity_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("opportunities.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("products.id", ondelete="CASCADE"), index=True)
    score: Mapped[float]
    band: Mapped[str] = mapped_column(sa.String(10))
    # Whether the pair is among the opportunity's / the product's own top matches: a
    # page lists the rows flagged for its side.
    in_opportunity_list: Mapped[bool] = mapped_column(default=False)
    in_product_list: Mapped[bool] = mapped_column(default=False)
    evidence: Mapped[dict] = mapped_column(sa.JSON)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)

    opportunity = relationship("Opportunity")
    product = relationship("Product")

    @property
    def band_label(self) -> str:
        return BANDS[self.band]


MATCH_STAGES = {
    "recommended": "推荐", "contacted": "已对接", "negotiating": "洽谈中",
    "signing": "待确认签约", "signed": "已签约", "delivered": "已落地", "terminated": "终止",
}
MATCH_TRANSITIONS = {
    "recommended": {"contacted", "terminated"},
    "contacted": {"negotiating", "terminated"},
    "negotiating": {"signing", "terminated"},
    # Recorded by one side: the other confirms (已签约) or disputes (back to 洽谈中).
    "signing": {"signed", "negotiating", "terminated"},
    "signed": {"delivered", "terminated"},
    "delivered": set(),
    "terminated": set(),
}
# 待确认签约 is not a funnel stage: a signing counts once the other side confirmed it.
FUNNEL = ("recommended", "contacted", "negotiating", "signed", "delivered")
# A pairing that reached a contract both sides confirmed (已签约, or delivered after it).
SIGNED_STAGES = ("signed", "delivered")
# A pairing still under way: a stage it may yet leave for another than 终止.
OPEN_STAGES = tuple(stage for stage, onward in MATCH_TRANSITIONS.items()
                    if onward - {"terminated"})
# The moves that only the two-sided signing makes (matching.signing), never ``advance``.
SIGNING_STAGES = ("signing", "signed")
MATCH_ORIGINS = {"suggestion": "系统推荐", "proposal": "揭榜方案", "event": "对接活动",
                 "manual": "管理员录入"}


class RefreshTask(db.Model):
    """A listing whose stored recommendations are to be recomputed (queued for every
    published listing after a rebuild; worked through a batch per sync pass)."""

    __tablename__ = "recommendation_refreshes"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_kind: Mapped[str] = mapped_column(sa.String(20))
    listing_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RefreshRun(db.Model):
    """The refresh queued by the last rebuild: how many listings and since when (progress
    shown to admins and by ``flask match refresh``)."""

    __tablename__ = "recommendation_refresh_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    total: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)


class Match(db.Model):
    """A pairing of an opportunity with a supplier, tracked 对接 → 签约 → 落地."""

    __tablename__ = "matches"
    __table_args__ = (sa.UniqueConstraint("opportunity_id", "supplier_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunities.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("products.id"))
    proposal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("proposals.id"))
    origin: Mapped[str] = mapped_column(sa.String(20))
    stage: Mapped[str] = mapped_column(sa.String(20), index=True)
    contract_date: Mapped[date | None]
    contract_amount_wan: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    delivery_note: Mapped[str] = mapped_column(sa.Text, default="")
    termination_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    # The signing: who recorded it (the side's organization; None when an event's
    # organizer recorded both signatures), who confirmed it, and each side's consent to
    # show the contract amount in public (shown only when both agreed).
    signing_recorded_by_org_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id"))
    signing_recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    signing_recorded_at: Mapped[datetime | None]
    signing_confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    signing_confirmed_at: Mapped[datetime | None]
    demand_discloses_amount: Mapped[bool] = mapped_column(default=False)
    supply_discloses_amount: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    stage_changed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    opportunity = relationship("Opportunity")
    supplier = relationship("Organization", foreign_keys=[supplier_id])
    product = relationship("Product")
    proposal = relationship("Proposal")
    signing_recorder = relationship("Organization", foreign_keys=[signing_recorded_by_org_id])
    changes = relationship("MatchStageChange", order_by="MatchStageChange.id",
                           cascade="all, delete-orphan")

    audit_type = "match"

    @property
    def stage_label(self) -> str:
        return MATCH_STAGES[self.stage]

    # Display facts for pages and e-mails, so that templates never compare stage strings.
    is_signed = state_is("signed", field="stage")
    is_terminated = state_is("terminated", field="stage")
    awaits_confirmation = state_is("signing", field="stage")

    @property
    def is_contracted(self) -> bool:
        """A signing both sides confirmed (已签约 or 已落地 after it)."""
        return self.stage in SIGNED_STAGES

    @property
    def amount_is_public(self) -> bool:
        """Both sides agreed to show the contract amount, and the signing is confirmed."""
        return (self.is_contracted and self.demand_discloses_amount
                and self.supply_discloses_amount)

    @property
    def public_amount_wan(self) -> Decimal | None:
        return self.contract_amount_wan if self.amount_is_public else None

    def side_of(self, organization_id: int | None) -> str | None:
        """"demand" (the opportunity's department), "supply" or None (neither)."""
        if organization_id is None:
            return None
        if organization_id == self.opportunity.organization_id:
            return "demand"
        return "supply" if organization_id == self.supplier_id else None

    @property
    def awaiting_organization_id(self) -> int | None:
        """While a recorded signing awaits confirmation: the side that is to confirm."""
        if not self.awaits_confirmation or self.signing_recorded_by_org_id is None:
            return None
        return ({self.opportunity.organization_id, self.supplier_id}
                - {self.signing_recorded_by_org_id}).pop()

    @property
    def origin_label(self) -> str:
        return MATCH_ORIGINS[self.origin]

    @property
    def owner_organization_ids(self) -> set[int]:
        """Both sides may advance it."""
        return {self.opportunity.organization_id, self.supplier_id}


class MatchStageChange(db.Model):
    """One dated step of a pairing (the funnel's history)."""

    __tablename__ = "match_stage_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(sa.ForeignKey("matches.id", ondelete="CASCADE"),
                                          index=True)
    from_stage: Mapped[str] = mapped_column(sa.String(20), default="")
    to_stage: Mapped[str] = mapped_column(sa.String(20))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    actor = relationship("User")


class SimilarPair(db.Model):
    """Two listings of one list whose duplicate score reached ``LOOKALIKE_THRESHOLD``
    (search.lookalikes): stored when either was indexed or sent to review, so that the
    duplicates report reads rows instead of searching. One row per pair, ``first_id`` <
    ``second_id``; the score is symmetric."""

    __tablename__ = "listing_similarities"
    __table_args__ = (
        sa.UniqueConstraint("listing_kind", "first_id", "second_id"),
        sa.CheckConstraint("first_id < second_id", name="ordered_pair"),
        sa.Index("ix_listing_similarities_second", "listing_kind", "second_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_kind: Mapped[str] = mapped_column(sa.String(20))
    first_id: Mapped[int]
    second_id: Mapped[int]
    score: Mapped[float]
    terms: Mapped[list] = mapped_column(sa.JSON)  # the shared words shown as evidence
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)

    def other_id(self, item_id: int) -> int:
        return self.second_id if item_id == self.first_id else self.first_id
