"""Authoring a story graph and releasing it in stages.

Every operation locks the production row first (then episodes), so changes
to one graph are serialized. New branches are checked for loops before they
are stored; operations that change what is (or will be) published, or how it
is reached, re-check the whole release plan — what is published now and what
every scheduled release will publish, moment by moment — and raise `Invalid`
(rolling the change back) naming the offending episodes. So the beat job
only ever releases episodes that keep the published graph valid.

`actor=None` is the platform itself (release rounds, the beat job); any other
actor must own the production or be a superuser.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from config.errors import Conflict, Forbidden, Invalid
from screenings import graph
from screenings.events import broadcast_on_commit, production_group
from screenings.locking import locked, locked_one
from screenings.media import media_file_validate, poster_validate
from screenings.models import Branch, Episode, Production
from screenings.payloads import episode_payload
from screenings.policy import production_can_edit

logger = logging.getLogger(__name__)

UNSET = object()  # "leave this field as it is" (None can be a real value)
Status = Episode.Status


# --- Helpers ------------------------------------------------------------------


def _lock_production(production_id: int) -> Production:
    production = locked_one(Production.objects, production_id)
    if production is None:
        raise Production.DoesNotExist
    return production


def _lock_episode(episode_id: int) -> tuple[Production, Episode]:
    production_id = Episode.objects.values_list("production_id", flat=True).get(pk=episode_id)
    production = _lock_production(production_id)
    return production, locked_one(Episode.objects, episode_id)


def _ensure_can_edit(actor, production: Production) -> None:
    if actor is not None and not production_can_edit(production=production, user=actor):
        raise Forbidden(_("Only the production's producer can change it."))


def _names(titles: dict[int, str], ids) -> str:
    return ", ".join(f"«{titles.get(i, '?')}» (#{i})" for i in ids)


def _problem_error(problem: graph.GraphProblem, titles: dict[int, str], start: int | None) -> Invalid:
    ids = list(problem.episodes)
    if problem.kind == "no_start":
        return Invalid(
            _("Set the production's start episode before publishing."),
            fields={"start_episode": [_("Required before publishing.")], "episodes": ids},
        )
    if problem.kind == "cycle":
        loop = " → ".join(f"«{titles.get(i, '?')}»" for i in [*ids, ids[0]])
        return Invalid(
            _("The story would loop: %(loop)s. A screening must always reach an ending.") % {"loop": loop},
            fields={"episodes": ids},
        )
    return Invalid(
        _(
            "The start episode «%(start)s» cannot reach %(episodes)s through published episodes: "
            "publish an episode leading there first (or keep the branch that leads there)."
        )
        % {"start": titles.get(start, "?"), "episodes": _names(titles, ids)},
        fields={"episodes": ids},
    )


def _ensure_valid_plan(production: Production) -> None:
    """Raise Invalid unless the published graph and every scheduled release keep the rules."""
    rows = list(Episode.objects.filter(production=production).values_list("id", "title", "status", "release_at"))
    edges = list(Branch.objects.filter(source__production=production).values_list("source_id", "target_id"))
    titles = {pk: title for pk, title, _, _ in rows}
    published = [pk for pk, _, status, _ in rows if status == Status.PUBLISHED]
    scheduled = [(release_at, pk) for pk, _, status, release_at in rows if status == Status.SCHEDULED]
    start = production.start_episode_id
    problem = graph.release_plan_problem(start=start, published=published, scheduled=scheduled, edges=edges)
    if problem:
        raise _problem_error(problem, titles, start)


def _announce_release(episode: Episode) -> None:
    broadcast_on_commit(
        production_group(episode.production_id), {"type": "episode.released", "episode": episode_payload(episode)}
    )


def _unique_slug(title: str) -> str:
    base = slugify(title)[:200] or "production"
    taken = set(Production.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _delete_file_on_commit(field_file) -> None:
    if field_file:
        storage, name = field_file.storage, field_file.name
        transaction.on_commit(lambda: storage.delete(name))


# --- Productions ----------------------------------------------------------------


@transaction.atomic
def production_create(*, owner, title: str, synopsis: str = "") -> Production:
    title = title.strip()
    if not title:
        raise Invalid(_("A production needs a title."), fields={"title": [_("This field may not be blank.")]})
    for _attempt in range(5):  # two producers may pick the same free slug at once
        try:
            with transaction.atomic():
                return Production.objects.create(owner=owner, title=title, slug=_unique_slug(title), synopsis=synopsis)
        except IntegrityError:
            continue
    raise Conflict(_("Could not find a free slug for this title; try again."))


@transaction.atomic
def production_update(
    *, production: Production, actor, title: str = UNSET, synopsis: str = UNSET, start_episode: Episode | None = UNSET
) -> Production:
    production = _lock_production(production.pk)
    _ensure_can_edit(actor, production)
    if title is not UNSET:
        if not title.strip():
            raise Invalid(_("A production needs a title."), fields={"title": [_("This field may not be blank.")]})
        production.title = title.strip()
    if synopsis is not UNSET:
        production.synopsis = synopsis
    if start_episode is not UNSET:
        if start_episode is not None and start_episode.production_id != production.pk:
            raise Invalid(
                _("The start episode must belong to this production."),
                fields={"start_episode": [_("Not an episode of this production.")]},
            )
        production.start_episode = start_episode
    production.save()
    if start_episode is not UNSET:
        _ensure_valid_plan(production)
    return production


# --- Episodes -----------------------------------------------------------------


def _apply_media(episode: Episode, *, media_url, media_file, poster) -> None:
    """One media source at a time: a new upload replaces the URL and vice versa."""
    if media_file is not UNSET and media_file is not None:
        media_file_validate(media_file)
        _delete_file_on_commit(episode.media_file)
        episode.media_file = media_file
        episode.media_url = ""
    if media_url is not UNSET:
        episode.media_url = media_url or ""
        if media_url and (media_file is UNSET or media_file is None):
            _delete_file_on_commit(episode.media_file)
            episode.media_file = ""
    if poster is not UNSET and poster is not None:
        poster_validate(poster)
        _delete_file_on_commit(episode.poster)
        episode.poster = poster


def _check_duration(duration_seconds: int) -> None:
    if duration_seconds is None or duration_seconds < 1:
        raise Invalid(_("An episode lasts at least one second."), fields={"duration_seconds": [_("At least 1.")]})


@transaction.atomic
def episode_create(
    *,
    production: Production,
    actor,
    title: str,
    duration_seconds: int,
    synopsis: str = "",
    media_url: str = "",
    media_file=None,
    poster=None,
    vote_cue: dict | None = None,
) -> Episode:
    production = _lock_production(production.pk)
    _ensure_can_edit(actor, production)
    if not title.strip():
        raise Invalid(_("An episode needs a title."), fields={"title": [_("This field may not be blank.")]})
    _check_duration(duration_seconds)
    episode = Episode(production=production, title=title.strip(), synopsis=synopsis, duration_seconds=duration_seconds)
    _apply_vote_cue(episode, vote_cue)
    _apply_media(episode, media_url=media_url, media_file=media_file, poster=poster)
    episode.save()
    return episode


@transaction.atomic
def episode_update(
    *,
    episode: Episode,
    actor,
    title: str = UNSET,
    synopsis: str = UNSET,
    duration_seconds: int = UNSET,
    media_url: str = UNSET,
    media_file=UNSET,
    poster=UNSET,
    vote_cue: dict | None = UNSET,
) -> Episode:
    """Change an episode. `vote_cue`: {"at_second", "window_seconds"} — when into the episode its
    vote opens, and for how long — or None for the default (the last ten seconds)."""
    production, episode = _lock_episode(episode.pk)
    _ensure_can_edit(actor, production)
    if title is not UNSET:
        if not title.strip():
            raise Invalid(_("An episode needs a title."), fields={"title": [_("This field may not be blank.")]})
        episode.title = title.strip()
    if synopsis is not UNSET:
        episode.synopsis = synopsis
    if duration_seconds is not UNSET:
        _check_duration(duration_seconds)
        episode.duration_seconds = duration_seconds
    _apply_vote_cue(episode, vote_cue)
    _apply_media(episode, media_url=media_url, media_file=media_file, poster=poster)
    episode.save()
    return episode


def _apply_vote_cue(episode: Episode, vote_cue: dict | None) -> None:
    if vote_cue is not UNSET:
        episode.vote_at_second, episode.vote_window_seconds = (
            (None, None) if vote_cue is None else (vote_cue["at_second"], vote_cue["window_seconds"])
        )
    if episode.vote_at_second is not None and episode.vote_at_second >= episode.duration_seconds:
        raise Invalid(
            _("The vote opens %(at)s s into the episode, which lasts %(duration)s s.")
            % {"at": episode.vote_at_second, "duration": episode.duration_seconds},
            fields={"vote_cue": [_("at_second must be less than the episode's duration.")]},
        )


# --- Branches -----------------------------------------------------------------


def _clear_other_default(branch: Branch) -> None:
    Branch.objects.filter(source_id=branch.source_id, is_default=True).exclude(pk=branch.pk).update(is_default=False)


@transaction.atomic
def branch_create(
    *, source: Episode, target: Episode, actor, label: str, is_default: bool = False, position: int | None = None
) -> Branch:
    """Join two episodes of one production; a new default replaces the source's old default."""
    production = _lock_production(source.production_id)
    _ensure_can_edit(actor, production)
    if target.production_id != production.pk:
        raise Invalid(
            _("A branch joins two episodes of the same production."),
            fields={"target": [_("Not an episode of this production.")]},
        )
    if not label.strip():
        raise Invalid(
            _("A branch needs the label the audience sees."), fields={"label": [_("This field may not be blank.")]}
        )
    edges = list(Branch.objects.filter(source__production=production).values_list("source_id", "target_id"))
    if (source.pk, target.pk) in edges:
        raise Invalid(
            _("«%(source)s» already has a branch to «%(target)s».") % {"source": source.title, "target": target.title},
            fields={"target": [_("A branch between these episodes exists.")], "episodes": [source.pk, target.pk]},
        )
    loop = graph.branch_cycle(edges, source.pk, target.pk)
    if loop:
        titles = dict(Episode.objects.filter(pk__in=loop).values_list("id", "title"))
        raise _problem_error(graph.GraphProblem("cycle", tuple(loop)), titles, production.start_episode_id)
    if position is None:
        position = (Branch.objects.filter(source=source).aggregate(m=Max("position"))["m"] or 0) + 1
    branch = Branch(source=source, target=target, label=label.strip(), is_default=is_default, position=position)
    if is_default:
        _clear_other_default(branch)
    branch.save()
    return branch


