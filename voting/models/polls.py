"""Polls, votes and decisions: one mechanism for live polls and release rounds.

Invariants the database holds: one vote per (poll, ticket); one decision per
poll; a live poll belongs to a screening, a round to none; the window is not empty.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class Poll(models.Model):
    class Scope(models.TextChoices):
        LIVE = "live"  # one screening, seconds, decided at once
        ROUND = "round"  # every screening of the production, hours or days: picks the next release

    class Status(models.TextChoices):
        OPEN = "open"
        DECIDED = "decided"

    scope = models.CharField(max_length=8, choices=Scope.choices)
    episode = models.ForeignKey(
        "screenings.Episode", on_delete=models.PROTECT, related_name="polls", help_text="The decision point."
    )
    screening = models.ForeignKey(
        "screenings.Screening", on_delete=models.PROTECT, null=True, blank=True, related_name="polls"
    )
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    release_at = models.DateTimeField(
        null=True, blank=True, help_text="Round only: when the winning episode is released (default: at once)."
    )
    hide_results = models.BooleanField(default=False, help_text="Hide live counts from the audience until closed.")
    quorum = models.PositiveIntegerField(null=True, blank=True, help_text="Fewer votes fall to the default branch.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(name="poll_window_not_empty", condition=Q(closes_at__gt=F("opens_at"))),
            models.CheckConstraint(
                name="poll_scope_matches_screening",
                condition=(Q(scope="live") & Q(screening__isnull=False))
                | (Q(scope="round") & Q(screening__isnull=True)),
            ),
            # At most one open live poll per screening at a time.
            models.UniqueConstraint(
                fields=["screening"], condition=Q(status="open", scope="live"), name="poll_one_open_per_screening"
            ),
            # At most one open release round per decision point.
            models.UniqueConstraint(
                fields=["episode"], condition=Q(status="open", scope="round"), name="poll_one_open_round_per_episode"
            ),
        ]
        indexes = [models.Index(fields=["status", "closes_at"], name="poll_due_idx")]

    def __str__(self) -> str:
        return f"Poll {self.pk} ({self.scope}) on {self.episode_id}"


class Vote(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="votes")
    ticket = models.ForeignKey("screenings.Ticket", on_delete=models.PROTECT, related_name="votes")
    branch = models.ForeignKey("screenings.Branch", on_delete=models.PROTECT, related_name="votes")
    receipt = models.CharField(max_length=64, help_text="Hash of the ticket's secret and the poll; public.")
    cast_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "ticket"], name="vote_one_per_ticket_per_poll"),
            models.UniqueConstraint(fields=["poll", "receipt"], name="vote_unique_receipt"),
        ]

    def __str__(self) -> str:
        return f"Vote {self.pk} poll={self.poll_id} option={self.branch_id}"


class Decision(models.Model):
    class Reason(models.TextChoices):
        MAJORITY = "majority"
        TIE_BREAK = "tie_break"
        NO_VOTES = "no_votes"
        NO_QUORUM = "no_quorum"

    poll = models.OneToOneField(Poll, on_delete=models.CASCADE, related_name="decision")
    branch = models.ForeignKey("screenings.Branch", on_delete=models.PROTECT, related_name="decisions")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    counts = models.JSONField(help_text='{"<branch id>": votes} for every option, fixed at decision time.')
    total_votes = models.PositiveIntegerField()
    digest = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text='SHA-256 over the ballot list (docs/verifiable-results.md); "" until sealed, just after the decision.',
    )
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at", "-id"]
        # The beat sweep looks for unsealed decisions every second: only those are in this index.
        indexes = [models.Index(fields=["decided_at"], condition=models.Q(digest=""), name="decision_unsealed_idx")]

    def __str__(self) -> str:
        return f"Decision for poll {self.poll_id}: {self.branch_id} ({self.reason})"
