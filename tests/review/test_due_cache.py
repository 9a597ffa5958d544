"""The due counts kept between the events that change them (review.due_cache): the clock, a
content change, counts read while a change commits, one process's memory, a dead Redis, and
a grade given in another process."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.utils import timezone

from courses.content_version import content_changed
from quizzes.attempts import answer_save, attempt_start
from quizzes.models import Attempt, Question, Quiz
from review import due_cache
from review.models import Card
from review.services import deck_refresh, due_now
from tests.processes import database_url
from tests.review.test_deck import _graded
from tests.review.test_due import WRONG, _due_text

SHARED_CACHE = {
    "default": {
        "BACKEND": "config.cache.ResilientRedisCache",
        # CI's cache database; locally the machine's Redis, which the suite never skips.
        "LOCATION": os.environ.get("CACHE_URL") or "redis://127.0.0.1:6379/2",
        "KEY_PREFIX": "lectern",  # the settings' own: another process reads the same keys
    }
}


@pytest.fixture
def missed_twice(basics_quiz, student):
    _graded(basics_quiz, student.user, WRONG)
    _graded(basics_quiz, student.user, WRONG)
    return basics_quiz


def test_a_kept_count_goes_up_when_the_next_card_falls_due(missed_twice, student, monkeypatch):
    now = timezone.now()
    deck_refresh(user=student.user, now=now)
    Card.objects.filter(user=student.user, question__key="TF").update(due=now + timedelta(days=3))
    due_cache.forget(user_ids=[student.user.pk])  # as a review that scheduled it would

    assert _due_text(student, "/learning/") == "1 question to review today"  # kept now
    assert due_cache.lookup(user_id=student.user.pk, now=now)[0].next_due == now + timedelta(days=3)
    monkeypatch.setattr(timezone, "now", lambda: now + timedelta(days=3))

    assert _due_text(student, "/learning/") == "2 questions to review today"


def test_a_content_change_forgets_every_students_count(missed_twice, student, other_student):
    _graded(missed_twice, other_student.user, WRONG)
    _graded(missed_twice, other_student.user, WRONG)
    for client in (student, other_student):
        assert _due_text(client, "/learning/") == "2 questions to review today"

    # As the admin's Archive action does it.
    missed_twice.questions.filter(key="TF").update(is_archived=True)
    content_changed(course_ids=[missed_twice.course_id])

    for client in (student, other_student):
        assert _due_text(client, "/learning/") == "1 question to review today"


def test_counts_read_while_a_change_commits_are_not_kept_past_it(missed_twice, student):
    user = student.user
    now = timezone.now()
    _, stamp = due_cache.lookup(user_id=user.pk, now=now)  # a page starts counting...
    counted = due_now(user=user, now=now)
    due_cache.forget(user_ids=[user.pk])  # ...a review commits meanwhile...
    due_cache.keep(user_id=user.pk, due=counted, stamp=stamp)  # ...and the page keeps its count

    assert due_cache.lookup(user_id=user.pk, now=now)[0] is None


def test_a_change_forgets_again_when_it_commits(
    missed_twice, student, django_capture_on_commit_callbacks
):
    user = student.user
    deck_refresh(user=user)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        due_cache.forget(user_ids=[user.pk])
        # A page in another process counts now, from what was committed before the change.
        _, stamp = due_cache.lookup(user_id=user.pk, now=now)
        due_cache.keep(user_id=user.pk, due=due_now(user=user, now=now), stamp=stamp)
        assert due_cache.lookup(user_id=user.pk, now=now)[0] is not None

    assert due_cache.lookup(user_id=user.pk, now=now)[0] is None  # the commit forgot it


def test_in_one_processs_memory_a_count_is_kept_for_a_second(
    missed_twice, student, settings, monkeypatch
):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    monkeypatch.setattr(due_cache, "KEEP_LOCAL", 1)  # the module's own (conftest keeps longer)
    assert _due_text(student, "/learning/") == "2 questions to review today"
    # Another process (a worker grading, another gunicorn worker taking a review) changes the
    # deck; its forget cannot reach this process's memory.
    Card.objects.filter(user=student.user, question__key="TF").delete()
    assert _due_text(student, "/learning/") == "2 questions to review today"

    time.sleep(1.1)

    assert _due_text(student, "/learning/") == "1 question to review today"


def test_with_redis_down_every_page_counts(
    missed_twice, student, settings, django_assert_num_queries
):
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        }
    }
    assert _due_text(student, "/learning/") == "2 questions to review today"
    Card.objects.filter(user=student.user, question__key="TF").delete()

    # session, user, enrollments, attempts, due counts: nothing is kept
    with django_assert_num_queries(5):
        assert _due_text(student, "/learning/") == "1 question to review today"


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the other process shares the test database: PostgreSQL (CI sets DATABASE_URL)",
)
@pytest.mark.django_db(transaction=True)
def test_a_grade_given_in_another_process_shows_on_the_next_page(tiny_dir, student, settings):
    from courses.services import course_import

    settings.CACHES = SHARED_CACHE
    course_import(course_dir=tiny_dir)
    quiz = Quiz.objects.get(key="basics")
    _graded(quiz, student.user, WRONG)
    assert _due_text(student, "/learning/") is None  # one attempt left: not shown yet; kept
    # The last attempt, submitted here, missing one more question; a worker grades it.
    attempt = attempt_start(quiz=quiz, user=student.user)
    for key, response in {**WRONG, "Num": "1"}.items():
        answer_save(
            attempt=attempt, question=Question.objects.get(quiz=quiz, key=key), response=response
        )
    Attempt.objects.filter(pk=attempt.pk).update(status=Attempt.Status.SUBMITTED)

    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            f"from quizzes.grading import attempt_grade; attempt_grade(attempt_id={attempt.pk})",
        ],
        cwd=Path(django_settings.BASE_DIR),
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url(),
            "CACHE_URL": SHARED_CACHE["default"]["LOCATION"],
        },
        check=True,
        capture_output=True,
        timeout=60,
    )

    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.GRADED
    assert _due_text(student, "/learning/") == "3 questions to review today"
