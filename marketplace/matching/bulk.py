"""A full refresh of the queued recommendations and look-alike pairs, in batches (after a
rebuild or a language-data change: ``services.queue_refresh_all``).

The drain refreshes a few queued listings per pass, one index query each (~110 ms per
listing at 10k, over four hours at 100k). Here the index's term data is loaded once
(``search.bulk.Corpus``) and each batch of queued listings is worked through at once:

1. retrieval for the whole batch (one sparse product), then ``recommend.rank`` and the
   look-alike score over each listing's candidates, with the terms the index stored
   (nothing is segmented again), in ``processes`` forked processes;
2. the pairs to store (each listing's new list and the pairs it already has) scored with
   evidence (``recommend.explained``, the snippets need the listings' text), likewise;
3. one transaction: the batch's queue entries deleted and its rows written by the same
   rules as the per-listing refresh, in queue order (``stored.StoredRows``,
   ``similar.Replacement``), a few statements for the whole batch.

A listing's previous rows stay until its batch commits, so pages never show it without
recommendations; a failure leaves the rest queued for the next run (or the drain). Two
refreshers may compute the same batch, but only the one whose transaction still finds
its queue entries writes (``services.claim``).
"""
import multiprocessing
from collections.abc import Callable

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.listings.models import LISTING_MODELS
from marketplace.matching import services, similar
from marketplace.matching.stored import StoredRows, pairs_of
from marketplace.search import lookalikes
from marketplace.search import recommend as ranking
from marketplace.search.bulk import Corpus, Remembered
from marketplace.search.documents import doc_from_listing
from marketplace.search.drain import load_listings
from marketplace.search.engine import MatchEngine

BATCH = 1000
# The stored rows' tables, which a refresh fills a batch at a time. PostgreSQL plans each
# batch's reads of them from statistics that autovacuum gathers only after a delay (or
# never, where it is off); a never-analyzed table of 500k rows was read whole for each
# batch's rows (0.4 s a read at 100k listings). Gathered after batches 1, 2, 4, 8 …
STATISTICS_TABLES = ("recommendations", "listing_similarities")
_work = None  # (corpus, weights, threshold), inherited by the forked processes


def _plan(chunk) -> list[tuple[str, list[str], list]]:
    """For each published listing key of ``chunk``: the keys it lists (best first, as
    ``MatchEngine.recommend``) and its look-alikes (as ``MatchEngine.look_alikes``)."""
    keys, peers = chunk
    corpus, weights, threshold, memo = _work
    own = [corpus.other(corpus.position[key]) for key in keys]
    queries = [query for key, (doc, terms) in zip(keys, own)
               for query in ((terms, services.OTHER_KIND[doc.kind], key),
                             (terms, doc.kind, key))]
    found = corpus.candidates(queries)
    plans = []
    for number, (key, (doc, terms)) in enumerate(zip(keys, own)):
        others = [corpus.other(p) for p in found[2 * number]]
        ranked = ranking.rank(doc, terms, others, corpus.idf, corpus.pipeline, weights,
                              with_evidence=False, profile=memo.profile)[:services.KEPT]
        alike = {corpus.stored[p]["key"]: corpus.alike_terms(p) for p in found[2 * number + 1]}
        alikes = lookalikes.among(doc, corpus.alike_terms(corpus.position[key]), alike, peers,
                                  corpus.idf, threshold, similar.KEPT, vector=memo.vector,
                                  norm=memo.norm)
        plans.append((key, [m.key for m in ranked], alikes))
    return plans


def _explain(chunk) -> list[tuple[tuple[str, str], tuple]]:
    """(score, band, evidence) of each pair of keys, the documents' text from ``docs``
    (their spans for the snippets taken from ``memo``, which stands in for the pipeline
    there)."""
    pairs, docs = chunk
    corpus, weights, _, memo = _work
    return [((a, b), ranking.explained(docs[a], corpus.terms(a), docs[b], corpus.terms(b),
                                       corpus.idf, memo, weights, memo.profile))
            for a, b in pairs]


def _ordered(pair: tuple[str, str]) -> tuple[str, str]:
    """(opportunity key, product key) of a pair of keys given in either order."""
    return pair if pair[0].startswith("opportunity:") else (pair[1], pair[0])


