"""Pages of the screenings app (producer, organizer, box office)."""

from django.urls import path

from screenings.views import producer

urlpatterns: list = [
    path("studio/", producer.studio, name="studio"),
    path("productions/<int:production_id>/", producer.production_detail, name="production-detail"),
    path("productions/<int:production_id>/graph.svg", producer.production_graph, name="production-graph"),
    path("productions/<int:production_id>/settings/", producer.production_settings, name="production-settings"),
    path("productions/<int:production_id>/episodes/new/", producer.episode_create, name="production-episode-create"),
    path("productions/<int:production_id>/branches/new/", producer.branch_create, name="production-branch-create"),
    path("episodes/<int:episode_id>/", producer.episode_detail, name="episode-detail"),
    path("episodes/<int:episode_id>/edit/", producer.episode_edit, name="episode-edit"),
    path("episodes/<int:episode_id>/publish/", producer.episode_publish, name="episode-publish"),
    path("episodes/<int:episode_id>/unpublish/", producer.episode_unpublish, name="episode-unpublish"),
    path("branches/<int:branch_id>/edit/", producer.branch_edit, name="branch-edit"),
    path("branches/<int:branch_id>/delete/", producer.branch_delete, name="branch-delete"),
]
