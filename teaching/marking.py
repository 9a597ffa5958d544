"""Marking by hand: the queue of answers that need a person (essays), and marking one.

The arithmetic after a mark (the attempt's score, pass, the course's completion) is
quizzes.grading's; the quiz's statistics are recomputed after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from courses.models import Course
from quizzes import gift, grading
from quizzes.models import Answer, Attempt
from quizzes.tasks import quiz_statistics_refresh_soon

MarkError = grading.MarkError


@dataclass(frozen=True)
class QueueItem:
    answer: Answer
    question: gift.Question | None

    @property
    def attempt(self) -> Attempt:
        return self.answer.attempt

    @property
    def percent(self) -> Decimal | None:
        return None if self.answer.fraction is None else self.answer.fraction * 100


def _course_answers(course: Course) -> QuerySet[Answer]:
    return (
        Answer.objects.filter(attempt__quiz__course=course, attempt__status=Attempt.Status.GRADED)
        .select_related("attempt__user", "attempt__quiz__chapter", "question", "reviewed_by")
        .order_by("attempt__submitted_at", "pk")
    )


def _items(answers) -> list[QueueItem]:
    return [
        QueueItem(
            answer=answer,
            question=answer.attempt.seen_question(
                answer.question_id, {answer.question_id: answer.question}
            ),
        )
        for answer in answers
    ]


def review_queue(*, course: Course, limit: int = 50) -> tuple[int, list[QueueItem]]:
    """(how many answers wait, the oldest ``limit`` of them)."""
    waiting = _course_answers(course).filter(needs_review=True)
    return waiting.count(), _items(waiting[:limit])


def recently_marked(*, course: Course, limit: int = 20) -> list[QueueItem]:
    """The last answers marked by hand, newest first: to check or mark again."""
    marked = _course_answers(course).filter(reviewed_at__isnull=False).order_by("-reviewed_at")
    return _items(marked[:limit])


def marking_item(*, course: Course, answer_id: int) -> QueueItem | None:
    answer = _course_answers(course).filter(pk=answer_id).first()
    return _items([answer])[0] if answer else None


def answer_mark(*, answer: Answer, percent: Decimal, comment: str, by) -> Attempt:
    """Mark one answer (0..100 %) with a comment the student sees; the attempt is
    re-scored and the quiz's statistics recomputed. Raises MarkError."""
    attempt = grading.answer_mark(
        answer_id=answer.pk, fraction=percent / 100, comment=comment, by=by
    )
    quiz_statistics_refresh_soon(attempt.quiz_id)
    return attempt
