"""A burst of submissions drained by a few tasks (quizzes.tasks, quizzes.grading): batches in
id order, a bad attempt never holds back the rest, one drain queued at a time, a second one
to share a backlog, and a real worker grading a burst."""

import os
import time

import pytest
from django.db import DataError, transaction

from config.celery_app import app
from quizzes import grading, tasks
from quizzes.attempts import answer_save, attempt_start, attempt_submit
from quizzes.models import Attempt, Question, Quiz
from tests.factories import UserFactory

REDIS_CACHE = {
    "default": {
        "BACKEND": "config.cache.ResilientRedisCache",
        # CI's cache database; locally the machine's Redis, which the suite never skips.
        "LOCATION": os.environ.get("CACHE_URL") or "redis://127.0.0.1:6379/2",
        "KEY_PREFIX": "lectern-drain-test",
    }
}


def _submitted(quiz: Quiz, responses: dict[str, object] | None = None) -> Attempt:
    attempt = attempt_start(quiz=quiz, user=UserFactory())
    for key, response in (responses or {"TF": True}).items():
        answer_save(
            attempt=attempt, question=Question.objects.get(quiz=quiz, key=key), response=response
        )
    Attempt.objects.filter(pk=attempt.pk).update(status=Attempt.Status.SUBMITTED)
    return attempt


def _statuses(attempts: list[Attempt]) -> list[str]:
    return [Attempt.objects.get(pk=a.pk).status for a in attempts]


def test_a_batch_grades_the_waiting_attempts_in_id_order_and_the_next_goes_on_from_its_last(
    basics_quiz,
):
    first, second, third = (_submitted(basics_quiz) for _ in range(3))
    open_one = attempt_start(quiz=basics_quiz, user=UserFactory())

    batch = grading.attempts_grade_submitted(limit=2)

    assert [a.pk for a in batch.graded] == [first.pk, second.pk]
    assert (batch.last_id, batch.full) == (second.pk, True)
    assert _statuses([first, second, third]) == ["graded", "graded", "submitted"]
    rest = grading.attempts_grade_submitted(after_id=batch.last_id, limit=2)
    assert [a.pk for a in rest.graded] == [third.pk] and not rest.full
    assert grading.attempts_grade_submitted(limit=2) == grading.Batch([], None, False)
    assert Attempt.objects.get(pk=open_one.pk).status == Attempt.Status.IN_PROGRESS
    graded = Attempt.objects.get(pk=first.pk)
    assert graded.score is not None and graded.graded_at is not None


def test_an_attempt_whose_scoring_raises_is_left_submitted_and_the_rest_are_graded(
    basics_quiz, monkeypatch
):
    good, bad, later = (_submitted(basics_quiz) for _ in range(3))
    real_score = grading._score

    def score(attempt, answers):
        if attempt.pk == bad.pk:
            raise ValueError("a scorer bug")
        return real_score(attempt, answers)

    monkeypatch.setattr(grading, "_score", score)

    batch = grading.attempts_grade_submitted(limit=10)

    assert [a.pk for a in batch.graded] == [good.pk, later.pk]
    assert _statuses([good, bad, later]) == ["graded", "submitted", "graded"]


def test_a_write_that_fails_rolls_the_batch_back_and_its_attempts_are_graded_one_by_one(
    basics_quiz, monkeypatch
):
    attempts = [_submitted(basics_quiz) for _ in range(3)]
    real_claim = grading._claim
    failures = []

    def claim(scored):
        if not failures:
            failures.append([attempt.pk for attempt, _ in scored])
            raise DataError("value out of range")  # as PostgreSQL would refuse a row
        return real_claim(scored)

    monkeypatch.setattr(grading, "_claim", claim)

    batch = grading.attempts_grade_submitted(limit=10)

    assert failures == [[a.pk for a in attempts]]  # one write for the batch
    assert sorted(a.pk for a in batch.graded) == [a.pk for a in attempts]
    assert _statuses(attempts) == ["graded"] * 3


