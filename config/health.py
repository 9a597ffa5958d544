"""Health endpoints answered before anything checks the Host header or redirects to HTTPS.

A container's health check calls http://127.0.0.1:8000/healthz: with production settings
(ALLOWED_HOSTS=learn.example.org, SECURE_SSL_REDIRECT=true) Django would answer it with a
DisallowedHost 400 or a 301 to https, and the container would never be healthy. This
middleware, first in MIDDLEWARE, serves /healthz and /readyz itself; they reveal nothing a
visitor could use (see config.views), and they are never cached.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

from config import views

_PROBES = {"/healthz": views.healthz, "/readyz": views.readyz}


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = _PROBES.get(request.path_info)
        if probe is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return probe(request)
