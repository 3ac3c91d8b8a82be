"""Importing Twine through the story services (production_import_twine) and exporting Twee
(production_twee): the graph, the report, the rules, and the round trip."""

from __future__ import annotations

import pytest

from config.errors import Forbidden, Invalid
from screenings.models import Branch, Episode, Production
from screenings.selectors.twee import production_twee
from screenings.services import story as services
from screenings.services.twine_import import TwineTooLarge, production_import_twine
from tests.screenings.twine_graphs import fixture_text, graph_of, lantern_graph

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["lantern.html", "lantern.twee"])
def test_a_twine_story_becomes_a_draft_production_with_the_expected_graph(producer, name):
    result = production_import_twine(producer=producer, source=fixture_text(name), duration_seconds=75)

    production = result.production
    assert production.owner == producer
    assert graph_of(production) == lantern_graph(duration=75)
    assert production.start_episode.title == "Arrival"  # Twine's start passage, not the first one
    kinds = {note["kind"] for note in result.report}
    assert {"broken_link", "loop", "external_link", "unreachable", "macro", "media", "tags_ignored"} <= kinds
    assert all(set(note) == {"kind", "passage", "line", "message"} for note in result.report)


def test_the_title_can_be_chosen_and_the_imported_graph_obeys_the_story_rules(producer):
    result = production_import_twine(producer=producer, source=fixture_text("lantern.twee"), title="Lanterns")
    production = result.production
    arrival = production.start_episode

    assert production.title == "Lanterns" and production.slug == "lanterns"
    # The loop the import left out is refused by the services too; the start can be published.
    with pytest.raises(Invalid, match="loop"):
        services.branch_create(
            source=Episode.objects.get(production=production, title="The Lighthouse"),
            target=arrival,
            actor=producer,
            label="Go back",
        )
    services.episode_publish(episode=arrival, actor=producer)
    assert Episode.objects.get(pk=arrival.pk).status == "published"


def test_unreadable_input_is_invalid_naming_line_and_passage_and_creates_nothing(producer):
    before = Production.objects.count()

    with pytest.raises(Invalid) as raised:
        production_import_twine(producer=producer, source=':: A\n[[B]]\n:: B {"position":}\nx')

    error = raised.value.as_dict()
    assert error["code"] == "invalid"
    assert "line 3, passage «B»" in error["message"]
    assert error["line"] == 3 and error["passage"] == "B"
    assert "source" in error["fields"]
    assert Production.objects.count() == before


def test_text_no_database_can_hold_is_invalid(producer):
    with pytest.raises(Invalid, match="line 2"):
        production_import_twine(producer=producer, source=":: A\n\ud800")
    with pytest.raises(Invalid) as raised:
        production_import_twine(producer=producer, source=":: A\nx", title="\udfff")

    assert "title" in raised.value.fields and not Production.objects.exists()


def test_a_story_over_the_size_limit_is_too_large(producer, settings):
    settings.TWINE_IMPORT_MAX_BYTES = 64

    with pytest.raises(TwineTooLarge) as raised:
        production_import_twine(producer=producer, source=":: A\n" + "x" * 64)

    assert raised.value.status == 413 and raised.value.code == "too_large"
    assert not Production.objects.exists()


def test_the_episode_length_is_bounded(producer):
    with pytest.raises(Invalid) as raised:
        production_import_twine(producer=producer, source=":: A\nx", duration_seconds=0)

    assert "duration_seconds" in raised.value.fields


def test_the_story_services_have_the_last_word_on_loops(producer, monkeypatch):
    """Break the plan's loop check once: the services still refuse the loop, the import reports it."""
    from types import SimpleNamespace

    from screenings import graph, twine_graph

    monkeypatch.setattr(twine_graph, "graph", SimpleNamespace(branch_cycle=lambda *a: None, reachable=graph.reachable))
    result = production_import_twine(producer=producer, source=fixture_text("lantern.twee"))

    assert graph_of(result.production) == lantern_graph()
    refused = [note for note in result.report if note["kind"] == "refused"]
    assert [note["passage"] for note in refused] == ["The Lighthouse"] and "loop" in refused[0]["message"]


def test_a_failure_half_way_rolls_back_the_whole_import(producer, monkeypatch):
    real = services.branch_create
    calls = []

    def failing(**kwargs):
        calls.append(kwargs)
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        return real(**kwargs)

    monkeypatch.setattr(services, "branch_create", failing)
    with pytest.raises(RuntimeError):
        production_import_twine(producer=producer, source=fixture_text("lantern.twee"))

    assert not Production.objects.exists() and not Episode.objects.exists() and not Branch.objects.exists()


# --- Export and the round trip ---------------------------------------------------------------


def without_ifid(text: str) -> list[str]:
    return [line for line in text.splitlines() if '"ifid"' not in line]


@pytest.mark.parametrize("name", ["lantern.html", "lantern.twee"])
def test_an_exported_production_reimports_into_the_same_graph(producer, name):
    first = production_import_twine(producer=producer, source=fixture_text(name)).production
    text = production_twee(production=first, user=producer)

    second = production_import_twine(producer=producer, source=text)

    assert second.production.pk != first.pk
    assert graph_of(second.production) == graph_of(first) == lantern_graph()
    # Nothing more lost on the way: only what is still true of the story is reported again.
    assert {note["kind"] for note in second.report} == {"story_format", "unreachable", "macro", "media"}
    again = production_twee(production=second.production, user=producer)
    assert without_ifid(again) == without_ifid(text)  # the same text, but for the story's id


def test_a_hand_made_production_round_trips_with_durations_and_defaults(story):
    services.branch_update(branch=story.branch["stay"], actor=story.owner, is_default=True)  # default 2nd by position
    services.episode_update(episode=story.ep["fair"], actor=story.owner, duration_seconds=95, synopsis="Lights.")
    text = production_twee(production=story.production, user=story.owner)

    again = production_import_twine(producer=story.owner, source=text).production
    graph = graph_of(again)

    assert graph["start"] == "Arrival"
    assert sorted(graph["episodes"]) == [
        ("Arrival", "", 600, "draft"),
        ("The Fair", "Lights.", 95, "draft"),
        ("The Keeper's Return", "", 600, "draft"),
        ("The Lighthouse", "", 600, "draft"),
    ]
    assert sorted(graph["branches"]) == [  # the default is written first, so it is the first link again
        ("Arrival", "The Fair", "Stay", True),
        ("Arrival", "The Lighthouse", "Follow the light", False),
        ("The Lighthouse", "The Keeper's Return", "Relight", True),
    ]
    assert ':: StoryData\n{\n  "ifid":' in text and '"start": "Arrival"' in text


def test_only_the_producer_may_export(story, other_producer, superuser):
    with pytest.raises(Forbidden):
        production_twee(production=story.production, user=other_producer)

    assert ":: Arrival" in production_twee(production=story.production, user=superuser)
