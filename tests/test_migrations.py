"""Migrations: one head; `upgrade head` on an empty database equals the models; and every
migration's downgrade undoes its upgrade, on SQLite and (in the PostgreSQL run) on
PostgreSQL."""
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from marketplace import create_app
from marketplace.config import TestConfig
from marketplace.extensions import db, init_migrate

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


# --- round trips on an empty database of the test's own --------------------------------
def schema(engine) -> dict:
    """What the database holds, in comparable form: every table's columns (name, type,
    nullable, default), primary key, indexes, unique and foreign keys and checks; on
    PostgreSQL also the enum types and sequences (a downgrade must drop them too)."""
    inspector = sa.inspect(engine)  # the get_multi_* calls: a few queries in all
    columns = inspector.get_multi_columns()
    parts = {"pk": inspector.get_multi_pk_constraint(), "indexes": inspector.get_multi_indexes(),
             "unique": inspector.get_multi_unique_constraints(),
             "foreign": inspector.get_multi_foreign_keys(),
             "checks": inspector.get_multi_check_constraints()}
    tables = {}
    for key, found in columns.items():
        name = key[1]
        if name == "alembic_version":
            continue
        tables[name] = {
            "columns": sorted((c["name"], str(c["type"]), c["nullable"], str(c["default"]))
                              for c in found),
            "pk": sorted(parts["pk"][key]["constrained_columns"]),
            "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                              for i in parts["indexes"][key]),
            "unique": sorted((u["name"] or "", tuple(u["column_names"]))
                             for u in parts["unique"][key]),
            "foreign": sorted((f["name"] or "", tuple(f["constrained_columns"]),
                               f["referred_table"], tuple(f["referred_columns"]),
                               str(f.get("options", {}).get("ondelete")))
                              for f in parts["foreign"][key]),
            "checks": sorted((c["name"] or "", " ".join(c["sqltext"].split()))
                             for c in parts["checks"][key]),
        }
    state = {"tables": tables}
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            state["enums"] = sorted(conn.exec_driver_sql(
                "SELECT typname FROM pg_type WHERE typtype = 'e'").scalars())
            state["sequences"] = sorted(conn.exec_driver_sql(
                "SELECT sequence_name FROM information_schema.sequences").scalars())
    return state


@pytest.fixture
def empty_app(empty_database):
    """An app on an empty database (no migration run), with Flask-Migrate set up."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=empty_database)
    with app.app_context():
        init_migrate(app)
        yield app
        db.session.remove()
        db.engine.dispose()


def revisions(app) -> list[str]:
    """Every revision, base first."""
    config = app.extensions["migrate"].migrate.get_config()
    return [s.revision for s in ScriptDirectory.from_config(config).walk_revisions()][::-1]


def differences(found: dict, expected: dict) -> list[str]:
    """Where two ``schema()`` results differ, as readable lines."""
    lines = []
    for part in sorted(set(found) | set(expected)):
        if part != "tables":
            if found.get(part) != expected.get(part):
                lines.append(f"{part}: {found.get(part)} != {expected.get(part)}")
            continue
        tables_found, tables_expected = found["tables"], expected["tables"]
        for table in sorted(set(tables_found) | set(tables_expected)):
            one, other = tables_found.get(table), tables_expected.get(table)
            if one is None or other is None:
                lines.append(f"{table}: {'missing' if one is None else 'left over'}")
                continue
            lines += [f"{table}.{key}: {one[key]} != {other[key]}"
                      for key in one if one[key] != other[key]]
    return lines


def models_diff() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_every_downgrade_undoes_its_upgrade(empty_app):
    """Step by step: the schema after each downgrade is the one that revision's upgrade
    started from, down to an empty database; up again to the models; then the whole way
    at once, head → base → head."""
    empty = schema(db.engine)
    assert empty["tables"] == {}
    seen = [empty]  # seen[i]: the schema after the first i revisions
    for revision in revisions(empty_app):
        upgrade(revision=revision)
        seen.append(schema(db.engine))
    assert models_diff() == []
    for steps_left in range(len(seen) - 1, 0, -1):
        downgrade(revision="-1")
        assert differences(schema(db.engine), seen[steps_left - 1]) == [], \
            f"the downgrade of revision {steps_left} left another schema than before it"
    upgrade()
    assert differences(schema(db.engine), seen[-1]) == []
    downgrade(revision="base")
    assert differences(schema(db.engine), empty) == []
    upgrade()
    assert models_diff() == []
