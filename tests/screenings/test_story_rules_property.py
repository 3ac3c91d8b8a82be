"""Random authoring sessions through the services, checked against the brute-force rules.

Each example builds a production, then tries a random sequence of branch,
start and publish operations: every one must be accepted exactly when the
oracle says the resulting graph keeps the rules, and the database must then
hold exactly the oracle's graph.
"""

from functools import partial

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.errors import Invalid
from screenings.models import Branch, Episode
from screenings.services import story as services
from tests.factories import ProductionFactory
from tests.screenings.graph_oracle import has_cycle, release_valid

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


operations = st.lists(
    st.one_of(
        st.tuples(st.just("branch"), st.integers(0, 5), st.integers(0, 5)),
        st.tuples(st.just("start"), st.integers(0, 5)),
        st.tuples(st.just("publish"), st.integers(0, 5)),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(2, 6), ops=operations)
def test_services_accept_exactly_the_graphs_that_keep_the_rules(producer, n, ops):
    try:
        with transaction.atomic():
            _session(producer, n, ops)
            raise Rollback
    except Rollback:
        pass


def _session(producer, n, ops):
    production = ProductionFactory(owner=producer)
    episodes = [
        services.episode_create(production=production, actor=producer, title=f"E{i}", duration_seconds=60)
        for i in range(n)
    ]
    nodes = [e.pk for e in episodes]
    edges: set[tuple[int, int]] = set()
    published: set[int] = set()
    start = None

    for op in ops:
        kind, *args = op
        picked = [episodes[i % n] for i in args]
        if kind == "branch":
            source, target = picked
            pair = (source.pk, target.pk)
            ok = pair not in edges and not has_cycle(nodes, edges | {pair})
            outcome = _attempt(
                partial(services.branch_create, source=source, target=target, actor=producer, label="go")
            )
            if ok:
                edges.add(pair)
        elif kind == "start":
            ok = release_valid(picked[0].pk, published, edges)
            outcome = _attempt(
                partial(services.production_update, production=production, actor=producer, start_episode=picked[0])
            )
            if ok:
                start = picked[0].pk
        else:
            ok = release_valid(start, published | {picked[0].pk}, edges)
            outcome = _attempt(partial(services.episode_publish, episode=picked[0], actor=producer))
            if ok:
                published.add(picked[0].pk)
        assert outcome == ok, (op, sorted(edges), sorted(published), start)

    stored_edges = set(Branch.objects.filter(source__production=production).values_list("source_id", "target_id"))
    stored_published = set(
        Episode.objects.filter(production=production, status=Episode.Status.PUBLISHED).values_list("pk", flat=True)
    )
    production.refresh_from_db()
    assert (stored_edges, stored_published, production.start_episode_id) == (edges, published, start)


def _attempt(call) -> bool:
    try:
        call()
    except Invalid as error:
        assert error.fields  # every refusal names what is wrong
        return False
    return True
