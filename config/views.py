import time

from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from config import cache as resilient_cache
from config.celery_app import app as celery_app


@require_safe
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """For container health checks: answers only if the database does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        return f"down: {type(exc).__name__}"
    return "ok"


def _cache() -> str:
    default = caches["default"]
    if not isinstance(default, resilient_cache.ResilientRedisCache):
        return "local"
    try:
        # Past the fail-open guard: ask Redis itself.
        default._cache.get_client(write=True).ping()
    except Exception as exc:
        return f"down: {type(exc).__name__}"
    return "ok"


def _broker() -> str:
    if celery_app.conf.task_always_eager:
        return "eager"
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, timeout=1)
    except Exception as exc:
        return f"down: {type(exc).__name__}"
    return "ok"


def _workers() -> str:
    replies = celery_app.control.ping(timeout=1.0) or []
    return f"ok: {len(replies)}" if replies else "none answered"


@require_safe
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Which dependency is up: the database (503 without it), the cache, the broker and the
    Celery workers (a ping they answer). A dead cache or broker leaves Lectern serving,
    degraded: logins without rate limits, scoring delayed until the sweep queues it again."""
    started = time.monotonic()
    checks = {"database": _database(), "cache": _cache(), "broker": _broker()}
    if checks["broker"] == "ok":
        checks["workers"] = _workers()
    down = [
        name for name, state in checks.items() if not state.startswith(("ok", "local", "eager"))
    ]
    status = "degraded" if down else "ok"
    if checks["database"] != "ok":
        status = "down"
    body = {
        "status": status,
        "checks": checks,
        "seconds": round(time.monotonic() - started, 3),
    }
    return JsonResponse(body, status=503 if status == "down" else 200)
