"""what list pages cost: listings indexed by publication time, the taxonomy stamp

Revision ID: c4e8a2b6d913
Revises: e94d5e3695f8
Create Date: 2026-12-05 19:50:00

`ix_<listings>_published_at_id`: the public lists and the home page order by
(published_at, id) descending and show one page; without the index PostgreSQL joined and
sorted every published listing for each page (~80 ms at 10,000 listings).
`taxonomy_stamp`: one row whose value changes with every change to regions, fields or
tags, so that each worker knows when its cached copies are stale (taxonomy.cache).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e8a2b6d913'
down_revision = 'e94d5e3695f8'
branch_labels = None
depends_on = None

LISTING_TABLES = ("opportunities", "products")


def upgrade():
    for table in LISTING_TABLES:
        op.create_index(f"ix_{table}_published_at_id", table, ["published_at", "id"])
    stamp = op.create_table(
        "taxonomy_stamp",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taxonomy_stamp")),
    )
    op.bulk_insert(stamp, [{"id": 1, "stamp": "initial"}])


def downgrade():
    op.drop_table("taxonomy_stamp")
    for table in LISTING_TABLES:
        op.drop_index(f"ix_{table}_published_at_id", table_name=table)
