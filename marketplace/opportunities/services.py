"""Changes to opportunities: the shared listing workflow plus the fields only they have."""
from datetime import date, datetime

from marketplace.db import beijing_today
from marketplace.errors import ValidationError
from marketplace.listings import services as listing_services
from marketplace.opportunities.models import Opportunity
from marketplace.validators import choice, text, wan_amount

COOPERATION_MODES = ("采购服务", "联合研发", "揭榜挂帅", "试点应用", "合作共建", "其他")


def _deadline(raw) -> date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, datetime):  # spreadsheets give datetimes
        raw = raw.date()
    if isinstance(raw, str):
        try:
            raw = date.fromisoformat(raw.strip())
        except ValueError:
            raise ValidationError("截止日期格式应为 2026-12-31。", field="deadline") from None
    if raw < beijing_today():
        raise ValidationError("截止日期不能早于今天。", field="deadline")
    return raw


def clean_specific(checks, data: dict) -> None:
    checks.run("budget_wan", wan_amount, data.get("budget_wan"))
    checks.run("deadline", _deadline, data.get("deadline"))
    checks.run("timeline", text, data, "timeline", "预期周期", 200, False)
    checks.run("cooperation_mode", choice, data, "cooperation_mode", "合作方式",
               COOPERATION_MODES)


def create(actor, data: dict, organization=None) -> Opportunity:
    """Create a draft opportunity for the actor's department (or, for an admin's import,
    for ``organization``). Raises PermissionDenied or ValidationError (nothing added)."""
    return listing_services.create_listing(actor, Opportunity, data, clean_specific, organization)


def update(actor, item: Opportunity, data: dict):
    """Edit an opportunity (see ``listings.services.update_listing`` for the rules)."""
    return listing_services.update_listing(actor, item, data, clean_specific)
