"""Input and output shapes of the story-graph API (see shared/API.md, "Producers")."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from screenings.models import Branch, Episode, Production


class VoteCueSerializer(serializers.Serializer):
    """API.md 1.1: at `at_second` seconds into the episode its poll opens for `window_seconds`."""

    at_second = serializers.IntegerField(min_value=0, max_value=2_147_483_647)
    window_seconds = serializers.IntegerField(min_value=3, max_value=3600)

    def validate(self, attrs):
        # A cue is whole, also inside a PATCH (DRF makes nested serializers partial there).
        missing = {"at_second", "window_seconds"} - set(attrs)
        if missing:
            raise serializers.ValidationError({name: [_("This field is required.")] for name in sorted(missing)})
        return attrs


@extend_schema_serializer(component_name="Episode")
class EpisodeOut(serializers.ModelSerializer):
    media_url = serializers.SerializerMethodField(help_text="The uploaded file's URL if any, else the external URL.")
    poster = serializers.SerializerMethodField()
    vote_cue = serializers.SerializerMethodField(help_text="The producer's cue, or null for the default.")
    effective_vote_cue = serializers.SerializerMethodField(
        help_text="The cue a decision point's vote follows: vote_cue, else the last ten seconds (clipped)."
    )

    class Meta:
        model = Episode
        fields = [
            "id",
            "production",
            "title",
            "synopsis",
            "duration_seconds",
            "media_url",
            "poster",
            "status",
            "release_at",
            "published_at",
            "vote_cue",
            "effective_vote_cue",
        ]

    @extend_schema_field(VoteCueSerializer(allow_null=True))
    def get_vote_cue(self, episode: Episode) -> dict | None:
        if episode.vote_at_second is None:
            return None
        return {"at_second": episode.vote_at_second, "window_seconds": episode.vote_window_seconds}

    @extend_schema_field(VoteCueSerializer())
    def get_effective_vote_cue(self, episode: Episode) -> dict:
        at_second, window_seconds = episode.vote_cue()
        return {"at_second": at_second, "window_seconds": window_seconds}

    def _absolute(self, url: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_media_url(self, episode: Episode) -> str | None:
        return self._absolute(episode.media_src) if episode.media_src else None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_poster(self, episode: Episode) -> str | None:
        return self._absolute(episode.poster.url) if episode.poster else None


@extend_schema_serializer(component_name="Branch")
class BranchOut(serializers.ModelSerializer):
    class Meta:
        model = Branch
        fields = ["id", "source", "target", "label", "is_default", "position"]


@extend_schema_serializer(component_name="Production")
class ProductionOut(serializers.ModelSerializer):
    """The whole graph the reader may see: the owner sees drafts, everyone else published parts."""

    start_episode = serializers.IntegerField(source="visible_start", allow_null=True, read_only=True)
    episodes = EpisodeOut(source="visible_episodes", many=True, read_only=True)
    branches = BranchOut(source="visible_branches", many=True, read_only=True)

    class Meta:
        model = Production
        fields = ["id", "slug", "title", "synopsis", "start_episode", "episodes", "branches"]


class ProductionCreateIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    synopsis = serializers.CharField(required=False, allow_blank=True, default="")


class ProductionUpdateIn(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    synopsis = serializers.CharField(required=False, allow_blank=True)
    start_episode = serializers.IntegerField(required=False, allow_null=True, help_text="An episode id, or null.")


class EpisodeIn(serializers.Serializer):
    """JSON, or multipart/form-data to upload `media_file` and `poster`."""

    title = serializers.CharField(max_length=200)
    synopsis = serializers.CharField(required=False, allow_blank=True)
    duration_seconds = serializers.IntegerField(min_value=1, max_value=2_147_483_647)
    media_url = serializers.URLField(
        max_length=500, required=False, allow_blank=True, help_text="External media, e.g. an HLS stream."
    )
    media_file = serializers.FileField(required=False, help_text="A video upload (mp4, webm, ogg, mov, m3u8).")
    poster = serializers.ImageField(required=False, help_text="A JPEG, PNG, WebP or GIF image.")
    vote_cue = VoteCueSerializer(required=False, allow_null=True, help_text="null: the default cue.")


class BranchCreateIn(serializers.Serializer):
    source = serializers.IntegerField(help_text="The episode this choice follows.")
    target = serializers.IntegerField(help_text="The episode the choice leads to.")
    label = serializers.CharField(max_length=120)
    is_default = serializers.BooleanField(required=False, default=False)
    position = serializers.IntegerField(required=False, min_value=0, max_value=32767)


class BranchUpdateIn(serializers.Serializer):
    label = serializers.CharField(max_length=120, required=False)
    is_default = serializers.BooleanField(required=False)
    position = serializers.IntegerField(required=False, min_value=0, max_value=32767)


class PublishIn(serializers.Serializer):
    release_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Omitted, null or past: publish now; future: schedule."
    )
