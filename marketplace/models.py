"""Imports every feature's models so that metadata (and Alembic) sees all tables."""
from marketplace.accounts.models import Organization, RecoveryCode, User  # noqa: F401
from marketplace.audit import AuditLog  # noqa: F401
from marketplace.demonstrations.models import (  # noqa: F401
    DemonstrationTarget, Designation, DesignationEvidence, Indicator, IndicatorValue)
from marketplace.events.models import Attendee, Event, Registration  # noqa: F401
from marketplace.listings.models import Revision  # noqa: F401
from marketplace.matching.models import (  # noqa: F401
    Match, MatchStageChange, Recommendation, RefreshRun, RefreshTask)
from marketplace.notifications.models import (  # noqa: F401
    EmailMessage, EmailPreference, Notification, Subscription)
from marketplace.proposals.models import (  # noqa: F401
    Attachment, ConsortiumMember, Proposal, Question)
from marketplace.search import outbox  # noqa: F401  (the listener that feeds the index)
from marketplace.search.models import IndexTask, LanguageEntry  # noqa: F401
from marketplace.opportunities.models import Opportunity  # noqa: F401
from marketplace.products.models import Product  # noqa: F401
from marketplace.releases.models import Release  # noqa: F401
from marketplace.reminders.models import ReminderLog  # noqa: F401
from marketplace.taxonomy import cache as taxonomy_cache  # noqa: F401  (its stamp listener)
from marketplace.taxonomy.models import Field, Region, Tag, TaxonomyStamp  # noqa: F401
