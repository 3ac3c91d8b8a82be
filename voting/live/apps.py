from django.apps import AppConfig


class LiveConfig(AppConfig):
    """What happens during a screening: start, play, end; the audience and production
    sockets; the vote batcher and the tally flusher. It sits above `voting` (which it uses)
    and `screenings`; neither imports it."""

    name = "voting.live"
    label = "live"
    verbose_name = "Live screenings"

    def ready(self) -> None:
        from voting.live.effects import live_decision_apply
        from voting.models import Poll
        from voting.services.decisions import decision_effect_register

        decision_effect_register(Poll.Scope.LIVE, live_decision_apply)
