"""十百千 demonstration plan: targets and district indicators (dashboards come later)."""
