"""Importing a Twine story as a new draft production (POST /api/productions/import/, the studio's
"Import from Twine" page).

One transaction: the story is read by screenings/twine.py and twine_graph.py (pure), then the production, its
episodes and its branches are created through the story services, so every graph rule holds
exactly as for hand-made graphs; a branch a service still refuses is left out and reported.
Nothing is published: the producer reviews the drafts, uploads the films, and publishes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from config.errors import DomainError, Invalid
from screenings import twine, twine_graph
from screenings.models import Production
from screenings.services import story

DEFAULT_DURATION_SECONDS = 60


class TwineTooLarge(DomainError):
    code, status = "too_large", 413


def _check_size(source: str) -> None:
    limit = settings.TWINE_IMPORT_MAX_BYTES
    if len(source) > limit or len(source.encode("utf-8", "surrogatepass")) > limit:
        raise TwineTooLarge(_("The story is larger than %(limit)d bytes.") % {"limit": limit})


def twine_upload_read(*, upload) -> str:
    """An uploaded story file as text: at most TWINE_IMPORT_MAX_BYTES (413 `too_large`) of UTF-8."""
    limit = settings.TWINE_IMPORT_MAX_BYTES
    raw = upload.read(limit + 1)
    if len(raw) > limit:
        raise TwineTooLarge(_("The story is larger than %(limit)d bytes.") % {"limit": limit})
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        message = _("line %(line)d: the file is not UTF-8 text.") % {"line": line}
        raise Invalid(message, fields={"file": [message]}, line=line) from None


@dataclass(frozen=True)
class TwineImport:
    production: Production
    report: list[dict]  # [{"kind", "passage", "line", "message"}], what did not come along


@transaction.atomic
def production_import_twine(
    *, producer, source: str, title: str = "", duration_seconds: int = DEFAULT_DURATION_SECONDS
) -> TwineImport:
    """A draft production from Twine 2 HTML or Twee 3 `source`: passages become episodes (lasting
    their metadata's `duration`, else `duration_seconds`), links become branches (a passage's first
    link is its default), Twine's start passage the start episode. `title` overrides the story's."""
    if duration_seconds is None or not 1 <= duration_seconds <= twine.DURATION_MAX:
        raise Invalid(
            _("An episode lasts between 1 and %(max)d seconds.") % {"max": twine.DURATION_MAX},
            fields={"duration_seconds": [_("Between 1 and %(max)d.") % {"max": twine.DURATION_MAX}]},
        )
    _check_size(source)
    try:
        (title or "").encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid(_("The title is not valid Unicode."), fields={"title": [_("Not valid Unicode.")]}) from None
    try:
        plan = twine_graph.import_plan(source, max_bytes=settings.TWINE_IMPORT_MAX_BYTES)
    except twine.TwineError as error:
        extra = {key: value for key, value in (("line", error.line), ("passage", error.passage)) if value is not None}
        raise Invalid(
            _("The Twine story cannot be read: %(problem)s") % {"problem": error.message},
            fields={"source": [error.message]},
            **extra,
        ) from None
    production = story.production_create(owner=producer, title=(title or "").strip()[:200] or plan.title)
    episodes = {
        planned.title: story.episode_create(
            production=production,
            actor=producer,
            title=planned.title,
            synopsis=planned.synopsis,
            duration_seconds=planned.duration_seconds or duration_seconds,
        )
        for planned in plan.episodes
    }
    notes = [note.as_dict() for note in plan.notes]
    for planned in plan.branches:
        try:
            story.branch_create(
                source=episodes[planned.source],
                target=episodes[planned.target],
                actor=producer,
                label=planned.label,
                is_default=planned.is_default,
            )
        except Invalid as error:  # the plan keeps the rules; this is the services' last word
            notes.append(twine.Note("refused", error.message, planned.source).as_dict())
    production = story.production_update(production=production, actor=producer, start_episode=episodes[plan.start])
    return TwineImport(production=production, report=notes)
