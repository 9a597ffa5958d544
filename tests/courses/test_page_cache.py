"""A signed-in student's repeat view of a lesson comes from the cache (courses.page_cache):
it must show exactly what a fresh render would, follow every change at once, and never reach
anyone else."""

import re

from bs4 import BeautifulSoup
from django.core.cache import cache
from django.test import Client

from courses.models import Course, Lesson
from courses.page_cache import local
from courses.selectors import published_versions
from courses.services import lesson_complete
from tests.factories import UserFactory

# What differs between two responses of the same page: CSRF tokens are masked afresh.
_TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+|("x-csrftoken": ")[^"]+')
_NONCE = re.compile(r'nonce="([^"]+)"')


def _html(response) -> str:
    assert response.status_code == 200
    return _TOKEN.sub(r"\1\2", response.content.decode())


def _done_marks(response) -> int:
    return len(BeautifulSoup(response.content, "html.parser").select(".chapter-nav .done-mark"))


def test_a_cached_view_is_the_page_a_fresh_render_gives(student: Client, seed_course):
    url = Lesson.objects.get(slug="billing").get_absolute_url()
    first = student.get(url)
    cached = student.get(url)
    # The scripts carry this response's own nonce, the one its CSP header allows.
    nonces = set(_NONCE.findall(cached.content.decode()))
    assert len(nonces) == 1
    assert f"'nonce-{nonces.pop()}'" in cached["Content-Security-Policy"]
    assert _NONCE.findall(first.content.decode()) != _NONCE.findall(cached.content.decode())
    cache.clear()
    local.clear()
    fresh = student.get(url)
    assert _NONCE.sub("", _html(fresh)) == _NONCE.sub("", _html(cached))


def test_the_page_follows_the_students_progress_at_once(student: Client, seed_course):
    lessons = list(Lesson.objects.filter(chapter__position=1).order_by("position"))
    url = lessons[0].get_absolute_url()
    assert _done_marks(student.get(url)) == 0
    student.get(url)  # now kept
    lesson_complete(user=student.user, lesson=lessons[1])  # elsewhere: another tab, a phone
    assert _done_marks(student.get(url)) == 1
    response = student.post(url + "complete/", follow=True)
    assert _done_marks(response) == 2
    assert _done_marks(student.get(url)) == 2


def test_a_kept_page_never_reaches_another_student(
    student: Client, other_student: Client, seed_course
):
    lesson = Lesson.objects.get(slug="billing")
    lesson_complete(user=student.user, lesson=lesson)
    assert _done_marks(student.get(lesson.get_absolute_url())) == 1
    assert _done_marks(student.get(lesson.get_absolute_url())) == 1
    assert _done_marks(other_student.get(lesson.get_absolute_url())) == 0


