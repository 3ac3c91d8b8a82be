"""The story graph: a production's episodes joined by labelled branches.

Graph rules that span rows (no loops, reachability from the start episode)
are checked by services (screenings/services/story.py); the rules the
database can hold are constraints here, plus a trigger (migration
0002_story_branch_same_production) keeping both ends of a branch in one production.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

DEFAULT_VOTE_WINDOW_SECONDS = 10


class Production(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="productions")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    synopsis = models.TextField(blank=True)
    start_episode = models.ForeignKey(
        "screenings.Episode", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Episode(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft"
        SCHEDULED = "scheduled"
        PUBLISHED = "published"

    production = models.ForeignKey(Production, on_delete=models.CASCADE, related_name="episodes")
    title = models.CharField(max_length=200)
    synopsis = models.TextField(blank=True)
    duration_seconds = models.PositiveIntegerField()
    media_file = models.FileField(upload_to="episodes/media/", blank=True)
    media_url = models.URLField(max_length=500, blank=True, help_text="External media, e.g. an HLS stream.")
    poster = models.ImageField(upload_to="episodes/posters/", blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    release_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # The vote cue of a decision point: `vote_at_second` seconds into the episode its live poll
    # opens for `vote_window_seconds` (API.md 1.1). Unset: the default of `vote_cue()`.
    vote_at_second = models.PositiveIntegerField(null=True, blank=True)
    vote_window_seconds = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                name="episode_vote_cue_whole",
                condition=Q(vote_at_second__isnull=True, vote_window_seconds__isnull=True)
                | Q(vote_at_second__isnull=False, vote_window_seconds__gte=3, vote_window_seconds__lte=3600),
            ),
            models.CheckConstraint(
                name="episode_scheduled_has_release_at",
                condition=~Q(status="scheduled") | Q(release_at__isnull=False),
            ),
            models.CheckConstraint(
                name="episode_published_has_published_at",
                condition=~Q(status="published") | Q(published_at__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["status", "release_at"], name="episode_due_idx")]

    def __str__(self) -> str:
        return self.title

    def vote_cue(self) -> tuple[int, int]:
        """(at_second, window_seconds) of this episode's vote: its own cue, else the last ten
        seconds of the episode, clipped to it (a window is at least 3 seconds: API.md 1.1)."""
        if self.vote_at_second is not None:
            return self.vote_at_second, self.vote_window_seconds
        window = max(3, min(DEFAULT_VOTE_WINDOW_SECONDS, self.duration_seconds))
        return max(0, self.duration_seconds - window), window

    @property
    def media_src(self) -> str:
        """What a <video> element plays: the uploaded file, else the external URL."""
        return self.media_file.url if self.media_file else self.media_url


class Branch(models.Model):
    source = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="branches_out")
    target = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="branches_in")
    label = models.CharField(max_length=120, help_text="What the audience sees on the voting button.")
    position = models.PositiveSmallIntegerField(default=0, help_text="Display order among the choices.")
    is_default = models.BooleanField(default=False, help_text="Taken on a tie or when nobody votes.")

    class Meta:
        ordering = ["source_id", "position", "id"]
        verbose_name_plural = "branches"
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="branch_unique_pair"),
            models.UniqueConstraint(
                fields=["source"], condition=Q(is_default=True), name="branch_one_default_per_source"
            ),
            models.CheckConstraint(name="branch_not_to_itself", condition=~Q(source=F("target"))),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target_id}: {self.label}"
