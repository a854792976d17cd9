"""search_postings: one partition per generation on PostgreSQL, keyed in lookup order

Revision ID: b7c1d9e4f2a6
Revises: b7d1e3f5a907
Create Date: 2026-12-05 23:10:00

A rebuild of the postgres search backend now loads a generation's postings into a table
of their own, indexes it and attaches it as a partition, and drops the previous one
(benchmarks/README.md: at 100k listings, 18 million rows). The key becomes
(generation_id, term, field, document_id), the order in which postings are read; postings
no longer reference documents (a foreign key across partitions would check every deleted
document) and are deleted with them by the backend.

The postings are a projection: the upgrade drops every generation of the postgres backend
(its documents and term frequencies go with them), and the drain rebuilds the index on its
next pass (`flask search rebuild` does it at once). Whoosh indexes are not touched.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7c1d9e4f2a6'
down_revision = 'b7d1e3f5a907'
branch_labels = None
depends_on = None


def _postings(**partitioning):
    op.create_table('search_postings',
    sa.Column('generation_id', sa.Integer(), nullable=False),
    sa.Column('term', sa.Text(), nullable=False),
    sa.Column('field', sa.String(length=10), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('tf', sa.Integer(), nullable=False),
    sa.Column('fl', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('generation_id', 'term', 'field', 'document_id', name=op.f('pk_search_postings')),
    **partitioning
    )
    op.create_index('ix_search_postings_document', 'search_postings', ['document_id'], unique=False)


def upgrade():
    op.execute("DELETE FROM search_generations")  # documents and terms cascade
    op.drop_table('search_postings')
    _postings(postgresql_partition_by='LIST (generation_id)')


def downgrade():
    op.execute("DELETE FROM search_generations")
    op.drop_table('search_postings')  # with its partitions
    op.create_table('search_postings',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=10), nullable=False),
    sa.Column('term', sa.Text(), nullable=False),
    sa.Column('generation_id', sa.Integer(), nullable=False),
    sa.Column('tf', sa.Integer(), nullable=False),
    sa.Column('fl', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['search_documents.id'], name=op.f('fk_search_postings_document_id_search_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('document_id', 'field', 'term', name=op.f('pk_search_postings'))
    )
    op.create_index('ix_search_postings_lookup', 'search_postings', ['generation_id', 'term', 'field'], unique=False)