def test_the_forms_of_a_kept_page_still_pass_the_csrf_check(seed_course):
    user = UserFactory(password=None)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    lesson = Lesson.objects.get(slug="billing")
    browser.get(lesson.get_absolute_url())
    kept = browser.get(lesson.get_absolute_url())
    token = BeautifulSoup(kept.content, "html.parser").select_one(
        "#lesson-completion input[name=csrfmiddlewaretoken]"
    )["value"]

    response = browser.post(lesson.get_absolute_url() + "complete/", {"csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert user.lesson_progress.get(lesson=lesson).completed_at is not None


def test_staff_pages_and_pages_with_messages_are_never_kept(
    instructor: Client, student: Client, seed_course
):
    lesson = Lesson.objects.get(slug="billing")
    instructor.get(lesson.get_absolute_url())
    assert not local._pages  # page_keep keeps in the process and the shared cache at once

    # Leaving shows a message on the next page; a message must not be kept with it.
    student.get(lesson.get_absolute_url())  # enrolled, and the page kept
    student.post(seed_course.get_absolute_url() + "leave/")
    response = student.get(lesson.get_absolute_url())
    assert "left" in response.content.decode()
    assert "left" not in student.get(lesson.get_absolute_url()).content.decode()


def test_a_process_keeps_pages_up_to_its_budget(monkeypatch):
    from courses import page_cache

    monkeypatch.setattr(page_cache, "LOCAL_BYTES", 100)
    kept = page_cache._Local()
    for n in range(5):
        kept.set(f"page-{n}", b"x" * 40)
    assert [kept.get(f"page-{n}") is not None for n in range(5)] == [False] * 3 + [True] * 2
    monkeypatch.setattr(page_cache, "PAGE_SECONDS", -1)
    kept.set("old", b"x")
    assert kept.get("old") is None


def test_a_history_restore_gets_the_whole_page_even_after_the_fragment_was_kept(
    student: Client, seed_course
):
    url = Lesson.objects.get(slug="billing").get_absolute_url()
    fragment = student.get(url, HTTP_HX_REQUEST="true")
    assert b"<html" not in fragment.content
    student.get(url, HTTP_HX_REQUEST="true")  # kept
    restored = student.get(url, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert b"<html" in restored.content
    # and the other way round
    assert b"<html" not in student.get(url, HTTP_HX_REQUEST="true").content


def test_a_request_without_a_csrf_cookie_is_rendered_and_not_kept(seed_course):
    visitor = Client()
    for _ in range(3):
        visitor.cookies.clear()  # a crawler: never sends the cookie back
        assert visitor.get(seed_course.get_absolute_url()).status_code == 200
    assert not local._pages  # page_keep keeps in the process and the shared cache at once


def _visitor_sees(client: Client, url: str, text: str) -> bool:
    response = client.get(url)
    return response.status_code == 200 and text in response.content.decode()


def test_a_visitor_sees_an_admin_change_of_this_process_at_once(
    anonymous: Client, instructor: Client, seed_course
):
    """A visitor's pages take the courses' versions a process holds for a second
    (courses.selectors.published_versions); the admin's change forgets them."""
    for _ in range(2):  # the second view is kept, and makes no query
        assert _visitor_sees(anonymous, "/", seed_course.title)
        assert _visitor_sees(anonymous, seed_course.get_absolute_url(), seed_course.title)
    response = instructor.post(
        "/admin/courses/course/",
        {"action": "unpublish", "_selected_action": [seed_course.pk]},
    )
    assert response.status_code == 302
    assert not _visitor_sees(anonymous, "/", seed_course.title)
    assert anonymous.get(seed_course.get_absolute_url()).status_code == 404


def test_a_change_made_by_another_process_shows_within_the_holding_time(
    anonymous: Client, seed_course, monkeypatch
):
    clock = [1000.0]
    monkeypatch.setattr("courses.selectors.time.monotonic", lambda: clock[0])
    assert _visitor_sees(anonymous, seed_course.get_absolute_url(), seed_course.title)
    # Another process (an import in a worker) renames the course: its own transaction, its
    # own process's held versions; this process hears nothing of it.
    new_version = "another-process"
    Course.objects.filter(pk=seed_course.pk).update(title="Renamed", content_version=new_version)
    clock[0] += published_versions.SECONDS / 2
    assert _visitor_sees(anonymous, seed_course.get_absolute_url(), seed_course.title)
    clock[0] += published_versions.SECONDS
    assert _visitor_sees(anonymous, seed_course.get_absolute_url(), "Renamed")
    assert _visitor_sees(anonymous, "/", "Renamed")
    # Another process changes the course again, and this one takes the new version (the
    # catalog read it) but has not read the row at it yet when the course is deleted: a 404,
    # not an error.
    Course.objects.filter(pk=seed_course.pk).update(content_version="and-again")
    clock[0] += published_versions.SECONDS * 2
    assert published_versions.get()[1][seed_course.slug] == (seed_course.pk, "and-again")
    seed_course.delete()
    assert anonymous.get(seed_course.get_absolute_url()).status_code == 404
