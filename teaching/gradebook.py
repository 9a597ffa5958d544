"""The gradebook: one row per student of a course, with their lessons, chapter quizzes and
completion; filtered, sorted and paged in the database (constant queries per page).

Read by the gradebook page and its CSV export (teaching.exports).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Lower

from courses.models import Course, Enrollment, Lesson, LessonProgress
from courses.progress import LIVE_LESSON, CourseProgress
from quizzes.models import Attempt, Quiz, QuizKind
from quizzes.selectors import counted_results

PAGE_SIZE = 50


class Status:
    """Which students a gradebook shows."""

    ENROLLED = "enrolled"  # everyone still on the course (the default)
    NOT_STARTED = "not-started"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    LEFT = "left"
    ALL = "all"

    CHOICES = (
        (ENROLLED, "Enrolled"),
        (NOT_STARTED, "Not started"),
        (IN_PROGRESS, "In progress"),
        (COMPLETED, "Completed"),
        (LEFT, "Left the course"),
        (ALL, "Everyone, including those who left"),
    )


# Sort keys a request may name (a quiz column is "quiz-<id>").
SORTS = {
    "student": "Student",
    "enrolled": "Enrolled",
    "activity": "Last activity",
    "lessons": "Lessons",
    "completion": "Completion",
}


@dataclass(frozen=True)
class GradebookQuery:
    status: str = Status.ENROLLED
    enrolled_from: date | None = None
    enrolled_to: date | None = None
    search: str = ""
    sort: str = "student"
    descending: bool = False


@dataclass(frozen=True)
class Columns:
    """What every row of a course's gradebook is measured against."""

    quizzes: list[Quiz]
    lesson_ids: list[int]

    @property
    def lessons_total(self) -> int:
        return len(self.lesson_ids)

    def sort_label(self, sort: str) -> str:
        quiz = next((q for q in self.quizzes if q.sort_key == sort), None)
        return f"{quiz.title} score" if quiz else SORTS.get(sort, SORTS["student"]).lower()


@dataclass(frozen=True)
class QuizCell:
    quiz: Quiz
    score: Decimal | None
    passed: bool | None
    attempts: int
    awaiting_review: bool


@dataclass
class Row:
    enrollment: Enrollment
    lessons_done: int
    cells: list[QuizCell] = field(default_factory=list)
    lessons_total: int = 0

    @property
    def user(self):
        return self.enrollment.user

    @property
    def lessons_percent(self) -> int:
        return round(100 * self.lessons_done / self.lessons_total) if self.lessons_total else 0

    @property
    def progress(self) -> CourseProgress:
        return CourseProgress(
            lessons_done=self.lessons_done,
            lessons_total=self.lessons_total,
            quizzes_passed=sum(bool(cell.passed) for cell in self.cells),
            quizzes_total=len(self.cells),
        )

    @property
    def status(self) -> str:
        if self.enrollment.left_at is not None:
            return "Left"
        if self.enrollment.completed_at is not None:
            return "Completed"
        if self.lessons_done or any(cell.attempts for cell in self.cells):
            return "In progress"
        return "Not started"


def columns_for(*, course: Course) -> Columns:
    """The live chapter quizzes (in chapter order) and live lessons that count (two queries)."""
    quizzes = list(
        Quiz.objects.filter(
            course=course,
            kind=QuizKind.CHAPTER,
            is_archived=False,
            chapter__is_archived=False,
            chapter__is_published=True,
        )
        .select_related("chapter")
        .order_by("chapter__position", "position")
    )
    lesson_ids = list(
        Lesson.objects.filter(LIVE_LESSON, course=course).values_list("pk", flat=True)
    )
    for quiz in quizzes:
        quiz.sort_key = f"quiz-{quiz.pk}"
    return Columns(quizzes=quizzes, lesson_ids=lesson_ids)


def _done(columns: Columns):
    """The enrollment's student's completed live lessons (a correlated subquery)."""
    return LessonProgress.objects.filter(
        user=OuterRef("user_id"),
        course=OuterRef("course_id"),
        completed_at__isnull=False,
        lesson_id__in=columns.lesson_ids,
    )


def _lessons_done(columns: Columns):
    done = _done(columns).order_by().values("user").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(done[:1], output_field=IntegerField()), Value(0))


