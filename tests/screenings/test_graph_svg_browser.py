"""The story graph picture as Chromium draws it, with real fonts: no title leaves its box, no label
runs into an episode, and every label is drawn over the lines (Korean and English titles)."""

from __future__ import annotations

import pytest

from screenings.graph_svg import story_graph_svg
from screenings.models import Branch, Episode

pytestmark = [pytest.mark.browser]

MEASURE = """() => {
  const box = (el) => el.getBoundingClientRect();
  const inside = (a, b) => a.left >= b.left - 0.5 && a.right <= b.right + 0.5;
  const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const problems = [];
  const nodes = [...document.querySelectorAll("g.episode")];
  for (const g of nodes) {
    if (!inside(box(g.querySelector("text.episode-title")), box(g.querySelector("rect"))))
      problems.push("title leaves its box: " + g.querySelector("text.episode-title").textContent);
  }
  for (const label of document.querySelectorAll("g.edge-label text")) {
    for (const g of nodes) {
      if (overlap(box(label), box(g.querySelector("rect")))) problems.push("label on an episode: " + label.textContent);
    }
  }
  const svg = document.querySelector("svg");
  const lastLine = [...svg.querySelectorAll("g.branch")].pop();
  const firstLabel = svg.querySelector("g.edge-label");
  if (lastLine && firstLabel && (lastLine.compareDocumentPosition(firstLabel) & Node.DOCUMENT_POSITION_FOLLOWING) === 0)
    problems.push("a line is drawn over a label");
  return problems;
}"""


def test_long_korean_and_english_titles_and_labels_fit(page):
    titles = [
        "등대지기의 마지막 밤과 새벽의 약속",
        "The extraordinarily long night at the harbour",
        "灯塔守护者的最后一夜与黎明的约定",
        "Fin",
    ]
    start, *rest = [Episode(id=i, title=t, status="published") for i, t in enumerate(titles, start=1)]
    labels = ["바다로 나가 등대의 불빛을 따라간다", "Stay in the village and dance until morning", "留在村里"]
    branches = [
        Branch(id=i, source_id=start.id, target_id=target.id, label=label, is_default=i == 1)
        for i, (target, label) in enumerate(zip(rest, labels, strict=True), start=1)
    ]
    svg = story_graph_svg(
        episodes=[start, *rest], branches=branches, start_id=start.id, branch_notes={branches[0].id: "67%"}
    )
    page.set_content(f'<!doctype html><html lang="ko"><body style="margin:0">{svg}</body></html>')

    assert page.evaluate(MEASURE) == []
    assert page.locator("g.edge-label text.branch-note").text_content() == "67%"
