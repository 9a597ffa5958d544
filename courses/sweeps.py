"""Periodic tasks (Celery beat, config/settings.py CELERY_BEAT_SCHEDULE) that recover work
lost to a fault. Kept apart from courses.tasks, which the services they call import."""

from celery import shared_task

from courses import import_runs


@shared_task(ignore_result=True)
def import_runs_requeue_stuck() -> None:
    """Queue again the imports whose worker or message was lost."""
    import_runs.import_runs_requeue_stuck()
