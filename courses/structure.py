"""A course's structure: its chapters and lessons in reading order, read from the database once
per content version and then kept in the process's memory.

The outline, each lesson's previous and next, a chapter's lessons and the number of lessons
that count change only when a course's content changes, and every such change gives the
course a new content version (courses.content_version). A structure is kept under (course
pk, content version), and every page reads the version with the course row it loads anyway:
a page never sees a structure older than the course it loaded, nothing needs deleting, and
nothing needs sharing between processes. Each reads a new version once (two queries).

The objects of a structure are shared by every request the process serves: read them, never
set anything on them.
"""

from __future__ import annotations

import copy

from courses.kept import KeptPerVersion
from courses.models import Chapter, Course, Lesson

# Lists and links need none of a lesson's text, which is most of its row.
_LESSON_TEXT = ("body_markdown", "body_html", "body_text", "toc")


class CourseStructure:
    """The live (not archived) chapters of one course in order, each with ``live_lessons``
    and ``reading_minutes``; drafts (unpublished chapters) included and flagged, for staff."""

    def __init__(self, chapters: list[Chapter]) -> None:
        self._chapters = {True: chapters, False: [c for c in chapters if c.is_published]}
        self._lessons = {
            drafts: [lesson for chapter in listed for lesson in chapter.live_lessons]
            for drafts, listed in self._chapters.items()
        }
        self._lesson_index = {
            drafts: {lesson.pk: i for i, lesson in enumerate(lessons)}
            for drafts, lessons in self._lessons.items()
        }
        self._chapter_index = {
            drafts: {chapter.pk: i for i, chapter in enumerate(listed)}
            for drafts, listed in self._chapters.items()
        }
        self._by_slug = {chapter.slug: chapter for chapter in chapters}
        self._lesson_by_slug = {
            (chapter.slug, lesson.slug): lesson
            for chapter in chapters
            for lesson in chapter.live_lessons
        }
        self._by_pk = {chapter.pk: chapter for chapter in chapters}
        self.live_lesson_ids = frozenset(lesson.pk for lesson in self._lessons[False])

    def chapters(self, *, drafts: bool = False) -> list[Chapter]:
        return self._chapters[drafts]

    def lessons(self, *, drafts: bool = False) -> list[Lesson]:
        """Live lessons in reading order (of published chapters unless ``drafts``)."""
        return self._lessons[drafts]

    def chapter(self, *, slug: str, drafts: bool = False) -> Chapter | None:
        chapter = self._by_slug.get(slug)
        if chapter is None or not (drafts or chapter.is_published):
            return None
        return chapter

    def lesson_at(self, *, chapter_slug: str, slug: str, drafts: bool = False) -> Lesson | None:
        """A live lesson by its address (of a published chapter unless ``drafts``)."""
        lesson = self._lesson_by_slug.get((chapter_slug, slug))
        if lesson is None or not (drafts or lesson.chapter.is_published):
            return None
        return lesson

    def lesson(self, *, pk: int | None, drafts: bool = False) -> Lesson | None:
        """A live lesson by id (of a published chapter unless ``drafts``), else None."""
        index = self._lesson_index[drafts].get(pk)
        return None if index is None else self._lessons[drafts][index]

    def chapter_lessons(self, *, chapter_id: int) -> list[Lesson]:
        chapter = self._by_pk.get(chapter_id)
        return chapter.live_lessons if chapter is not None else []

    def chapter_neighbours(
        self, *, chapter_id: int, drafts: bool = False
    ) -> tuple[Chapter | None, Chapter | None]:
        return _around(self._chapters[drafts], self._chapter_index[drafts].get(chapter_id))

    def lesson_neighbours(
        self, *, lesson_id: int, drafts: bool = False
    ) -> tuple[Lesson | None, Lesson | None]:
        return _around(self._lessons[drafts], self._lesson_index[drafts].get(lesson_id))


def _around[T](rows: list[T], index: int | None) -> tuple[T | None, T | None]:
    if index is None:
        return None, None
    previous = rows[index - 1] if index > 0 else None
    following = rows[index + 1] if index + 1 < len(rows) else None
    return previous, following


def course_structure(*, course: Course) -> CourseStructure:
    """The structure of the course at the content version ``course`` was loaded with."""
    return _structures.get(course)


def _build(course: Course) -> CourseStructure:
    """Two queries: the live chapters, and their live lessons without their text. They hang
    on a copy of the course: the caller's is the caller's to change (and its reader, one
    student's place in it, is theirs)."""
    course = copy.copy(course)
    course.reader = None
    chapters = list(
        Chapter.objects.filter(course=course, is_archived=False)
        .order_by("position")
        .defer("intro_markdown", "intro_text")
    )
    by_pk = {chapter.pk: chapter for chapter in chapters}
    for chapter in chapters:
        chapter.course = course
        chapter.live_lessons = []
    for lesson in (
        Lesson.objects.filter(course=course, is_archived=False, chapter__is_archived=False)
        .order_by("position")
        .defer(*_LESSON_TEXT)
    ):
        chapter = by_pk[lesson.chapter_id]
        lesson.chapter = chapter
        lesson.course = course
        chapter.live_lessons.append(lesson)
    for chapter in chapters:
        chapter.reading_minutes = sum(lesson.reading_minutes for lesson in chapter.live_lessons)
    return CourseStructure(chapters)


_structures = KeptPerVersion(_build)
