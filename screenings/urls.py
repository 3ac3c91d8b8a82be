"""Pages of the screenings app (producer, organizer, box office)."""

urlpatterns: list = []
