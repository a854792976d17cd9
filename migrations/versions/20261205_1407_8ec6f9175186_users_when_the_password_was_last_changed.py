"""users: when the password was last changed (the password policy's maximum age)

Revision ID: 8ec6f9175186
Revises: 6b1308460cb1
Create Date: 2026-12-05 14:07:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8ec6f9175186'
down_revision = '6b1308460cb1'
branch_labels = None
depends_on = None


def upgrade():
    # Existing accounts count from their creation: the age of a password set then.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_changed_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE users SET password_changed_at = created_at")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('password_changed_at', existing_type=sa.DateTime(),
                              nullable=False)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('password_changed_at')
