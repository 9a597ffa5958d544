"""Grading attempts: scoring each saved response (quizzes.scoring) and the attempt's result.

quizzes.tasks.attempt_grade runs attempt_grade on a Celery worker; a chapter quiz's result
counts towards finishing the course (courses.progress).
"""

from __future__ import annotations

import logging
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from config.sql import json_column, json_rows, json_rows_decoded
from courses.models import Course, Enrollment, LessonProgress
from courses.progress import enrollment_completion_refresh
from courses.selectors import course_at
from courses.structure import course_structure
from quizzes import gift, scoring
from quizzes.models import Answer, Attempt, AttemptCounts, Question, Quiz, QuizKind

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


# The reads and writes of grading are SQL: building them through the ORM (select_related,
# select_for_update, update) took longer than the rest of grading (bench/README.md, scoring).


def _attempt_locked(attempt_id: int) -> tuple[Attempt, list[Answer]] | None:
    """The attempt if it is submitted, locked (on SQLite the transaction holds the write lock
    from its start), and its answers (id, question, response). One query, which also reads
    what grading needs of the rest:

    - its quiz's grading fields (the others load on access, as after ``only()``);
    - its course's content version (``course_version``);
    - whether the student's enrollment is complete (``course_completed``) and how many of
      the course's lessons they completed, archived ones too (``lessons_done``): what
      ``_completion_may_change`` decides from.
    """
    quiz_fields = ("course_id", "kind", "pass_mark", "attempt_counts")
    lock = " FOR UPDATE OF a" if connection.features.has_select_for_update_of else ""
    found = Attempt.objects.raw(
        "SELECT a.*, c.content_version AS course_version, "
        + ", ".join(f"q.{name} AS quiz_{name}" for name in quiz_fields)
        + ", e.completed_at IS NOT NULL AS course_completed"
        f", (SELECT count(*) FROM {LessonProgress._meta.db_table} p"
        " WHERE p.user_id = a.user_id AND p.course_id = q.course_id"
        " AND p.completed_at IS NOT NULL) AS lessons_done"
        f", (SELECT {json_rows('n.id', 'n.question_id', json_column('n.response'))}"
        f" FROM {Answer._meta.db_table} n WHERE n.attempt_id = a.id) AS answer_rows"
        f" FROM {Attempt._meta.db_table} a"
        f" JOIN {Quiz._meta.db_table} q ON q.id = a.quiz_id"
        f" JOIN {Course._meta.db_table} c ON c.id = q.course_id"
        f" LEFT JOIN {Enrollment._meta.db_table} e"
        " ON e.user_id = a.user_id AND e.course_id = q.course_id"
        f" WHERE a.id = %s AND a.status = %s{lock}",
        [attempt_id, Attempt.Status.SUBMITTED],
    )
    attempt = next(iter(found), None)
    if attempt is None:
        return None
    attempt.quiz = Quiz.from_db(
        connection.alias,
        ["id", *quiz_fields],
        [attempt.quiz_id, *(getattr(attempt, f"quiz_{name}") for name in quiz_fields)],
    )
    answers = [
        Answer.from_db(connection.alias, ["id", "question_id", "response"], row)
        for row in json_rows_decoded(attempt.answer_rows)
    ]
    return attempt, answers


_MARK_FIELDS = ("fraction", "feedback", "needs_review")


def _marks(answers: list[Answer]) -> tuple[str, list]:
    """The statement that writes the marks of an attempt's answers, whatever their number.

    An UPDATE from a VALUES list (PostgreSQL, and SQLite since 3.33), each value cast to its
    column's type: on PostgreSQL a column of NULLs (essays) would otherwise be text. It was
    one UPDATE per answer sent with executemany, which cost the worker and PostgreSQL a
    statement each; bulk_update's CASE WHEN took longer to build than the rest of grading.
    """
    fields = [Answer._meta.get_field(name) for name in _MARK_FIELDS]
    quote = connection.ops.quote_name
    table = quote(Answer._meta.db_table)
    # VALUES names its columns column1, column2, ... on both databases.
    row = ", ".join(["%s", *(f"CAST(%s AS {f.cast_db_type(connection)})" for f in fields)])
    columns = ", ".join(
        f"{quote(field.column)} = v.column{n}" for n, field in enumerate(fields, start=2)
    )
    params = []
    for answer in answers:
        params.append(answer.pk)
        params.extend(
            field.get_db_prep_save(getattr(answer, field.attname), connection) for field in fields
        )
    return (
        f"UPDATE {table} SET {columns}"
        f" FROM (VALUES {', '.join([f'({row})'] * len(answers))}) AS v"
        f" WHERE {table}.{quote(Answer._meta.pk.column)} = v.column1",
        params,
    )


