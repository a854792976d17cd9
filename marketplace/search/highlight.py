"""Marking terms in original text, for search snippets and match evidence."""
from marketplace.search.text import Pipeline

Segments = list[tuple[str, bool]]  # (text, is_marked)


# Marked ranges kept per pipeline, by (text, terms): segmenting a hit's text again for each
# search page was most of the page's CPU once its answer was kept (whoosh_backend._answers).
# Keyed on the text itself, so an edited listing is segmented anew; emptied when full.
RANGES_KEPT = 4096


def _marked_ranges(text: str, terms: set[str], pipeline: Pipeline) -> tuple:
    kept = getattr(pipeline, "_marketplace_ranges", None)
    if kept is None:
        kept = pipeline._marketplace_ranges = {}
    key = (text, frozenset(terms))
    ranges = kept.get(key)
    if ranges is None:
        if len(kept) >= RANGES_KEPT:
            kept.clear()
        ranges = kept[key] = tuple(_ranges(text, terms, pipeline))
    return ranges


def _ranges(text: str, terms: set[str], pipeline: Pipeline) -> list[tuple[int, int]]:
    ranges = sorted((s.start, s.end) for s in pipeline.spans(text, only=terms) if s.term in terms)
    merged: list[tuple[int, int]] = []
    for start, end in ranges:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mark(text: str, terms: set[str], pipeline: Pipeline, window: int | None = None) -> Segments:
    """``text`` split into plain and marked segments; with ``window``, only about that many
    characters around the first marked term (with … where cut)."""
    text = text or ""
    ranges = _marked_ranges(text, terms, pipeline) if terms else []
    start, end = 0, len(text)
    if window and len(text) > window:
        first = ranges[0][0] if ranges else 0
        start = max(0, min(first - window // 4, len(text) - window))
        end = min(len(text), start + window)
    segments: Segments = [("…", False)] if start > 0 else []
    cursor = start
    for r_start, r_end in ranges:
        if r_end <= start or r_start >= end:
            continue
        r_start, r_end = max(r_start, start), min(r_end, end)
        if r_start > cursor:
            segments.append((text[cursor:r_start], False))
        segments.append((text[r_start:r_end], True))
        cursor = r_end
    if cursor < end:
        segments.append((text[cursor:end], False))
    if end < len(text):
        segments.append(("…", False))
    return segments
