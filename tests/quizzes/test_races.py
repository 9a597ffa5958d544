"""Races that reach a unique constraint, as real concurrent requests on PostgreSQL: each
resolves to one row (or one row per request where each is a new attempt) and a normal
response, never a 500."""

import threading

import pytest
from django.db import connection
from django.test import Client

from courses.models import Enrollment, Lesson, LessonProgress
from courses.services import course_import
from quizzes.models import Answer, Attempt, Question, Quiz
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serializes writers; the races run on PostgreSQL (CI sets DATABASE_URL)",
    ),
    pytest.mark.django_db(transaction=True),
]


def _race(n: int, request) -> list:
    """Run ``request(client)`` in n threads released at once; their responses."""
    user = UserFactory()
    barrier = threading.Barrier(n)
    responses: list = []
    errors: list[BaseException] = []

    def run() -> None:
        client = Client(raise_request_exception=False)
        client.force_login(user)
        try:
            barrier.wait()
            responses.append(request(client))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [r.status_code for r in responses if r.status_code >= 500] == []
    return responses


@pytest.fixture
def tiny_committed(tiny_dir):
    course_import(course_dir=tiny_dir)
    return Quiz.objects.get(course__slug="tiny", key="basics")


def test_two_tabs_submitting_one_knowledge_check_record_every_answer(tiny_committed):
    check = Quiz.objects.get(kind="check")
    question = Question.objects.get(quiz=check)
    url = f"/quizzes/{check.pk}/check/"
    responses = _race(8, lambda c: c.post(url, {f"q{question.pk}": "true"}))
    assert {r.status_code for r in responses} == {302}
    attempts = Attempt.objects.filter(quiz=check)
    # Each post is an attempt of its own, numbered 1..8, each with its answer, all graded.
    assert sorted(attempts.values_list("number", flat=True)) == list(range(1, 9))
    assert Answer.objects.filter(attempt__quiz=check).count() == 8
    assert set(attempts.values_list("status", flat=True)) == {Attempt.Status.GRADED}


def test_concurrent_starts_give_one_open_attempt(tiny_committed):
    url = f"/quizzes/{tiny_committed.pk}/attempts/"
    responses = _race(6, lambda c: c.post(url))
    assert {r.status_code for r in responses} == {302}
    assert Attempt.objects.filter(quiz=tiny_committed).count() == 1
    assert len({r["Location"] for r in responses}) == 1


def test_a_double_submit_grades_once(tiny_committed):
    user = UserFactory()
    client = Client()
    client.force_login(user)
    client.post(f"/quizzes/{tiny_committed.pk}/attempts/")
    attempt = Attempt.objects.get(user=user)
    barrier = threading.Barrier(5)
    statuses: list[int] = []

    def submit() -> None:
        other = Client(raise_request_exception=False)
        other.force_login(user)
        try:
            barrier.wait()
            statuses.append(
                other.post(f"/attempts/{attempt.pk}/submit/", {"confirm": "1"}).status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * 5
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    assert Attempt.objects.filter(user=user).count() == 1


def test_concurrent_enrol_view_and_complete_leave_one_row_each(tiny_committed):
    lesson = Lesson.objects.filter(course__slug="tiny").order_by("position").first()
    url = lesson.get_absolute_url()
    requests = [
        lambda c: c.post("/courses/tiny/enroll/"),
        lambda c: c.get(url),
        lambda c: c.post(f"{url}complete/"),
    ]
    counter = iter(range(100))
    lock = threading.Lock()

    def one(client):
        with lock:
            n = next(counter)
        return requests[n % 3](client)

    responses = _race(9, one)
    assert {r.status_code for r in responses} <= {200, 302}
    assert Enrollment.objects.count() == 1
    assert LessonProgress.objects.count() == 1
    assert LessonProgress.objects.get().completed_at is not None
