"""The search index as the running app sees it: one SearchIndex per app, and an optional
background drain thread for the single-process embedded setup (`make run`)."""
import logging
import threading
import time
from pathlib import Path

from flask import Flask, current_app

from marketplace.search.index import SearchIndex

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.extensions["search_index"] = SearchIndex(Path(app.config["SEARCH_INDEX_DIR"]))


def search_index() -> SearchIndex:
    return current_app.extensions["search_index"]


def start_background_drain(app: Flask, step, interval: float = 1.0) -> threading.Thread:
    """Run ``step()`` (one drain + commit) every ``interval`` seconds in a daemon thread.
    Only for a single process: with several workers run `flask search sync --follow`."""
    def loop():
        while True:
            with app.app_context():
                try:
                    step()
                except Exception:  # noqa: BLE001 - the next pass retries the same tasks
                    log.exception("search drain failed; tasks stay pending")
            time.sleep(interval)

    thread = threading.Thread(target=loop, name="search-drain", daemon=True)
    thread.start()
    return thread
