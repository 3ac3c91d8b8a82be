"""A production as Twee 3 text, for Twine (GET /api/productions/{id}/export.twee): its producer only."""

from __future__ import annotations

from collections import deque

from django.utils.translation import gettext as _

from config.errors import Forbidden
from screenings.models import Branch, Episode, Production
from screenings.policy import production_can_edit
from screenings.twee import Scene, story_ifid, twee_write


def _positions(start: int | None, episodes: list[Episode], succ: dict[int, list[int]]) -> dict[int, tuple[int, int]]:
    """Twine's story map: one column per step from the start, the rest in a last column."""
    depth: dict[int, int] = {}
    if start is not None:
        depth[start] = 0
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for nxt in succ.get(node, []):
                if nxt not in depth:
                    depth[nxt] = depth[node] + 1
                    queue.append(nxt)
    last = max(depth.values(), default=-1) + 1
    rows: dict[int, int] = {}
    positions = {}
    for episode in episodes:
        column = depth.get(episode.pk, last)
        rows[column] = rows.get(column, -1) + 1
        positions[episode.pk] = (100 + 200 * column, 100 + 150 * rows[column])
    return positions


def production_twee(*, production: Production, user) -> str:
    """The whole graph, drafts included: start first, then episodes by id; each episode's
    branches with the default first, then by position."""
    if not production_can_edit(production=production, user=user):
        raise Forbidden(_("Only the production's producer can export it."))
    episodes = list(Episode.objects.filter(production=production).order_by("id"))
    start = production.start_episode_id
    episodes.sort(key=lambda e: (e.pk != start, e.pk))
    branches = Branch.objects.filter(source__production=production).order_by("-is_default", "position", "id")
    succ: dict[int, list[int]] = {}
    links: dict[int, list[tuple[str, int]]] = {}
    for branch in branches:
        succ.setdefault(branch.source_id, []).append(branch.target_id)
        links.setdefault(branch.source_id, []).append((branch.label, branch.target_id))
    scenes = [Scene(e.pk, e.title, e.synopsis, e.duration_seconds, tuple(links.get(e.pk, ()))) for e in episodes]
    return twee_write(
        title=production.title,
        ifid=story_ifid(production.slug),
        start=start,
        scenes=scenes,
        positions=_positions(start, episodes, succ),
    )
