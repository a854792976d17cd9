"""The search backend as the running app sees it: one per app, chosen by ``SEARCH_BACKEND``
(the thread that keeps it current is ``marketplace.sync.steps.start_background``)."""
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app

from marketplace.search.backend import SearchBackend
from marketplace.search.whoosh_backend import WhooshBackend

BACKENDS = ("whoosh", "postgres")


def create_backend(config, name: str | None = None) -> SearchBackend:
    """The backend ``config`` (or ``name``) selects; RuntimeError naming the setting when
    it is unknown or cannot run on the configured database."""
    name = name or config.get("SEARCH_BACKEND", "whoosh")
    if name == "whoosh":
        return WhooshBackend(Path(config["SEARCH_INDEX_DIR"]))
    if name == "postgres":
        from marketplace.search.pgbackend import PostgresBackend
        PostgresBackend.check_database(config["SQLALCHEMY_DATABASE_URI"])
        return PostgresBackend()
    raise RuntimeError(f"SEARCH_BACKEND={name!r}：应为 {' 或 '.join(BACKENDS)}。")


def init_app(app: Flask) -> None:
    app.extensions["search_index"] = create_backend(app.config)


def search_index() -> SearchBackend:
    return current_app.extensions["search_index"]


@contextmanager
def scratch_backend(root: Path):
    """A throwaway, empty backend of the app's kind (evaluation): a Whoosh index under
    ``root``, or an index of its own name in the database, dropped afterwards."""
    backend = search_index()
    if backend.name == "whoosh":
        yield WhooshBackend(root)
        return
    scratch = backend.scratch()
    try:
        yield scratch
    finally:
        scratch.drop()