@pytest.fixture
def sent(db, settings, monkeypatch):
    """Grading queued as on a web process beside a worker: not eager, a Redis cache every
    process shares; what would reach the broker is recorded instead of sent."""
    settings.CACHES = REDIS_CACHE
    app.conf.task_always_eager = False  # the suite's _celery_eager fixture puts it back
    tasks.cache.delete(tasks.DRAIN_QUEUED_KEY)
    messages = []
    monkeypatch.setattr(
        tasks.attempt_grade, "delay", lambda *args, **kwargs: messages.append((args, kwargs))
    )
    yield messages
    tasks.cache.delete(tasks.DRAIN_QUEUED_KEY)


def test_a_burst_queues_one_drain_which_grades_it_all_and_then_submissions_queue_again(
    basics_quiz, sent
):
    burst = [_submitted(basics_quiz) for _ in range(4)]

    for attempt in burst:
        tasks.attempt_grade_queue(attempt.pk)

    assert sent == [((burst[0].pk,), {"drain": True})]
    tasks.attempt_grade.run(burst[0].pk, drain=True)  # the worker runs it
    assert _statuses(burst) == ["graded"] * 4
    assert tasks.cache.get(tasks.DRAIN_QUEUED_KEY) is None
    late = _submitted(basics_quiz)
    tasks.attempt_grade_queue(late.pk)
    assert sent[-1] == ((late.pk,), {"drain": True})


def test_a_drain_that_finds_more_than_a_batch_queues_a_second_to_share_it(
    basics_quiz, sent, monkeypatch
):
    monkeypatch.setattr(tasks, "DRAIN_BATCH", 2)
    backlog = [_submitted(basics_quiz) for _ in range(5)]

    tasks.attempt_grade.run(drain=True)

    assert sent == [((None,), {"drain": True})]  # once, not once per batch
    assert _statuses(backlog) == ["graded"] * 5


def test_a_drain_out_of_time_hands_the_rest_to_a_fresh_one(basics_quiz, sent, monkeypatch):
    monkeypatch.setattr(tasks, "DRAIN_BATCH", 2)
    monkeypatch.setattr(tasks, "DRAIN_SECONDS", 0.0)
    backlog = [_submitted(basics_quiz) for _ in range(5)]

    tasks.attempt_grade.run(drain=True)

    assert _statuses(backlog) == ["graded"] * 2 + ["submitted"] * 3
    assert sent == [((None,), {"drain": True})]
    tasks.cache.delete(tasks.DRAIN_QUEUED_KEY)  # that one starts, and hands on in turn
    tasks.attempt_grade.run(drain=True)
    assert _statuses(backlog) == ["graded"] * 4 + ["submitted"]


def test_a_broker_that_refuses_the_drain_leaves_nothing_marked_queued(
    basics_quiz, sent, monkeypatch
):
    def refuse(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.attempt_grade, "delay", refuse)
    attempt = _submitted(basics_quiz)

    with pytest.raises(ConnectionError):
        tasks.attempt_grade_queue(attempt.pk)

    assert tasks.cache.get(tasks.DRAIN_QUEUED_KEY) is None  # the next submission queues


def test_recovery_and_a_cache_of_one_process_queue_each_attempt_on_its_own(
    basics_quiz, sent, settings
):
    attempt = _submitted(basics_quiz)

    tasks.attempt_grade_queue(attempt.pk, coalesce=False)  # the sweep, the poll's requeue
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    tasks.attempt_grade_queue(attempt.pk)  # no cache shared with the worker: no drain

    assert sent == [((attempt.pk,), {}), ((attempt.pk,), {})]


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_grades_a_burst_submitted_in_one_transaction(
    celery_worker, tiny_dir, settings
):
    from courses.services import course_import

    settings.CACHES = REDIS_CACHE
    course_import(course_dir=tiny_dir)
    quiz = Quiz.objects.get(key="basics")
    burst = [attempt_start(quiz=quiz, user=UserFactory()) for _ in range(12)]

    with transaction.atomic():
        for attempt in burst:
            attempt_submit(attempt=attempt)

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and "submitted" in _statuses(burst):
        time.sleep(0.05)
    assert _statuses(burst) == ["graded"] * 12