_RESULT_FIELDS = ("status", "score", "passed", "needs_review", "graded_at")


def _claim(attempt: Attempt, answers: list[Answer]) -> bool:
    """Write the answers' marks and move the attempt from submitted to graded with its
    result: True if this call did. On PostgreSQL one statement (the marks' UPDATE runs as a
    data-modifying WITH of the attempt's); SQLite, which has none, takes two."""
    fields = [Attempt._meta.get_field(name) for name in _RESULT_FIELDS]
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = (
        f"UPDATE {quote(Attempt._meta.db_table)} SET {columns}"
        f" WHERE {quote(Attempt._meta.pk.column)} = %s AND {quote(fields[0].column)} = %s"
    )
    params = [
        *(field.get_db_prep_save(getattr(attempt, field.attname), connection) for field in fields),
        attempt.pk,
        Attempt.Status.SUBMITTED,
    ]
    with connection.cursor() as cursor:
        if answers:
            marks, marks_params = _marks(answers)
            if connection.vendor == "postgresql":
                sql, params = f"WITH marks AS ({marks} RETURNING 1) {sql}", marks_params + params
            else:
                cursor.execute(marks, marks_params)
        cursor.execute(sql, params)
        return cursor.rowcount == 1


def attempt_grade(*, attempt_id: int) -> Attempt | None:
    """Score a submitted attempt with quizzes.scoring and mark it graded; return it, or None
    when there was nothing to grade.

    Idempotent: the attempt is claimed by a conditional UPDATE from ``submitted`` to
    ``graded``; a second run (a redelivered task) finds nothing to claim and writes nothing.
    Questions are scored as the attempt started with them (its snapshot). Essays are left for
    an instructor (``needs_review``); until then the score counts only the other questions.

    Two statements in one transaction on PostgreSQL (three on SQLite), whatever the number
    of questions: the attempt (locked, with its answers and its quiz's grading fields), the
    claim with the answers' marks; then the course's completion, only when this result
    could change it. The caller gets the attempt as graded, with its quiz's kind, pass mark,
    way of counting and course id loaded.
    """
    with transaction.atomic():
        found = _attempt_locked(attempt_id)
        if found is None:
            return None
        attempt, answers = found
        missing = attempt.unsnapshotted_ids()
        live = Question.objects.in_bulk(missing) if missing else {}
        answers = {a.question_id: a for a in answers}
        marked: list[Decimal] = []
        graded: list[Answer] = []
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
            graded.append(answer)
        score = _percent(marked)
        attempt.status = Attempt.Status.GRADED
        attempt.score = score
        attempt.passed = score >= attempt.quiz.pass_mark
        attempt.needs_review = needs_review
        attempt.graded_at = timezone.now()
        if not _claim(attempt, graded):  # pragma: no cover - the row lock makes it unreachable
            transaction.set_rollback(True)
            return None
    if _completion_may_change(attempt):
        _completion_refresh(attempt, version=attempt.course_version)
    return attempt


def _completion_may_change(attempt: Attempt) -> bool:
    """Whether refreshing the course's completion after grading could change it, from what
    ``_attempt_locked`` read: when it could not, the refresh (three statements) is skipped,
    which most chapter quizzes' attempts allow (taken before the last lesson is read)."""
    if attempt.quiz.kind != QuizKind.CHAPTER:
        return False
    if attempt.course_completed:
        # A failed last attempt undoes it; a pass keeps it, unless the course grew since
        # (the refresh then clears it, as it always did).
        return attempt.passed or attempt.quiz.attempt_counts == AttemptCounts.LAST
    if not attempt.passed:
        return False  # nothing to clear, and a fail completes nothing
    # A pass completes the course only with every live lesson done: fewer completed
    # lessons, archived ones counted, cannot be.
    course = course_at(pk=attempt.quiz.course_id, version=attempt.course_version)
    return attempt.lessons_done >= len(course_structure(course=course).live_lesson_ids)


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


def _completion_refresh(attempt: Attempt, *, version: str | None = None) -> None:
    """Refresh the course's completion after a chapter quiz's result changed. With the
    course's content ``version`` (read with the attempt), the course row is the process's
    kept copy (courses.selectors.course_at) and the student is known by id only: no query
    for either."""
    if attempt.quiz.kind != QuizKind.CHAPTER:
        return
    if version is None:
        user, course = attempt.user, attempt.quiz.course
    else:
        user_model = get_user_model()
        user = user_model.from_db(
            connection.alias, [user_model._meta.pk.attname], [attempt.user_id]
        )
        course = course_at(pk=attempt.quiz.course_id, version=version)
    enrollment_completion_refresh(user=user, course=course)
