"""`flask backup create|restore`: a verified copy and its return, on the database the run
uses (SQLite here, PostgreSQL under ``python -m tests.postgres``)."""
import json

import pytest
import sqlalchemy as sa

from marketplace import backups
from marketplace.accounts.models import Organization
from marketplace.extensions import db
from tests.factories import Factory


def organizations() -> int:
    return db.session.scalar(sa.select(sa.func.count(Organization.id)))


def invoke(app, *args):
    """``flask …`` as the command line runs it: in an app context."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def test_a_backup_restores_exactly_what_was_there(own_app, tmp_path):
    file = tmp_path / "backups" / "marketplace.backup"
    with own_app.app_context():
        Factory().opportunity(Factory().org("department"), status="published")
        db.session.commit()
        before = organizations()
        db.session.remove()
    created = invoke(own_app, "backup", "create", str(file))
    assert created.exit_code == 0, created.output
    assert "逐表核对一致" in created.output and file.exists()
    manifest = json.loads(backups.manifest_path(file).read_text(encoding="utf-8"))
    assert manifest["tables"]["organizations"]["rows"] == before

    with own_app.app_context():
        Factory().org("enterprise")  # a change after the backup
        db.session.commit()
        assert organizations() == before + 1
        db.session.remove()
    restored = invoke(own_app, "backup", "restore", str(file), "--yes")
    assert restored.exit_code == 0, restored.output
    assert "检索索引已重建" in restored.output
    with own_app.app_context():
        assert organizations() == before
        if db.engine.dialect.name == "postgresql":  # the planner has statistics at once
            analysed = db.session.scalar(sa.text(
                "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'opportunities'"))
            assert analysed is not None


def test_a_restore_that_does_not_match_its_manifest_is_reported(own_app, tmp_path):
    file = tmp_path / "marketplace.backup"
    with own_app.app_context():
        backups.create(file)
        manifest = json.loads(backups.manifest_path(file).read_text(encoding="utf-8"))
        manifest["tables"]["regions"]["sha256"] = "0" * 64  # as if the file had changed
        backups.manifest_path(file).write_text(json.dumps(manifest), encoding="utf-8")
        with pytest.raises(backups.BackupError, match="regions"):
            backups.restore(file)


def test_a_restore_without_a_manifest_is_refused(own_app, tmp_path):
    file = tmp_path / "stray.backup"
    file.write_bytes(b"not a backup")
    result = invoke(own_app, "backup", "restore", str(file), "--yes")
    assert result.exit_code != 0 and "读不到备份清单" in result.output
