from celery import shared_task
from django.db import InterfaceError, OperationalError

from quizzes import grading


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=30,
    max_retries=5,
)
def attempt_grade(attempt_id: int) -> None:
    """Score a submitted attempt. Idempotent: a second delivery finds it graded already."""
    grading.attempt_grade(attempt_id=attempt_id)
