"""Grading attempts: scoring each saved response (quizzes.scoring) and the attempt's result.

quizzes.tasks.attempt_grade runs attempt_grade on a Celery worker; a chapter quiz's result
counts towards finishing the course (courses.progress).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from django.contrib.auth import get_user_model
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from config.sql import json_column, json_rows, json_rows_decoded, placeholders
from courses.models import Course, Enrollment, LessonProgress
from courses.progress import enrollment_completion_refresh
from courses.selectors import course_at
from courses.structure import course_structure
from quizzes import gift, scoring
from quizzes.models import Answer, Attempt, AttemptCounts, Question, Quiz, QuizKind
from quizzes.signals import attempts_graded

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


def _attempts_locked(
    *, attempt_id: int | None = None, after_id: int = 0, limit: int = 1
) -> list[tuple[Attempt, list[Answer]]]:
    """Submitted attempts, locked (on SQLite the transaction holds the write lock from its
    start), each with its answers (id, question, response): the one ``attempt_id`` names, or
    up to ``limit`` of those after ``after_id`` in id order, skipping any another worker has
    locked (a drain, below). One query, which also reads what grading needs of the rest:

    - its quiz's grading fields (the others load on access, as after ``only()``);
    - its course's content version (``course_version``);
    - whether the student's enrollment is complete (``course_completed``) and how many of
      the course's lessons they completed, archived ones too (``lessons_done``): what
      ``_completion_may_change`` decides from.
    """
    quiz_fields = ("course_id", "kind", "pass_mark", "attempt_counts")
    lock = ""
    if connection.features.has_select_for_update_of:
        lock = " FOR UPDATE OF a"
        if attempt_id is None and connection.features.has_select_for_update_skip_locked:
            lock += " SKIP LOCKED"
    which, params = (
        ("a.id = %s", [attempt_id]) if attempt_id is not None else ("a.id > %s", [after_id])
    )
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
        f" WHERE {which} AND a.status = %s ORDER BY a.id LIMIT %s{lock}",
        [*params, Attempt.Status.SUBMITTED, limit],
    )
    locked = []
    for attempt in found:
        attempt.quiz = Quiz.from_db(
            connection.alias,
            ["id", *quiz_fields],
            [attempt.quiz_id, *(getattr(attempt, f"quiz_{name}") for name in quiz_fields)],
        )
        answers = [
            Answer.from_db(connection.alias, ["id", "question_id", "response"], row)
            for row in json_rows_decoded(attempt.answer_rows)
        ]
        locked.append((attempt, answers))
    return locked


def _update_from_values(model, names: tuple[str, ...], objs: list) -> tuple[str, list]:
    """One UPDATE of ``objs``' ``names`` columns, whatever their number: from a VALUES list
    (PostgreSQL, and SQLite since 3.33), each value cast to its column's type (on PostgreSQL
    a column of NULLs, an essay's marks, would otherwise be text). It was one UPDATE per row
    sent with executemany, which cost the worker and PostgreSQL a statement each;
    bulk_update's CASE WHEN took longer to build than the rest of grading."""
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    # VALUES names its columns column1, column2, ... on both databases.
    row = ", ".join(["%s", *(f"CAST(%s AS {f.cast_db_type(connection)})" for f in fields)])
    columns = ", ".join(
        f"{quote(field.column)} = v.column{n}" for n, field in enumerate(fields, start=2)
    )
    params = []
    for obj in objs:
        params.append(obj.pk)
        params.extend(
            field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields
        )
    pk = f"{table}.{quote(model._meta.pk.column)}"
    # The IN list as well: without it PostgreSQL joins the VALUES to a scan of the whole
    # table, which grows with every attempt ever taken.
    params.extend(obj.pk for obj in objs)
    return (
        f"UPDATE {table} SET {columns}"
        f" FROM (VALUES {', '.join([f'({row})'] * len(objs))}) AS v"
        f" WHERE {pk} = v.column1 AND {pk} IN ({placeholders(len(objs))})",
        params,
    )


