"""Input and output shapes of the story-graph API (see shared/API.md, "Producers")."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from screenings.models import Branch, Episode, Production


@extend_schema_serializer(component_name="Episode")
class EpisodeOut(serializers.ModelSerializer):
    media_url = serializers.SerializerMethodField(help_text="The uploaded file's URL if any, else the external URL.")
    poster = serializers.SerializerMethodField()

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
        ]

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
