"""Course files: the images and downloads a course's Markdown references, stored at import.

Each file is stored once under a content-hashed name (``diagram.3f9a1c0e2b7d4a15.png``), so
its URL changes exactly when its bytes do and browsers may cache it for a year. Storage is
the ``course_files`` entry of ``STORAGES``: a folder on disk by default (a volume in docker
compose), any Django storage backend otherwise.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse
from django.utils.text import slugify

# Shown in the page (<img>, <video>) or opened by the browser's own viewer. Everything else
# is downloaded: an HTML or SVG file served inline from our origin could run script in it.
INLINE_TYPES = frozenset(
    {
        "image/png", "image/jpeg", "image/gif", "image/webp", "image/avif",
        "application/pdf", "text/plain", "audio/mpeg", "audio/ogg", "video/mp4", "video/webm",
    }
)  # fmt: skip
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}\.[0-9a-f]{16}(\.[a-z0-9]{1,10})?$")


def course_files_storage():
    return storages["course_files"]


def course_file_store(*, course_slug: str, path: Path, dry_run: bool = False) -> str | None:
    """Store one course file (once: the name is its content hash) and return its URL.

    Returns None when the file is larger than ``LECTERN_COURSE_FILE_MAX_BYTES``. A dry run
    computes the URL and writes nothing.
    """
    if path.stat().st_size > settings.LECTERN_COURSE_FILE_MAX_BYTES:
        return None
    data = path.read_bytes()
    suffix = re.sub(r"[^a-z0-9]", "", path.suffix.lower())[:10]
    stem = slugify(path.stem)[:60].strip("-") or "file"
    name = f"{stem}.{hashlib.sha256(data).hexdigest()[:16]}" + (f".{suffix}" if suffix else "")
    key = f"{course_slug}/{name}"
    storage = course_files_storage()
    if not dry_run and not storage.exists(key):
        storage.save(key, ContentFile(data))
    return reverse("courses:course-file", kwargs={"course_slug": course_slug, "name": name})


def course_file_open(*, course_slug: str, name: str):
    """Open a stored course file: (file, content type, inline?), or None if there is none."""
    if not _NAME_RE.match(name):
        return None
    key = f"{course_slug}/{name}"
    storage = course_files_storage()
    if not storage.exists(key):
        return None
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return storage.open(key, "rb"), content_type, content_type in INLINE_TYPES
