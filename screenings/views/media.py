"""Uploaded episode media and posters, served only to those who may see them.

A published episode's files are public. A draft or scheduled episode's files go only to
its producer and superusers, and to everyone while a live screening plays that episode
(the cinema screen needs no login). Anyone else gets a 404, exactly as for a file that
does not exist. Files that belong to no episode are never served.

Behind nginx (MEDIA_ACCEL_REDIRECT_PREFIX set, see platform/nginx.conf) the answer is an
empty response with X-Accel-Redirect, and nginx sends the bytes from an internal location;
otherwise (`make run`) Django streams the file.
"""

from __future__ import annotations

import mimetypes
import posixpath
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from screenings.models import Episode, Screening


def episode_media_visible(*, user, episode: Episode) -> bool:
    if episode.status == Episode.Status.PUBLISHED:
        return True
    if user.is_authenticated and (user.is_superuser or user.pk == episode.production.owner_id):
        return True
    return Screening.objects.filter(now_playing=episode, status=Screening.Status.LIVE).exists()


@require_safe
def media_file(request, path: str):
    name = posixpath.normpath(path).lstrip("/")
    if name.startswith("..") or name != path:
        raise Http404(_("No such file."))
    episode = Episode.objects.select_related("production").filter(Q(media_file=name) | Q(poster=name)).first()
    if episode is None or not episode_media_visible(user=request.user, episode=episode):
        raise Http404(_("No such file."))
    if not default_storage.exists(name):
        raise Http404(_("No such file."))
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    public = episode.status == Episode.Status.PUBLISHED
    if settings.MEDIA_ACCEL_REDIRECT_PREFIX:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_REDIRECT_PREFIX.rstrip("/") + "/" + quote(name)
    else:
        response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    # A draft's bytes must not stay in a shared cache once the producer unpublishes or a screening ends.
    response["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    return response
