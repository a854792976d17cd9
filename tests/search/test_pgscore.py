"""Keyword search's scores summed in the web process (``search.pgscore``): the page and
the matches as SQL's ``score DESC, id`` and ``bit_or`` would have them, and the postings
read with every query value bound by the driver."""
import numpy as np
import pytest

from marketplace.search import pgscore
from tests.search.backends import keyword

# (field, term, weight, mean length, bits, df) as pgkeyword builds them: two required
# terms (bits 10 and 01) and a generic word (00).
WEIGHTS = [("title", "停车", 2.0, 10.0, "10", 3), ("body", "停车", 1.0, 50.0, "10", 3),
           ("title", "南昌", 1.5, 10.0, "01", 3), ("body", "平台", 0.2, 50.0, "00", 3)]


def postings(*rows):
    """(document, row of WEIGHTS, tf, fl) as COPY sends them."""
    out = np.zeros(len(rows), dtype=pgscore._row_type())
    for name, values in zip(("document", "row", "tf", "fl"), zip(*rows)):
        out[name] = values
    return out


def test_a_match_has_every_required_term_and_a_generic_word_only_adds():
    rows = postings((7, 0, 1, 10), (7, 2, 1, 10),   # both required terms
                    (8, 1, 3, 50), (8, 3, 5, 50),   # one, and the generic word
                    (9, 3, 9, 50))                  # the generic word alone
    ids, page = pgscore.best(rows, WEIGHTS, every=True, limit=10)
    assert ids.tolist() == [7] and page == [7]
    ids, page = pgscore.best(rows, WEIGHTS, every=False, limit=10)
    assert ids.tolist() == [7, 8]
    assert page == [7, 8]  # 7 has both terms in the title: more than 8's body and 平台


def test_ties_at_the_cut_go_by_id_as_in_sql():
    same = [(document, 0, 1, 10) for document in (40, 12, 33, 5, 27)]
    ids, page = pgscore.best(postings(*same, (90, 0, 4, 10)), WEIGHTS, every=False, limit=3)
    assert ids.tolist() == [5, 12, 27, 33, 40, 90]
    assert page == [90, 5, 12]  # the best, then the tied ones by id
    assert pgscore.best(postings(*same), WEIGHTS, every=False, limit=10)[1] == [5, 12, 27, 33, 40]


def test_no_postings_no_matches():
    ids, page = pgscore.best(postings(), WEIGHTS, every=True, limit=10)
    assert len(ids) == 0 and page == []


@pytest.mark.postgres_search
@pytest.mark.parametrize("q", ["O'Brien 停车", "停车 %s", "%(generation)s 数据", "停车'); DROP TABLE x; --"])
def test_quotes_and_percent_signs_in_a_query_are_bound_not_pasted(both, q):
    whoosh, postgres = both
    expected, found = keyword(whoosh, q, every=False), keyword(postgres, q, every=False)
    assert found.total == expected.total > 0
    assert found.keys == expected.keys
