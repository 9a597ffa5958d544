"""Degraded dependencies degrade, not crash: with the cache's Redis unreachable, logging in,
signing up and resetting a password still work (rate limits fail open), and /readyz says
which dependency is down."""

import json
import time

import pytest
from django.core import mail

from config import cache as resilient
from tests.factories import UserFactory

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def dead_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    resilient._down_since = None
    resilient._retry_at = 0.0
    yield
    resilient._down_since = None
    resilient._retry_at = 0.0


def test_logging_in_works_with_the_cache_down(dead_cache, client, db):
    UserFactory(email="ann@example.com")
    wrong = client.post("/accounts/login/", {"login": "ann@example.com", "password": "nope"})
    assert wrong.status_code == 200  # the form again, with its error
    right = client.post(
        "/accounts/login/", {"login": "ann@example.com", "password": "correct horse battery"}
    )
    assert right.status_code == 302
    assert client.get("/learning/").status_code == 200
    assert resilient.degraded_since() is not None


def test_inside_the_window_a_dead_redis_is_not_asked_again(dead_cache, db):
    from django.core.cache import cache

    assert cache.get("k", "miss") == "miss"  # the one failed attempt
    started = time.monotonic()
    for _ in range(100):
        assert cache.add("k", 1) is True
        assert cache.get("k") is None
    assert time.monotonic() - started < 0.2


def test_signing_up_and_resetting_a_password_work_with_the_cache_down(dead_cache, client, db):
    signup = client.post(
        "/accounts/signup/",
        {
            "email": "new@example.com",
            "password1": "a long fresh pass 42",
            "password2": "a long fresh pass 42",
        },
    )
    assert signup.status_code == 302
    UserFactory(email="old@example.com")
    reset = client.post("/accounts/password/reset/", {"email": "old@example.com"})
    assert reset.status_code == 302
    assert any("old@example.com" in m.to for m in mail.outbox)


def test_readyz_names_the_dependency_that_is_down(dead_cache, client, db):
    response = client.get("/readyz")
    assert response.status_code == 200  # still serving: degraded, not down
    body = json.loads(response.content)
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"].startswith("down")
    assert response["Cache-Control"].startswith("max-age=0")


def test_readyz_is_ok_with_the_embedded_defaults(client, db):
    body = json.loads(client.get("/readyz").content)
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"] in {"eager", "ok"}
    assert body["status"] in {"ok", "degraded"}


def test_the_cache_comes_back_after_its_window(dead_cache, settings, monkeypatch, db):
    from django.core.cache import cache

    assert cache.get("k", "default") == "default"
    assert resilient.degraded_since() is not None
    # Inside the window nothing is tried; past it, a working cache clears the flag.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    resilient._recovered()
    assert resilient.degraded_since() is None
