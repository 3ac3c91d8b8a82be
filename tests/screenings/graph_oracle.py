"""A brute-force statement of the graph rules, independent of screenings.graph's algorithms."""

from itertools import product


def closure(nodes, edges) -> dict:
    """Floyd–Warshall reachability by paths of length >= 1."""
    reach = dict.fromkeys(product(nodes, nodes), False)
    for a, b in edges:
        reach[a, b] = True
    for k, i, j in product(nodes, nodes, nodes):
        if reach[i, k] and reach[k, j]:
            reach[i, j] = True
    return reach


def has_cycle(nodes, edges) -> bool:
    reach = closure(nodes, edges)
    return any(reach[n, n] for n in nodes)


def release_valid(start, published, edges) -> bool:
    """Published episodes: loop-free, and each reachable from start through published ones."""
    if not published:
        return True
    if start is None or start not in published:
        return False
    inner = [(a, b) for a, b in edges if a in published and b in published]
    reach = closure(sorted(published), inner)
    if any(reach[p, p] for p in published):
        return False
    return all(p == start or reach[start, p] for p in published)
