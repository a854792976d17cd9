"""listings: the contact person's consent to be shown publicly

Revision ID: 3f2a9c71d0e4
Revises: be0aafc48c97
Create Date: 2026-12-05 16:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f2a9c71d0e4'
down_revision = 'be0aafc48c97'
branch_labels = None
depends_on = None

TABLES = ('opportunities', 'products')


def upgrade():
    # No consent was ever recorded: existing contacts stay off public pages until their
    # organization records it (个人信息保护法: consent is not presumed).
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('contact_consent', sa.Boolean(),
                                          server_default=sa.false(), nullable=False))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('contact_consent')
