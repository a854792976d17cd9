"""Fixtures of the tests that hold the postgres search backend to Whoosh's results."""
from pathlib import Path

import pytest

from marketplace.matching.cli import DEFAULT_LANGUAGE, field_groups
from marketplace.matching.evaluation import load_set
from marketplace.search.pgbackend import PostgresBackend
from marketplace.search.text import read_language_files
from marketplace.search.whoosh_backend import WhooshBackend

DATA = Path(__file__).resolve().parents[1] / "data" / "matching"


@pytest.fixture(scope="module")
def labelled():
    """The first labelled set's listings."""
    return load_set(DATA, field_groups())


@pytest.fixture
def both(app, ctx, labelled, tmp_path):
    """The labelled set in a Whoosh index and in the database (rolled back afterwards)."""
    docs = labelled.opportunities + labelled.products
    language = read_language_files(DEFAULT_LANGUAGE)
    whoosh, postgres = WhooshBackend(tmp_path / "whoosh"), PostgresBackend("test-both")
    whoosh.write_generation(docs, language)
    postgres.write_generation(docs, language)
    return whoosh, postgres
