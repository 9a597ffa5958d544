"""Quiz statistics kept per quiz version: computing them from the graded attempts (run by a
Celery task, quizzes.tasks.quiz_statistics_refresh) and reading what was stored.

The arithmetic is quizzes.statistics' (Moodle's item analysis, framework-free); this module
loads the attempts, hands them over and stores the figures as JSON in QuizStatistics.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from quizzes import statistics
from quizzes.grading import from_json
from quizzes.models import Answer, Attempt, Question, Quiz, QuizStatistics

WHICH = (statistics.Which.FIRST, statistics.Which.ALL)


def statistics_signature(*, quiz: Quiz) -> str:
    """What a quiz's statistics are computed from: its version, its graded attempts and
    the last time an answer of one was marked by a person (two aggregate queries)."""
    graded = Attempt.objects.filter(quiz=quiz, status=Attempt.Status.GRADED).aggregate(
        n=Count("pk"), last=Max("graded_at")
    )
    reviewed = Answer.objects.filter(attempt__quiz=quiz, reviewed_at__isnull=False).aggregate(
        last=Max("reviewed_at")
    )["last"]

    def stamp(value: datetime | None) -> str:
        return value.isoformat() if value else "-"

    return f"{quiz.content_hash[:16]}:{graded['n']}:{stamp(graded['last'])}:{stamp(reviewed)}"


@dataclass(frozen=True)
class StoredStatistics:
    computed_at: datetime
    fresh: bool
    data: dict


def quiz_statistics_get(*, quiz: Quiz) -> StoredStatistics | None:
    """The stored statistics of a quiz, and whether they still match its attempts."""
    stored = QuizStatistics.objects.filter(quiz=quiz).first()
    if stored is None:
        return None
    fresh = stored.signature == statistics_signature(quiz=quiz)
    return StoredStatistics(computed_at=stored.computed_at, fresh=fresh, data=stored.data)


def quiz_statistics_refresh(*, quiz_id: int) -> bool:
    """Compute and store a quiz's statistics unless they already match its attempts.

    Idempotent: a second run finds the signature unchanged and writes nothing. Returns True
    if it stored new figures.
    """
    quiz = Quiz.objects.filter(pk=quiz_id).first()
    if quiz is None:
        return False
    signature = statistics_signature(quiz=quiz)
    if QuizStatistics.objects.filter(quiz=quiz, signature=signature).exists():
        return False
    data = _compute(quiz)
    with transaction.atomic():
        QuizStatistics.objects.update_or_create(
            quiz=quiz,
            defaults={"signature": signature, "computed_at": timezone.now(), "data": data},
        )
    return True


def _compute(quiz: Quiz) -> dict:
    attempts = list(
        Attempt.objects.filter(quiz=quiz, status=Attempt.Status.GRADED)
        .order_by("user_id", "number")
        .only("pk", "user_id", "number", "question_ids", "questions_snapshot")
    )
    answers: dict[int, dict[int, tuple]] = {}
    for attempt_id, question_id, fraction, needs_review, response in Answer.objects.filter(
        attempt__quiz=quiz, attempt__status=Attempt.Status.GRADED
    ).values_list("attempt_id", "question_id", "fraction", "needs_review", "response"):
        answers.setdefault(attempt_id, {})[question_id] = (fraction, needs_review, response)

    asked = {pk for attempt in attempts for pk in attempt.question_ids}
    questions = sorted(
        Question.objects.filter(pk__in=asked), key=lambda q: (q.is_archived, q.position, q.pk)
    )
    keys = [str(q.pk) for q in questions]

    marks_by_attempt = {}
    for attempt in attempts:
        given = answers.get(attempt.pk, {})
        marks: dict[str, float | None] = {}
        for question_id in attempt.question_ids:
            fraction, needs_review, _ = given.get(question_id, (0, False, None))
            marks[str(question_id)] = None if needs_review or fraction is None else float(fraction)
        marks_by_attempt[attempt.pk] = statistics.AttemptMarks(
            user_id=attempt.user_id, number=attempt.number, marks=marks
        )

    result: dict = {
        "questions": [
            {
                "id": q.pk,
                "key": str(q.pk),
                "title": q.key,
                "text": q.as_gift().text,
                "kind": q.kind,
                "position": q.position,
                "archived": q.is_archived,
            }
            for q in questions
        ],
        "pass_mark": quiz.pass_mark,
    }
    for which in WHICH:
        chosen = statistics.attempts_for(list(marks_by_attempt.values()), which)
        picked = {id(marks) for marks in chosen}
        chosen_ids = {pk for pk, marks in marks_by_attempt.items() if id(marks) in picked}
        quiz_stats, question_stats = statistics.quiz_statistics(
            chosen, question_keys=keys, pass_mark=float(quiz.pass_mark)
        )
        result[str(which)] = {
            "quiz": dataclasses.asdict(quiz_stats),
            "questions": [dataclasses.asdict(stats) for stats in question_stats],
            "responses": _response_counts(questions, attempts, answers, chosen_ids),
        }
    return result


def _response_counts(questions, attempts, answers, chosen_ids) -> dict[str, list[dict]]:
    """Per question, how often each response was given, over the attempts that saw the
    question as it is now (an attempt that saw an older version has other choices)."""
    counts = {}
    for question in questions:
        parsed = question.as_gift()
        responses = []
        for attempt in attempts:
            if attempt.pk not in chosen_ids or question.pk not in attempt.question_ids:
                continue
            seen = (attempt.questions_snapshot or {}).get(str(question.pk))
            if seen is not None and seen != question.data:
                continue
            _, _, response = answers.get(attempt.pk, {}).get(question.pk, (None, False, None))
            responses.append(from_json(parsed, response))
        counts[str(question.pk)] = [
            dataclasses.asdict(row) for row in statistics.response_counts(parsed, responses)
        ]
    return counts
