"""recommendation refreshes get their own table (out of the search outbox)

Revision ID: 4b1d2c9e7a10
Revises: 88339eb7ddcc
Create Date: 2026-12-05 12:00:00

Queued refreshes were rows of ``search_tasks`` with kind ``recommend:<kind>``; they move
to ``recommendation_refreshes`` so that search's outbox holds index tasks only.
"""
from alembic import op
import sqlalchemy as sa


revision = '4b1d2c9e7a10'
down_revision = '88339eb7ddcc'
branch_labels = None
depends_on = None

PREFIX = "recommend:"


def upgrade():
    op.create_table(
        'recommendation_refreshes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('listing_kind', sa.String(length=20), nullable=False),
        sa.Column('listing_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recommendation_refreshes')))
    op.execute(
        "INSERT INTO recommendation_refreshes (listing_kind, listing_id, created_at) "
        f"SELECT substr(kind, {len(PREFIX) + 1}), object_id, created_at FROM search_tasks "
        f"WHERE kind LIKE '{PREFIX}%' AND object_id IS NOT NULL ORDER BY id")
    op.execute(f"DELETE FROM search_tasks WHERE kind LIKE '{PREFIX}%'")


def downgrade():
    op.execute(
        "INSERT INTO search_tasks (kind, object_id, created_at, attempts, last_error) "
        f"SELECT '{PREFIX}' || listing_kind, listing_id, created_at, 0, '' "
        "FROM recommendation_refreshes ORDER BY id")
    op.drop_table('recommendation_refreshes')
