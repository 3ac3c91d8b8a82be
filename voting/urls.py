"""Pages of the voting app (console, audience, cinema screen, results)."""

urlpatterns: list = []
