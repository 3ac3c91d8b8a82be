"""REST routes of the screenings app (productions, episodes, branches; venues, screenings, tickets)."""

from django.urls import path

from screenings.api import story

urlpatterns: list = [
    path("productions/", story.ProductionListApi.as_view(), name="api-productions"),
    path("productions/<int:production_id>/", story.ProductionDetailApi.as_view(), name="api-production"),
    path("productions/<int:production_id>/episodes/", story.ProductionEpisodesApi.as_view(), name="api-production-episodes"),
    path("productions/<int:production_id>/branches/", story.ProductionBranchesApi.as_view(), name="api-production-branches"),
    path("episodes/<int:episode_id>/", story.EpisodeDetailApi.as_view(), name="api-episode"),
    path("episodes/<int:episode_id>/publish/", story.EpisodePublishApi.as_view(), name="api-episode-publish"),
    path("episodes/<int:episode_id>/unpublish/", story.EpisodeUnpublishApi.as_view(), name="api-episode-unpublish"),
    path("branches/<int:branch_id>/", story.BranchDetailApi.as_view(), name="api-branch"),
]
