"""The Whoosh index on disk: a projection of published listings that can be rebuilt.

Layout under the index root::

    CURRENT            name of the active generation directory
    g<timestamp>/      a Whoosh index + language.json (the language data it was built with)

A rebuild writes a new generation and swaps CURRENT atomically, so searches never see a
half-built index. Queries use the pipeline of the generation they read, so the query
side always segments exactly as the index was built.
"""
import json
import os
import re
import shutil
import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.index import LockError  # noqa: F401  (re-exported for the drain)
from whoosh.scoring import BM25F, BM25FScorer
from whoosh.system import pack_uint

from marketplace.search.documents import Doc, region_path
from marketplace.search.text import LanguageData, Pipeline

TEXT_FIELDS = ("title", "tags", "field", "summary", "body", "cases")
NO_DEADLINE = 99_999_999


_TOKEN = re.compile(r"[^ \t\r\n]+")  # what SpaceSeparatedTokenizer matches


def segmented_words(value: str) -> list[str]:
    """The terms of a field value of ``document_fields``, as Whoosh indexes them."""
    return _TOKEN.findall(value)


class SegmentedText(TEXT):
    """TEXT of pre-segmented terms joined by spaces: the postings Whoosh would write with
    SpaceSeparatedTokenizer and term frequencies, counted with one regex and a Counter
    instead of a Token object per word (adding documents took twice as long)."""

    def index(self, value, **kwargs):
        if not isinstance(value, str):
            return super().index(value, **kwargs)
        boost = self.format.field_boost
        return ((word.encode("utf-8"), n, float(n) * boost, pack_uint(n))
                for word, n in Counter(_TOKEN.findall(value)).items())


def _text(stored=False):
    return SegmentedText(analyzer=SpaceSeparatedTokenizer(), stored=stored, phrase=False)


SCHEMA = Schema(
    key=ID(stored=True, unique=True),
    kind=ID(stored=True),
    all=_text(),
    org=_text(),
    **{f"t_{name}": _text(stored=True) for name in TEXT_FIELDS},
    f_field=ID(sortable=True, stored=True),
    f_group=ID(sortable=True, stored=True),
    f_tag=KEYWORD(commas=True, stored=True),
    f_region=ID(stored=True),
    f_path=KEYWORD(),
    f_release=ID(sortable=True),
    f_maturity=ID(stored=True),
    # Sort keys only (columns): one term per document instead of Whoosh's 16 / 8 range tiers
    # (7% of all postings), as nothing searches them by range.
    published=NUMERIC(sortable=True, bits=64, shift_step=0),
    deadline=NUMERIC(sortable=True, shift_step=0),
)


_NAME_FIELDS = {"tags", "field"}  # taxonomy names: a few distinct values, repeated


def document_fields(doc: Doc, pipeline: Pipeline) -> dict:
    """Whoosh field values for ``doc``: pre-segmented tokens joined by spaces, stop-words
    included (searchable; matching leaves them out)."""
    tokens = {name: " ".join(pipeline.name_terms(text) if name in _NAME_FIELDS
                             else pipeline.terms(text, keep_stop=True))
              for name, text in doc.texts().items()}
    published = int(doc.published.timestamp()) if isinstance(doc.published, datetime) else 0
    return {
        "key": doc.key, "kind": doc.kind,
        "all": " ".join(tokens.values()),
        "org": " ".join(pipeline.name_terms(doc.organization)),
        **{f"t_{name}": value for name, value in tokens.items()},
        "f_field": doc.field, "f_group": doc.field_group,
        "f_tag": ",".join(doc.tags), "f_region": doc.region,
        "f_path": " ".join(region_path(doc.region)), "f_release": doc.release or "none",
        "f_maturity": doc.maturity or "none",
        "published": published,
        "deadline": doc.deadline.toordinal() if doc.deadline else NO_DEADLINE,
    }


class _LengthCachingBM25F(BM25F):
    """Whoosh's BM25F, with each document's field length read once per segment and kept.
    Scoring looks the length up for every matching (field, document) pair through eight
    calls down to the column file (a quarter of a broad query's time); the values, and so
    the scores, are the same."""

    def scorer(self, searcher, fieldname, text, qf=1):
        scorer = super().scorer(searcher, fieldname, text, qf)
        if isinstance(scorer, BM25FScorer):
            scorer.dfl = _field_lengths(searcher.reader(), fieldname)
        return scorer


