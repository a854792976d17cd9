"""Keeping the projections current: the search index and the stored recommendations.

The one owner of the step that follows a write: the search outbox is applied to the index
(``search.drain``), then the stored recommendations of what changed are recomputed
(``matching.services``). ``steps`` runs that as a unit of work for `flask search sync`,
the background thread of the embedded setup and a full rebuild; ``cli`` is `flask search`.
Neither search nor matching knows about the other's part.
"""
