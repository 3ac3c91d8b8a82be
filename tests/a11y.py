"""axe-core (from the npm registry, package.json) run inside a Playwright page: WCAG 2.1 A/AA rules.

Injected through the DevTools protocol (page.evaluate), which the pages' Content-Security-Policy
does not apply to, so pages are checked exactly as they are served.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Best-practice rules run too (not in the WCAG tags): a column without a header name is
# unreadable to a screen reader's table navigation.
EXTRA_RULES = ["empty-table-header"]


@cache
def _source() -> str:
    return AXE.read_text()


def axe_available() -> None:
    """Skip (or fail where REQUIRE_BROWSER is set) when `make install-dev` could not install axe-core."""
    if not AXE.exists():
        message = f"{AXE} is missing: run `make install-dev` (needs npm)"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)


def axe_violations(page, *, exclude: tuple[str, ...] = (), rules_off: tuple[str, ...] = ()) -> list[str]:
    """The page's WCAG 2.1 AA violations as readable lines: rule, impact, the first few elements.
    `exclude`: selectors left out; `rules_off`: rules not run (say why where you pass them)."""
    axe_available()
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_source())
    result = page.evaluate(
        """async ([tags, exclude, off, extra]) => {
            const context = exclude.length ? { exclude: exclude.map((s) => [s]) } : document;
            const rules = Object.fromEntries(off.map((id) => [id, { enabled: false }]));
            const r = await axe.run(context, { runOnly: { type: "tag", values: tags }, rules, resultTypes: ["violations"] });
            const more = await axe.run(context, { runOnly: { type: "rule", values: extra }, resultTypes: ["violations"] });
            return [...r.violations, ...more.violations].map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                                              nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
        }""",
        [TAGS, list(exclude), list(rules_off), [r for r in EXTRA_RULES if r not in rules_off]],
    )
    return [f"{v['id']} ({v['impact']}): {v['help']} — {', '.join(v['nodes'])}" for v in result]
