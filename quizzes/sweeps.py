"""Periodic tasks (Celery beat, config/settings.py CELERY_BEAT_SCHEDULE) that recover work
lost to a fault. Kept apart from quizzes.tasks, which the services they call import."""

from celery import shared_task

from quizzes import attempts


@shared_task(ignore_result=True)
def attempts_requeue_stuck() -> None:
    """Queue again the scoring of attempts whose message was lost; close expired ones."""
    attempts.attempts_requeue_stuck()