@transaction.atomic
def branch_update(
    *, branch: Branch, actor, label: str = UNSET, position: int = UNSET, is_default: bool = UNSET
) -> Branch:
    production = _lock_production(branch.source.production_id)
    _ensure_can_edit(actor, production)
    branch = locked_one(Branch.objects, branch.pk)
    if label is not UNSET:
        if not label.strip():
            raise Invalid(_("A branch needs its label."), fields={"label": [_("This field may not be blank.")]})
        branch.label = label.strip()
    if position is not UNSET:
        branch.position = position
    if is_default is not UNSET:
        branch.is_default = is_default
        if is_default:
            _clear_other_default(branch)
    branch.save()
    return branch


@transaction.atomic
def branch_delete(*, branch: Branch, actor) -> None:
    """Remove a branch, unless published or scheduled episodes depend on it to be reached."""
    production = _lock_production(branch.source.production_id)
    _ensure_can_edit(actor, production)
    Branch.objects.filter(pk=branch.pk).delete()
    _ensure_valid_plan(production)


# --- Publishing -----------------------------------------------------------------


@transaction.atomic
def episode_publish(*, episode: Episode, actor=None) -> Episode:
    """Publish now (a scheduled episode too, dropping its planned time).

    Publishing a published episode changes nothing.
    """
    production, episode = _lock_episode(episode.pk)
    _ensure_can_edit(actor, production)
    if episode.status == Status.PUBLISHED:
        return episode
    episode.status = Status.PUBLISHED
    episode.published_at = timezone.now()
    episode.release_at = None
    episode.save(update_fields=["status", "published_at", "release_at"])
    _ensure_valid_plan(production)
    _announce_release(episode)
    return episode


