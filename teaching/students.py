"""One student of a course, as staff see them: enrollment, chapter by chapter progress, and
every quiz attempt with its answers."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch
from django.http import Http404

from courses.models import Chapter, Course, Enrollment, Lesson, LessonProgress
from quizzes.models import Attempt
from quizzes.selectors import QuestionResult, Review, attempt_results

# Staff see every answer, right answer and feedback, whatever the quiz shows students.
STAFF_REVIEW = Review(feedback=True, right_answers=True, unanswered=True)


@dataclass(frozen=True)
class ChapterProgress:
    chapter: Chapter
    lessons_done: int
    lessons_total: int


@dataclass(frozen=True)
class AttemptDetail:
    attempt: Attempt
    results: list[QuestionResult]


@dataclass(frozen=True)
class StudentDetail:
    enrollment: Enrollment
    chapters: list[ChapterProgress]
    attempts: list[AttemptDetail]


def student_detail(*, course: Course, user_id: int) -> StudentDetail:
    """A student's detail on one course; 404 if they never enrolled on it."""
    enrollment = (
        Enrollment.objects.filter(course=course, user_id=user_id)
        .select_related("user", "last_lesson", "enrolled_by")
        .first()
    )
    if enrollment is None:
        raise Http404("No such student on this course")
    done = set(
        LessonProgress.objects.filter(
            user_id=user_id, course=course, completed_at__isnull=False
        ).values_list("lesson_id", flat=True)
    )
    chapters = list(
        Chapter.objects.filter(course=course, is_archived=False).prefetch_related(
            Prefetch(
                "lessons",
                queryset=Lesson.objects.filter(is_archived=False).only("pk", "chapter_id"),
            )
        )
    )
    attempts = list(
        Attempt.objects.filter(quiz__course=course, user_id=user_id)
        .select_related("quiz__chapter", "quiz__lesson")
        .order_by("quiz__chapter__position", "quiz__kind", "quiz__position", "number")
    )
    return StudentDetail(
        enrollment=enrollment,
        chapters=[
            ChapterProgress(
                chapter=chapter,
                lessons_done=sum(1 for lesson in chapter.lessons.all() if lesson.pk in done),
                lessons_total=len(chapter.lessons.all()),
            )
            for chapter in chapters
        ],
        attempts=[
            AttemptDetail(
                attempt=attempt,
                results=attempt_results(attempt=attempt, review=STAFF_REVIEW)
                if attempt.status == Attempt.Status.GRADED
                else [],
            )
            for attempt in attempts
        ],
    )
