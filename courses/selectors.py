"""Reads for the course pages. Each returns what one page needs in a fixed number of queries."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import Http404

from courses.models import Chapter, Course, Enrollment, Lesson, LessonProgress

_LIVE_LESSONS = Q(
    lessons__is_archived=False,
    lessons__chapter__is_archived=False,
    lessons__chapter__is_published=True,
)


def _chapters(drafts: bool) -> dict:
    """Chapter filters: live ones, and with ``drafts`` (staff) unpublished ones too."""
    return {"is_archived": False} if drafts else {"is_archived": False, "is_published": True}


# Lists and links need none of a lesson's text, which is most of its row.
_LESSON_TEXT = ("body_markdown", "body_html", "body_text", "toc")


def course_list() -> QuerySet[Course]:
    """Published courses with their live lesson count and reading time (one query)."""
    return Course.objects.filter(is_published=True).annotate(
        lesson_count=Count("lessons", filter=_LIVE_LESSONS),
        reading_minutes=Sum("lessons__reading_minutes", filter=_LIVE_LESSONS),
    )


def course_get(*, slug: str, drafts: bool = False) -> Course:
    """A published course; with ``drafts`` (staff) an unpublished one too."""
    published = {} if drafts else {"is_published": True}
    try:
        return Course.objects.get(slug=slug, **published)
    except Course.DoesNotExist:
        raise Http404("No such course") from None


def course_outline(*, course: Course, drafts: bool = False) -> list[Chapter]:
    """Live chapters of a course in order, each with `.live_lessons` (two queries); draft
    chapters too with ``drafts`` (staff)."""
    live_lessons = (
        Lesson.objects.filter(is_archived=False).order_by("position").defer(*_LESSON_TEXT)
    )
    chapters = list(
        Chapter.objects.filter(course=course, **_chapters(drafts))
        .order_by("position")
        .defer("intro_markdown", "intro_text")
        .prefetch_related(Prefetch("lessons", queryset=live_lessons, to_attr="live_lessons"))
    )
    for chapter in chapters:
        chapter.course = course  # spares a query per chapter when building URLs
        chapter.reading_minutes = sum(lesson.reading_minutes for lesson in chapter.live_lessons)
        for lesson in chapter.live_lessons:
            lesson.chapter = chapter
            lesson.course = course
    return chapters


def chapter_get(*, course: Course, slug: str, drafts: bool = False) -> Chapter:
    try:
        chapter = Chapter.objects.get(course=course, slug=slug, **_chapters(drafts))
    except Chapter.DoesNotExist:
        raise Http404("No such chapter") from None
    chapter.course = course
    return chapter


def chapter_neighbours(
    *, chapter: Chapter, drafts: bool = False
) -> tuple[Chapter | None, Chapter | None]:
    live = Chapter.objects.filter(course_id=chapter.course_id, **_chapters(drafts))
    previous = live.filter(position__lt=chapter.position).order_by("-position").first()
    following = live.filter(position__gt=chapter.position).order_by("position").first()
    for neighbour in (previous, following):
        if neighbour is not None:
            neighbour.course = chapter.course
    return previous, following


def lesson_get(
    *, course_slug: str, chapter_slug: str, lesson_slug: str, drafts: bool = False
) -> Lesson:
    """A live lesson with its chapter and course (one query); 404 if archived or missing,
    or if its course is unpublished, unless ``drafts`` (staff)."""
    published = {} if drafts else {"course__is_published": True, "chapter__is_published": True}
    try:
        lesson = Lesson.objects.select_related("chapter", "course").get(
            **published,
            course__slug=course_slug,
            chapter__slug=chapter_slug,
            chapter__is_archived=False,
            slug=lesson_slug,
            is_archived=False,
        )
    except Lesson.DoesNotExist:
        raise Http404("No such lesson") from None
    lesson.chapter.course = lesson.course
    return lesson


@dataclass(frozen=True)
class LessonNeighbours:
    previous: Lesson | None
    next: Lesson | None


def lesson_neighbours(*, lesson: Lesson, drafts: bool = False) -> LessonNeighbours:
    """The live lessons before and after this one in reading order, across chapters (2 queries);
    lessons of draft chapters too with ``drafts`` (staff)."""
    published = {} if drafts else {"chapter__is_published": True}
    live = (
        Lesson.objects.filter(
            course_id=lesson.course_id, is_archived=False, chapter__is_archived=False, **published
        )
        .select_related("chapter")
        .defer(
            *_LESSON_TEXT, "chapter__intro_markdown", "chapter__intro_html", "chapter__intro_text"
        )
    )
    chapter_position = lesson.chapter.position
    before = Q(chapter__position__lt=chapter_position) | Q(
        chapter__position=chapter_position, position__lt=lesson.position
    )
    after = Q(chapter__position__gt=chapter_position) | Q(
        chapter__position=chapter_position, position__gt=lesson.position
    )
    neighbours = LessonNeighbours(
        previous=live.filter(before).order_by("-chapter__position", "-position").first(),
        next=live.filter(after).order_by("chapter__position", "position").first(),
    )
    for neighbour in (neighbours.previous, neighbours.next):
        if neighbour is not None:
            neighbour.course = lesson.course
    return neighbours


def chapter_lessons(*, chapter: Chapter) -> list[Lesson]:
    """Live lessons of one chapter, for the lesson page's chapter navigation (one query)."""
    lessons = list(
        chapter.lessons.filter(is_archived=False).order_by("position").defer(*_LESSON_TEXT)
    )
    for lesson in lessons:
        lesson.chapter = chapter
        lesson.course = chapter.course
    return lessons


def completed_lesson_ids(*, user, course: Course) -> set[int]:
    """Ids of the live lessons of a course this student completed (one query)."""
    if not user.is_authenticated:
        return set()
    return set(
        LessonProgress.objects.filter(
            user=user,
            course=course,
            completed_at__isnull=False,
            lesson__is_archived=False,
            lesson__chapter__is_archived=False,
            lesson__chapter__is_published=True,
        ).values_list("lesson_id", flat=True)
    )


def enrollment_get(*, user, course: Course) -> Enrollment | None:
    if not user.is_authenticated:
        return None
    enrollment = (
        Enrollment.objects.filter(user=user, course=course)
        .select_related("last_lesson__chapter")
        .defer(*(f"last_lesson__{name}" for name in _LESSON_TEXT))
        .first()
    )
    if enrollment is not None and enrollment.last_lesson is not None:
        enrollment.last_lesson.course = enrollment.last_lesson.chapter.course = course
    return enrollment
