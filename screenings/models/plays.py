"""What a screening showed, in order: the path it took through the story graph."""

from django.db import models


class Play(models.Model):
    screening = models.ForeignKey("screenings.Screening", on_delete=models.CASCADE, related_name="plays")
    episode = models.ForeignKey("screenings.Episode", on_delete=models.PROTECT, related_name="plays")
    started_at = models.DateTimeField()

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            # The story graph is acyclic, so a screening shows each episode at most once.
            models.UniqueConstraint(fields=["screening", "episode"], name="play_once_per_screening"),
        ]

    def __str__(self) -> str:
        return f"{self.screening_id} played {self.episode_id}"
