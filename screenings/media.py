"""Upload checks for episode media and posters, shared by the API, the pages and the admin.

Files are stored through Django's storage API (STORAGES["default"]: a local
folder unless DJANGO_DEFAULT_STORAGE names e.g. an S3 backend), so nothing
here touches the filesystem directly.
"""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from config.errors import Invalid

# Extension -> content types a browser or client may send for it.
VIDEO_TYPES = {
    ".mp4": {"video/mp4", "application/mp4"},
    ".m4v": {"video/mp4", "video/x-m4v"},
    ".webm": {"video/webm"},
    ".ogv": {"video/ogg"},
    ".ogg": {"video/ogg", "application/ogg"},
    ".mov": {"video/quicktime"},
    ".m3u8": {"application/vnd.apple.mpegurl", "application/x-mpegurl", "audio/mpegurl", "audio/x-mpegurl"},
}
# Clients that cannot tell send these; the extension then decides.
GENERIC_TYPES = {"", "application/octet-stream", "binary/octet-stream"}
POSTER_MAX_BYTES = 10 * 1024 * 1024
POSTER_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MEDIA_ACCEPT = ",".join([*VIDEO_TYPES, *sorted({t for types in VIDEO_TYPES.values() for t in types})])


def media_file_validate(upload, *, field: str = "media_file") -> None:
    """Refuse anything that is not a video (or HLS playlist) of an allowed size."""
    extension = PurePath(upload.name or "").suffix.lower()
    content_type = (getattr(upload, "content_type", None) or "").split(";")[0].strip().lower()
    if extension not in VIDEO_TYPES:
        allowed = ", ".join(sorted(VIDEO_TYPES))
        raise Invalid(
            _("Unsupported video file %(name)s: use %(allowed)s.") % {"name": repr(upload.name), "allowed": allowed},
            fields={field: [_("Use %(allowed)s.") % {"allowed": allowed}]},
        )
    if content_type not in GENERIC_TYPES and content_type not in VIDEO_TYPES[extension]:
        raise Invalid(
            _("The file %(name)s says it is %(content_type)s, not a %(extension)s video.")
            % {"name": repr(upload.name), "content_type": content_type, "extension": extension},
            fields={
                field: [
                    _("Content type %(content_type)s does not match %(extension)s.")
                    % {"content_type": content_type, "extension": extension}
                ]
            },
        )
    limit = settings.EPISODE_MEDIA_MAX_BYTES
    if upload.size > limit:
        raise Invalid(
            _("The video is %(size)s bytes; the limit is %(limit)s bytes.") % {"size": upload.size, "limit": limit},
            fields={field: [_("At most %(limit)s bytes.") % {"limit": limit}]},
        )


def poster_validate(upload, *, field: str = "poster") -> None:
    """Refuse posters that are too large or not a readable JPEG/PNG/WebP/GIF image."""
    if upload.size > POSTER_MAX_BYTES:
        raise Invalid(
            _("The poster is %(size)s bytes; the limit is %(limit)s bytes.")
            % {"size": upload.size, "limit": POSTER_MAX_BYTES},
            fields={field: [_("At most %(limit)s bytes.") % {"limit": POSTER_MAX_BYTES}]},
        )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise Invalid(
            _("The poster is not a readable image."), fields={field: [_("Upload a JPEG, PNG, WebP or GIF image.")]}
        ) from None
    finally:
        upload.seek(0)
    if kind not in POSTER_FORMATS:
        raise Invalid(
            _("Posters must be JPEG, PNG, WebP or GIF, not %(kind)s.") % {"kind": kind},
            fields={field: [_("Unsupported format.")]},
        )
