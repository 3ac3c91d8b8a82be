from django.apps import AppConfig


class VotingConfig(AppConfig):
    name = "voting"
    verbose_name = "Polls and votes"

    def ready(self) -> None:
        from voting import receivers  # noqa: F401  (connects the tickets_refunded receiver)
