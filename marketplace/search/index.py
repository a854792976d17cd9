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
import shutil
import threading
import time
from datetime import datetime
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.index import LockError  # noqa: F401  (re-exported for the drain)

from marketplace.search.documents import Doc, region_path
from marketplace.search.text import LanguageData, Pipeline

TEXT_FIELDS = ("title", "tags", "field", "summary", "body", "cases")
NO_DEADLINE = 99_999_999


def _text():
    return TEXT(analyzer=SpaceSeparatedTokenizer(), stored=True, phrase=False)


SCHEMA = Schema(
    key=ID(stored=True, unique=True),
    kind=ID(stored=True),
    all=TEXT(analyzer=SpaceSeparatedTokenizer(), phrase=False),
    org=TEXT(analyzer=SpaceSeparatedTokenizer(), phrase=False),
    **{f"t_{name}": _text() for name in TEXT_FIELDS},
    f_field=ID(sortable=True, stored=True),
    f_group=ID(sortable=True, stored=True),
    f_tag=KEYWORD(commas=True, stored=True),
    f_region=ID(stored=True),
    f_path=KEYWORD(),
    f_release=ID(sortable=True),
    f_maturity=ID(stored=True),
    published=NUMERIC(sortable=True, bits=64),
    deadline=NUMERIC(sortable=True),
)


def document_fields(doc: Doc, pipeline: Pipeline) -> dict:
    """Whoosh field values for ``doc``: pre-segmented tokens joined by spaces."""
    tokens = {name: " ".join(pipeline.terms(text)) for name, text in doc.texts().items()}
    published = int(doc.published.timestamp()) if isinstance(doc.published, datetime) else 0
    return {
        "key": doc.key, "kind": doc.kind,
        "all": " ".join(tokens.values()),
        "org": " ".join(pipeline.terms(doc.organization)),
        **{f"t_{name}": value for name, value in tokens.items()},
        "f_field": doc.field, "f_group": doc.field_group,
        "f_tag": ",".join(doc.tags), "f_region": doc.region,
        "f_path": " ".join(region_path(doc.region)), "f_release": doc.release or "none",
        "f_maturity": doc.maturity or "none",
        "published": published,
        "deadline": doc.deadline.toordinal() if doc.deadline else NO_DEADLINE,
    }


class SearchIndex:
    """One index root; safe to share within a process (opened generations are cached)."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._lock = threading.Lock()
        self._open: tuple[str, object, Pipeline] | None = None

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
            return self._open[1], self._open[2]

    def pipeline(self) -> Pipeline:
        return self.open()[1]