def _chunks(items: list, count: int) -> list[list]:
    size = max(1, -(-len(items) // count))
    return [items[start:start + size] for start in range(0, len(items), size)]


def _gather_statistics() -> None:
    """The planner's statistics of the stored rows' tables, on PostgreSQL."""
    if db.engine.dialect.name == "postgresql":
        for table in STATISTICS_TABLES:
            db.session.execute(sa.text(f"ANALYZE {table}"))
        db.session.commit()


class _Batch:
    """A batch of queued refreshes on its way: its tasks, its listings' status, and the
    plans (``_plan``'s rows, or the worker processes' answer to come)."""

    def __init__(self, tasks: list, status: dict, planning):
        self.tasks, self.status, self._planning, self._plans = tasks, status, planning, None

    def plans(self) -> dict:
        """Listing key → (keys it lists, its look-alikes), waiting for the workers once."""
        if self._plans is None:
            rows = self._planning if isinstance(self._planning, list) else self._planning.get()
            self._plans = {key: (wanted, alikes) for chunk in rows
                           for key, wanted, alikes in chunk}
        return self._plans


class Refresher:
    """Works through the refresh queue a batch at a time with ``processes`` processes."""

    def __init__(self, engine: MatchEngine, processes: int = 2, batch: int = BATCH):
        self.engine, self.processes, self.batch = engine, processes, batch

    def run(self, progress: Callable[[int], None] = lambda done: None,
            corpus: Corpus | None = None) -> int:
        """Refresh every queued listing (also those queued meanwhile); ``progress`` is
        told how many each batch took off the queue. Commits per batch; returns the
        number of listings refreshed. ``corpus``: one already loaded by ``corpus()``."""
        corpus = corpus or self.corpus()
        pool = (multiprocessing.get_context("fork").Pool(self.processes)
                if self.processes > 1 else None)  # after the corpus: the workers share it
        total = batches = 0
        try:
            batch = self._begin(corpus, services.queued(self.batch), pool)
            while batch.tasks:
                scored = self._score(corpus, pool, batch.plans())
                # The next batch is planned while this one is written (planning reads
                # only the corpus); it is scored after, against the rows written now.
                following = self._begin(corpus, services.queued(
                    self.batch, skip=[task_id for task_id, _, _ in batch.tasks]), pool)
                total += self._write_batch(batch, scored)
                batches += 1
                if batches & (batches - 1) == 0:
                    _gather_statistics()
                progress(len(batch.tasks))
                batch = following
        finally:
            global _work
            _work = None
            if pool is not None:
                pool.terminate()
        return total

    def corpus(self) -> Corpus:
        """The active generation's term data, for this process and the ones it forks."""
        global _work
        with self.engine.index.reader() as reader:
            corpus = Corpus(reader, self.engine.index.pipeline())
        _work = (corpus, self.engine.weights, similar.threshold(), Remembered(corpus.pipeline))
        return corpus

    def _map(self, pool, function, chunks) -> list:
        results = pool.map(function, chunks) if pool else [function(c) for c in chunks]
        return [row for rows in results for row in rows]

    def refresh_tasks(self, corpus: Corpus, tasks: list[tuple[int, str, int]],
                      pool=None) -> int:
        """Refresh the listings of ``tasks`` (id, kind, listing id); returns how many
        were still queued when the batch was written."""
        batch = self._begin(corpus, tasks, pool)
        return self._write_batch(batch, self._score(corpus, pool, batch.plans()))

    def _begin(self, corpus: Corpus, tasks: list[tuple[int, str, int]], pool) -> "_Batch":
        """Start planning the published listings of ``tasks`` the corpus holds (in the
        worker processes, or here without them). The database is read in short
        transactions around the computing (a SQLite transaction holds the write lock)."""
        status = {}
        for kind, model in LISTING_MODELS.items():
            ids = {item_id for _, k, item_id in tasks if k == kind}
            status.update({f"{kind}:{item_id}": state for item_id, state in db.session.execute(
                sa.select(model.id, model.status).where(model.id.in_(ids)))} if ids else {})
        planned = [f"{kind}:{item_id}" for _, kind, item_id in tasks
                   if status.get(f"{kind}:{item_id}") == "published"
                   and f"{kind}:{item_id}" in corpus.position]
        peers = self.engine.peers([doc_from_listing(item) for model in LISTING_MODELS.values()
                                   for item in similar.under_review(model)])
        db.session.commit()
        chunks = [(chunk, peers) for chunk in _chunks(planned, 2 * self.processes)]
        pending = pool.map_async(_plan, chunks) if pool and chunks else None
        return _Batch(tasks, status, pending or [_plan(chunk) for chunk in chunks])

    def _write_batch(self, batch: "_Batch", scored: dict) -> int:
        """Take the batch off the queue and write its rows in one transaction; returns
        how many of its tasks were still queued."""
        done = services.claim([task_id for task_id, _, _ in batch.tasks])
        self._write([(kind, item_id) for task_id, kind, item_id in batch.tasks
                     if task_id in done and f"{kind}:{item_id}" in batch.status],
                    batch.plans(), scored)
        db.session.commit()
        return len(done)

    def _score(self, corpus: Corpus, pool, plans: dict) -> dict:
        """Score with evidence every pair a planned listing lists or already has. A pair
        stored since the corpus was loaded (by the batch of its other listing, or by the
        drain) is taken as stored: scoring it again would give the same."""
        pairs = {_ordered((key, other)) for key, (wanted, _) in plans.items() for other in wanted}
        stored = pairs_of([(key.split(":")[0], int(key.split(":")[1])) for key in plans],
                          corpus.loaded_at)
        fresh = {(f"opportunity:{o}", f"product:{p}"): result
                 for (o, p), result in stored.items() if result is not None}
        pairs.update((f"opportunity:{o}", f"product:{p}") for o, p in stored)
        # Only the pairs both of whose listings the index holds are scored; the others
        # are dropped, as the per-listing refresh drops pairs with unpublished listings.
        pairs = {(a, b) for a, b in pairs if a in corpus.position and b in corpus.position}
        scored = {pair: fresh[pair] for pair in pairs if pair in fresh}
        unscored = sorted(pairs - scored.keys())
        docs = self._documents({key for pair in unscored for key in pair})
        db.session.commit()
        chunks = [(chunk, {key: docs[key] for pair in chunk for key in pair})
                  for chunk in _chunks(unscored, 2 * self.processes)]
        scored.update(self._map(pool, _explain, chunks))
        return scored

    @staticmethod
    def _documents(keys: set[str]) -> dict:
        docs = {}
        for kind, model in LISTING_MODELS.items():
            ids = {int(key.split(":")[1]) for key in keys if key.startswith(f"{kind}:")}
            docs.update({f"{kind}:{item.id}": doc_from_listing(item)
                         for item in (load_listings(model, ids) if ids else [])})
        return docs

    def _write(self, keys: list[tuple[str, int]], plans: dict, scored: dict) -> None:
        """Write the listings' rows (in queue order) as the per-listing refresh would, a
        few statements for the batch; a listing the corpus does not hold (indexed since
        it was loaded, or under review) is then refreshed the per-listing way."""
        planned = [(kind, item_id) for kind, item_id in keys if f"{kind}:{item_id}" in plans]
        rows, alikes = StoredRows(planned), similar.Replacement()
        for kind, item_id in planned:
            key, other_kind = f"{kind}:{item_id}", services.OTHER_KIND[kind]
            wanted, found = plans[key]
            wanted_ids = [int(k.split(":")[1]) for k in wanted]
            results = {}
            for other_id in set(wanted_ids) | set(rows.of(kind, item_id)):
                result = scored.get(_ordered((key, f"{other_kind}:{other_id}")))
                if result is not None:
                    results[other_id] = result
            rows.apply(kind, item_id, wanted_ids, results)
            alikes.replace(kind, item_id, found)
        rows.write()
        alikes.write()
        peers = similar.Peers(self.engine)
        for kind, item_id in keys:
            item = None if f"{kind}:{item_id}" in plans else db.session.get(
                LISTING_MODELS[kind], item_id)
            if item is not None and item.status == "published":
                services.refresh(self.engine, item)
            if item is not None and item.status in similar.LIVE:
                similar.refresh(self.engine, item, peers)
