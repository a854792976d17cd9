"""Demo 十百千 activity: designations in 红谷滩区, 西湖区 and 江岸区 over two years (one from
the demo's signed pairing, one revoked), a catalogue entry, and entered indicator values,
so the programme's dashboards, reports and public page have something to show. Through
the services, from seed/demo/designations.json."""
import json
from pathlib import Path

import sqlalchemy as sa

from marketplace.accounts.models import Organization
from marketplace.demonstrations import indicators, services
from marketplace.demonstrations.models import Indicator
from marketplace.extensions import db
from marketplace.matching.models import Match
from marketplace.products.models import Product

DATA = Path(__file__).resolve().parents[2] / "seed" / "demo" / "designations.json"


def _form(row: dict) -> dict:
    form = {key: str(value) for key, value in row.items()
            if key in ("kind", "year", "batch", "name", "focus", "lead_unit", "level", "reason")}
    form["region_code"] = row["region"]
    if row.get("from_signed_pairing"):
        match = db.session.scalar(sa.select(Match).where(Match.stage == "signed")
                                  .order_by(Match.id).limit(1))
        form["match_id"] = str(match.id)
    if "organization" in row:
        form["organization_id"] = str(db.session.scalar(sa.select(Organization.id).where(
            Organization.name == row["organization"])))
    if "product" in row:
        form["product_id"] = str(db.session.scalar(sa.select(Product.id).where(
            Product.title == row["product"])))
    return form


def load_programme(admin) -> None:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    for row in data["designations"]:
        services.designate(admin, _form(row))
    for row in data["revoked"]:
        services.revoke(admin, services.designate(admin, _form(row)), row["revoke_reason"])
    for row in data["indicator_values"]:
        indicator = db.session.scalar(sa.select(Indicator).where(
            Indicator.region_code == row["region"], Indicator.number == row["number"]))
        indicators.enter_value(admin, indicator, {key: str(row[key]) for key in
                                                  ("year", "quarter", "value", "note")
                                                  if key in row})
