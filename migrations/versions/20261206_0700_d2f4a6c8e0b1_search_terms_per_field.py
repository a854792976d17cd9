"""search_terms: document frequencies per field as well as over all text fields

Revision ID: d2f4a6c8e0b1
Revises: b7c1d9e4f2a6
Create Date: 2026-12-06 07:00:00

Keyword search of the postgres backend weighs each query term in each field by that
field's document frequency (Whoosh's BM25F). It counted them from the postings at every
query, which at 100k listings cost 15-50 ms for a common word; the index now keeps them,
beside the frequencies over all text fields (``field`` = 'all') that matching reads.

The term frequencies are a projection: the upgrade drops every generation of the postgres
backend (their documents and postings go with them), and the drain rebuilds the index on
its next pass (`flask search rebuild` does it at once). Whoosh indexes are not touched.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd2f4a6c8e0b1'
down_revision = 'b7c1d9e4f2a6'
branch_labels = None
depends_on = None


def _drop_generations():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for (generation_id,) in bind.execute(sa.text("SELECT id FROM search_generations")):
            op.execute(f"DROP TABLE IF EXISTS search_postings_{int(generation_id)}")
    op.execute("DELETE FROM search_postings")
    op.execute("DELETE FROM search_generations")  # documents and terms cascade


def _terms(*key):
    op.create_table('search_terms',
    sa.Column('generation_id', sa.Integer(), nullable=False),
    sa.Column('term', sa.Text(), nullable=False),
    *([sa.Column('field', sa.String(length=10), nullable=False)] if 'field' in key else []),
    sa.Column('df', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['generation_id'], ['search_generations.id'], name=op.f('fk_search_terms_generation_id_search_generations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint(*key, name=op.f('pk_search_terms'))
    )


def upgrade():
    _drop_generations()
    op.drop_table('search_terms')
    _terms('generation_id', 'term', 'field')


def downgrade():
    _drop_generations()
    op.drop_table('search_terms')
    _terms('generation_id', 'term')
