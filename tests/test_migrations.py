"""Migrations: one head, and `upgrade head` on an empty database equals the models."""
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from marketplace.extensions import db

ROOT = Path(__file__).resolve().parents[1]


def test_single_head(app):
    config = app.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, heads


def test_upgraded_schema_matches_models(app):
    # The session database was built by `upgrade()` alone (see conftest), never create_all.
    connection = db.session.connection()  # the test's own (SQLite allows one writer)
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_migration_file_names_are_dated(app):
    config = app.extensions["migrate"].migrate.get_config()
    for script in ScriptDirectory.from_config(config).walk_revisions():
        name = script.path.rsplit("/", 1)[-1]
        assert name[:8].isdigit() and name[8] == "_", name


def test_flask_db_upgrades_through_the_lazy_command(app, process_env):
    """`flask db upgrade` (what `make run` does) on a new database, then `db current`."""
    config = app.extensions["migrate"].migrate.get_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    env = process_env
    flask = [sys.executable, "-m", "flask", "--app", "wsgi.py", "db"]
    subprocess.run([*flask, "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    current = subprocess.run([*flask, "current"], cwd=ROOT, env=env, check=True,
                             capture_output=True, text=True).stdout
    assert f"{head} (head)" in current
