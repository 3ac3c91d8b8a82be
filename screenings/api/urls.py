"""REST routes of the screenings app (productions, episodes, branches; venues, screenings, tickets)."""

from django.urls import path

from screenings.api import story

P = "productions/<int:production_id>"

urlpatterns: list = [
    path("productions/", story.ProductionListApi.as_view(), name="api-productions"),
    path(f"{P}/", story.ProductionDetailApi.as_view(), name="api-production"),
    path(f"{P}/episodes/", story.ProductionEpisodesApi.as_view(), name="api-production-episodes"),
    path(f"{P}/branches/", story.ProductionBranchesApi.as_view(), name="api-production-branches"),
    path("episodes/<int:episode_id>/", story.EpisodeDetailApi.as_view(), name="api-episode"),
    path("episodes/<int:episode_id>/publish/", story.EpisodePublishApi.as_view(), name="api-episode-publish"),
    path("episodes/<int:episode_id>/unpublish/", story.EpisodeUnpublishApi.as_view(), name="api-episode-unpublish"),
    path("branches/<int:branch_id>/", story.BranchDetailApi.as_view(), name="api-branch"),
]
