"""Scoring through a real Celery worker: submit with the test client, the worker grades."""

import time

import pytest
from bs4 import BeautifulSoup

from courses.services import course_import
from quizzes.models import Attempt, Question, Quiz
from tests.factories import UserFactory


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_scores_a_submitted_attempt(celery_worker, tiny_dir, client):
    course_import(course_dir=tiny_dir)
    student = UserFactory()
    client.force_login(student)
    quiz = Quiz.objects.get(key="basics")
    started = client.post(f"/quizzes/{quiz.pk}/attempts/")
    attempt = Attempt.objects.get(user=student)
    tf = Question.objects.get(quiz=quiz, key="TF")
    num = Question.objects.get(quiz=quiz, key="Num")

    client.post(f"/attempts/{attempt.pk}/answers/{tf.pk}/", {f"q{tf.pk}": "true"})
    submitted = client.post(f"/attempts/{attempt.pk}/submit/", {f"q{num.pk}": "3", "confirm": "1"})

    assert started.status_code == submitted.status_code == 302
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        poll = client.get(f"/attempts/{attempt.pk}/", HTTP_HX_REQUEST="true")
        if poll.status_code == 286:
            break
        assert "data-hx-trigger" in poll.content.decode()  # still the poller: not scored yet
        time.sleep(0.1)
    assert poll.status_code == 286, "the worker did not grade the attempt in 20 s"
    page = BeautifulSoup(client.get(f"/attempts/{attempt.pk}/").content, "html.parser")
    assert "33.33\xa0%" in page.select_one(".attempt-result__score").get_text()
    assert Attempt.objects.get(pk=attempt.pk).status == "graded"
