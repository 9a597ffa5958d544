from celery import shared_task
from django.db import OperationalError

from courses import services


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def course_import_run(run_id: int) -> None:
    """Run a queued ImportRun. Idempotent: a second delivery finds the run claimed."""
    services.import_run_execute(run_id=run_id)
