"""Quizzes: importing GIFT files with a course, attempts, scoring."""

from pathlib import Path

from courses.models import Course


def course_quizzes_import(*, course: Course, course_dir: Path, report) -> None:
    """Import a course's quizzes (called by courses.services.course_import, in its transaction).

    Not written yet: a course folder's quizzes are ignored for now.
    """
