"""Arranging 1:1 meetings for tests: the organizer's settings (sessions, slots, tables,
limit; another part of the feature builds their form, so tests set the rows directly),
participants, stored recommendations between what they bring, and a schedule."""
from datetime import timedelta

from marketplace.events.models import EventSession, Meeting
from marketplace.extensions import db
from marketplace.matching.models import Recommendation


def set_up_meetings(event, sessions=((6, ""),), tables=2, limit=3, slot_minutes=20):
    """Sessions of (slots, breaks) two hours apart from the event's start."""
    event.tables, event.meeting_limit, event.slot_minutes = tables, limit, slot_minutes
    for position, (slots, breaks) in enumerate(sessions):
        db.session.add(EventSession(event_id=event.id, position=position, slots=slots,
                                    breaks=breaks,
                                    starts_at=event.starts_at + timedelta(hours=3 * position)))
    db.session.commit()
    db.session.refresh(event)
    return event


def recommend(opportunity, product, score: float, terms=("停车",)) -> Recommendation:
    rec = Recommendation(opportunity_id=opportunity.id, product_id=product.id, score=score,
                         band="strong" if score >= 0.5 else "medium",
                         evidence={"terms": list(terms), "shared_tags": []},
                         in_opportunity_list=True, in_product_list=True)
    db.session.add(rec)
    db.session.commit()
    return rec


class Fair:
    """A 供需对接会 in 红谷滩区 with ``demand`` departments and ``supply`` enterprises
    registered and confirmed, each with one published listing; a recommendation between
    department i and enterprise j scored ``scores[(i, j)]``."""

    def __init__(self, make, demand=2, supply=2, scores=None, **settings):
        self.make = make
        self.admin = make.admin()
        self.event = set_up_meetings(make.event(self.admin), **settings)
        self.departments = [make.org("department") for _ in range(demand)]
        self.enterprises = [make.org("enterprise") for _ in range(supply)]
        self.opportunities = [make.listing("opportunity", org, "published", title=f"需求{i}")
                              for i, org in enumerate(self.departments)]
        self.products = [make.listing("product", org, "published", title=f"产品{j}")
                         for j, org in enumerate(self.enterprises)]
        self.demand = [make.registration(self.event, org) for org in self.departments]
        self.supply = [make.registration(self.event, org) for org in self.enterprises]
        for (i, j), score in (scores or {}).items():
            recommend(self.opportunities[i], self.products[j], score)

    @staticmethod
    def user(registration):
        return registration.organization.users[0]


def meetings_of(event) -> list[Meeting]:
    db.session.expire_all()
    return db.session.scalars(db.select(Meeting).where(Meeting.event_id == event.id)
                              .order_by(Meeting.session, Meeting.slot,
                                        Meeting.table_number)).all()
