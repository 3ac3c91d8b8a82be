"""Forms of the producer pages; they only parse input, the services decide."""

from __future__ import annotations

from datetime import UTC

from django import forms
from django.utils.translation import gettext_lazy as _

from screenings.media import MEDIA_ACCEPT
from screenings.models import Episode


class ProductionForm(forms.Form):
    title = forms.CharField(max_length=200)
    synopsis = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ProductionSettingsForm(ProductionForm):
    start_episode = forms.ModelChoiceField(
        queryset=Episode.objects.none(),
        required=False,
        empty_label=_("(none yet)"),
        help_text=_("Where every screening begins."),
    )

    def __init__(self, *args, production, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start_episode"].queryset = production.episodes.order_by("id")


class EpisodeForm(forms.Form):
    title = forms.CharField(max_length=200)
    synopsis = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    duration_seconds = forms.IntegerField(min_value=1, max_value=2_147_483_647, label=_("Duration (seconds)"))
    media_url = forms.URLField(
        max_length=500,
        required=False,
        label=_("External media URL"),
        help_text=_("e.g. an HLS stream (.m3u8)"),
        assume_scheme="https",
    )
    media_file = forms.FileField(
        required=False, label=_("Or upload a video"), widget=forms.ClearableFileInput(attrs={"accept": MEDIA_ACCEPT})
    )
    poster = forms.ImageField(required=False, widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))
    vote_at_second = forms.IntegerField(
        min_value=0,
        required=False,
        label=_("Vote opens at (seconds into the episode)"),
        help_text=_("For a decision point on autopilot. Leave both empty for the default: the last ten seconds."),
    )
    vote_window_seconds = forms.IntegerField(
        min_value=3, max_value=3600, required=False, label=_("Vote lasts (seconds)")
    )

    def clean(self):
        cleaned = super().clean()
        at, window = cleaned.get("vote_at_second"), cleaned.get("vote_window_seconds")
        if (
            (at is None) != (window is None)
            and not self.errors.get("vote_at_second")
            and not self.errors.get("vote_window_seconds")
        ):
            self.add_error(
                "vote_window_seconds" if window is None else "vote_at_second",
                _("Give both the moment the vote opens and how long it lasts, or neither."),
            )
        return cleaned

    def changes(self) -> dict:
        """Service keyword arguments: empty uploads mean "keep what is stored"."""
        data = dict(self.cleaned_data)
        at, window = data.pop("vote_at_second", None), data.pop("vote_window_seconds", None)
        data["vote_cue"] = None if at is None else {"at_second": at, "window_seconds": window}
        for field in ("media_file", "poster"):
            if not data.get(field):
                data.pop(field, None)
        if not data.get("media_url") and "media_file" not in data:
            data.pop("media_url", None)  # a blank URL never erases an uploaded file
        return data


class _EpisodeChoice(forms.ModelChoiceField):
    def label_from_instance(self, episode: Episode) -> str:
        return f"{episode.title} ({episode.status})"


class BranchForm(forms.Form):
    source = _EpisodeChoice(queryset=Episode.objects.none(), label=_("From episode"))
    target = _EpisodeChoice(queryset=Episode.objects.none(), label=_("To episode"))
    label = forms.CharField(max_length=120, help_text=_("What the audience sees on the voting button."))
    is_default = forms.BooleanField(required=False, label=_("Default (taken on a tie or when nobody votes)"))

    def __init__(self, *args, production, **kwargs):
        super().__init__(*args, **kwargs)
        for field in ("source", "target"):
            self.fields[field].queryset = production.episodes.order_by("id")


class BranchEditForm(forms.Form):
    label = forms.CharField(max_length=120)
    position = forms.IntegerField(min_value=0, max_value=32767, help_text=_("Display order among the choices."))
    is_default = forms.BooleanField(required=False, label=_("Default (taken on a tie or when nobody votes)"))


class PublishForm(forms.Form):
    # Read in the visitor's time zone (config/middleware.py); the label names it.
    release_at = forms.DateTimeField(
        required=False,
        label=_("Release at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
    )

    def clean_release_at(self):
        value = self.cleaned_data.get("release_at")
        return value.astimezone(UTC) if value else None
