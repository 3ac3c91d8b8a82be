"""Pure story-graph rules over episode ids (no database): loops and reachability.

A production's graph must stay a DAG (a screening must always end), and the
published episodes must all be reachable from the start episode through
branches whose both ends are published. Services feed these functions plain
ids and edges and turn a `GraphProblem` into an `Invalid` error naming the
episodes; hypothesis tests them against a brute-force oracle.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Edge = tuple[int, int]


@dataclass(frozen=True)
class GraphProblem:
    kind: str  # "no_start" | "cycle" | "unreachable"
    episodes: tuple[int, ...]


def _successors(edges: Iterable[Edge], within: set[int] | None = None) -> dict[int, list[int]]:
    succ: dict[int, list[int]] = defaultdict(list)
    for source, target in edges:
        if within is None or (source in within and target in within):
            succ[source].append(target)
    return succ


def find_cycle(edges: Iterable[Edge], within: set[int] | None = None) -> list[int] | None:
    """Episodes of one loop in path order (first == last omitted), or None for a DAG.

    With `within`, only edges whose both ends are in that set count.
    """
    succ = _successors(edges, within)
    white, grey, black = 0, 1, 2
    colour: dict[int, int] = defaultdict(int)
    for root in sorted(succ):
        if colour[root] != white:
            continue
        path = [root]
        colour[root] = grey
        stack = [iter(succ[root])]
        while stack:
            node = next(stack[-1], None)
            if node is None:
                stack.pop()
                colour[path.pop()] = black
            elif colour[node] == grey:
                return path[path.index(node) :]
            elif colour[node] == white:
                colour[node] = grey
                path.append(node)
                stack.append(iter(succ[node]))
    return None


def path_between(edges: Iterable[Edge], source: int, target: int) -> list[int] | None:
    """The shortest path source → … → target along edges, or None."""
    succ = _successors(edges)
    previous: dict[int, int | None] = {source: None}
    queue = deque([source])
    while queue:
        node = queue.popleft()
        if node == target:
            path = [node]
            while previous[path[-1]] is not None:
                path.append(previous[path[-1]])
            return path[::-1]
        for nxt in succ[node]:
            if nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    return None


def branch_cycle(edges: Iterable[Edge], source: int, target: int) -> list[int] | None:
    """The loop a new branch source → target would close: [source, target, …, source's predecessor]."""
    if source == target:
        return [source]
    back = path_between(edges, target, source)
    return None if back is None else [source, *back[:-1]]


def reachable(start: int, edges: Iterable[Edge], within: set[int]) -> set[int]:
    """Episodes of `within` reachable from start using only edges inside `within`."""
    if start not in within:
        return set()
    succ = _successors(edges, within)
    seen = {start}
    queue = deque([start])
    while queue:
        for nxt in succ[queue.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def published_problem(*, start: int | None, published: Iterable[int], edges: Iterable[Edge]) -> GraphProblem | None:
    """What is wrong with this set of published episodes, or None if it is a valid release."""
    published = set(published)
    if not published:
        return None
    if start is None:
        return GraphProblem("no_start", tuple(sorted(published)))
    edges = list(edges)
    cycle = find_cycle(edges, within=published)
    if cycle:
        return GraphProblem("cycle", tuple(cycle))
    unreachable = published - reachable(start, edges, published)
    if unreachable:
        return GraphProblem("unreachable", tuple(sorted(unreachable)))
    return None


def release_plan_problem(
    *,
    start: int | None,
    published: Iterable[int],
    scheduled: Sequence[tuple[object, int]],
    edges: Iterable[Edge],
) -> GraphProblem | None:
    """Check the published set, then each future release moment in order.

    `scheduled` holds (release_at, episode id) pairs; episodes sharing a
    release_at are released together, so each moment adds its whole group.
    Returns the first problem, naming only episodes that are new at that moment.
    """
    edges = list(edges)
    current = set(published)
    problem = published_problem(start=start, published=current, edges=edges)
    if problem:
        return problem
    moments: dict[object, list[int]] = defaultdict(list)
    for release_at, episode_id in scheduled:
        moments[release_at].append(episode_id)
    for release_at in sorted(moments):
        group = set(moments[release_at])
        problem = published_problem(start=start, published=current | group, edges=edges)
        if problem:
            named = tuple(e for e in problem.episodes if e in group) or problem.episodes
            return GraphProblem(problem.kind, named)
        current |= group
    return None
