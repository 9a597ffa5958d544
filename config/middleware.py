"""Lectern's own middleware."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers


class PrivateCacheMiddleware:
    """`Cache-Control: private` and `Vary: Cookie` on every response that belongs to a session,
    so no shared cache (a proxy, a CDN) hands one person's page to another.

    A session is told by its cookie, sent or just set: everyone logged in has one, and reading the
    cookie costs no database query (even on a 500 whose cause is the database). A response a view
    marked `public` on purpose (course files, content-hashed and the same for everyone) is left as
    it is; any other directive (`no-store`, `max-age`) is kept and `private` merged in. Listed
    before SessionMiddleware, so it sees the session cookie that middleware sets on a login.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if _has_session(request, response) and "public" not in _cache_directives(response):
            patch_cache_control(response, private=True)
            patch_vary_headers(response, ("Cookie",))
        return response


def _has_session(request: HttpRequest, response: HttpResponse) -> bool:
    name = settings.SESSION_COOKIE_NAME
    return name in request.COOKIES or name in response.cookies


def _cache_directives(response: HttpResponse) -> set[str]:
    value = response.get("Cache-Control", "")
    return {part.split("=", 1)[0].strip().lower() for part in value.split(",") if part.strip()}
