"""departments seeded from the plans name their document by title, not by seed key

Revision ID: a3d5e7f9b1c2
Revises: 3f9a1c7e5b20
Create Date: 2026-12-06 09:00:00

Data only: `flask seed reference` wrote "来源：seed 000" into the description of each
department it created; pages showed that key. The titles are written out here (not read
from seed/) so that this migration means the same thing whatever the seed files say later.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3d5e7f9b1c2'
down_revision = '3f9a1c7e5b20'
branch_labels = None
depends_on = None

TITLES = {
    "seed 000": "《红谷滩区深入推进数字经济“一号发展工程” 全力打造全省数字经济创新发展高地行动方案》",
    "seed 001": "《中共江西省委 江西省人民政府关于深入推进数字经济做优做强“一号发展工程”的意见》",
    "seed 002": "《西湖区深入推进数字经济“一号发展工程”三年行动计划（2023—2025年）》",
    "seed 003": "《江西省数字经济“一号发展工程”2022年工作计划》",
    "seed 004": "《江岸区突破性发展数字经济实施方案》",
}
organizations = sa.table("organizations", sa.column("description", sa.Text))


def _replace(old: str, new: str) -> None:
    op.execute(organizations.update().where(organizations.c.description == old)
               .values(description=new))


def upgrade():
    for key, title in TITLES.items():
        _replace(f"来源：{key}", f"来源：{title}")


def downgrade():
    for key, title in TITLES.items():
        _replace(f"来源：{title}", f"来源：{key}")
