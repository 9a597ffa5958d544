"""What review shows on the course pages (courses.extensions): how many of the student's
questions are due, on the dashboard and on each course page."""

from __future__ import annotations

from review.services import due_now


def course_page(*, user, course, chapter_ids) -> tuple[dict, tuple[int, int]]:
    """``review_due``: how many of this course's questions the student has due. Review is no
    requirement of the course: (0, 0)."""
    count = due_now(user=user, course=course).total
    return {"review_due": count, "page_state": count}, (0, 0)


def dashboard(*, user, courses) -> tuple[dict[int, dict], object]:
    """Each course's ``review_due`` on the dashboard (a course with none shows none)."""
    by_course = due_now(user=user).by_course
    return (
        {course_id: {"review_due": count} for course_id, count in by_course.items()},
        sorted(by_course.items()),
    )
