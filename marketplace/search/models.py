"""The search outbox and the admin-editable language data."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import utcnow
from marketplace.extensions import db

LANGUAGE_KINDS = {"synonym": "同义词", "stopword": "停用词", "dictionary": "领域词典"}


class IndexTask(db.Model):
    """One pending change to project into the index: written in the same transaction as
    the change (see outbox.py), deleted by the drain once applied."""

    __tablename__ = "search_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    # opportunity | product (object_id set) | rebuild (object_id None)
    kind: Mapped[str] = mapped_column(sa.String(30))
    object_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")


class LanguageEntry(db.Model):
    """One line of the synonym table, the stop-word list or the segmentation dictionary."""

    __tablename__ = "search_language"
    __table_args__ = (sa.UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), index=True)
    value: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)


# --- the postgres search backend's tables (search.pgbackend). They exist on every database
# (one schema for all), but only the postgres backend writes them, and it runs on
# PostgreSQL only. Each holds a projection that `flask search rebuild` writes again.
class IndexGeneration(db.Model):
    """One generation of a named index ("main", or a throwaway one for evaluation): the
    language data it was segmented with and the statistics BM25F needs, kept in step with
    its documents by every write (which holds the index's advisory lock)."""

    __tablename__ = "search_generations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60), index=True)
    active: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str] = mapped_column(sa.Text)         # LanguageData.as_json()
    doc_count: Mapped[int] = mapped_column(default=0)
    lengths: Mapped[str] = mapped_column(sa.Text, default="{}")  # field → total tokens
    stamp: Mapped[str] = mapped_column(sa.String(32))      # new with every write
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IndexDocument(db.Model):
    """A published listing as the index holds it: each text field's pre-segmented tokens
    joined by spaces (what Whoosh stores) and the filter and sort values as columns."""

    __tablename__ = "search_documents"
    __table_args__ = (sa.UniqueConstraint("generation_id", "key"),
                      sa.Index("ix_search_documents_generation_kind", "generation_id", "kind"))

    id: Mapped[int] = mapped_column(primary_key=True)
    generation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("search_generations.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(60))
    kind: Mapped[str] = mapped_column(sa.String(20))
    t_title: Mapped[str] = mapped_column(sa.Text, default="")
    t_tags: Mapped[str] = mapped_column(sa.Text, default="")
    t_field: Mapped[str] = mapped_column(sa.Text, default="")
    t_summary: Mapped[str] = mapped_column(sa.Text, default="")
    t_body: Mapped[str] = mapped_column(sa.Text, default="")
    t_cases: Mapped[str] = mapped_column(sa.Text, default="")
    f_field: Mapped[str] = mapped_column(sa.String(100), default="")
    f_group: Mapped[str] = mapped_column(sa.String(100), default="")
    f_tag: Mapped[str] = mapped_column(sa.Text, default="")       # names, comma-separated
    f_region: Mapped[str] = mapped_column(sa.String(12), default="")
    f_path: Mapped[str] = mapped_column(sa.String(40), default="")  # 36 3601 360113
    f_release: Mapped[str] = mapped_column(sa.String(20), default="none")
    f_maturity: Mapped[str] = mapped_column(sa.String(20), default="none")
    published: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    deadline: Mapped[int] = mapped_column(default=0)
    len_all: Mapped[int] = mapped_column(default=0)  # as BM25F reads it (see pgbackend)


class IndexPosting(db.Model):
    """How often ``term`` occurs in one field of one document, with that field's length
    (``org``: the organization's name; ``all`` is the six text fields summed).

    On PostgreSQL one partition per generation (``search_postings_<generation id>``): a
    rebuild loads its partition without indexes, indexes it and attaches it, and the
    previous generation's postings go with a DROP instead of millions of deleted rows."""

    __tablename__ = "search_postings"
    __table_args__ = (sa.Index("ix_search_postings_document", "document_id"),
                      {"postgresql_partition_by": "LIST (generation_id)"})

    # The key in lookup order: keyword search and candidate retrieval read a term's postings.
    generation_id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    field: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    document_id: Mapped[int] = mapped_column(primary_key=True)
    tf: Mapped[int]
    fl: Mapped[int]


class IndexTerm(db.Model):
    """Document frequency of a term in one field of a generation (``all``: over the six
    text fields, matching's idf; the others: keyword search's BM25F), kept in the same
    transaction as the documents."""

    __tablename__ = "search_terms"

    generation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("search_generations.id", ondelete="CASCADE"), primary_key=True)
    term: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    field: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    df: Mapped[int]
