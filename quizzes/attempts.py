"""Taking quizzes: starting attempts, saving answers, submitting, and knowledge checks.

Scoring is quizzes.grading's, run by a Celery task (quizzes.tasks) queued when an attempt is
submitted. Services take typed values: the views and forms turn posted fields into responses
(quizzes.forms.responses_from_post).
"""

from __future__ import annotations

import logging
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from courses.services import enrollment_activity_record
from quizzes import gift, scoring
from quizzes.models import Answer, Attempt, Question, Quiz, QuizKind
from quizzes.tasks import attempt_grade_queue

logger = logging.getLogger(__name__)


class AttemptError(Exception):
    """A request the attempt's state refuses: no attempts left, time is up, already submitted."""


class AttemptsExhausted(AttemptError):
    pass


class AttemptClosed(AttemptError):
    """The attempt is submitted or past its deadline: answers are no longer accepted."""


class NotAChapterQuiz(AttemptError):
    """Knowledge checks are answered in one post on their lesson page (check_submit)."""


class NotAKnowledgeCheck(AttemptError):
    pass


def attempt_start(*, quiz: Quiz, user) -> Attempt:
    """The student's open attempt at a chapter quiz, or a new one if attempts are left.

    Raises AttemptsExhausted when max_attempts graded or submitted attempts exist, and
    NotAChapterQuiz for a knowledge check (an attempt started here would stay open, with no
    deadline; checks go through check_submit). Two concurrent starts give one attempt: the
    partial unique constraint admits one in progress.
    """
    if quiz.kind != QuizKind.CHAPTER:
        raise NotAChapterQuiz("Knowledge checks are answered on their lesson page.")
    return _attempt_open(quiz=quiz, user=user)[0]


@transaction.atomic
def _attempt_open(*, quiz: Quiz, user) -> tuple[Attempt, bool]:
    """(the open attempt, True if this call started it).

    The student's row is locked first: two tabs starting (or submitting a knowledge check)
    at once take turns, so the second sees the first's attempt and its number, instead of
    both inserting number n and one failing on the constraint. (SQLite takes the write lock
    at the transaction's start, which serializes them the same way.)
    """
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    open_attempt = Attempt.objects.filter(
        quiz=quiz, user=user, status=Attempt.Status.IN_PROGRESS
    ).first()
    if open_attempt is not None and not attempt_close_if_expired(attempt=open_attempt):
        return open_attempt, False
    used = Attempt.objects.filter(quiz=quiz, user=user).aggregate(n=Max("number"))["n"] or 0
    if quiz.attempts_left(used) == 0:
        raise AttemptsExhausted(f"All {quiz.max_attempts} attempts at this quiz are used.")
    live = _live_questions(quiz)
    question_ids = [pk for pk, _ in live]
    # A knowledge check's choice order is the one its lesson-page form showed.
    seed = quiz.check_seed(user) if quiz.kind == QuizKind.CHECK else secrets.randbits(48)
    if quiz.shuffle_questions:
        random.Random(seed).shuffle(question_ids)
    now = timezone.now()
    attempt = Attempt(
        quiz=quiz,
        user=user,
        number=used + 1,
        seed=seed,
        question_ids=question_ids,
        # What the questions were at the start: a re-import editing one in place (it keeps its
        # ::title::) must not change what this attempt's answers are read against.
        questions_snapshot={str(pk): data for pk, data in live},
        started_at=now,
        deadline=now + timedelta(minutes=quiz.time_limit_minutes)
        if quiz.time_limit_minutes
        else None,
    )
    try:
        with transaction.atomic():
            attempt.save()
    except IntegrityError:
        # Another request started one in the meantime: use it.
        return Attempt.objects.get(quiz=quiz, user=user, status=Attempt.Status.IN_PROGRESS), False
    # A student who came straight to a quiz is on the course from now on (its gradebook).
    enrollment_activity_record(user=user, course=quiz.course)
    return attempt, True


def _live_questions(quiz: Quiz) -> list[tuple[int, dict]]:
    """(pk, data) of the quiz's questions that take an answer, in the author's order."""
    return list(
        Question.objects.filter(quiz=quiz, is_archived=False)
        .exclude(kind=gift.Kind.DESCRIPTION)
        .order_by("position")
        .values_list("pk", "data")
    )


def attempt_close_if_expired(*, attempt: Attempt) -> bool:
    """Submit an open attempt whose deadline has passed, with what was saved by then.

    Returns True if the attempt is no longer open (already closed, or closed now).
    """
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return True
    if attempt.deadline is None or timezone.now() <= attempt.deadline:
        return False
    attempt_submit(attempt=attempt)
    return True


