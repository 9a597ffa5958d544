"""The sweep that recovers lost work: attempts left submitted, attempts past their deadline,
imports whose worker or message was lost (quizzes.attempts / courses.import_runs)."""

import logging
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from courses.import_runs import (
    IMPORT_RUN_MAX_TRIES,
    IMPORT_RUN_STALE_AFTER,
    import_runs_requeue_stuck,
)
from courses.models import ImportRun
from quizzes.attempts import STUCK_AFTER, attempt_start, attempts_requeue_stuck
from quizzes.models import Attempt


def _submitted(quiz, user, *, queued_ago: timedelta) -> Attempt:
    """An attempt submitted and queued ``queued_ago``, whose message never arrived."""
    attempt = attempt_start(quiz=quiz, user=user)
    then = timezone.now() - queued_ago
    Attempt.objects.filter(pk=attempt.pk).update(
        status=Attempt.Status.SUBMITTED,
        submitted_at=then,
        scoring_requested_at=then,
        grade_enqueued_at=then,
    )
    return attempt


def test_an_attempt_left_submitted_is_queued_again_and_graded_once(basics_quiz, student, committed):
    attempt = _submitted(basics_quiz, student.user, queued_ago=STUCK_AFTER + timedelta(seconds=5))
    with committed():
        report = attempts_requeue_stuck()
    assert report.requeued == [attempt.pk]
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    graded_at = attempt.graded_at
    # A second sweep finds nothing; the attempt keeps its one grading.
    with committed():
        assert attempts_requeue_stuck().requeued == []
    attempt.refresh_from_db()
    assert attempt.graded_at == graded_at


def test_a_recently_queued_attempt_is_left_to_its_worker(basics_quiz, student, committed):
    _submitted(basics_quiz, student.user, queued_ago=timedelta(seconds=10))
    with committed() as callbacks:
        assert attempts_requeue_stuck().requeued == []
    assert callbacks == []


def test_an_open_attempt_past_its_deadline_is_submitted_and_graded(basics_quiz, student, committed):
    basics_quiz.time_limit_minutes = 5
    basics_quiz.save()
    attempt = attempt_start(quiz=basics_quiz, user=student.user)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    with committed():
        report = attempts_requeue_stuck()
    assert report.closed == [attempt.pk]
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    assert attempt.submitted_at == attempt.deadline  # submitted "at" its deadline


def _run(status, **fields) -> ImportRun:
    run = ImportRun.objects.create(source_dir="missing-course", status=status)
    ImportRun.objects.filter(pk=run.pk).update(**fields)
    return ImportRun.objects.get(pk=run.pk)


def test_an_import_whose_worker_was_lost_runs_again(db, committed):
    long_ago = timezone.now() - IMPORT_RUN_STALE_AFTER - timedelta(minutes=1)
    run = _run(ImportRun.Status.RUNNING, started=long_ago, enqueued_at=long_ago)
    with committed():
        report = import_runs_requeue_stuck()
    assert report.requeued == [run.pk]
    run.refresh_from_db()
    # Eager Celery ran it again: the folder does not exist, so it ends failed, not stuck.
    assert run.status == ImportRun.Status.FAILED and run.tries == 1
    assert "missing-course" in run.error


def test_an_import_that_keeps_killing_its_worker_is_given_up(db, committed):
    long_ago = timezone.now() - IMPORT_RUN_STALE_AFTER - timedelta(minutes=1)
    run = _run(ImportRun.Status.RUNNING, started=long_ago, tries=IMPORT_RUN_MAX_TRIES)
    with committed():
        report = import_runs_requeue_stuck()
    assert (report.requeued, report.failed) == ([], [run.pk])
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert "stopped 3 times" in run.error


def test_a_queued_import_whose_message_was_lost_is_queued_again(db, committed):
    run = _run(ImportRun.Status.QUEUED, enqueued_at=timezone.now() - timedelta(minutes=10))
    fresh = _run(ImportRun.Status.QUEUED, enqueued_at=timezone.now())
    with committed():
        report = import_runs_requeue_stuck()
    assert report.requeued == [run.pk]
    fresh.refresh_from_db()
    assert fresh.status == ImportRun.Status.QUEUED


def test_the_operators_command_reports_what_it_queued(basics_quiz, student, committed):
    _submitted(basics_quiz, student.user, queued_ago=timedelta(hours=1))
    out = StringIO()
    with committed():
        call_command("requeue_stuck", stdout=out)
    assert "Attempts queued for scoring again: 1" in out.getvalue()
    assert Attempt.objects.get().status == Attempt.Status.GRADED


@pytest.mark.parametrize("name", ["requeue-stuck-attempts", "requeue-stuck-imports"])
def test_beat_runs_the_sweeps_every_minute(name, settings):
    from config.celery_app import app

    app.loader.import_default_modules()  # what a worker and beat do as they start
    entry = settings.CELERY_BEAT_SCHEDULE[name]
    assert entry["schedule"] == 60.0
    assert entry["task"] in app.tasks  # registered: autodiscovered from <app>/sweeps.py
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] >= (
        IMPORT_RUN_STALE_AFTER.total_seconds()
    )


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_embedded_beat_runs_the_sweeps_on_their_period(basics_quiz, student, committed):
    """Without a broker (the embedded default) quickstart runs beat's schedule in-process."""
    from django.conf import settings

    from config.embedded_beat import EmbeddedBeat

    basics_quiz.time_limit_minutes = 5
    basics_quiz.save()
    attempt = attempt_start(quiz=basics_quiz, user=student.user)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    clock = _Clock()
    beat = EmbeddedBeat(settings.CELERY_BEAT_SCHEDULE, clock=clock)

    with committed():
        assert sorted(beat.run_due()) == sorted(settings.CELERY_BEAT_SCHEDULE)
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    clock.now += 59
    assert beat.run_due() == []  # not before the period
    clock.now += 1
    every_minute = [
        name for name, e in settings.CELERY_BEAT_SCHEDULE.items() if e["schedule"] == 60
    ]
    assert sorted(beat.run_due()) == sorted(every_minute)
    clock.now += 15 * 60 - 60  # the review reminders run every quarter of an hour
    assert "send-review-reminders" in beat.run_due()


def test_a_failing_task_of_the_embedded_beat_does_not_stop_the_others(db, caplog):
    from config.embedded_beat import EmbeddedBeat

    schedule = {
        "broken": {"task": "no.such.task", "schedule": 60.0},
        "imports": {"task": "courses.sweeps.import_runs_requeue_stuck", "schedule": 60.0},
    }
    beat = EmbeddedBeat(schedule, clock=_Clock())
    with caplog.at_level(logging.ERROR, logger="config.embedded_beat"):
        assert beat.run_due() == ["broken", "imports"]
    assert "Embedded beat: broken (no.such.task) failed" in caplog.text
