"""Output shapes of the voting API (they document voting/payloads.py's one poll shape)."""

from __future__ import annotations

from rest_framework import serializers


def counts_field(**kwargs) -> serializers.DictField:
    kwargs.setdefault("help_text", '{"<option id>": votes}')
    return serializers.DictField(child=serializers.IntegerField(), **kwargs)


class OptionSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The branch id.")
    label = serializers.CharField()
    target = serializers.IntegerField(help_text="The episode this branch leads to.")
    is_default = serializers.BooleanField()


class DecisionSerializer(serializers.Serializer):
    option = serializers.IntegerField()
    reason = serializers.ChoiceField(["majority", "tie_break", "no_votes", "no_quorum"])
    decided_at = serializers.DateTimeField()
    total_votes = serializers.IntegerField()


class PollSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    scope = serializers.ChoiceField(["live", "round"])
    status = serializers.ChoiceField(["open", "decided"])
    production = serializers.IntegerField()
    episode = serializers.IntegerField(help_text="The decision point.")
    screening = serializers.IntegerField(allow_null=True, help_text="A live poll's screening; null for a round.")
    options = OptionSerializer(many=True, help_text="In the producer's display order.")
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    release_at = serializers.DateTimeField(allow_null=True, help_text="A round's release time (null: at once).")
    hide_results = serializers.BooleanField()
    quorum = serializers.IntegerField(allow_null=True)
    counts = counts_field(
        allow_null=True,
        help_text="Votes per option id; null while open if hide_results is set, except for the poll's own "
        "organizer, the producer and superusers.",
    )
    total = serializers.IntegerField(allow_null=True)
    decision = DecisionSerializer(allow_null=True)
    rule = serializers.CharField(help_text="The tie-break and fallback rule.")


class ResultOptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