def answer_save(*, attempt: Attempt, question: Question, response: object) -> Answer:
    """Save one response to an open attempt (validated by the scorer first).

    Raises scoring.ResponseError for a response that does not fit the question and
    AttemptClosed when the attempt is submitted or its time is up (it is submitted then).
    """
    answers_save(attempt=attempt, responses={question: response})
    return Answer.objects.get(attempt=attempt, question=question)


def answers_save(*, attempt: Attempt, responses: dict[Question, object]) -> None:
    """Save several responses at once; all or none (see answer_save). Responses are checked
    against the questions as the attempt started with them."""
    for question, response in responses.items():
        if question.pk not in attempt.question_ids:
            raise scoring.ResponseError(f"question {question.pk} is not part of this attempt")
        scoring.score(attempt.gift_question(question), response)
    now = timezone.now()
    with transaction.atomic():
        # Lock the attempt so a save racing a submit lands before it or is refused after it.
        locked = Attempt.objects.select_for_update().select_related("quiz").get(pk=attempt.pk)
        if locked.status != Attempt.Status.IN_PROGRESS:
            raise AttemptClosed("This attempt is submitted; answers can no longer change.")
        expired = locked.deadline is not None and now > locked.deadline
        if not expired:
            for question, response in responses.items():
                Answer.objects.update_or_create(
                    attempt=attempt,
                    question=question,
                    defaults={"response": _jsonable(response), "saved_at": now},
                )
    if expired:
        attempt_submit(attempt=locked)
        raise AttemptClosed("Time is up: the answers saved before the deadline are scored.")


def _jsonable(response: object) -> object:
    if isinstance(response, (set, frozenset, tuple)):
        return sorted(response)
    if isinstance(response, dict):
        return {str(k): v for k, v in response.items()}
    return response


def attempt_submit(*, attempt: Attempt) -> bool:
    """Mark an open attempt submitted and queue its scoring once committed.

    Safe to call twice (a double click): only the call whose conditional UPDATE changes the
    row queues the task. Past the deadline, the submission time is the deadline.
    """
    now = timezone.now()
    submitted_at = min(now, attempt.deadline) if attempt.deadline else now
    # One statement, so no transaction of its own: alone it commits at once and the scoring
    # is queued then; inside a caller's transaction, on_commit waits for the caller's commit.
    claimed = Attempt.objects.filter(pk=attempt.pk, status=Attempt.Status.IN_PROGRESS).update(
        status=Attempt.Status.SUBMITTED,
        submitted_at=submitted_at,
        scoring_requested_at=now,
        grade_enqueued_at=now,
    )
    if claimed:
        transaction.on_commit(partial(attempt_grade_enqueue, attempt.pk))
        attempt.status = Attempt.Status.SUBMITTED
        attempt.submitted_at = submitted_at
        attempt.scoring_requested_at = attempt.grade_enqueued_at = now
    return bool(claimed)


def attempt_grade_enqueue(attempt_id: int, *, coalesce: bool = True) -> None:
    """Hand an attempt to the scorer (quizzes.tasks.attempt_grade_queue: a burst of
    submissions is drained by a few tasks). A dead broker must not fail the student's
    request: the attempt stays submitted and the result page queues it again
    (attempt_requeue_if_stuck), on its own, as the sweep does."""
    try:
        attempt_grade_queue(attempt_id, coalesce=coalesce)
    except Exception:
        logger.exception("Could not queue scoring of attempt %s", attempt_id)


# A submitted attempt still unscored this long after it was last queued is queued again (the
# task is idempotent); at most once per this interval, however many pages poll it.
REQUEUE_AFTER = timedelta(seconds=30)


def attempt_requeue_if_stuck(*, attempt: Attempt) -> bool:
    """Queue a submitted attempt's scoring again if it was last queued REQUEUE_AFTER ago.

    The claim is a conditional UPDATE of grade_enqueued_at, so pollers in several tabs (or a
    poll every second) queue it once per interval. It counts from when scoring was queued,
    not from submitted_at: a late attempt is submitted "at" its old deadline. Returns True if
    this call queued it.
    """
    if attempt.status != Attempt.Status.SUBMITTED:
        return False
    now = timezone.now()
    if attempt.grade_enqueued_at is not None and attempt.grade_enqueued_at >= now - REQUEUE_AFTER:
        # Queued recently, as the page loaded it: a poll writes nothing (the UPDATE below
        # would take the table's write lock for nothing, once a second per waiting student).
        return False
    claimed = Attempt.objects.filter(
        Q(grade_enqueued_at__lt=now - REQUEUE_AFTER) | Q(grade_enqueued_at__isnull=True),
        pk=attempt.pk,
        status=Attempt.Status.SUBMITTED,
    ).update(grade_enqueued_at=now)
    if claimed:
        attempt.grade_enqueued_at = now
        # On its own: a drain it could have joined may be what was lost.
        transaction.on_commit(partial(attempt_grade_enqueue, attempt.pk, coalesce=False))
    return bool(claimed)


