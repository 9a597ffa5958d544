"""Cache-Control on pages that belong to a session (config.middleware.PrivateCacheMiddleware)."""

import base64
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.http import HttpResponse
from django.test import Client
from django.utils.cache import has_vary_header

from config.middleware import PrivateCacheMiddleware
from courses.models import Lesson
from courses.services import course_import

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _directives(response) -> set[str]:
    value = response.get("Cache-Control", "")
    return {part.split("=", 1)[0].strip() for part in value.split(",") if part.strip()}


def _first_lesson_url(course) -> str:
    return Lesson.objects.filter(chapter__course=course).first().get_absolute_url()


@pytest.mark.parametrize("url", ["lesson", "/learning/", "/accounts/email/"])
def test_pages_for_a_logged_in_person_are_private(student: Client, seed_course, url: str):
    if url == "lesson":
        url = _first_lesson_url(seed_course)

    response = student.get(url)

    assert response.status_code == 200
    assert "private" in _directives(response)
    assert has_vary_header(response, "Cookie")


def test_a_view_that_forbids_storing_keeps_no_store(student: Client):
    response = student.get("/account/data/")

    assert {"no-store", "private"} <= _directives(response)


def test_a_response_that_starts_a_session_is_private(rf):
    def login(request):
        response = HttpResponse("welcome")
        response.set_cookie(settings.SESSION_COOKIE_NAME, "new-session")
        return response

    response = PrivateCacheMiddleware(login)(rf.post("/accounts/login/"))

    assert "private" in _directives(response)
    assert has_vary_header(response, "Cookie")


def test_it_runs_outside_the_session_middleware_to_see_the_cookie_it_sets():
    names = settings.MIDDLEWARE

    assert names.index("config.middleware.PrivateCacheMiddleware") < names.index(
        "django.contrib.sessions.middleware.SessionMiddleware"
    )


def test_the_catalog_for_anonymous_visitors_is_not_private(anonymous: Client, seed_course):
    response = anonymous.get("/")

    assert response.status_code == 200
    assert "private" not in _directives(response)


def test_course_files_keep_their_public_policy_for_logged_in_people(
    student: Client, tmp_path: Path
):
    course = tmp_path / "pictured"
    (course / "images").mkdir(parents=True)
    (course / "course.toml").write_text('title = "Pictured"\n')
    (course / "01-intro.md").write_text("# Intro\n\n## Lesson\n\n![A dot](images/dot.png)\n")
    (course / "images" / "dot.png").write_bytes(PNG)
    course_import(course_dir=course)
    lesson_page = student.get(Lesson.objects.get(slug="lesson").get_absolute_url())
    src = BeautifulSoup(lesson_page.content, "html.parser").find("img", alt="A dot")["src"]

    response = student.get(src)

    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert not has_vary_header(response, "Cookie")
