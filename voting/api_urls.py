"""REST routes of the voting app (polls, votes, results)."""

urlpatterns: list = []
