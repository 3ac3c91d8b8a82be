"""The story graph as a server-rendered SVG: layered left to right, one column per step.

Columns come from the longest path from a root (the graph is a DAG), rows
are ordered by the mean row of each episode's predecessors to keep crossings
down. Colours show status (published green, scheduled amber, draft grey and
dashed); the start episode, endings and each decision's default branch are
marked in text too, so nothing depends on colour alone.

Callers may annotate branches (`branch_notes`, e.g. vote shares from the
voting app, which this app does not import) and highlight the branches
screenings took (`highlight_edges`, drawn blue and thick, class "taken").
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from screenings.models import Branch, Episode

NODE_W, NODE_H = 190, 66
GAP_X, GAP_Y = 130, 34
MARGIN = 20
LEGEND_H = 34
STATUS_COLOURS = {"published": "#4cc38a", "scheduled": "#f5b83d", "draft": "#9aa3b5"}


def _layers(ids: list[int], edges: list[tuple[int, int]]) -> dict[int, int]:
    preds: dict[int, list[int]] = defaultdict(list)
    indegree = dict.fromkeys(ids, 0)
    for s, t in edges:
        preds[t].append(s)
        indegree[t] += 1
    succ: dict[int, list[int]] = defaultdict(list)
    for s, t in edges:
        succ[s].append(t)
    layer = dict.fromkeys(ids, 0)
    queue = [i for i in ids if indegree[i] == 0]
    done = set()
    while queue:
        node = queue.pop(0)
        done.add(node)
        for nxt in succ[node]:
            layer[nxt] = max(layer[nxt], layer[node] + 1)
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                queue.append(nxt)
    last = max(layer.values(), default=0)
    for i in ids:  # only a loop (which services refuse) leaves nodes unvisited
        if i not in done:
            layer[i] = last + 1
    return layer


def _rows(ids: list[int], layer: dict[int, int], edges: list[tuple[int, int]]) -> dict[int, list[int]]:
    columns: dict[int, list[int]] = defaultdict(list)
    for i in ids:
        columns[layer[i]].append(i)
    preds: dict[int, list[int]] = defaultdict(list)
    for s, t in edges:
        preds[t].append(s)
    row: dict[int, float] = {}
    for col in sorted(columns):
        nodes = columns[col]
        if col > 0:
            nodes.sort(key=lambda i: (sum(row[p] for p in preds[i] if p in row) / max(1, len(preds[i])), i))
        for index, node in enumerate(nodes):
            row[node] = index
    return columns


def _marker(name: str, colour: str) -> str:
    return (
        f'<marker id="{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" '
        f'markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
    )


def _em(char: str) -> float:
    """A character's width in em, near enough for system-ui: CJK and other wide characters are a
    full em, Latin about 0.6 (bold), so Korean and Chinese titles are cut as short as they need."""
    return 1.0 if unicodedata.east_asian_width(char) in ("W", "F") else 0.6


def _fit(text: str, *, width: float, font_px: float) -> str:
    """`text` cut (with …) to fit `width` pixels at `font_px`: no title leaves its box."""
    room = width / font_px
    if sum(_em(c) for c in text) <= room:
        return text
    out, used = [], _em("…")
    for char in text:
        if used + _em(char) > room:
            break
        out.append(char)
        used += _em(char)
    return "".join(out).rstrip() + "…"


TITLE_PX, STATUS_PX, LABEL_PX = 14, 12, 12
TITLE_ROOM = NODE_W - 24  # 12 px of padding each side
LABEL_ROOM = GAP_X - 16  # an edge label sits in the gap between two columns, clear of both boxes


TAKEN_COLOUR = "#6ea8fe"


def story_graph_svg(
    *,
    episodes: Sequence[Episode],
    branches: Sequence[Branch],
    start_id: int | None,
    links: bool = True,
    branch_notes: Mapping[int, str] | None = None,
    highlight_edges: Collection[int] = (),
) -> SafeString:
    ids = [e.id for e in episodes]
    known = set(ids)
    branches = [b for b in branches if b.source_id in known and b.target_id in known]
    edges = [(b.source_id, b.target_id) for b in branches]
    layer = _layers(ids, edges)
    columns = _rows(ids, layer, edges)
    tallest = max((len(c) for c in columns.values()), default=1)
    height_inner = tallest * NODE_H + (tallest - 1) * GAP_Y
    pos: dict[int, tuple[float, float]] = {}
    for col, nodes in columns.items():
        offset = (height_inner - (len(nodes) * NODE_H + (len(nodes) - 1) * GAP_Y)) / 2
        for index, node in enumerate(nodes):
            pos[node] = (MARGIN + col * (NODE_W + GAP_X), MARGIN + offset + index * (NODE_H + GAP_Y))
    width = MARGIN * 2 + max(len(columns), 1) * NODE_W + max(len(columns) - 1, 0) * GAP_X
    width = max(width, MARGIN * 2 + (660 if highlight_edges else 480))  # room for the legend
    height = MARGIN * 2 + height_inner + LEGEND_H
    has_out = {s for s, _ in edges}

    # (Translated outside the f-strings: xgettext does not look inside them.)
    title = _("Story graph: episodes and the branches between them")
    default_note, taken_note = _("(default: taken on a tie or when nobody votes)"), _("taken by a screening")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="story-graph" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="{"group" if links else "img"}" aria-labelledby="story-graph-title" '
        # An image role makes its children presentational: with links to the episodes inside, the
        # picture is a group, so a screen reader (and the keyboard) reaches each episode.
        'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif">',
        f'<title id="story-graph-title">{escape(title)}</title>',
        f"<defs>{_marker('arrow', '#9aa3b5')}{_marker('arrow-default', '#f5b83d')}</defs>",
    ]
    # Lines first, then every label over them: no later line is drawn across an earlier label.
    labels = []
    for b in branches:
        (sx, sy), (tx, ty) = pos[b.source_id], pos[b.target_id]
        x1, y1, x2, y2 = sx + NODE_W, sy + NODE_H / 2, tx, ty + NODE_H / 2
        bend = max(40.0, (x2 - x1) / 2)
        colour, marker = ("#f5b83d", "arrow-default") if b.is_default else ("#9aa3b5", "arrow")
        taken = b.id in highlight_edges
        stroke, width = (TAKEN_COLOUR, 4) if taken else (colour, 3 if b.is_default else 1.5)
        label = _fit(("★ " if b.is_default else "") + b.label, width=LABEL_ROOM, font_px=LABEL_PX)
        note = (branch_notes or {}).get(b.id)
        classes = "branch" + (" default" if b.is_default else "") + (" taken" if taken else "")
        # Labels stand in the first gap after the source, where lines from one episode are still apart.
        lx = x1 + min(GAP_X, x2 - x1) / 2
        ly = y1 + (y2 - y1) * (lx - x1) / max(1.0, x2 - x1)
        parts.append(
            f'<g class="{classes}" data-branch="{b.id}">'
            f'<path d="M{x1},{y1} C{x1 + bend},{y1} {x2 - bend},{y2} {x2},{y2}" fill="none" stroke="{stroke}" '
            f'stroke-width="{width}" marker-end="url(#{marker})"/>'
            + f"<title>{escape(b.label)}{' ' + escape(default_note) if b.is_default else ''}"
            f"{' · ' + escape(note) if note else ''}{' · ' + escape(taken_note) if taken else ''}</title></g>"
        )
        labels.append(
            f'<g class="edge-label" data-branch="{b.id}" aria-hidden="true">'
            f'<text class="branch-text" x="{lx}" y="{ly - 6}" text-anchor="middle" font-size="{LABEL_PX}" '
            f'fill="{colour}" stroke="#0d0f14" stroke-width="4" paint-order="stroke">{escape(label)}</text>'
            + (
                f'<text class="branch-note" x="{lx}" y="{ly + 10}" text-anchor="middle" '
                f'font-size="11" fill="{TAKEN_COLOUR}" stroke="#0d0f14" stroke-width="4" paint-order="stroke">'
                f"{escape(note)}</text>"
                if note
                else ""
            )
            + "</g>"
        )
    parts.extend(labels)
    for e in episodes:
        x, y = pos[e.id]
        colour = STATUS_COLOURS.get(e.status, "#9aa3b5")
        dash = ' stroke-dasharray="6 4"' if e.status == "draft" else ""
        marks = []
        if e.id == start_id:
            marks.append(_("START"))
        if e.id not in has_out:
            marks.append(_("ENDING"))
        status = e.status + (f" · {e.release_at:%d %b %H:%M} UTC" if e.status == "scheduled" and e.release_at else "")
        node = (
            f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="10" fill="#171a22" stroke="{colour}" '
            f'stroke-width="{3 if e.id == start_id else 2}"{dash}/>'
            f'<text class="episode-title" x="{x + 12}" y="{y + 24}" font-size="{TITLE_PX}" font-weight="600" '
            f'fill="#e9ecf2">{escape(_fit(e.title, width=TITLE_ROOM, font_px=TITLE_PX))}</text>'
            f'<text x="{x + 12}" y="{y + 44}" font-size="{STATUS_PX}" fill="{colour}">{escape(status)}</text>'
        )
        if marks:
            node += (
                f'<text x="{x + NODE_W - 10}" y="{y + 58}" font-size="10" text-anchor="end" fill="#e9ecf2" '
                f'letter-spacing="1">{" · ".join(marks)}</text>'
            )
        node += f"<title>{escape(e.title)} ({e.status})</title>"
        if links:
            node = f'<a href="{reverse("episode-detail", args=[e.id])}">{node}</a>'
        parts.append(f'<g class="episode status-{e.status}" data-episode="{e.id}" data-status="{e.status}">{node}</g>')

    default_branch = _("default branch")
    legend_y = height - LEGEND_H / 2
    legend_x = MARGIN
    for status, colour in STATUS_COLOURS.items():
        parts.append(
            f'<rect x="{legend_x}" y="{legend_y - 8}" width="14" height="14" rx="3" fill="none" stroke="{colour}" '
            f'stroke-width="2"/><text x="{legend_x + 20}" y="{legend_y + 4}" font-size="12" fill="#9aa3b5">{status}'
            "</text>"
        )
        legend_x += 110
    parts.append(
        f'<text x="{legend_x}" y="{legend_y + 4}" font-size="12" fill="#f5b83d">★ {escape(default_branch)}</text>'
    )
    if highlight_edges:
        parts.append(
            f'<text x="{legend_x + 120}" y="{legend_y + 4}" font-size="12" fill="{TAKEN_COLOUR}">'
            f"━ {escape(taken_note)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of user text above is escaped
