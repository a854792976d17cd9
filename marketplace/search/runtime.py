"""The search index as the running app sees it: one SearchIndex per app, and an optional
background drain thread for the single-process embedded setup (`make run`)."""
import logging
import threading
from pathlib import Path

from flask import Flask, current_app

from marketplace.search.index import SearchIndex

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.extensions["search_index"] = SearchIndex(Path(app.config["SEARCH_INDEX_DIR"]))


def search_index() -> SearchIndex:
    return current_app.extensions["search_index"]


def start_background_drain(app: Flask, step, interval: float = 1.0) -> threading.Event:
    """Run ``step()`` (one drain + commit) every ``interval`` seconds in a daemon thread
    until the returned event is set (also kept as ``app.extensions["search_drain_stop"]``).
    Only for a single process: with several workers run `flask search sync --follow`."""
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            with app.app_context():
                try:
                    step()
                except Exception:  # noqa: BLE001 - the next pass retries the same tasks
                    log.exception("search drain failed; tasks stay pending")
            stop.wait(interval)

    threading.Thread(target=loop, name="search-drain", daemon=True).start()
    app.extensions["search_drain_stop"] = stop
    return stop