# The sweep queues again what was queued this long ago and is still not scored: a lost
# message (a worker killed mid-task, a broker restarted without persistence, a submit while
# the broker was down). Longer than REQUEUE_AFTER: a long queue is not a lost message.
STUCK_AFTER = timedelta(minutes=2)


@dataclass(frozen=True)
class SweepReport:
    requeued: list[int]
    closed: list[int]


def attempts_requeue_stuck(
    *, now: datetime | None = None, stuck_after: timedelta = STUCK_AFTER, limit: int = 5000
) -> SweepReport:
    """Queue the scoring of every attempt left submitted STUCK_AFTER after it was last
    queued, and submit every open attempt whose deadline has passed (nobody may come back
    to close it). Run by Celery beat every minute and by ``manage.py requeue_stuck``.

    Idempotent: each attempt is claimed by a conditional UPDATE of grade_enqueued_at, so
    two sweeps (or a sweep and a polling result page) queue it once, and grading a queued
    attempt twice grades it once (quizzes.grading.attempt_grade).
    """
    now = now or timezone.now()
    stuck = Q(grade_enqueued_at__lte=now - stuck_after) | Q(grade_enqueued_at__isnull=True)
    requeued = []
    for pk in (
        Attempt.objects.filter(stuck, status=Attempt.Status.SUBMITTED)
        .order_by("grade_enqueued_at")
        .values_list("pk", flat=True)[:limit]
    ):
        if Attempt.objects.filter(stuck, pk=pk, status=Attempt.Status.SUBMITTED).update(
            grade_enqueued_at=now
        ):
            requeued.append(pk)
            transaction.on_commit(partial(attempt_grade_enqueue, pk, coalesce=False))
    closed = []
    for attempt in Attempt.objects.filter(
        status=Attempt.Status.IN_PROGRESS, deadline__lt=now
    ).order_by("deadline")[:limit]:
        if attempt_submit(attempt=attempt):
            closed.append(attempt.pk)
    if requeued or closed:
        logger.warning(
            "Attempts queued again: %d; past their deadline, submitted: %d",
            len(requeued),
            len(closed),
        )
    return SweepReport(requeued=requeued, closed=closed)


@transaction.atomic
def check_submit(
    *, quiz: Quiz, user, read_responses: Callable[..., dict[Question, object]]
) -> Attempt:
    """A knowledge check answered on the lesson page, in one post: open an attempt, save
    every posted answer to it, submit.

    ``read_responses(attempt=)`` turns the post into responses once the attempt exists
    (posted fields are read against its questions and choice order:
    quizzes.forms.responses_from_post). Only the attempt's own questions are answered; a
    field naming another question (a lesson page from before a re-import) is a
    ResponseError. Raises NotAKnowledgeCheck for a chapter
    quiz and AttemptsExhausted when a check's max_attempts are used.
    """
    if quiz.kind != QuizKind.CHECK:
        raise NotAKnowledgeCheck("Not a knowledge check.")
    attempt, created = _attempt_open(quiz=quiz, user=user)
    if not created:
        # A check is started, answered and submitted in this one transaction, so an open
        # attempt found here was left by something else (an older version, a crash). With no
        # answers it takes the questions the lesson page shows now, and in any case the
        # page's choice order (saved answers are indexes, not positions).
        attempt.seed = quiz.check_seed(user)
        update = ["seed"]
        if not Answer.objects.filter(attempt=attempt).exists():
            live = _live_questions(quiz)
            attempt.question_ids = [pk for pk, _ in live]
            attempt.questions_snapshot = {str(pk): data for pk, data in live}
            update += ["question_ids", "questions_snapshot"]
        attempt.save(update_fields=update)
    answers_save(attempt=attempt, responses=read_responses(attempt=attempt))
    attempt_submit(attempt=attempt)
    return attempt
