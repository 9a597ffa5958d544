"""Reads for the course pages. Each returns what one page needs in a fixed number of queries;
what only a content change changes comes from the course's structure (courses.structure)."""

import copy
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from django.db import connection
from django.http import Http404
from django.utils import timezone

from config.sql import columns, instance, rows
from courses.kept import KeptPerVersion
from courses.models import Chapter, Course, Enrollment, Lesson, LessonProgress
from courses.structure import course_structure

# Reads every page makes are SQL (Model.objects.raw, which still converts each column as the
# ORM does): building them through the query compiler cost more than running them, a
# millisecond a page (bench/README.md). Values always go as parameters.
_COURSES = f"SELECT * FROM {Course._meta.db_table}"
# How often repeat views of one lesson are written down (services.lesson_view_record), in
# seconds.
VIEW_RECORD_EVERY = 5 * 60
_VERSIONS = f"SELECT c.id, c.content_version FROM {Course._meta.db_table}"


def course_list() -> list[Course]:
    """Published courses, each with its live `lesson_count` and `reading_minutes` (one query
    while their structures are kept)."""
    courses = list(Course.objects.raw(f"{_COURSES} WHERE is_published ORDER BY title, id"))
    for course in courses:
        lessons = course_structure(course=course).lessons()
        course.lesson_count = len(lessons)
        course.reading_minutes = sum(lesson.reading_minutes for lesson in lessons)
    return courses


def course_list_versions() -> list[tuple[int, str]]:
    """(pk, content version) of each published course, in the catalog's order: what the
    catalog shows changes only with these (no query while published_versions holds them)."""
    return published_versions.get()[0]


class _PublishedVersions:
    """What a process takes as the published courses' ids and content versions, for
    ``SECONDS`` before it asks the database again (one query): a visitor's catalog and
    course pages then make no query at all, as a page that only renders a template.

    A change made in this process shows at once (courses.content_version.content_changed
    forgets them, and again when its transaction commits); one made in another process
    (an import in a worker, an edit through another web process) within ``SECONDS``. A
    signed-in student's pages read the version with their place in the course, never from
    here.
    """

    SECONDS = 1.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._read: tuple[float, list[tuple[int, str]], dict[str, tuple[int, str]]] | None = None

    def get(self) -> tuple[list[tuple[int, str]], dict[str, tuple[int, str]]]:
        """(pk, version) of each published course in the catalog's order, and by slug."""
        read = self._read
        if read is None or read[0] < time.monotonic():
            found = rows(
                f"SELECT c.id, c.content_version, c.slug FROM {Course._meta.db_table} c"
                " WHERE c.is_published ORDER BY c.title, c.id",
                [],
            )
            ordered = [(pk, version) for pk, version, _ in found]
            read = (
                time.monotonic() + self.SECONDS,
                ordered,
                {slug: (pk, version) for pk, version, slug in found},
            )
            with self._lock:
                self._read = read
        return read[1], read[2]

    def forget(self) -> None:
        with self._lock:
            self._read = None


published_versions = _PublishedVersions()


def course_get(*, slug: str, drafts: bool = False, reader=None) -> Course:
    """A published course; with ``drafts`` (staff) an unpublished one too. At most one
    query, for its id and content version (a visitor's none: published_versions): the row
    itself is kept per version, as its structure is.

    With ``reader`` (the request's user), the same query reads their place in the course:
    ``course.reader`` (a Reader; None for a visitor).
    """
    published = " AND c.is_published" if not drafts else ""
    if reader is None or not reader.is_authenticated:
        kept = None if drafts else published_versions.get()[1].get(slug)
        if kept is not None:
            try:
                return course_at(pk=kept[0], version=kept[1])
            except Course.DoesNotExist:  # deleted by another process a moment ago
                pass
        # Staff (drafts: always the latest), or a course published elsewhere a moment ago.
        found = rows(f"{_VERSIONS} c WHERE c.slug = %s{published}", [slug])
        if not found:
            raise Http404("No such course")
        return course_at(pk=found[0][0], version=found[0][1])
    found = _reader_rows(user=reader, where=f"c.slug = %s{published}", value=slug)
    if not found:
        raise Http404("No such course")
    course = course_at(pk=found[0][0], version=found[0][1])
    course.reader = _reader(reader, found)
    return course


@dataclass(frozen=True)
class Reader:
    """A signed-in student's place in one course, read with it (course_get, reader_get)."""

    user_id: int
    enrollment: Enrollment | None  # the request's own copy
    done: frozenset[int]  # the lessons they completed (archived ones too)
    viewed_recently: frozenset[int]  # lessons whose view was recorded within VIEW_RECORD_EVERY

    @property
    def last_lesson_id(self) -> int | None:
        """The lesson last recorded: where "Continue" leads."""
        return self.enrollment.last_lesson_id if self.enrollment is not None else None


