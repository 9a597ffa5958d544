"""/healthz and /readyz answer a container's probe with production settings: whatever the
Host header, without the HTTPS redirect, never cached, GET and HEAD only."""

import json

import pytest


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["learn.example.org"]
    settings.SECURE_SSL_REDIRECT = True


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_a_probe_on_localhost_is_answered_under_production_settings(production, client, db, path):
    response = client.get(path, HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_other_pages_still_refuse_an_unknown_host_and_redirect(production, client, db):
    assert client.get("/", HTTP_HOST="127.0.0.1:8000").status_code == 400
    redirect = client.get("/", HTTP_HOST="learn.example.org")
    assert redirect.status_code == 301 and redirect["Location"].startswith("https://")


def test_probes_take_no_posts(client, db):
    assert client.post("/healthz").status_code == 405
    assert client.head("/readyz").status_code == 200


def test_readyz_reports_each_dependency(client, db):
    body = json.loads(client.get("/readyz").content)
    assert set(body["checks"]) >= {"database", "cache", "broker"}
