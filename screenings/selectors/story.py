"""Who sees what of a story graph.

The producer (owner) and superusers see everything; everyone else sees a
production only once it has a published episode, and then only its
published episodes and the branches between them.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from config.errors import NotFound
from screenings.models import Branch, Episode, Production
from screenings.policy import production_can_edit

PUBLISHED = Episode.Status.PUBLISHED


def _visible_q(user) -> Q:
    public = Q(has_published=True)
    if user is None or not user.is_authenticated:
        return public
    if user.is_superuser:
        return Q()
    return public | Q(owner_id=user.pk)


def production_list(*, user, mine: bool = False) -> QuerySet[Production]:
    """Productions the user may see (only their own with `mine`), their graphs prefetched.

    Three queries however many productions: productions, episodes, branches.
    """
    published = Episode.objects.filter(production=OuterRef("pk"), status=PUBLISHED)
    queryset = Production.objects.annotate(has_published=Exists(published)).filter(_visible_q(user))
    if mine:
        queryset = queryset.filter(owner_id=getattr(user, "pk", None))
    return queryset.select_related("owner").prefetch_related(
        Prefetch("episodes", queryset=Episode.objects.order_by("id")),
        Prefetch(
            "episodes__branches_out",
            queryset=Branch.objects.order_by("position", "id"),
        ),
    )


def production_get(*, production_id: int, user) -> Production:
    """The production with its graph prefetched, or NotFound when the user may not see it."""
    production = production_list(user=user).filter(pk=production_id).first()
    if production is None:
        raise NotFound(_("No such production."))
    return production


def production_graph(*, production: Production, user) -> tuple[list[Episode], list[Branch]]:
    """The episodes and branches of a prefetched production that this user may see."""
    episodes = list(production.episodes.all())
    if not production_can_edit(production=production, user=user):
        episodes = [e for e in episodes if e.status == PUBLISHED]
    visible = {e.id for e in episodes}
    branches = [b for e in episodes for b in e.branches_out.all() if b.target_id in visible]
    return episodes, branches


def production_graph_attach(productions, *, user) -> list[Production]:
    """Set `visible_episodes` / `visible_branches` / `visible_start` on each production for serializers."""
    productions = list(productions)
    for production in productions:
        episodes, branches = production_graph(production=production, user=user)
        production.visible_episodes = episodes
        production.visible_branches = branches
        visible = {e.id for e in episodes}
        production.visible_start = production.start_episode_id if production.start_episode_id in visible else None
    return productions


def episode_list(*, production: Production, user, status: str | None = None) -> QuerySet[Episode]:
    queryset = Episode.objects.filter(production=production).order_by("id")
    if not production_can_edit(production=production, user=user):
        queryset = queryset.filter(status=PUBLISHED)
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def episode_get(*, episode_id: int, user) -> Episode:
    """The episode (with its production), or NotFound when the user may not see it."""
    episode = Episode.objects.select_related("production").filter(pk=episode_id).first()
    if episode is None or (
        episode.status != PUBLISHED and not production_can_edit(production=episode.production, user=user)
    ):
        raise NotFound(_("No such episode."))
    return episode


def branch_list(*, production: Production, user) -> QuerySet[Branch]:
    queryset = Branch.objects.filter(source__production=production).order_by("source_id", "position", "id")
    if not production_can_edit(production=production, user=user):
        queryset = queryset.filter(source__status=PUBLISHED, target__status=PUBLISHED)
    return queryset


def branch_get(*, branch_id: int, user) -> Branch:
    branch = Branch.objects.select_related("source__production", "target").filter(pk=branch_id).first()
    if branch is None:
        raise NotFound(_("No such branch."))
    production = branch.source.production
    public = branch.source.status == PUBLISHED and branch.target.status == PUBLISHED
    if not public and not production_can_edit(production=production, user=user):
        raise NotFound(_("No such branch."))
    return branch


def episode_next_branches(*, episode: Episode, user) -> list[Branch]:
    """The choices after this episode that the user may see (the audience's voting buttons)."""
    queryset = episode.branches_out.select_related("target").order_by("position", "id")
    if not production_can_edit(production=episode.production, user=user):
        queryset = queryset.filter(target__status=PUBLISHED)
    return list(queryset)
