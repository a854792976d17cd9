"""Timing helpers shared by the benchmarks (the search benchmark's Whoosh and FTS5 sides,
the page and load benchmarks)."""
import math
import resource
import sys
import time
from contextlib import contextmanager
from pathlib import Path

PAGE_SIZE = 20  # the app's PAGE_SIZE: what /search shows

def percentile(values, fraction):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


class Timings(list):
    """Wall-clock durations, and in ``cpu`` the process CPU time of the same calls: on a
    shared machine the CPU figure shows what an idle one would measure (every timed call
    is single-threaded)."""

    def __init__(self):
        super().__init__()
        self.cpu = []


def summary_ms(values, prefix):
    out = {f"{prefix}_p50_ms": round(percentile(values, 0.5) * 1000, 2),
           f"{prefix}_p95_ms": round(percentile(values, 0.95) * 1000, 2)}
    if getattr(values, "cpu", None):
        out[f"{prefix}_cpu_p95_ms"] = round(percentile(values.cpu, 0.95) * 1000, 2)
    return out


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the forked workers)."""
    own, children = (resource.getrusage(w) for w in (resource.RUSAGE_SELF,
                                                      resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def rss_mb(pid="self"):
    status = Path(f"/proc/{pid}/status").read_text()
    values = {line.split(":")[0]: int(line.split()[1]) for line in status.splitlines()
              if line.startswith(("VmRSS", "VmHWM"))}
    return round(values.get("VmRSS", 0) / 1024, 1), round(values.get("VmHWM", 0) / 1024, 1)


def directory_mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) / 2**20, 1)


@contextmanager
def stopwatch(into: list):
    start, cpu = time.perf_counter(), time.process_time()
    yield
    into.append(time.perf_counter() - start)
    if isinstance(into, Timings):
        into.cpu.append(time.process_time() - cpu)


def as_autovacuum_leaves_it(engine) -> None:
    """VACUUM ANALYZE a PostgreSQL database that was just bulk-loaded: the planner
    statistics and the visibility map that autovacuum gives production within a minute
    (PostgreSQL 13 and later vacuum insert-only tables too), and that a test server with
    autovacuum off never gets. Without statistics PostgreSQL guessed 13 published
    listings and sorted all 5,000 for each list page; without the visibility map a list
    page's count read every row (3.8 ms at 5,000 products) instead of its status index
    (0.8 ms). SQLite: nothing to do."""
    if engine.dialect.name != "postgresql":
        return
    import sqlalchemy as sa

    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE"))
