"""Review's Celery tasks: thin wrappers around review's services."""

from celery import shared_task

from review import reminders


@shared_task(ignore_result=True)
def reminders_send() -> None:
    """Email the students whose daily review reminder is due (Celery beat, every 15 min)."""
    reminders.reminders_send()
