"""`flask backup create FILE` / `flask backup restore FILE`: a consistent copy of the
database, checked row by row, and its return.

* SQLite: the online backup API (never a file copy of a live database, which can miss
  commits still in the WAL file), then SQLite's integrity check of the copy.
* PostgreSQL: ``pg_dump -Fc`` of the very snapshot the manifest is computed in
  (``pg_export_snapshot`` → ``--snapshot``); restore is ``pg_restore --clean``.

Next to FILE a manifest (FILE.manifest.json) records, per table, the number of rows and a
SHA-256 of its rows in primary-key order (what the copy holds: for PostgreSQL read in the
dump's own snapshot). Restoring checks the restored database against it and fails loudly
on any difference. The search
index is a projection of the database: after a restore it is rebuilt.
"""
import hashlib
import json
import sqlite3
# pg_dump / pg_restore run with a fixed argument list and no shell.
import subprocess  # nosec B404
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa

from marketplace.extensions import db


class BackupError(RuntimeError):
    """A copy or a restore that does not match its manifest (or could not be made)."""


@dataclass
class Table:
    rows: int
    sha256: str


def manifest_path(file: Path) -> Path:
    return file.with_name(file.name + ".manifest.json")


def _tables(connection) -> dict[str, Table]:
    """Row count and checksum of every table of the application's metadata."""
    result = {}
    for table in db.metadata.sorted_tables:
        digest, rows = hashlib.sha256(), 0
        query = sa.select(table).order_by(*table.primary_key.columns)
        for row in connection.execute(query):
            digest.update(repr(tuple(row)).encode("utf-8"))
            rows += 1
        result[table.name] = Table(rows, digest.hexdigest())
    return result


def _write_manifest(file: Path, dialect: str, tables: dict[str, Table]) -> None:
    manifest_path(file).write_text(json.dumps({
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "dialect": dialect, "tables": {name: vars(t) for name, t in tables.items()},
    }, ensure_ascii=False, indent=2), encoding="utf-8")


def _read_manifest(file: Path) -> dict[str, Table]:
    try:
        data = json.loads(manifest_path(file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"读不到备份清单 {manifest_path(file)}：{error}") from None
    return {name: Table(**values) for name, values in data["tables"].items()}


def _compare(expected: dict[str, Table], found: dict[str, Table], what: str) -> None:
    different = [name for name in expected if found.get(name) != expected[name]]
    if different:
        raise BackupError(f"{what}与备份清单不一致的表：{'、'.join(different)}")


# --- create ------------------------------------------------------------------------------
def create(file: Path) -> dict[str, Table]:
    """Write a verified copy of the database to ``file`` and its manifest. Raises
    BackupError."""
    file.parent.mkdir(parents=True, exist_ok=True)
    engine = db.engine
    if engine.dialect.name == "sqlite":
        tables = _create_sqlite(engine, file)
    elif engine.dialect.name == "postgresql":
        tables = _create_postgres(engine, file)
    else:
        raise BackupError(f"不支持的数据库：{engine.dialect.name}")
    _write_manifest(file, engine.dialect.name, tables)
    return tables


def _create_sqlite(engine, file: Path) -> dict[str, Table]:
    """The backup API copies a consistent state (it starts over when another connection
    writes meanwhile); the copy must pass SQLite's integrity check, and the manifest is
    what the copy holds."""
    source, target = sqlite3.connect(engine.url.database), sqlite3.connect(file)
    try:
        source.backup(target)
        if target.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("备份文件未通过 SQLite 完整性检查。")
    finally:
        target.close()
        source.close()
    copy = sa.create_engine(f"sqlite:///{file}")
    try:
        with copy.connect() as connection:
            return _tables(connection)
    finally:
        copy.dispose()


def _create_postgres(engine, file: Path) -> dict[str, Table]:
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        with connection.begin():
            snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
            tables = _tables(connection)
            _run(["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}",
                  f"--file={file}", "--dbname", _url(engine)])
    return tables


# --- restore -----------------------------------------------------------------------------
def restore(file: Path) -> dict[str, Table]:
    """Replace the database's content with ``file``'s (on PostgreSQL with fresh planner
    statistics), then check it against the manifest. Raises BackupError. The caller
    rebuilds the search index."""
    expected = _read_manifest(file)
    engine = db.engine
    db.session.remove()
    if engine.dialect.name == "sqlite":
        with sqlite3.connect(file) as source:
            target = engine.raw_connection()
            try:
                source.backup(target.driver_connection)
            finally:
                target.close()
    elif engine.dialect.name == "postgresql":
        engine.dispose()  # no pooled connection holds locks pg_restore must take
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              "--dbname", _url(engine), str(file)])
        with engine.begin() as connection:
            # pg_restore leaves the tables without planner statistics, and without them
            # the list pages' plans join and sort every listing (docs/deployment.md).
            connection.execute(sa.text("ANALYZE"))
    else:
        raise BackupError(f"不支持的数据库：{engine.dialect.name}")
    with engine.connect() as connection:
        found = _tables(connection)
    _compare(expected, found, "恢复后的数据库")
    return found


def _url(engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True,  # nosec B603
                              check=False)
    except FileNotFoundError:
        raise BackupError(f"找不到 {command[0]}：请安装 PostgreSQL 客户端工具。") from None
    if done.returncode:
        raise BackupError(f"{command[0]} 失败：{done.stderr.strip()[:500]}")
