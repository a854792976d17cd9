"""A fresh search index per test (the database rolls back; the index must start empty too)."""
import pytest

from marketplace.extensions import db
from marketplace.search.engine import MatchEngine
from marketplace.search.index import SearchIndex
from marketplace.sync.steps import sync_step


@pytest.fixture
def index(app, tmp_path, monkeypatch):
    fresh = SearchIndex(tmp_path / "index")
    monkeypatch.setitem(app.extensions, "search_index", fresh)
    return fresh


@pytest.fixture
def engine(index):
    return MatchEngine(index)


@pytest.fixture
def sync(index):
    """Drain until nothing is pending, as `flask search sync` would."""
    def run():
        result = sync_step()
        while sync_step().refreshed:
            pass
        db.session.expire_all()
        return result
    return run
