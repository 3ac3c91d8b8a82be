"""The Twine fixtures' expected graph, and a production's graph in a comparable form."""

from __future__ import annotations

from pathlib import Path

from screenings.models import Branch, Production

FIXTURES = Path(__file__).parent / "fixtures" / "twine"


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


# tests/screenings/fixtures/twine/lantern.{html,twee}: the same story in both formats.
LANTERN_EPISODES = [  # in import order: breadth-first from the start, then the unreachable ones
    ("Arrival", "The ferry leaves you on the island & the fog closes in. (set: $lamp to true)"),
    ("The Lighthouse", 'The lamp is dark. <img src="lamp.png">'),
    ("The Fair", "Music and lanterns. You can dance or read https://example.org/lanterns."),
    ("The Keeper's Return", "The light burns again."),
    ("Notes", "Writer's notes: the keeper is the narrator's father."),
]
LANTERN_BRANCHES = [  # (source, target, label, is_default), in display order per source
    ("Arrival", "The Lighthouse", "Follow the light", True),
    ("Arrival", "The Fair", "Stay at the fair", False),
    ("The Lighthouse", "The Keeper's Return", "Relight the lamp", True),
    ("The Fair", "The Keeper's Return", "dance", True),
]


def graph_of(production: Production) -> dict:
    """Everything an import must reproduce: titles, synopses, durations, statuses, the start, and
    each episode's branches (target, label, default) in display order."""
    production.refresh_from_db()
    episodes = {e.pk: e for e in production.episodes.order_by("id")}
    branches = Branch.objects.filter(source__production=production).order_by("source_id", "position", "id")
    return {
        "title": production.title,
        "start": episodes[production.start_episode_id].title if production.start_episode_id else None,
        "episodes": [(e.title, e.synopsis, e.duration_seconds, e.status) for e in episodes.values()],
        "branches": [
            (episodes[b.source_id].title, episodes[b.target_id].title, b.label, b.is_default) for b in branches
        ],
    }


def lantern_graph(duration: int = 60) -> dict:
    return {
        "title": "The Lantern Keeper",
        "start": "Arrival",
        "episodes": [(title, synopsis, duration, "draft") for title, synopsis in LANTERN_EPISODES],
        "branches": LANTERN_BRANCHES,
    }