@transaction.atomic
def episode_schedule(*, episode: Episode, release_at: datetime, actor=None) -> Episode:
    """Release at `release_at` (future); also reschedules a scheduled episode."""
    production, episode = _lock_episode(episode.pk)
    _ensure_can_edit(actor, production)
    if episode.status == Status.PUBLISHED:
        raise Conflict(_("This episode is already published."), fields={"status": [episode.status]})
    if release_at <= timezone.now():
        raise Invalid(
            _("The release time must be in the future."), fields={"release_at": [_("Must be in the future.")]}
        )
    episode.status = Status.SCHEDULED
    episode.release_at = release_at
    episode.save(update_fields=["status", "release_at"])
    _ensure_valid_plan(production)
    return episode


@transaction.atomic
def episode_unpublish(*, episode: Episode, actor) -> Episode:
    """Take a scheduled episode back to draft; a released episode stays released."""
    production, episode = _lock_episode(episode.pk)
    _ensure_can_edit(actor, production)
    if episode.status == Status.PUBLISHED:
        raise Conflict(
            _("This episode is already released; audiences may have seen it."), fields={"status": [episode.status]}
        )
    episode.status = Status.DRAFT
    episode.save(update_fields=["status"])
    _ensure_valid_plan(production)
    return episode


def episodes_release_due(*, now: datetime | None = None) -> list[int]:
    """Publish every scheduled episode whose release_at has passed; returns the ids released.

    Driven from the database, so a late or repeated run releases each episode
    exactly once: each production is handled in its own transaction under
    its row lock, and only episodes still `scheduled` are touched.
    """
    now = now or timezone.now()
    due = Episode.objects.filter(status=Status.SCHEDULED, release_at__lte=now)
    released: list[int] = []
    for production_id in sorted(set(due.values_list("production_id", flat=True))):
        released += _production_release_due(production_id, now)
    return released


