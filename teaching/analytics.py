"""Course analytics for staff: enrolments over time, the completion funnel chapter by
chapter, lesson completion rates, and where students stop. A fixed number of aggregate
queries per course, whatever its number of students."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from courses.models import Chapter, Course, Enrollment, Lesson, LessonProgress
from quizzes.models import Attempt, Quiz, QuizKind

# A student who has not finished and has not been seen for this long has stopped.
INACTIVE_AFTER = timedelta(days=14)


@dataclass(frozen=True)
class Point:
    label: str
    value: int
    total: int = 0  # what the value is a share of, when it is one

    @property
    def percent(self) -> int:
        return round(100 * self.value / self.total) if self.total else 0


@dataclass(frozen=True)
class CourseAnalytics:
    enrolled: int
    completed: int
    left: int
    enrolments: list[Point]  # per day or per week
    enrolments_period: str  # "day" or "week"
    funnel: list[Point]
    lessons: list[Point]
    stopped: list[Point]
    stopped_total: int


def _enrolments_over_time(course: Course, today: date) -> tuple[list[Point], str]:
    per_day = dict(
        Enrollment.objects.filter(course=course)
        .annotate(day=TruncDate("enrolled_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    if not per_day:
        return [], "day"
    first = min(per_day)
    if (today - first).days <= 60:
        days = [first + timedelta(days=n) for n in range((today - first).days + 1)]
        return [Point(day.isoformat(), per_day.get(day, 0)) for day in days], "day"
    weeks: Counter[date] = Counter()
    for day, n in per_day.items():
        weeks[day - timedelta(days=day.weekday())] += n
    monday = first - timedelta(days=first.weekday())
    points = []
    while monday <= today:
        points.append(Point(f"Week of {monday.isoformat()}", weeks.get(monday, 0)))
        monday += timedelta(days=7)
    return points, "week"


def course_analytics(*, course: Course) -> CourseAnalytics:
    now = timezone.now()
    everyone = Enrollment.objects.filter(course=course)
    active = everyone.filter(left_at__isnull=True)
    enrolled = active.count()
    completed = active.filter(completed_at__isnull=False).count()
    left = everyone.filter(left_at__isnull=False).count()

    chapters = list(
        Chapter.objects.filter(course=course, is_archived=False, is_published=True).order_by(
            "position"
        )
    )
    lessons = list(
        Lesson.objects.filter(course=course, is_archived=False, chapter__in=chapters)
        .only("pk", "title", "chapter_id")
        .order_by("chapter__position", "position")
    )
    done = LessonProgress.objects.filter(
        course=course,
        completed_at__isnull=False,
        lesson__in=lessons,
        user__in=active.values("user_id"),
    )
    per_lesson = dict(
        done.values("lesson_id").annotate(n=Count("pk")).values_list("lesson_id", "n")
    )
    started = done.values("user_id").distinct().count()
    # (student, chapter) -> lessons of it completed: at most students x chapters rows.
    per_chapter = (
        done.values("user_id", "lesson__chapter_id")
        .annotate(n=Count("pk"))
        .values_list("user_id", "lesson__chapter_id", "n")
    )
    lessons_in = Counter(lesson.chapter_id for lesson in lessons)
    finished_lessons: dict[int, set[int]] = {}
    for user_id, chapter_id, n in per_chapter:
        if n >= lessons_in[chapter_id]:
            finished_lessons.setdefault(chapter_id, set()).add(user_id)

    quizzes = dict(
        Quiz.objects.filter(
            course=course, kind=QuizKind.CHAPTER, is_archived=False, chapter__in=chapters
        ).values_list("chapter_id", "pk")
    )
    passed: dict[int, set[int]] = {}
    for user_id, quiz_id in (
        Attempt.objects.filter(
            quiz_id__in=list(quizzes.values()),
            status=Attempt.Status.GRADED,
            passed=True,
            user__in=active.values("user_id"),
        )
        .values_list("user_id", "quiz_id")
        .distinct()
    ):
        passed.setdefault(quiz_id, set()).add(user_id)

    # A chapter is finished by a student who completed its lessons and passed its quiz.
    funnel = [Point("Enrolled", enrolled, enrolled), Point("Completed a lesson", started, enrolled)]
    for chapter in chapters:
        quiz_id = quizzes.get(chapter.pk)
        if not lessons_in[chapter.pk] and quiz_id is None:
            continue
        finished = finished_lessons.get(chapter.pk, set()) if lessons_in[chapter.pk] else None
        if quiz_id is not None:
            by_quiz = passed.get(quiz_id, set())
            finished = by_quiz if finished is None else finished & by_quiz
        funnel.append(Point(f"Finished {chapter.title}", len(finished or ()), enrolled))
    funnel.append(Point("Completed the course", completed, enrolled))

    stopped_rows = list(
        active.filter(completed_at__isnull=True, last_activity_at__lt=now - INACTIVE_AFTER)
        .values("last_lesson_id")
        .annotate(n=Count("pk"))
        .values_list("last_lesson_id", "n")
    )
    titles = {lesson.pk: lesson.title for lesson in lessons}
    stopped_total = sum(n for _, n in stopped_rows)
    stopped = sorted(
        (Point(_stop_label(titles, lesson_id), n, stopped_total) for lesson_id, n in stopped_rows),
        key=lambda point: (-point.value, point.label),
    )
    enrolments, period = _enrolments_over_time(course, timezone.localdate(now))
    return CourseAnalytics(
        enrolled=enrolled,
        completed=completed,
        left=left,
        enrolments=enrolments,
        enrolments_period=period,
        funnel=funnel,
        lessons=[Point(lesson.title, per_lesson.get(lesson.pk, 0), enrolled) for lesson in lessons],
        stopped=stopped,
        stopped_total=stopped_total,
    )


def _stop_label(titles: dict[int, str], lesson_id: int | None) -> str:
    if lesson_id is None:
        return "Before opening a lesson"
    return titles.get(lesson_id, "A lesson no longer in the course")
