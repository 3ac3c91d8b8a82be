"""The pure graph rules, checked against a brute-force oracle on random graphs."""

from hypothesis import given, settings
from hypothesis import strategies as st

from screenings.graph import (
    GraphProblem,
    branch_cycle,
    find_cycle,
    published_problem,
    reachable,
    release_plan_problem,
)
from tests.screenings.graph_oracle import closure, has_cycle, release_valid


@st.composite
def graphs(draw, max_nodes=7):
    n = draw(st.integers(1, max_nodes))
    nodes = list(range(1, n + 1))
    pairs = [(a, b) for a in nodes for b in nodes if a != b]
    edges = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs))) if pairs else []
    published = draw(st.sets(st.sampled_from(nodes)))
    start = draw(st.one_of(st.none(), st.sampled_from(nodes)))
    return nodes, edges, published, start


@settings(max_examples=400, deadline=None)
@given(graphs())
def test_published_graphs_are_accepted_exactly_when_they_keep_the_rules(graph):
    nodes, edges, published, start = graph

    problem = published_problem(start=start, published=published, edges=edges)

    assert (problem is None) == release_valid(start, published, edges)


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_a_refusal_names_episodes_that_really_break_the_rule(graph):
    nodes, edges, published, start = graph
    problem = published_problem(start=start, published=published, edges=edges)
    if problem is None:
        return
    named = set(problem.episodes)
    assert named and named <= published
    if problem.kind == "cycle":
        loop = list(problem.episodes)
        assert all((a, b) in edges for a, b in zip(loop, loop[1:] + loop[:1]))
    elif problem.kind == "unreachable":
        inner = [(a, b) for a, b in edges if a in published and b in published]
        reach = closure(sorted(published), inner)
        assert all(not (e == start or (start in published and reach[start, e])) for e in named)


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_find_cycle_agrees_with_the_oracle(graph):
    nodes, edges, _, _ = graph
    cycle = find_cycle(edges)

    assert (cycle is not None) == has_cycle(nodes, edges)


@settings(max_examples=300, deadline=None)
@given(graphs(), st.data())
def test_adding_a_branch_is_refused_exactly_when_it_closes_a_loop(graph, data):
    nodes, edges, _, _ = graph
    dag = [(a, b) for a, b in edges if a < b]  # any DAG: edges only go "forward"
    source, target = data.draw(st.sampled_from(nodes)), data.draw(st.sampled_from(nodes))

    loop = branch_cycle(dag, source, target)

    assert (loop is not None) == has_cycle(nodes, [*dag, (source, target)])
    if loop:
        assert loop[0] == source
        assert all((a, b) in [*dag, (source, target)] for a, b in zip(loop, loop[1:] + loop[:1]))


def test_empty_release_is_fine_and_start_is_required_once_something_is_published():
    assert published_problem(start=None, published=[], edges=[]) is None
    assert published_problem(start=None, published=[1], edges=[]) == GraphProblem("no_start", (1,))


def test_unreachable_episodes_are_named():
    edges = [(1, 2), (2, 3), (1, 4)]

    problem = published_problem(start=1, published={1, 3, 4}, edges=edges)

    assert problem == GraphProblem("unreachable", (3,))


def test_reachability_only_walks_published_episodes():
    assert reachable(1, [(1, 2), (2, 3)], {1, 3}) == {1}
    assert reachable(1, [(1, 2), (2, 3)], {1, 2, 3}) == {1, 2, 3}


def test_a_loop_among_published_episodes_is_named_in_order():
    problem = published_problem(start=1, published={1, 2, 3}, edges=[(1, 2), (2, 3), (3, 2)])

    assert problem.kind == "cycle"
    assert set(problem.episodes) == {2, 3}


def test_release_plan_checks_each_moment_in_order():
    edges = [(1, 2), (2, 3)]

    in_order = release_plan_problem(start=1, published={1}, scheduled=[(10, 2), (20, 3)], edges=edges)
    wrong_order = release_plan_problem(start=1, published={1}, scheduled=[(20, 2), (10, 3)], edges=edges)
    together = release_plan_problem(start=1, published={1}, scheduled=[(10, 2), (10, 3)], edges=edges)

    assert in_order is None
    assert wrong_order == GraphProblem("unreachable", (3,))
    assert together is None
