"""recommendation refresh runs: the size and start of the refresh a rebuild queued

Revision ID: b7d1e3f5a907
Revises: c4e8a2b6d913
Create Date: 2026-12-05 23:00:00

The queue (recommendation_refreshes) only says what is left; admins and
`flask match refresh` show how far a full refresh has come (done of total, time left),
so the rebuild that queues it records how many listings it queued and when.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d1e3f5a907'
down_revision = 'c4e8a2b6d913'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "recommendation_refresh_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation_refresh_runs")),
    )


def downgrade():
    op.drop_table("recommendation_refresh_runs")