def enrollments(*, course: Course, columns: Columns, query: GradebookQuery) -> QuerySet:
    """The course's enrollments the query selects, in its order (not yet loaded)."""
    rows = Enrollment.objects.filter(course=course).annotate(lessons_done=_lessons_done(columns))
    status = query.status
    if status != Status.ALL:
        rows = rows.filter(left_at__isnull=status != Status.LEFT)
    if status == Status.COMPLETED:
        rows = rows.filter(completed_at__isnull=False)
    elif status in (Status.NOT_STARTED, Status.IN_PROGRESS):
        tried = Exists(
            Attempt.objects.filter(user=OuterRef("user_id"), quiz__course=OuterRef("course_id"))
        )
        # Whether any lesson is done, not how many: the count of the filtered rows (the
        # paginator's) then never counts every student's lessons (bench/gradebook_bench.py).
        started = Q(Exists(_done(columns))) | Q(tried)
        rows = rows.filter(completed_at__isnull=True)
        rows = rows.filter(started) if status == Status.IN_PROGRESS else rows.exclude(started)
    if query.enrolled_from:
        rows = rows.filter(enrolled_at__date__gte=query.enrolled_from)
    if query.enrolled_to:
        rows = rows.filter(enrolled_at__date__lte=query.enrolled_to)
    if query.search:
        rows = rows.filter(
            Q(user__email__icontains=query.search) | Q(user__display_name__icontains=query.search)
        )
    return rows.order_by(*_ordering(query, columns))


def _ordering(query: GradebookQuery, columns: Columns) -> list:
    def directed(expression):
        expression = F(expression) if isinstance(expression, str) else expression
        if query.descending:
            return expression.desc(nulls_last=True)
        return expression.asc(nulls_last=True)

    tie = "pk"
    if query.sort.startswith("quiz-"):
        quiz = next((q for q in columns.quizzes if f"quiz-{q.pk}" == query.sort), None)
        if quiz is not None:
            score = counted_results(quiz=quiz, user_ref=OuterRef("user_id"), prefix="sort")
            return [directed(score["sort_score"]), Lower("user__email"), tie]
    by = {
        "enrolled": ["enrolled_at"],
        "activity": ["last_activity_at"],
        "lessons": ["lessons_done"],
        "completion": ["completed_at", "lessons_done"],
    }.get(query.sort)
    if by is None:
        return [directed(Lower("user__email")), tie]
    return [*(directed(name) for name in by), Lower("user__email"), tie]


def rows_for(*, enrollment_ids: list[int], columns: Columns) -> list[Row]:
    """Full rows for one page of enrollments, in the order given: one query, whatever the
    number of students or quizzes (each quiz cell is a subquery of it)."""
    annotations = {}
    for quiz in columns.quizzes:
        annotations |= counted_results(
            quiz=quiz, user_ref=OuterRef("user_id"), prefix=f"q{quiz.pk}"
        )
    loaded = {
        enrollment.pk: enrollment
        for enrollment in Enrollment.objects.filter(pk__in=enrollment_ids)
        .select_related("user")
        .annotate(lessons_done=_lessons_done(columns), **annotations)
    }
    rows = []
    for pk in enrollment_ids:
        enrollment = loaded[pk]
        rows.append(
            Row(
                enrollment=enrollment,
                lessons_done=enrollment.lessons_done,
                lessons_total=columns.lessons_total,
                cells=[
                    QuizCell(
                        quiz=quiz,
                        score=getattr(enrollment, f"q{quiz.pk}_score"),
                        passed=getattr(enrollment, f"q{quiz.pk}_passed"),
                        attempts=getattr(enrollment, f"q{quiz.pk}_used") or 0,
                        awaiting_review=getattr(enrollment, f"q{quiz.pk}_review"),
                    )
                    for quiz in columns.quizzes
                ],
            )
        )
    return rows


def all_rows(*, course: Course, query: GradebookQuery, batch: int = 500) -> Iterator[Row]:
    """Every row the query selects, loaded a batch at a time (the CSV export)."""
    columns = columns_for(course=course)
    ids = list(
        enrollments(course=course, columns=columns, query=query).values_list("pk", flat=True)
    )
    for start in range(0, len(ids), batch):
        yield from rows_for(enrollment_ids=ids[start : start + batch], columns=columns)


def gradebook_page(
    *, course: Course, columns: Columns, query: GradebookQuery, page_number: int | str = 1
) -> tuple[object, list[Row]]:
    """(the Django page, its rows) for one page of the gradebook: a count, the page's
    enrollment ids and one query for their rows, whatever the number of students."""
    ids = enrollments(course=course, columns=columns, query=query).values_list("pk", flat=True)
    page = Paginator(ids, PAGE_SIZE).get_page(page_number)
    return page, rows_for(enrollment_ids=list(page.object_list), columns=columns)