@transaction.atomic
def _production_release_due(production_id: int, now: datetime) -> list[int]:
    production = _lock_production(production_id)
    due = sorted(
        locked(Episode.objects.filter(production=production, status=Status.SCHEDULED, release_at__lte=now)),
        key=lambda e: (e.release_at, e.id),
    )
    rows = Episode.objects.filter(production=production).values_list("id", "status")
    published = {pk for pk, status in rows if status == Status.PUBLISHED}
    edges = list(Branch.objects.filter(source__production=production).values_list("source_id", "target_id"))
    batch = {e.pk for e in due}
    # Services keep every plan valid; only edits that bypass them (admin, SQL) can
    # leave a due episode unpublishable. Those go back to draft, the rest are released.
    while batch:
        problem = graph.published_problem(start=production.start_episode_id, published=published | batch, edges=edges)
        if problem is None:
            break
        refused = (set(problem.episodes) & batch) or set(batch)
        logger.warning("Release of episodes %s refused (%s); back to draft", sorted(refused), problem.kind)
        Episode.objects.filter(pk__in=refused).update(status=Status.DRAFT)
        batch -= refused
    for episode in due:
        if episode.pk in batch:
            episode.status = Status.PUBLISHED
            episode.published_at = timezone.now()
            episode.save(update_fields=["status", "published_at"])
            _announce_release(episode)
    return sorted(batch)
