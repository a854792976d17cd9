"""axe-core in the browser tests: ``assert_accessible(page)`` runs axe (bundled by
axe-playwright-python, so nothing is fetched) on the page as it is now and fails on any
serious or critical violation, listing each rule with its impact, its help text and the
CSS selectors of the offending elements.

Minor and moderate findings are not failures (issue 12 sets the bar at serious/critical);
``violations(page)`` returns them all for a caller that wants to see them.

No rule is disabled. Where a finding cannot be fixed in our markup (a vendored widget's
own DOM), exclude that element by selector in ``EXCLUDED`` with the reason beside it.
"""
from axe_playwright_python.base import AXE_SCRIPT

FAILING_IMPACTS = ("serious", "critical")
# Selectors axe does not look inside: (selector, why). Empty: every page is checked whole.
EXCLUDED: tuple[tuple[str, str], ...] = ()

OPTIONS = {"resultTypes": ["violations"]}


def violations(page) -> list[dict]:
    """Every axe violation on ``page``, as axe reports them (id, impact, help, helpUrl,
    nodes with their ``target`` selectors and ``failureSummary``). The axe script is
    injected once per document (a check after resizing the page reuses it)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    context = {"exclude": [[selector] for selector, _ in EXCLUDED]} if EXCLUDED else None
    results = page.evaluate("([context, options]) => axe.run(context || document, options)",
                            [context, OPTIONS])
    return results["violations"]


def failing(found: list[dict]) -> list[dict]:
    return [v for v in found if v["impact"] in FAILING_IMPACTS]


def describe(found: list[dict], where: str = "") -> str:
    """A readable report: one block per rule, one line per offending element."""
    lines = [f"{len(found)} 条无障碍问题（axe-core）{where}:"]
    for v in found:
        lines.append(f"- {v['id']} [{v['impact']}] {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:10]:
            target = " ".join(str(part) for part in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {target}: {summary[:300]}")
        if len(v["nodes"]) > 10:
            lines.append(f"    …及另外 {len(v['nodes']) - 10} 处")
    return "\n".join(lines)


def assert_accessible(page, where: str = "") -> None:
    """Fail when the page as it is now has serious or critical axe violations."""
    found = failing(violations(page))
    assert not found, describe(found, where or f" @ {page.url}")