def reader_get(*, user, course: Course) -> Reader:
    """The student's place in the course: the one course_get read with it, else one query."""
    return _reader_of(user, course) or _reader(
        user, _reader_rows(user=user, where="c.id = %s", value=course.pk)
    )


def _reader_of(user, course: Course) -> Reader | None:
    """The student's place as course_get read it with this course, if it did."""
    reader = course.reader
    return reader if reader is not None and reader.user_id == user.pk else None


def _reader_rows(*, user, where: str, value) -> list[tuple]:
    # One row per lesson of the course the student has a progress row for (one, of NULLs,
    # without), each with the course's id and version and the enrollment.
    since = timezone.now() - timedelta(seconds=VIEW_RECORD_EVERY)
    # As the ORM would send it (SQLite stores naive UTC text and compares it as text).
    since = connection.ops.adapt_datetimefield_value(since)
    return rows(
        "SELECT c.id, c.content_version, p.lesson_id, p.completed_at IS NOT NULL,"
        f" p.last_viewed_at >= %s, {columns(Enrollment, 'e')}"
        f" FROM {Course._meta.db_table} c"
        f" LEFT JOIN {Enrollment._meta.db_table} e ON e.course_id = c.id AND e.user_id = %s"
        f" LEFT JOIN {LessonProgress._meta.db_table} p ON p.course_id = c.id AND p.user_id = %s"
        f" WHERE {where}",
        [since, user.pk, user.pk, value],
    )


def _reader(user, found: list[tuple]) -> Reader:
    return Reader(
        user_id=user.pk,
        enrollment=instance(Enrollment, found[0][5:]),
        done=frozenset(row[2] for row in found if row[2] and row[3]),
        viewed_recently=frozenset(row[2] for row in found if row[4]),
    )


def course_at(*, pk: int, version: str) -> Course:
    """The course's row at this content version (read from the database once per version and
    process): the request's own copy, which it may change."""
    return copy.copy(_courses.get(_Version(pk, version)))


class _Version(NamedTuple):
    pk: int
    content_version: str


def _course_load(course: _Version) -> Course:
    # Every change to a course's row gives it a new content version in the same transaction
    # (courses.content_version), so the row at a version never changes. Should it change
    # between the two reads, the row is a newer one, as if the request had come a moment later.
    return Course.objects.get(pk=course.pk)


_courses = KeptPerVersion(_course_load)


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
    *, course_slug: str, chapter_slug: str, lesson_slug: str, drafts: bool = False, reader=None
) -> Lesson:
    """A live lesson with its chapter and course (one query: the course, with ``reader``'s
    place in it, as course_get reads them); 404 if archived or missing, or if its course or
    chapter is unpublished, unless ``drafts`` (staff).

    The lesson is the request's own copy of the kept one (courses.structure), without its
    text: ``lesson_text_load`` reads that when the page is rendered.
    """
    course = course_get(slug=course_slug, drafts=drafts, reader=reader)
    kept = course_structure(course=course).lesson_at(
        chapter_slug=chapter_slug, slug=lesson_slug, drafts=drafts
    )
    if kept is None:
        raise Http404("No such lesson")
    lesson = copy.copy(kept)  # Django copies the relation cache too: nothing kept is touched
    lesson.course = course
    return lesson


def lesson_text_load(lesson: Lesson) -> None:
    """Read a lesson's rendered text and table of contents into it (one query)."""
    row = Lesson.objects.filter(pk=lesson.pk).values("body_html", "toc").get()
    lesson.body_html, lesson.toc = row["body_html"], row["toc"]


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
    """Ids of the live lessons of a course this student completed (the course's reader, as
    course_get read it, else one query)."""
    if not user.is_authenticated:
        return set()
    live = course_structure(course=course).live_lesson_ids
    reader = _reader_of(user, course)
    if reader is not None:
        return set(reader.done & live)
    # SQL (see _COURSES above), on the index courses_progress_done_idx.
    return {
        lesson_id
        for (lesson_id,) in rows(
            f"SELECT lesson_id FROM {LessonProgress._meta.db_table}"
            " WHERE user_id = %s AND course_id = %s AND completed_at IS NOT NULL",
            [user.pk, course.pk],
        )
        if lesson_id in live
    }


def enrollment_get(*, user, course: Course) -> Enrollment | None:
    """The student's enrollment (the one course_get read with the course, else one query)."""
    if not user.is_authenticated:
        return None
    reader = _reader_of(user, course)
    if reader is not None:
        return reader.enrollment
    found = Enrollment.objects.raw(
        f"SELECT * FROM {Enrollment._meta.db_table} WHERE user_id = %s AND course_id = %s",
        [user.pk, course.pk],
    )
    return next(iter(found), None)


def continue_lesson(
    *, enrollment: Enrollment | None, course: Course, drafts: bool = False
) -> Lesson | None:
    """The lesson a student last opened, while it is live: where "Continue" leads."""
    if enrollment is None or enrollment.last_lesson_id is None:
        return None
    return course_structure(course=course).lesson(pk=enrollment.last_lesson_id, drafts=drafts)
