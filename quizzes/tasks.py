import logging
import time

from celery import shared_task
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, transaction

from config.cache import is_shared
from quizzes import analysis, grading

logger = logging.getLogger(__name__)

# A burst of graded attempts recomputes a quiz's statistics once, this long after the first.
STATISTICS_DELAY_SECONDS = 20

# Quiz id -> until when (time.monotonic()) the refresh this process queued is still waiting:
# asking again meanwhile adds nothing, and a worker grading a burst then asks Redis once per
# quiz and delay instead of once per attempt (bench/README.md, scoring).
_queued_until: dict[int, float] = {}


# A burst of submissions is graded by a few draining tasks instead of one task each: Celery's
# own cost per task (the main process's decode and ack, the pipe to the pool) was more than
# a third of a worker's time in a backlog (bench/README.md, scoring). While a drain is
# queued and not yet started, this key is set in the shared cache and a new submission
# queues nothing: the drain, started later, finds it. A drain clears the key as it starts,
# before it looks for attempts, so a submission committed after that queues a drain again.
DRAIN_QUEUED_KEY = "quizzes:grading-drain-queued"
# How long the key outlives a drain message that never started (a lost message): then
# submissions queue again, and the result page's poll and the sweep recover the rest.
DRAIN_QUEUED_SECONDS = 10
DRAIN_BATCH = 10  # attempts graded per transaction
DRAIN_SECONDS = 5.0  # then the task ends (its message is acked) and a fresh one goes on


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=30,
    max_retries=5,
)
def attempt_grade(attempt_id: int | None = None, drain: bool = False) -> None:
    """Score a submitted attempt; with ``drain``, then every other attempt waiting. Idempotent:
    a second delivery finds them graded already."""
    if drain:
        _drain_unqueued()
    if attempt_id is not None:
        attempt = grading.attempt_grade(attempt_id=attempt_id)
        if attempt is not None:
            quiz_statistics_refresh_soon(attempt.quiz_id)
    if drain:
        _drain()


def attempt_grade_queue(attempt_id: int, *, coalesce: bool = True) -> None:
    """Queue the scoring of a submitted attempt; call it after commit. With ``coalesce`` and a
    cache every process shares (Redis), a drain already queued takes it instead. Running
    eagerly (the embedded default), the attempt alone is graded, now. Raises what the broker
    raises."""
    if not coalesce or attempt_grade.app.conf.task_always_eager or not is_shared():
        attempt_grade.delay(attempt_id)
        return
    _drain_queue(attempt_id)


def _drain_queue(attempt_id: int | None) -> None:
    # A dead cache Redis fails open (config.cache): add() succeeds, every submission queues.
    if not cache.add(DRAIN_QUEUED_KEY, 1, DRAIN_QUEUED_SECONDS):
        return
    try:
        attempt_grade.delay(attempt_id, drain=True)
    except Exception:
        _drain_unqueued()  # nothing is queued: the next submission must queue
        raise


def _drain_unqueued() -> None:
    try:
        cache.delete(DRAIN_QUEUED_KEY)
    except Exception:  # the key expires by itself
        logger.exception("Could not clear the grading drain's key")


def _drain() -> None:
    """Grade the submitted attempts waiting, DRAIN_BATCH per transaction, for at most
    DRAIN_SECONDS. As soon as more than one batch waits, it queues a second drain, which a
    free pool process takes: the two share the backlog (each skips what the other holds)."""
    until = time.monotonic() + DRAIN_SECONDS
    after, shared = 0, False
    while True:
        batch = grading.attempts_grade_submitted(after_id=after, limit=DRAIN_BATCH)
        for attempt in batch.graded:
            quiz_statistics_refresh_soon(attempt.quiz_id)
        if not batch.full:
            return
        after = batch.last_id
        out_of_time = time.monotonic() >= until
        if not shared or out_of_time:
            shared = True
            _drain_queue(None)
        if out_of_time:
            return


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
