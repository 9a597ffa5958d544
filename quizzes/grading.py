"""Grading attempts: scoring each saved response (quizzes.scoring) and the attempt's result.

quizzes.tasks.attempt_grade runs attempt_grade on a Celery worker; a chapter quiz's result
counts towards finishing the course (courses.progress).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from django.db import connection, transaction
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


_MARK_FIELDS = ("fraction", "feedback", "needs_review")


def _answers_write(answers: Iterable[Answer]) -> None:
    """Write the marks of an attempt's answers in one round trip.

    The same short UPDATE for each answer, sent with executemany (psycopg pipelines them; on
    SQLite it is in-process). bulk_update would build a CASE WHEN per answer and field, and
    building it took longer than the rest of grading (profiled: 5 ms of 12 for ten answers).
    """
    fields = [Answer._meta.get_field(name) for name in _MARK_FIELDS]
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    rows = [
        [
            *(
                field.get_db_prep_save(getattr(answer, field.attname), connection)
                for field in fields
            ),
            answer.pk,
        ]
        for answer in answers
    ]
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {quote(Answer._meta.db_table)} SET {columns} "
                f"WHERE {quote(Answer._meta.pk.column)} = %s",
                rows,
            )


def attempt_grade(*, attempt_id: int) -> Attempt | None:
    """Score a submitted attempt with quizzes.scoring and mark it graded; return it, or None
    when there was nothing to grade.

    Idempotent: the attempt is claimed by a conditional UPDATE from ``submitted`` to
    ``graded``; a second run (a redelivered task) finds nothing to claim and writes nothing.
    Questions are scored as the attempt started with them (its snapshot). Essays are left for
    an instructor (``needs_review``); until then the score counts only the other questions.

    Four round trips in one transaction, whatever the number of questions: the attempt
    (locked, with its quiz, course and student), its answers, their marks (one executemany),
    the claim. The caller gets the attempt as graded, its quiz loaded (no query to follow).
    """
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("quiz__course", "user")
            .filter(pk=attempt_id, status=Attempt.Status.SUBMITTED)
            # No ordering: Attempt's default (quiz, user, number) joins quiz and chapter.
            .order_by()
            .first()
        )
        if attempt is None:
            return None
        missing = attempt.unsnapshotted_ids()
        live = Question.objects.in_bulk(missing) if missing else {}
        # No ordering: Answer's default (by question position) joins the questions.
        answers = {a.question_id: a for a in Answer.objects.filter(attempt=attempt).order_by()}
        marked: list[Decimal] = []
        needs_review = False
        for question_id in attempt.question_ids:
            answer = answers.get(question_id)
            if answer is None:
                # Unanswered: 0, or nothing to mark for an essay left blank.
                marked.append(Decimal(0))
                continue
            parsed = attempt.seen_question(question_id, live)
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
        _answers_write(answers.values())
        score = _percent(marked)
        attempt.status = Attempt.Status.GRADED
        attempt.score = score
        attempt.passed = score >= attempt.quiz.pass_mark
        attempt.needs_review = needs_review
        attempt.graded_at = timezone.now()
        claimed = Attempt.objects.filter(pk=attempt_id, status=Attempt.Status.SUBMITTED).update(
            status=attempt.status,
            score=attempt.score,
            passed=attempt.passed,
            needs_review=attempt.needs_review,
            graded_at=attempt.graded_at,
        )
        if not claimed:  # pragma: no cover - the row lock makes this unreachable
            transaction.set_rollback(True)
            return None
    # Under "highest", a failed attempt cannot change what the student passed; skipping the
    # refresh then halves the cost of grading it.
    if attempt.passed or attempt.quiz.attempt_counts == AttemptCounts.LAST:
        _completion_refresh(attempt)
    return attempt


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
