"""What a search backend offers, whichever stores the index (``SEARCH_BACKEND``).

Two backends implement it: ``whoosh`` (``search.whoosh_backend``, files under
``SEARCH_INDEX_DIR``, the embedded default) and ``postgres`` (``search.pgbackend``, tables
in the application's PostgreSQL database, shared by every web node). Everything above —
the drain's choice of what to write, keyword search's required/generic term logic and
paging, matching's term vectors, pair scores, bands and evidence, look-alike scores — is
one implementation that calls these methods, so both backends rank the same way.

A backend projects ``Doc`` objects segmented by the pipeline of the generation it holds
(the language data it was built with travels with the generation). Readers of a backend
see one complete generation: a rebuild switches atomically.
"""
from collections import Counter
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol

from marketplace.search.documents import Doc
from marketplace.search.text import LanguageData, Pipeline

# Facets of keyword search, in the order pages show them.
FACET_NAMES = ("kind", "field", "tag", "region", "release")
SORTS = ("relevance", "newest", "deadline")


@dataclass(frozen=True)
class Filters:
    """Keyword search's filters; empty means "any". ``region`` is a code prefix (36, 3601,
    360113): a listing matches when its region lies within it. ``field`` matches a field
    or a field group by name."""

    kind: str = ""
    field: str = ""
    tag: str = ""
    region: str = ""
    release: str = ""


@dataclass(frozen=True)
class KeywordQuery:
    """``terms`` required in any field (all of them with ``every``, else at least one);
    ``generic`` words add ``generic_boost`` × their score to what also has them and never
    decide a match. ``limit``: how many keys, best first by ``sort``, are wanted."""

    terms: tuple[str, ...]
    generic: tuple[str, ...] = ()
    every: bool = True
    filters: Filters = Filters()
    sort: str = "relevance"
    limit: int = 10
    generic_boost: float = 0.2


@dataclass
class KeywordResult:
    total: int = 0
    keys: list[str] = field(default_factory=list)   # ``kind:id``, best first, ≤ limit
    # facet name → value → number of matches (a listing with no value counts under None;
    # values in the order they were first met, so that ties keep it after sorting)
    facets: dict[str, Counter] = field(default_factory=lambda: {n: Counter() for n in FACET_NAMES})


class Reader(Protocol):
    """One fixed state of the index, for matching (``recommend``, ``lookalikes``)."""

    def doc_count(self) -> int:
        """Documents in the index."""

    def doc_frequency(self, fieldname: str, term: str) -> int:
        """Documents whose ``fieldname`` (``all``: every weighted text field) has ``term``."""

    def field_length(self, fieldname: str) -> int:
        """Terms in ``fieldname`` (``t_<field>`` of TEXT_FIELDS) over every document, stop-words
        included (BM25's mean field length is this over ``doc_count``)."""

    def prefetch(self, terms) -> None:
        """Let ``doc_frequency`` answer for ``terms`` without a round trip each."""

    def candidates(self, weighted: list[tuple[str, float]], kind: str, limit: int) -> list[dict]:
        """Stored fields (``key``, ``kind``, ``t_<field>``, ``f_field``, ``f_group``,
        ``f_tag``, ``f_region``, ``f_maturity``) of the best ``limit`` documents of ``kind``
        by BM25F over the ``all`` field for the weighted terms (each term's score × its
        weight, summed), best first; ties by the order documents were written."""

    def stored_documents(self) -> list[dict]:
        """The stored fields ``candidates`` returns, of every document, in the order the
        documents were written (for ``search.bulk``: a whole refresh's retrieval at once)."""

    def bm25_basis(self) -> tuple[int, float]:
        """What ``candidates``' BM25F over ``all`` divides by: the document count of its
        idf (``ln(N / (df + 1)) + 1``) and the mean length of ``all``."""


class SearchBackend(Protocol):
    name: str

    def exists(self) -> bool:
        """Whether a generation is active (else the drain rebuilds first)."""

    def pipeline(self) -> Pipeline:
        """The text pipeline of the active generation; FileNotFoundError if none."""

    def apply(self, upserts: list[Doc], removals: list[str], timeout: float) -> bool:
        """Write ``upserts`` (replacing documents of the same key) and delete the documents
        keyed ``removals``, all or nothing. False, and nothing written, if another writer
        holds the index for ``timeout`` seconds. Keys the index does not hold are
        skipped; when that leaves nothing to write, the index is left as it was (readers
        keep their state: a draft saved or sent to review changes nothing they see)."""

    def write_generation(self, docs: list[Doc], language: LanguageData,
                         processes: int = 1) -> None:
        """Write ``docs`` as a new generation segmented with ``language`` and make it the
        active one at once (readers see the old one or the new one, never a part)."""

    def reader(self) -> AbstractContextManager[Reader]:
        """A reader of the active generation."""

    def keyword(self, query: KeywordQuery) -> KeywordResult:
        """Matches of a keyword query with their number and facet counts."""

    def finds(self, terms: list[str]) -> bool:
        """Whether any document has every one of ``terms`` (in any field)."""

    def stored_keys(self) -> set[str]:
        """The keys of every document in the active generation (for ``check``)."""
