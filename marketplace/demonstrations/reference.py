"""Loading the 十百千 targets and indicator tables from reference data."""
import json
from pathlib import Path

import sqlalchemy as sa

from marketplace.demonstrations.models import DemonstrationTarget, Indicator
from marketplace.extensions import db

TARGET_KEYS = ("kind", "target", "approximate", "qualifier", "start_year", "end_year",
               "targets_by_year", "source", "note")


def load_targets(path: Path) -> tuple[int, int]:
    """Insert targets and indicators from ``targets.json`` unless already loaded.

    Idempotent: a target with the same region, kind, source and note or a region+number indicator that exists is
    left as it is. Returns (targets added, indicators added)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    added_targets = added_indicators = 0
    for row in data.get("demonstration_targets", []):
        exists = db.session.scalar(sa.select(DemonstrationTarget.id).where(
            DemonstrationTarget.region_code == row["region"],
            DemonstrationTarget.kind == row["kind"],
            DemonstrationTarget.source == (row.get("source") or ""),
            DemonstrationTarget.note == (row.get("note") or "")))
        if exists:
            continue
        values = {k: row.get(k) for k in TARGET_KEYS}
        values["approximate"] = bool(values["approximate"])
        for key in ("qualifier", "source", "note"):
            values[key] = values[key] or ""
        db.session.add(DemonstrationTarget(region_code=row["region"], **values))
        added_targets += 1
    for row in data.get("indicators", []):
        exists = db.session.scalar(sa.select(Indicator).where(
            Indicator.region_code == row["region"], Indicator.number == row["number"]))
        if exists:
            # Which indicators the platform computes is reference data too: a database
            # loaded before that was known learns it here (`make run` loads every time).
            exists.metric = exists.metric or row.get("metric") or ""
            continue
        db.session.add(Indicator(
            region_code=row["region"], number=row["number"], name=row["name"],
            unit=row.get("unit") or "", baseline_year=row.get("baseline_year"),
            baseline=row.get("baseline"), targets=row.get("targets"),
            binding=row.get("binding") or "", responsible_unit=row.get("responsible_unit") or "",
            source=row.get("source") or "", metric=row.get("metric") or ""))
        added_indicators += 1
    db.session.flush()
    return added_targets, added_indicators
