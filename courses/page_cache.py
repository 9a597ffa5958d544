"""Whole pages, kept in the cache under everything they show.

A page's key names what its HTML depends on: the page and its content version; the reader
and the state of theirs it shows (completed lessons, quiz results, enrollment: read on every
view, so a key is never stale); the fragment or the whole page (htmx); the CSRF secret the
page's forms carry (a visitor's key is their own too); the time zone and language; and the
release (the templates and code, the static files, the dependencies). A repeat view then
costs the reads that make the key and one cache read, not the rendering. The one thing new
in every response, the CSP nonce of its scripts, is put back into the kept page.

Not kept: staff pages (drafts, staff links), a page with messages waiting to be shown, and a
page for a request without a CSRF cookie. A cache that fails
(config.cache.ResilientRedisCache) only means rendering again.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import cache as once
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.shortcuts import render
from django.utils import timezone, translation

# Long enough for a reading session, short enough to bound what the cache holds.
PAGE_SECONDS = 600
# What each process keeps itself, in front of the shared cache (a read of Redis is a network
# round trip). Safe because a key names everything its page shows: the page under a key
# never changes, so a process's copy cannot go stale, only old.
LOCAL_BYTES = 16 * 1024 * 1024


class _Local:
    """The pages a process kept most recently, up to ``LOCAL_BYTES``, each for PAGE_SECONDS."""

    def __init__(self) -> None:
        self._pages: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            found = self._pages.get(key)
            if found is None or found[0] < time.monotonic():
                return None
            self._pages.move_to_end(key)
            return found[1]

    def set(self, key: str, content: bytes) -> None:
        with self._lock:
            old = self._pages.pop(key, None)
            self._bytes -= len(old[1]) if old else 0
            self._pages[key] = (time.monotonic() + PAGE_SECONDS, content)
            self._bytes += len(content)
            while self._bytes > LOCAL_BYTES and self._pages:
                self._bytes -= len(self._pages.popitem(last=False)[1][1])

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._bytes = 0


local = _Local()


def page_key(request: HttpRequest, page: str, *state: object) -> str | None:
    """The key of this page for this reader and ``state``, or None when it must be rendered."""
    user = request.user
    if user.is_staff or len(get_messages(request)):
        return None
    # The page's forms carry tokens of the CSRF secret of the reader's cookie. A request
    # without one (a first visit, a crawler, a link preview) gets a new secret each time, so
    # its page could never be asked for again: it is not kept.
    secret = request.META.get("CSRF_COOKIE")
    if not secret:
        return None
    # The fragment or the whole page, as config.htmx.template_for chooses (a history restore
    # is an htmx request that gets the whole page).
    htmx = getattr(request, "htmx", None)
    partial = bool(htmx) and not htmx.history_restore_request
    where = (timezone.get_current_timezone_name(), translation.get_language())
    named = repr((page, user.pk, partial, secret, where, _release(), state))
    return "page:" + hashlib.sha256(named.encode()).hexdigest()


def page_render(
    request: HttpRequest,
    key: str | None,
    template: str,
    context: dict | Callable[[], dict],
) -> HttpResponse:
    """The page kept under ``key``, else ``template`` rendered and kept. A callable
    ``context`` is called only when the page is rendered: what only the HTML needs (the
    outline, a lesson's text) is then never read for a kept page."""
    kept = _get(request, key)
    if kept is not None:
        return kept
    response = render(request, template, context() if callable(context) else context)
    return _keep(request, key, response)


def _get(request: HttpRequest, key: str | None) -> HttpResponse | None:
    """The kept page, carrying this response's CSP nonce where the kept one had its own."""
    if key is None:
        return None
    content = local.get(key)
    if content is None:
        content = cache.get(key)
        if content is None:
            return None
        local.set(key, content)
    if _NONCE in content:
        content = content.replace(_NONCE, str(get_nonce(request)).encode())
    return HttpResponse(content)


def _keep(request: HttpRequest, key: str | None, response: HttpResponse) -> HttpResponse:
    if key is not None and response.status_code == 200:
        content = response.content
        nonce = get_nonce(request)
        if nonce:  # used by the page (its scripts): a fresh one per response
            content = content.replace(str(nonce).encode(), _NONCE)
        local.set(key, content)
        cache.set(key, content, PAGE_SECONDS)
    return response


# Stands for the response's CSP nonce in a kept page (random: no page holds it by chance).
_NONCE = b"csp-nonce-8c41f0a2d9e34b7f"


@once
def _release() -> str:
    """What a deploy changes in every page: Lectern's templates and code (names, sizes,
    times), the static files' manifest and the locked dependencies. Read once per process."""
    base = Path(settings.BASE_DIR)
    folders = [Path(folder) for engine in settings.TEMPLATES for folder in engine["DIRS"]]
    folders += [Path(app.path) for app in apps.get_app_configs()]
    files = sorted(
        (str(path), path.stat().st_size, path.stat().st_mtime_ns)
        for folder in folders
        # Lectern's own (the dependencies are in requirements.lock below).
        if folder.is_dir() and folder.is_relative_to(base) and "site-packages" not in folder.parts
        for pattern in ("*.html", "*.py")
        for path in folder.rglob(pattern)
    )
    # The static files' names (hashed in production) and the dependencies' versions.
    for path in (
        Path(settings.STATIC_ROOT) / "staticfiles.json" if settings.STATIC_ROOT else None,
        Path(settings.BASE_DIR) / "requirements.lock",
    ):
        files.append(path.read_text() if path is not None and path.is_file() else "")
    return hashlib.sha256(repr(files).encode()).hexdigest()[:16]
