"""region administrators; releases carry the region that published them

Revision ID: 7c3e5a9d2b41
Revises: 5c60154112af
Create Date: 2026-12-05 13:00:00

``users.admin_region_code``: a region administrator's city or district.
``releases.region_code``: the region that published a release; existing releases keep
NULL (the platform's own batches), so their titles and public numbers stay as they are.
Batches are numbered per (region, year): the unique constraint on (year, sequence) becomes
one on (region_code, year, sequence), plus a partial unique index on (year, sequence) for
the platform's batches (NULL region codes never collide in a unique constraint).
"""
from alembic import op
import sqlalchemy as sa


revision = '7c3e5a9d2b41'
down_revision = '5c60154112af'
branch_labels = None
depends_on = None

PLATFORM_ONLY = sa.text("region_code IS NULL")


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('admin_region_code', sa.String(length=6), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_admin_region_code'), ['admin_region_code'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_users_admin_region_code_regions'),
                                    'regions', ['admin_region_code'], ['code'])

    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('region_code', sa.String(length=6), nullable=True))
        batch_op.create_index(batch_op.f('ix_releases_region_code'), ['region_code'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_releases_region_code_regions'),
                                    'regions', ['region_code'], ['code'])
        batch_op.drop_constraint('uq_releases_year_sequence', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_releases_region_code_year_sequence'),
                                          ['region_code', 'year', 'sequence'])
    op.create_index('uq_releases_platform_year_sequence', 'releases', ['year', 'sequence'],
                    unique=True, sqlite_where=PLATFORM_ONLY, postgresql_where=PLATFORM_ONLY)


def downgrade():
    op.drop_index('uq_releases_platform_year_sequence', table_name='releases')
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_releases_region_code_year_sequence'),
                                 type_='unique')
        # Fails while regional batches exist (they share years and sequences).
        batch_op.create_unique_constraint('uq_releases_year_sequence', ['year', 'sequence'])
        batch_op.drop_constraint(batch_op.f('fk_releases_region_code_regions'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_releases_region_code'))
        batch_op.drop_column('region_code')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_admin_region_code_regions'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_users_admin_region_code'))
        batch_op.drop_column('admin_region_code')
