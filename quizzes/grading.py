"""Grading attempts: scoring each saved response (quizzes.scoring) and the attempt's result.

quizzes.tasks.attempt_grade runs attempt_grade on a Celery worker; a chapter quiz's result
counts towards finishing the course (courses.progress).
"""

from __future__ import annotations

import logging
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from django.db import transaction
from django.utils import timezone

from courses.progress import enrollment_completion_refresh
from quizzes import gift, scoring
from quizzes.models import Answer, Attempt, AttemptCounts, Question, QuizKind

logger = logging.getLogger(__name__)


def from_json(question: gift.Question, response: object) -> object:
    """A response as saved (JSON) in the shape quizzes.scoring takes."""
    if question.kind is gift.Kind.MATCHING and isinstance(response, dict):
        try:
            return {int(k): v for k, v in response.items()}
        except ValueError:
            return response  # the scorer refuses it
    return response


def _percent(fractions: list[Decimal]) -> Decimal:
    if not fractions:
        return Decimal("0.00")
    total = sum(fractions, Decimal(0)) * 100 / len(fractions)
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _mark(attempt: Attempt, question_id: int, parsed: gift.Question | None, response: object):
    """(fraction, feedback) for one saved response; a response that no longer fits its
    question (or a question that is gone) scores 0, so an attempt can never get stuck."""
    try:
        if parsed is None:
            raise scoring.ResponseError("the question is gone")
        return scoring.score(parsed, response), scoring.feedback_for(parsed, response)
    except (scoring.ResponseError, LookupError, TypeError) as exc:
        logger.warning(
            "Attempt %s, question %s: response %r scored 0: %s",
            attempt.pk,
            question_id,
            response,
            exc,
        )
        return Decimal(0), []


def attempt_grade(*, attempt_id: int) -> bool:
    """Score a submitted attempt with quizzes.scoring and mark it graded.

    Idempotent: the attempt is claimed by a conditional UPDATE from ``submitted`` to
    ``graded``; a second run (a redelivered task) finds nothing to claim and writes nothing.
    Questions are scored as the attempt started with them (its snapshot). Essays are left for
    an instructor (``needs_review``); until then the score counts only the other questions.
    Returns True if this call graded the attempt.
    """
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("quiz__course", "user")
            .filter(pk=attempt_id, status=Attempt.Status.SUBMITTED)
            .first()
        )
        if attempt is None:
            return False
        missing = attempt.unsnapshotted_ids()
        live = Question.objects.in_bulk(missing) if missing else {}
        answers = {a.question_id: a for a in Answer.objects.filter(attempt=attempt)}
        marked: list[Decimal] = []
        needs_review = False
        for question_id in attempt.question_ids:
            parsed = attempt.seen_question(question_id, live)
            answer = answers.get(question_id)
            if answer is None:
                # Unanswered: 0, or nothing to mark for an essay left blank.
                marked.append(Decimal(0))
                continue
            response = from_json(parsed, answer.response) if parsed else answer.response
            fraction, feedback = _mark(attempt, question_id, parsed, response)
            answer.fraction = fraction
            answer.feedback = feedback
            answer.needs_review = fraction is None and response not in (None, "")
            if fraction is None and not answer.needs_review:
                answer.fraction = Decimal(0)  # an essay left blank needs no reader
            if answer.needs_review:
                needs_review = True
            else:
                marked.append(answer.fraction)
        Answer.objects.bulk_update(answers.values(), ["fraction", "feedback", "needs_review"])
        score = _percent(marked)
        claimed = Attempt.objects.filter(pk=attempt_id, status=Attempt.Status.SUBMITTED).update(
            status=Attempt.Status.GRADED,
            score=score,
            passed=score >= attempt.quiz.pass_mark,
            needs_review=needs_review,
            graded_at=timezone.now(),
        )
        if not claimed:  # pragma: no cover - the row lock makes this unreachable
            transaction.set_rollback(True)
            return False
    # Under "highest", a failed attempt cannot change what the student passed; skipping the
    # refresh then halves the cost of grading it.
    if score >= attempt.quiz.pass_mark or attempt.quiz.attempt_counts == AttemptCounts.LAST:
        _completion_refresh(attempt)
    return True


class MarkError(ValueError):
    """A mark the answer cannot take: not an essay, not graded yet, out of range."""


def answer_mark(*, answer_id: int, fraction: Decimal, comment: str, by) -> Attempt:
    """An instructor marks an essay answer (or marks it again): its credit (0..1) and a
    comment the student sees. The attempt's score, pass and the course's completion follow
    (attempt_review_apply). Marking twice with the same values changes nothing else."""
    if not Decimal(0) <= fraction <= Decimal(1):
        raise MarkError("A mark is between 0 and 100 %.")
    attempt_id = Answer.objects.values_list("attempt_id", flat=True).get(pk=answer_id)
    with transaction.atomic():
        # The attempt first, as grading and saving lock it: no lock-order deadlock.
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("quiz")
            .get(pk=attempt_id)
        )
        answer = Answer.objects.select_related("question").get(pk=answer_id)
        if attempt.status != Attempt.Status.GRADED:
            raise MarkError("The attempt is not graded yet: its other answers are not scored.")
        if attempt.gift_question(answer.question).kind is not gift.Kind.ESSAY:
            raise MarkError("Only essay answers are marked by hand.")
        answer.fraction = fraction.quantize(Decimal("0.0000001"), rounding=ROUND_HALF_UP)
        answer.comment = comment.strip()
        answer.needs_review = False
        answer.reviewed_by = by
        answer.reviewed_at = timezone.now()
        answer.save(
            update_fields=["fraction", "comment", "needs_review", "reviewed_by", "reviewed_at"]
        )
        attempt_review_apply(attempt=attempt)
    return Attempt.objects.get(pk=attempt.pk)


@transaction.atomic
def attempt_review_apply(*, attempt: Attempt) -> None:
    """Recompute a graded attempt's score after an instructor marked its essays (admin)."""
    attempt = Attempt.objects.select_for_update().select_related("quiz").get(pk=attempt.pk)
    if attempt.status != Attempt.Status.GRADED:
        return
    answers = {a.question_id: a for a in Answer.objects.filter(attempt=attempt)}
    marked = []
    pending = False
    for question_id in attempt.question_ids:
        answer = answers.get(question_id)
        if answer is None:
            marked.append(Decimal(0))
        elif answer.fraction is None:
            pending = True
        else:
            if answer.needs_review:
                answer.needs_review = False
                answer.save(update_fields=["needs_review"])
            marked.append(answer.fraction)
    attempt.score = _percent(marked)
    attempt.passed = attempt.score >= attempt.quiz.pass_mark
    attempt.needs_review = pending
    attempt.save(update_fields=["score", "passed", "needs_review"])
    transaction.on_commit(partial(_completion_refresh, attempt))


def _completion_refresh(attempt: Attempt) -> None:
    if attempt.quiz.kind != QuizKind.CHAPTER:
        return
    enrollment_completion_refresh(user=attempt.user, course=attempt.quiz.course)
