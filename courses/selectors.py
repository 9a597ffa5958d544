"""Reads for the course pages. Each returns what one page needs in a fixed number of queries;
what only a content change changes comes from the course's structure (courses.structure)."""

from dataclasses import dataclass

from django.http import Http404

from courses.models import Chapter, Course, Enrollment, Lesson, LessonProgress
from courses.structure import course_structure


def course_list() -> list[Course]:
    """Published courses, each with its live `lesson_count` and `reading_minutes` (one query
    while their structures are kept)."""
    courses = list(Course.objects.filter(is_published=True))
    for course in courses:
        lessons = course_structure(course=course).lessons()
        course.lesson_count = len(lessons)
        course.reading_minutes = sum(lesson.reading_minutes for lesson in lessons)
    return courses


def course_get(*, slug: str, drafts: bool = False) -> Course:
    """A published course; with ``drafts`` (staff) an unpublished one too."""
    published = {} if drafts else {"is_published": True}
    try:
        return Course.objects.get(slug=slug, **published)
    except Course.DoesNotExist:
        raise Http404("No such course") from None


def course_outline(*, course: Course, drafts: bool = False) -> list[Chapter]:
    """Live chapters of a course in order, each with `.live_lessons` and `.reading_minutes`;
    draft chapters too with ``drafts`` (staff). Shared objects: see courses.structure."""
    return course_structure(course=course).chapters(drafts=drafts)


def chapter_get(*, course: Course, slug: str, drafts: bool = False) -> Chapter:
    chapter = course_structure(course=course).chapter(slug=slug, drafts=drafts)
    if chapter is None:
        raise Http404("No such chapter")
    return chapter


def chapter_neighbours(
    *, chapter: Chapter, drafts: bool = False
) -> tuple[Chapter | None, Chapter | None]:
    return course_structure(course=chapter.course).chapter_neighbours(
        chapter_id=chapter.pk, drafts=drafts
    )


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
    """The live lessons before and after this one in reading order, across chapters; lessons
    of draft chapters too with ``drafts`` (staff)."""
    previous, following = course_structure(course=lesson.course).lesson_neighbours(
        lesson_id=lesson.pk, drafts=drafts
    )
    return LessonNeighbours(previous=previous, next=following)


def chapter_lessons(*, chapter: Chapter) -> list[Lesson]:
    """Live lessons of one chapter, for the lesson page's chapter navigation."""
    return course_structure(course=chapter.course).chapter_lessons(chapter_id=chapter.pk)


def completed_lesson_ids(*, user, course: Course) -> set[int]:
    """Ids of the live lessons of a course this student completed (one query)."""
    if not user.is_authenticated:
        return set()
    live = course_structure(course=course).live_lesson_ids
    return {
        lesson_id
        for lesson_id in LessonProgress.objects.filter(
            user=user, course=course, completed_at__isnull=False
        ).values_list("lesson_id", flat=True)
        if lesson_id in live
    }


def enrollment_get(*, user, course: Course) -> Enrollment | None:
    if not user.is_authenticated:
        return None
    return Enrollment.objects.filter(user=user, course=course).first()


def continue_lesson(
    *, enrollment: Enrollment | None, course: Course, drafts: bool = False
) -> Lesson | None:
    """The lesson a student last opened, while it is live: where "Continue" leads."""
    if enrollment is None or enrollment.last_lesson_id is None:
        return None
    return course_structure(course=course).lesson(pk=enrollment.last_lesson_id, drafts=drafts)