def _field_lengths(reader, fieldname):
    """``docnum → reader.doc_field_length(docnum, fieldname, 1)``, remembered on the
    (segment) reader, which lives as long as the searcher SearchIndex keeps."""
    lookups = reader.__dict__.setdefault("_marketplace_lengths", {})
    lookup = lookups.get(fieldname)
    if lookup is None:
        known = [None] * (reader.doc_count_all() + 1)
        length = reader.doc_field_length

        def lookup(docnum):
            value = known[docnum]
            if value is None:
                value = known[docnum] = length(docnum, fieldname, 1)
            return value

        lookups[fieldname] = lookup
    return lookup


class SearchIndex:
    """One index root; safe to share within a process (opened generations are cached)."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._lock = threading.Lock()
        self._local = threading.local()
        self._open: tuple[str, object, Pipeline] | None = None
        # Derived data about the active generation's segments (search.facets); emptied
        # when another generation becomes active.
        self.cache: dict = {}

    # -- generations -------------------------------------------------------------------
    def current_name(self) -> str | None:
        try:
            name = (self.root / "CURRENT").read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return name if (self.root / name).is_dir() else None

    def exists(self) -> bool:
        return self.current_name() is not None

    def create_generation(self, language: LanguageData) -> tuple[Path, object, Pipeline]:
        """A new, empty, not yet active generation built with ``language``."""
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / f"g{time.time_ns()}"
        path.mkdir()
        (path / "language.json").write_text(json.dumps(language.as_json(), ensure_ascii=False),
                                            encoding="utf-8")
        return path, whoosh_index.create_in(str(path), SCHEMA), Pipeline(language)

    def activate(self, path: Path) -> None:
        """Point CURRENT at ``path`` (atomic rename). The previous generation is kept, as
        another process may still be reading it; older ones are removed."""
        pointer = self.root / "CURRENT.tmp"
        pointer.write_text(path.name, encoding="utf-8")
        os.replace(pointer, self.root / "CURRENT")
        generations = sorted((p for p in self.root.glob("g*") if p.is_dir()),
                             key=lambda p: int(p.name[1:]))
        for old in generations[:-2]:
            if old.name != path.name:
                shutil.rmtree(old, ignore_errors=True)

    def open(self) -> tuple[object, Pipeline]:
        """The active Whoosh index and its pipeline; raises FileNotFoundError if none."""
        name = self.current_name()
        if name is None:
            raise FileNotFoundError(f"no search index under {self.root}")
        with self._lock:
            if self._open is None or self._open[0] != name:
                path = self.root / name
                language = LanguageData.from_json(
                    json.loads((path / "language.json").read_text(encoding="utf-8")))
                self._open = (name, whoosh_index.open_dir(str(path)), Pipeline(language))
                self.cache = {}
            return self._open[1], self._open[2]

    def pipeline(self) -> Pipeline:
        return self.open()[1]

    @contextmanager
    def searcher(self):
        """A searcher of the active generation, kept by the calling thread while the
        generation's files are unchanged (opening one reads the table of contents and
        opens every segment: ~5 ms on a 10k-listing index). Any commit writes a new table
        of contents, so the searcher is replaced after every change. Whoosh's own
        ``Searcher.refresh()`` is not used: it can carry old segments and deletions over.
        Searchers are never shared between threads."""
        ix, _ = self.open()
        signature = self._signature(ix)
        cached = getattr(self._local, "searcher", None)
        if cached is not None and cached[0] == signature:
            searcher = cached[1]
        else:
            if cached is not None:
                cached[1].close()
                self._local.searcher = None
            searcher = ix.searcher(weighting=_LengthCachingBM25F())
            self._local.searcher = (signature, searcher)
        yield searcher

    @staticmethod
    def _signature(ix) -> tuple:
        folder = ix.storage.folder
        with os.scandir(folder) as entries:
            files = sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in entries
                           if e.name.endswith((".toc", ".seg")))
        return (folder, *files)
