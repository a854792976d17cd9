"""The search index as the running app sees it: one SearchIndex per app (the thread that
keeps it current is ``marketplace.sync.steps.start_background``)."""
from pathlib import Path

from flask import Flask, current_app

from marketplace.search.index import SearchIndex


def init_app(app: Flask) -> None:
    app.extensions["search_index"] = SearchIndex(Path(app.config["SEARCH_INDEX_DIR"]))


def search_index() -> SearchIndex:
    return current_app.extensions["search_index"]