def _claim(scored: list[tuple[Attempt, list[Answer]]]) -> int:
    """Write the answers' marks and move the attempts from submitted to graded with their
    results: how many this call moved. On PostgreSQL one statement for them all (the marks'
    UPDATE runs as a data-modifying WITH of the attempts'); SQLite, which has none, takes
    two."""
    attempts = [attempt for attempt, _ in scored]
    answers = [answer for _, marked in scored for answer in marked]
    sql, params = _update_from_values(
        Attempt, ("status", "score", "passed", "needs_review", "graded_at"), attempts
    )
    quote = connection.ops.quote_name
    status = quote(Attempt._meta.get_field("status").column)
    sql += f" AND {quote(Attempt._meta.db_table)}.{status} = %s"
    params.append(Attempt.Status.SUBMITTED)
    with connection.cursor() as cursor:
        if answers:
            marks, marks_params = _update_from_values(
                Answer, ("fraction", "feedback", "needs_review"), answers
            )
            if connection.vendor == "postgresql":
                sql, params = f"WITH marks AS ({marks} RETURNING 1) {sql}", marks_params + params
            else:
                cursor.execute(marks, marks_params)
        cursor.execute(sql, params)
        claimed = cursor.rowcount
    if claimed:
        attempts_graded.send(Attempt, user_ids={attempt.user_id for attempt in attempts})
    return claimed


def _score(attempt: Attempt, answers: list[Answer]) -> list[Answer]:
    """Score a locked submitted attempt's answers and set its result (graded, score, pass):
    the answers to write. Writes nothing, so a scoring error leaves the transaction as it
    found it."""
    missing = attempt.unsnapshotted_ids()
    live = Question.objects.in_bulk(missing) if missing else {}
    by_question = {a.question_id: a for a in answers}
    marked: list[Decimal] = []
    graded: list[Answer] = []
    needs_review = False
    for question_id in attempt.question_ids:
        answer = by_question.get(question_id)
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
    return graded


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
        found = _attempts_locked(attempt_id=attempt_id)
        if not found:
            return None
        attempt, answers = found[0]
        if not _claim([(attempt, _score(attempt, answers))]):  # pragma: no cover - locked
            transaction.set_rollback(True)
            return None
    if _completion_may_change(attempt):
        _completion_refresh(attempt, version=attempt.course_version)
    return attempt


@dataclass(frozen=True)
class Batch:
    """What one ``attempts_grade_submitted`` call did."""

    graded: list[Attempt]
    # The highest id it locked (graded or not), where the next call goes on from; None when
    # it found nothing waiting.
    last_id: int | None
    # Whether it locked as many as it was allowed: more may be waiting.
    full: bool


def attempts_grade_submitted(*, after_id: int = 0, limit: int = 10) -> Batch:
    """Grade up to ``limit`` submitted attempts after ``after_id``, in id order, in one
    transaction: a burst of submissions (the end of a timed quiz) costs one locked read and
    one commit per ``limit`` attempts, not per attempt (bench/README.md, scoring). Attempts
    another worker holds are skipped, so several workers drain one backlog side by side.

    One locked read and one write for the batch on PostgreSQL (two on SQLite). Idempotent as
    ``attempt_grade``. An attempt whose scoring raises is logged and left submitted (the
    stuck-attempt sweep queues it again); a database error on the write rolls the batch back
    and the same attempts are graded one by one, so one bad attempt never holds back the
    rest.
    """
    found: list[tuple[Attempt, list[Answer]]] = []
    try:
        with transaction.atomic():
            found = _attempts_locked(after_id=after_id, limit=limit)
            scored = []
            for attempt, answers in found:
                try:
                    scored.append((attempt, _score(attempt, answers)))
                except DatabaseError:
                    raise
                except Exception:
                    logger.exception("Attempt %s could not be graded: left submitted", attempt.pk)
            if scored and _claim(scored) != len(scored):  # pragma: no cover - locked
                raise DatabaseError("a locked attempt was claimed by another")
            graded = [attempt for attempt, _ in scored]
    except (OperationalError, InterfaceError):
        raise  # the database is away: the task retries
    except DatabaseError:
        logger.exception("A batch of attempts after %s failed: grading them one by one", after_id)
        graded = _graded_one_by_one([attempt.pk for attempt, _ in found])
    else:
        for attempt in graded:
            if _completion_may_change(attempt):
                _completion_refresh(attempt, version=attempt.course_version)
    return Batch(graded, found[-1][0].pk if found else None, len(found) == limit)


def _graded_one_by_one(attempt_ids: list[int]) -> list[Attempt]:
    """Grade each attempt in its own transaction (attempt_grade, completion included), so a
    write one of them makes fail leaves the others graded."""
    graded = []
    for attempt_id in attempt_ids:
        try:
            attempt = attempt_grade(attempt_id=attempt_id)
        except (OperationalError, InterfaceError):
            raise
        except Exception:
            logger.exception("Attempt %s could not be graded: left submitted", attempt_id)
        else:
            if attempt is not None:
                graded.append(attempt)
    return graded


def _completion_may_change(attempt: Attempt) -> bool:
    """Whether refreshing the course's completion after grading could change it, from what
    ``_attempts_locked`` read: when it could not, the refresh (three statements) is skipped,
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
