"""Reads for quiz pieces shown on course pages."""

from courses.models import Course, Lesson


def lesson_quiz_context(*, user, lesson: Lesson) -> dict:
    """Template context the lesson page needs for its knowledge checks and chapter quiz."""
    return {}


def course_quiz_context(*, user, course: Course) -> dict:
    """Template context the course page needs to show chapter quizzes in the outline."""
    return {}
