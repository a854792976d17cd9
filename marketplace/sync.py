"""One drain pass as its own unit of work, for `flask search sync` and the background
thread: index tasks applied, recommendations refreshed, one commit — or a rollback that
leaves every task pending for the next pass."""
from marketplace.extensions import db
from marketplace.matching.services import SyncResult, sync_once
from marketplace.search.engine import MatchEngine
from marketplace.search.runtime import search_index


def sync_step() -> SyncResult:
    try:
        result = sync_once(MatchEngine(search_index()))
        db.session.commit()
        return result
    except BaseException:
        db.session.rollback()
        raise
