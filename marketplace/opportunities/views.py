"""机会清单 routes: the shared listing routes for opportunities."""
from marketplace.listings.views import build_blueprint
from marketplace.opportunities import services
from marketplace.opportunities.forms import OpportunityForm
from marketplace.opportunities.models import Opportunity

bp = build_blueprint(Opportunity, services, OpportunityForm, __name__)
