from django.apps import AppConfig


class VotingConfig(AppConfig):
    name = "voting"
    verbose_name = "Polls and votes"

    def ready(self) -> None:
        from voting import receivers  # noqa: F401  (connects the refund receivers)
        from voting.models import Poll
        from voting.services.decisions import decision_effect_register
        from voting.services.rounds import round_decision_apply

        decision_effect_register(Poll.Scope.ROUND, round_decision_apply)
