"""Course progress: how far a student is through a course, lessons and quizzes together.

One module for the idea, used by the pages (reads) and by whatever changes progress (a
lesson completed, a chapter quiz graded: enrollment_completion_refresh). Lessons are counted
here; what else a course takes (chapter quizzes) comes from the rooms above courses through
their registered ``requirements`` hook (courses.extensions), so courses never imports them.
"""

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from config.sql import execute, json_rows, json_rows_decoded
from courses.extensions import extensions
from courses.models import Course, Enrollment, Lesson, LessonProgress
from courses.selectors import completed_lesson_ids, course_at
from courses.signals import completion_changed
from courses.structure import course_structure

# Lessons that count: live, in a live and published chapter (the staff gradebook too).
LIVE_LESSON = Q(is_archived=False, chapter__is_archived=False, chapter__is_published=True)


def requirement_counts(*, user, courses: list[Course]) -> dict[int, tuple[int, int]]:
    """(passed, total) of what else finishing each course takes, summed over extensions."""
    counts: dict[int, tuple[int, int]] = {}
    for extension in extensions():
        if extension.requirements is None:
            continue
        for course_id, (passed, total) in extension.requirements(
            user=user, courses=courses
        ).items():
            before = counts.get(course_id, (0, 0))
            counts[course_id] = (before[0] + passed, before[1] + total)
    return counts


@dataclass(frozen=True)
class CourseProgress:
    lessons_done: int
    lessons_total: int
    quizzes_passed: int = 0
    quizzes_total: int = 0

    @property
    def percent(self) -> int:
        total = self.lessons_total + self.quizzes_total
        done = self.lessons_done + self.quizzes_passed
        return round(100 * done / total) if total else 0

    @property
    def is_complete(self) -> bool:
        return (
            self.lessons_total > 0
            and self.lessons_done >= self.lessons_total
            and self.quizzes_passed >= self.quizzes_total
        )


def course_progress(
    *,
    user,
    course: Course,
    lessons_total: int | None = None,
    done: set[int] | None = None,
    requirements: tuple[int, int] | None = None,
) -> CourseProgress:
    """A student's progress on one course. Pass what the page already loaded to save queries:
    the live lesson count, the completed lesson ids, (chapter quizzes passed, total)."""
    if lessons_total is None:
        lessons_total = len(course_structure(course=course).live_lesson_ids)
    if done is None:
        done = completed_lesson_ids(user=user, course=course)
    if requirements is None:
        requirements = requirement_counts(user=user, courses=[course]).get(course.pk, (0, 0))
    passed, total = requirements
    return CourseProgress(
        lessons_done=len(done),
        lessons_total=lessons_total,
        quizzes_passed=passed,
        quizzes_total=total,
    )


def enrollment_completion_refresh(*, user, course: Course) -> bool:
    """Record (or clear) the completion time of a student's course; return whether complete.

    Complete means every live lesson completed and every live chapter quiz passed; archived
    lessons do not count. New lessons added later make a course incomplete again.
    """
    progress = course_progress(user=user, course=course)
    # SQL: every completed lesson and graded chapter quiz runs it, and the ORM took longer to
    # build the UPDATE than the database to run it (bench/README.md, scoring).
    table = Enrollment._meta.db_table
    if progress.is_complete:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        changed = execute(
            f"UPDATE {table} SET completed_at = %s"
            " WHERE user_id = %s AND course_id = %s AND completed_at IS NULL",
            [now, user.pk, course.pk],
        )
    else:
        changed = execute(
            f"UPDATE {table} SET completed_at = NULL"
            " WHERE user_id = %s AND course_id = %s AND completed_at IS NOT NULL",
            [user.pk, course.pk],
        )
    if changed:
        completion_changed.send(Enrollment, user_ids={user.pk})
    return progress.is_complete


@dataclass(frozen=True)
class DashboardEntry:
    course: Course
    enrollment: Enrollment
    progress: CourseProgress
    continue_lesson: Lesson | None
    next_lesson: Lesson | None
    # What the rooms above courses show of this course on the dashboard (courses.extensions).
    rooms: dict = field(default_factory=dict)

    @property
    def state(self) -> tuple:
        """Everything the catalog shows of this entry (its page cache's key,
        courses.page_cache); the dashboard adds its "last activity 5 minutes ago"."""
        return (
            self.course.pk,
            self.course.content_version,
            self.enrollment.completed_at,
            self.progress,
            getattr(self.continue_lesson, "pk", None),
            getattr(self.next_lesson, "pk", None),
        )


def dashboard(*, user) -> list[DashboardEntry]:
    """Every course a student is enrolled on, most recent activity first (two queries while
    the courses' rows and structures are kept: the enrollments with the lessons done in each,
    and the quiz results)."""
    # SQL, as the other reads every page makes (courses.selectors._COURSES).
    enrollment_table, course_table = Enrollment._meta.db_table, Course._meta.db_table
    enrollments = list(
        Enrollment.objects.raw(
            f"SELECT e.*, c.content_version AS course_version, (SELECT {json_rows('p.lesson_id')}"
            f" FROM {LessonProgress._meta.db_table} p WHERE p.user_id = e.user_id"
            " AND p.course_id = e.course_id AND p.completed_at IS NOT NULL) AS done_ids"
            f" FROM {enrollment_table} e JOIN {course_table} c ON c.id = e.course_id"
            " WHERE e.user_id = %s AND c.is_published AND e.left_at IS NULL"
            " ORDER BY e.last_activity_at DESC, e.id",
            [user.pk],
        )
    )
    if not enrollments:
        return []
    done = set()
    for enrollment in enrollments:
        enrollment.course = course_at(pk=enrollment.course_id, version=enrollment.course_version)
        done.update(lesson for (lesson,) in json_rows_decoded(enrollment.done_ids))
    courses = [enrollment.course for enrollment in enrollments]
    quizzes = requirement_counts(user=user, courses=courses)

    entries = []
    for enrollment in enrollments:
        structure = course_structure(course=enrollment.course)
        lessons = structure.lessons()
        passed, total = quizzes.get(enrollment.course_id, (0, 0))
        entries.append(
            DashboardEntry(
                course=enrollment.course,
                enrollment=enrollment,
                progress=CourseProgress(
                    lessons_done=len(structure.live_lesson_ids & done),
                    lessons_total=len(lessons),
                    quizzes_passed=passed,
                    quizzes_total=total,
                ),
                continue_lesson=structure.lesson(pk=enrollment.last_lesson_id),
                next_lesson=next((lesson for lesson in lessons if lesson.pk not in done), None),
            )
        )
    return entries


def catalog_progress(*, user) -> dict[int, DashboardEntry]:
    """The dashboard entries by course id, for marking enrolled courses in the catalog."""
    if not user.is_authenticated:
        return {}
    return {entry.course.pk: entry for entry in dashboard(user=user)}
