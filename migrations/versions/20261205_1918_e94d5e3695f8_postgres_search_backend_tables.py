"""tables of the postgres search backend: generations, documents, postings, term frequencies

Revision ID: e94d5e3695f8
Revises: a3d5e7f9b1c2
Create Date: 2026-12-05 19:18:53.390847

Created on every database (one schema), written only by SEARCH_BACKEND=postgres, which
runs on PostgreSQL only (issue 14). Empty until `flask search rebuild`.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e94d5e3695f8'
down_revision = 'a3d5e7f9b1c2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_generations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('language', sa.Text(), nullable=False),
    sa.Column('doc_count', sa.Integer(), nullable=False),
    sa.Column('lengths', sa.Text(), nullable=False),
    sa.Column('stamp', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_generations'))
    )
    with op.batch_alter_table('search_generations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_generations_name'), ['name'], unique=False)

    op.create_table('search_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('generation_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('t_title', sa.Text(), nullable=False),
    sa.Column('t_tags', sa.Text(), nullable=False),
    sa.Column('t_field', sa.Text(), nullable=False),
    sa.Column('t_summary', sa.Text(), nullable=False),
    sa.Column('t_body', sa.Text(), nullable=False),
    sa.Column('t_cases', sa.Text(), nullable=False),
    sa.Column('f_field', sa.String(length=100), nullable=False),
    sa.Column('f_group', sa.String(length=100), nullable=False),
    sa.Column('f_tag', sa.Text(), nullable=False),
    sa.Column('f_region', sa.String(length=12), nullable=False),
    sa.Column('f_path', sa.String(length=40), nullable=False),
    sa.Column('f_release', sa.String(length=20), nullable=False),
    sa.Column('f_maturity', sa.String(length=20), nullable=False),
    sa.Column('published', sa.BigInteger(), nullable=False),
    sa.Column('deadline', sa.Integer(), nullable=False),
    sa.Column('len_all', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['generation_id'], ['search_generations.id'], name=op.f('fk_search_documents_generation_id_search_generations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_documents')),
    sa.UniqueConstraint('generation_id', 'key', name=op.f('uq_search_documents_generation_id_key'))
    )
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.create_index('ix_search_documents_generation_kind', ['generation_id', 'kind'], unique=False)

    op.create_table('search_terms',
    sa.Column('generation_id', sa.Integer(), nullable=False),
    sa.Column('term', sa.Text(), nullable=False),
    sa.Column('df', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['generation_id'], ['search_generations.id'], name=op.f('fk_search_terms_generation_id_search_generations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('generation_id', 'term', name=op.f('pk_search_terms'))
    )
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
    with op.batch_alter_table('search_postings', schema=None) as batch_op:
        batch_op.create_index('ix_search_postings_lookup', ['generation_id', 'term', 'field'], unique=False)



def downgrade():
    with op.batch_alter_table('search_postings', schema=None) as batch_op:
        batch_op.drop_index('ix_search_postings_lookup')

    op.drop_table('search_postings')
    op.drop_table('search_terms')
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_search_documents_generation_kind')

    op.drop_table('search_documents')
    with op.batch_alter_table('search_generations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_generations_name'))

    op.drop_table('search_generations')
