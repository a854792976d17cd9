"""The search benchmark's targets, ratios to FTS5 and the printed table."""
TARGETS = {  # figure → {size: limit}; "all" applies to every size
    "keyword_p95_ms": {10_000: 30, 100_000: 250},
    "recommend_p95_ms": {10_000: 150},
    "stored_read_p95_ms": {10_000: 20},
    "rebuild_s": {10_000: 20, 100_000: 200},
    "publish_visible_worst_s": {10_000: 3},
    "cold_start_s": {"all": 1.5},
}


RATIO_PAIRS = {  # Whoosh figure → FTS5 figure
    "rebuild_s": "fts5_build_s",
    "keyword_p50_ms": "fts5_keyword_p50_ms",
    "keyword_p95_ms": "fts5_keyword_p95_ms",
    "recommend_p50_ms": "fts5_recommend_p50_ms",
    "recommend_p95_ms": "fts5_recommend_p95_ms",
    "recommend_p95_ms (vs FTS5 full)": "fts5_recommend_full_p95_ms",
    "keyword_p95_ms (vs FTS5 page)": "fts5_keyword_page_p95_ms",
    "add_commit_s": "fts5_add_commit_s",
    "index_mb": "fts5_mb",
}


def ratios(result):
    out = {}
    for ours, theirs in RATIO_PAIRS.items():
        key = ours.split(" ")[0]
        if result.get(theirs):
            out[ours] = round(result[key] / result[theirs], 1)
    return out


def targets(result):
    out = {}
    for figure, limits in TARGETS.items():
        limit = limits.get(result["size"], limits.get("all"))
        if limit is not None and figure in result:
            out[figure] = {"target": limit, "value": result[figure],
                           "met": result[figure] <= limit}
    return out


ROWS = [  # label, figure, FTS5 figure, unit[, show the figure's target]
    ("build (full rebuild)", "rebuild_s", "fts5_build_s", "s"),
    ("build rate", "rebuild_rate_per_s", "fts5_build_rate_per_s", "/s"),
    ("keyword search p50", "keyword_p50_ms", "fts5_keyword_p50_ms", "ms"),
    ("keyword search p95", "keyword_p95_ms", "fts5_keyword_p95_ms", "ms"),
    ("  vs FTS5 + facets, rows, marks", "keyword_p95_ms", "fts5_keyword_page_p95_ms", "ms", False),
    ("/search page p95 (HTTP)", "search_page_p95_ms", None, "ms"),
    ("recommendation p50", "recommend_p50_ms", "fts5_recommend_p50_ms", "ms"),
    ("recommendation p95", "recommend_p95_ms", "fts5_recommend_p95_ms", "ms"),
    ("  vs FTS5 incl. scoring p95", "recommend_p95_ms", "fts5_recommend_full_p95_ms", "ms", False),
    ("refresh one listing p95", "refresh_p95_ms", None, "ms"),
    ("stored recs read p95", "stored_read_p95_ms", None, "ms"),
    ("single add+commit", "add_commit_s", "fts5_add_commit_s", "s"),
    ("publish→searchable+recs", "publish_visible_s", None, "s"),
    ("  worst (+1 s poll)", "publish_visible_worst_s", None, "s"),
    ("app cold start", "cold_start_s", None, "s"),
    ("web worker RSS", "worker_rss_mb", None, "MB"),
    ("  of which not file-backed", "worker_rss_anon_mb", None, "MB"),
    ("benchmark process RSS", "rss_mb", None, "MB"),
    ("index size", "index_mb", "fts5_mb", "MB"),
]


def cpu_figure(figure: str) -> str | None:
    """The CPU-time counterpart of a figure, if it has one."""
    if figure.endswith("_p95_ms"):
        return figure[:-len("_p95_ms")] + "_cpu_p95_ms"
    return {"rebuild_s": "rebuild_cpu_s"}.get(figure)


def table(result) -> str:
    lines = [f"== {result['size']:,} listings (seed {result['seed']}) ==",
             f"{'figure':<30}{'target':>9}{'Whoosh':>11}{'(CPU)':>10}{'FTS5':>10}{'ratio':>8}  ok"]
    for label, figure, fts_figure, unit, *flags in ROWS:
        value = result.get(figure)
        if value is None:
            continue
        limit = TARGETS.get(figure, {}) if not flags or flags[0] else {}
        limit = limit.get(result["size"], limit.get("all"))
        fts = result.get(fts_figure) if fts_figure else None
        ratio = f"{value / fts:.1f}×" if fts else "—"
        ok = "" if limit is None else ("✓" if value <= limit else "✗")
        target = f"≤{limit}" if limit is not None else ""
        cpu = result.get(cpu_figure(figure))
        cpu = f"{cpu}{unit}" if cpu is not None else "—"
        lines.append(f"{label:<30}{target:>9}{value:>9}{unit:<2}{cpu:>10}"
                     f"{(str(fts) + unit) if fts is not None else '—':>10}{ratio:>8}  {ok}")
    lines.append(f"load average {result.get('load_average_start')} → "
                 f"{result.get('load_average_end')} (2 cores: above ~0.5 the figures are noisy)")
    lines.append(f"mean hits/query {result.get('keyword_mean_hits')}, mean matches/"
                 f"recommendation {result.get('recommend_mean_matches')}, stored rows/listing "
                 f"{result.get('stored_mean_rows')}, recommendations of newly published "
                 f"{result.get('publish_recommendations')}; refresh of all listings after a "
                 f"rebuild ≈ {result.get('refresh_all_estimate_s')} s; "
                 f"total {result.get('total_s')} s")
    return "\n".join(lines)
