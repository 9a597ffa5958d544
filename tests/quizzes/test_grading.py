"""Grading's cost and the worker's database connection (issue 13: scoring throughput)."""

import importlib
from decimal import Decimal
from types import SimpleNamespace

import pytest
from celery import signals
from django.db import connection

from quizzes.attempts import answer_save, attempt_start
from quizzes.grading import attempt_grade
from quizzes.models import Answer, Attempt, Question
from tests.factories import UserFactory

# The module (the package's `celery_app` is the app itself).
celery_app = importlib.import_module("config.celery_app")


def _submitted(quiz, user, keys: list[str]) -> Attempt:
    """An attempt submitted with a wrong answer to each question named (scored 0: failed,
    so grading has no course completion to refresh)."""
    attempt = attempt_start(quiz=quiz, user=user)
    wrong = {"Pick": 1, "Many": [2], "TF": False, "Short": "no", "Num": "9", "Match": {0: "80"}}
    for key in keys:
        question = Question.objects.get(quiz=quiz, key=key)
        answer_save(attempt=attempt, question=question, response=wrong[key])
    Attempt.objects.filter(pk=attempt.pk).update(status=Attempt.Status.SUBMITTED)
    return attempt


def test_grading_takes_the_same_statements_for_one_answer_as_for_six(
    basics_quiz, student, django_assert_num_queries
):
    one = _submitted(basics_quiz, student.user, ["TF"])
    six = _submitted(basics_quiz, UserFactory(), ["Pick", "Many", "TF", "Short", "Num", "Match"])

    # Savepoint, the attempt (locked, with its answers, quiz, course version, and the
    # student's enrollment and lessons done), every answer's marks (one UPDATE) and the claim
    # (one statement on PostgreSQL), release. A fail completes nothing: no completion refresh.
    statements = 4 if connection.vendor == "postgresql" else 5
    with django_assert_num_queries(statements):
        assert attempt_grade(attempt_id=one.pk) is not None
    with django_assert_num_queries(statements):
        assert attempt_grade(attempt_id=six.pk) is not None

    marks = Answer.objects.filter(attempt=six).values_list("fraction", "needs_review")
    assert {fraction for fraction, _ in marks} == {0}
    assert not any(review for _, review in marks)
    assert Attempt.objects.get(pk=six.pk).score == 0


def test_grading_writes_each_answers_own_marks(basics_quiz, student):
    attempt = attempt_start(quiz=basics_quiz, user=student.user)
    for key, response in {"Pick": 0, "Many": [0], "TF": False}.items():
        answer_save(
            attempt=attempt,
            question=Question.objects.get(quiz=basics_quiz, key=key),
            response=response,
        )
    Attempt.objects.filter(pk=attempt.pk).update(status=Attempt.Status.SUBMITTED)

    assert attempt_grade(attempt_id=attempt.pk) is not None

    marks = {
        a.question.key: (a.fraction, a.feedback, a.needs_review)
        for a in Answer.objects.filter(attempt=attempt).select_related("question")
    }
    assert marks == {
        "Pick": (Decimal(1), ["Right: virtual machines."], False),
        "Many": (Decimal("0.5"), ["Yes."], False),
        "TF": (Decimal(0), ["Wrong."], False),
    }


class _Task:
    def __init__(self, *, eager: bool) -> None:
        self.request = SimpleNamespace(is_eager=eager)


@pytest.mark.parametrize(("eager", "closed"), [(False, 1), (True, 0)])
def test_a_worker_keeps_its_connection_and_drops_only_a_stale_one_around_each_task(
    monkeypatch, eager, closed
):
    # As around a request: close_old_connections keeps a usable connection younger than
    # CONN_MAX_AGE. An eager task runs inside its caller's request and transaction: untouched.
    calls = []
    monkeypatch.setattr(celery_app, "close_old_connections", lambda: calls.append(1))
    task = _Task(eager=eager)

    signals.task_prerun.send(sender=task, task_id="x", task=task, args=(), kwargs={})

    assert len(calls) == closed
    # Celery's Django fixup would close the connection around every task without it.
    assert celery_app.app.conf.get("CELERY_DB_REUSE_MAX") >= 100
