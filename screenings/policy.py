"""The permission policy: who may see and do what. Every API view, page, consumer,
service and selector asks these predicates; nothing else compares owners by hand.

Roles (docs/security.md):
- a **producer** owns productions: sees and edits everything of them, drafts included,
  opens their release rounds and sees every count of their polls;
- an **organizer** owns venues and screenings: runs their screenings (start, polls,
  refunds, check-in) and sees the hidden counts of their own screenings' live polls;
- an **audience** member needs no account: a ticket code is the credential (checked
  by the voting rules, not here);
- a **superuser** may do everything.

Who may screen a production: its producer, at any time; anyone else with an account,
once the production is public (it has a published episode). Unpublished episodes and
the branches that lead to them are shown to the producer (and superusers) only, on
every page, socket and API, including the console of someone else's screening.

Poll objects are duck-typed (`scope`, `screening`, `episode.production`): this module
sits below the voting app and imports nothing from it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from config.errors import Forbidden, NotFound
from screenings.models import Episode, Production, Screening, Venue


def authenticated(user) -> bool:
    return bool(user is not None and user.is_authenticated)


def is_superuser(user) -> bool:
    return authenticated(user) and user.is_superuser


def _owns(user, obj, owner_field: str) -> bool:
    # Anonymous first: no query for the object's owner when nobody is logged in.
    return authenticated(user) and (user.is_superuser or getattr(obj, owner_field) == user.pk)


# --- Productions and their story graph ---------------------------------------------------


def production_can_edit(*, user, production: Production) -> bool:
    """Change the graph, see drafts, open release rounds: the producer."""
    return _owns(user, production, "owner_id")


def production_is_public(*, production: Production) -> bool:
    return production.episodes.filter(status=Episode.Status.PUBLISHED).exists()


def production_can_screen(*, user, production: Production) -> bool:
    """Create a screening of it: the producer, or any account once the production is public."""
    if production_can_edit(user=user, production=production):
        return True
    return authenticated(user) and production_is_public(production=production)


def production_screen_check(*, user, production: Production) -> None:
    if not production_can_screen(user=user, production=production):
        # The same answer as for a production that does not exist: drafts stay secret.
        raise NotFound(_("No such production."), fields={"production": [_("No such production.")]})


def episode_can_view(*, user, episode: Episode) -> bool:
    return episode.status == Episode.Status.PUBLISHED or production_can_edit(user=user, production=episode.production)


# --- Venues and screenings ---------------------------------------------------------------


def venue_can_manage(*, user, venue: Venue) -> bool:
    return _owns(user, venue, "owner_id")


def venue_manage_check(*, user, venue: Venue) -> None:
    if not venue_can_manage(user=user, venue=venue):
        raise Forbidden(_("Only the venue's organizer may do this."))


def screening_can_manage(*, user, screening: Screening) -> bool:
    """Sell, refund, check in, run the live console: the screening's organizer."""
    return _owns(user, screening, "organizer_id")


def screening_manage_check(*, user, screening: Screening) -> None:
    if not screening_can_manage(user=user, screening=screening):
        raise Forbidden(_("Only the screening's organizer may do this."))


def screening_sees_drafts(*, user, screening: Screening) -> bool:
    """Whether the console of this screening may show unpublished episodes: the producer only."""
    return production_can_edit(user=user, production=screening.production)


# --- Polls (live polls and release rounds) -----------------------------------------------


def poll_can_manage(*, user, poll) -> bool:
    """Close a live poll early: its screening's organizer. A round belongs to the producer."""
    if poll.scope == "live":
        return screening_can_manage(user=user, screening=poll.screening)
    return production_can_edit(user=user, production=poll.episode.production)


def poll_sees_hidden_counts(*, user, poll) -> bool:
    """Counts a poll hides while open (`hide_results`): its own screening's organizer
    (live polls), the production's producer and superusers — nobody else."""
    if not authenticated(user):
        return False
    if production_can_edit(user=user, production=poll.episode.production):
        return True
    return poll.scope == "live" and screening_can_manage(user=user, screening=poll.screening)


def poll_counts_visible(*, user, poll) -> bool:
    """Whether `user` may see the counts of `poll` now (GET /api/polls/{id}/ and /counts/ agree)."""
    if not poll.hide_results or poll.status != "open":
        return True
    return poll_sees_hidden_counts(user=user, poll=poll)


def poll_venue_screenings(*, user, poll) -> set[int] | None:
    """Screenings whose per-venue counts `user` may see: None for all of them (the producer,
    superusers), else the user's own screenings of the production (maybe none)."""
    if not authenticated(user):
        return set()
    production = poll.episode.production
    if production_can_edit(user=user, production=production):
        return None
    return set(Screening.objects.filter(production=production, organizer=user).values_list("id", flat=True))
