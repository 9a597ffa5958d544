import logging
import time

from celery import shared_task
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, transaction

from quizzes import analysis, grading

logger = logging.getLogger(__name__)

# A burst of graded attempts recomputes a quiz's statistics once, this long after the first.
STATISTICS_DELAY_SECONDS = 20

# Quiz id -> until when (time.monotonic()) the refresh this process queued is still waiting:
# asking again meanwhile adds nothing, and a worker grading a burst then asks Redis once per
# quiz and delay instead of once per attempt (bench/README.md, scoring).
_queued_until: dict[int, float] = {}


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=30,
    max_retries=5,
)
def attempt_grade(attempt_id: int) -> None:
    """Score a submitted attempt. Idempotent: a second delivery finds it graded already."""
    attempt = grading.attempt_grade(attempt_id=attempt_id)
    if attempt is not None:
        quiz_statistics_refresh_soon(attempt.quiz_id)


@shared_task(acks_late=True, autoretry_for=(OperationalError, InterfaceError), max_retries=3)
def quiz_statistics_refresh(quiz_id: int) -> None:
    """Recompute a quiz's statistics. Idempotent: unchanged attempts, nothing written."""
    analysis.quiz_statistics_refresh(quiz_id=quiz_id)


def quiz_statistics_refresh_soon(quiz_id: int, *, delay: int | None = None) -> None:
    """Ask for a quiz's statistics to be recomputed ``delay`` seconds after commit (by
    default STATISTICS_DELAY_SECONDS), once per burst: while one is queued, asking again
    adds nothing. With Celery running eagerly (the embedded default) there is no worker to
    hand it to: a delayed request is dropped (the statistics page computes stale figures
    when it is opened, with ``delay=0``) so grading never waits for statistics.

    Statistics are for staff and can wait: a dead cache or broker is logged, never raised.
    """
    delay = STATISTICS_DELAY_SECONDS if delay is None else delay

    def enqueue() -> None:
        try:
            if quiz_statistics_refresh.app.conf.task_always_eager:
                if not delay:
                    quiz_statistics_refresh.apply_async((quiz_id,))
                return
            now = time.monotonic()
            if _queued_until.get(quiz_id, 0.0) > now:
                return
            if cache.add(f"quizzes:statistics-queued:{quiz_id}", 1, max(delay, 1)):
                quiz_statistics_refresh.apply_async((quiz_id,), countdown=delay)
                _queued_until[quiz_id] = now + max(delay, 1)
        except Exception:
            logger.exception("Could not queue the statistics of quiz %s", quiz_id)

    transaction.on_commit(enqueue)
