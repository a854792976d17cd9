"""second factor, auditor role, audit records the database refuses to change

Revision ID: 3f9a1c7e5b20
Revises: 3f2a9c71d0e4
Create Date: 2026-12-06 09:00:00

The audit guard: triggers that refuse UPDATE and DELETE on audit_logs, except

* sealing (auditchain.seal): the three chain columns set once, from NULL, with every
  other column unchanged;
* deleting a record older than 180 days (auditchain.MIN_RETENTION_DAYS, the retention
  the law asks for), which is what `flask audit purge` does.

The age rule rather than a session switch that only the purge sets: a switch (a
PostgreSQL setting, a permit row) can be set by anyone who can run SQL on the
connection, the administrator this guards against included; a record's age cannot be
changed (the update rule refuses it). On PostgreSQL TRUNCATE is refused too.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f9a1c7e5b20'
down_revision = '3f2a9c71d0e4'
branch_labels = None
depends_on = None

RETENTION_DAYS = 180  # auditchain.MIN_RETENTION_DAYS, copied: a migration never changes
CONTENT = ("id", "created_at", "actor_id", "actor_label", "action", "object_type",
           "object_id", "summary", "before", "after", "ip_address")
CHAIN = ("chain_position", "chain_prev", "chain_hash")

SQLITE_UPDATE = """
CREATE TRIGGER audit_logs_refuse_update BEFORE UPDATE ON audit_logs
FOR EACH ROW WHEN NOT ({sealing})
BEGIN SELECT RAISE(ABORT, 'audit_logs: audit records cannot be changed'); END
""".format(sealing=" AND ".join(
    [f'OLD."{c}" IS NULL AND NEW."{c}" IS NOT NULL' for c in CHAIN]
    + [f'NEW."{c}" IS OLD."{c}"' for c in CONTENT]))

SQLITE_DELETE = f"""
CREATE TRIGGER audit_logs_refuse_delete BEFORE DELETE ON audit_logs
FOR EACH ROW WHEN OLD.created_at >= datetime('now', '-{RETENTION_DAYS} days')
BEGIN SELECT RAISE(ABORT,
  'audit_logs: audit records younger than {RETENTION_DAYS} days cannot be deleted'); END
"""

POSTGRES_FUNCTION = """
CREATE FUNCTION audit_logs_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.created_at >= (now() AT TIME ZONE 'UTC') - interval '{days} days' THEN
      RAISE EXCEPTION 'audit_logs: audit records younger than {days} days cannot be deleted'
        USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN OLD;
  ELSIF TG_OP = 'UPDATE' THEN
    IF {sealing}
       AND (to_jsonb(OLD) {strip}) = (to_jsonb(NEW) {strip}) THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_logs: audit records cannot be changed'
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RAISE EXCEPTION 'audit_logs: audit records cannot be truncated'
    USING ERRCODE = 'integrity_constraint_violation';
END $$
""".format(days=RETENTION_DAYS,
           sealing=" AND ".join(f"OLD.{c} IS NULL AND NEW.{c} IS NOT NULL" for c in CHAIN),
           strip=" ".join(f"- '{c}'" for c in CHAIN))

POSTGRES_TRIGGERS = (
    "CREATE TRIGGER audit_logs_guard_rows BEFORE UPDATE OR DELETE ON audit_logs "
    "FOR EACH ROW EXECUTE FUNCTION audit_logs_guard()",
    "CREATE TRIGGER audit_logs_guard_truncate BEFORE TRUNCATE ON audit_logs "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_guard()",
)


def _guard_audit_log():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        for statement in POSTGRES_TRIGGERS:
            op.execute(statement)
    else:
        op.execute(SQLITE_UPDATE)
        op.execute(SQLITE_DELETE)


def _unguard_audit_log():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_logs_guard_truncate ON audit_logs")
        op.execute("DROP TRIGGER IF EXISTS audit_logs_guard_rows ON audit_logs")
        op.execute("DROP FUNCTION IF EXISTS audit_logs_guard()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_logs_refuse_delete")
        op.execute("DROP TRIGGER IF EXISTS audit_logs_refuse_update")


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_auditor', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('totp_last_counter', sa.Integer(), nullable=True))
    op.create_table(
        'recovery_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_recovery_codes_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes')),
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'],
                              unique=False)
    _guard_audit_log()


def downgrade():
    _unguard_audit_log()
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_user_id'))
    op.drop_table('recovery_codes')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('totp_last_counter')
        batch_op.drop_column('totp_enabled_at')
        batch_op.drop_column('totp_secret')
        batch_op.drop_column('is_auditor')
