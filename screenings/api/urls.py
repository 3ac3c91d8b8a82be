"""REST routes of the screenings app (productions, episodes, branches; venues, screenings, tickets)."""

urlpatterns: list = []
