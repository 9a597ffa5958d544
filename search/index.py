"""Keeping the search index in step with the lessons (search.models).

courses calls ``courses_index_refresh`` whenever a course's content changes, in the same
transaction (courses.content_version.content_changed, through the extension hook): an import,
a re-import, an admin edit. Only lessons written since they were last indexed are read and
written again, so an edit of one lesson in a course of thousands costs one row.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from config.sql import placeholders
from courses.models import Course, Lesson
from search.models import LessonDocument

FTS_TABLE = "search_lesson_fts"
# Marks the start and end of a highlighted match in a snippet (search.selectors); taken out
# of indexed text, so no lesson can forge a highlight.
MARK_START, MARK_END = "\x02", "\x03"
_UNMARK = str.maketrans("", "", MARK_START + MARK_END + "\x00")


def _text(value: str) -> str:
    return value.translate(_UNMARK)


def _document(lesson: Lesson) -> LessonDocument:
    headings = "\n".join(entry.get("title", "") for entry in lesson.toc or ())
    return LessonDocument(
        lesson_id=lesson.pk,
        course_id=lesson.course_id,
        title=_text(lesson.title),
        headings=_text(headings),
        body=_text(lesson.body_text),
        lesson_updated=lesson.updated,
    )


def courses_index_refresh(*, course_ids: Iterable[int]) -> int:
    """Index again every lesson of these courses written since it was last indexed (or
    never indexed); return how many. Archived lessons stay indexed (search hides them, and
    they come back as they were if they reappear)."""
    course_ids = list(course_ids)
    indexed = dict(
        LessonDocument.objects.filter(course_id__in=course_ids).values_list(
            "lesson_id", "lesson_updated"
        )
    )
    stale = [
        pk
        for pk, updated in Lesson.objects.filter(course_id__in=course_ids).values_list(
            "pk", "updated"
        )
        if indexed.get(pk) != updated
    ]
    if connection.vendor == "sqlite":
        # The FTS5 table has no foreign key: rows of lessons deleted with their course go now.
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {FTS_TABLE} WHERE rowid NOT IN"
                f" (SELECT lesson_id FROM {LessonDocument._meta.db_table})"
            )
    if not stale:
        return 0
    fields = ("pk", "course_id", "title", "toc", "body_text", "updated")
    documents = [
        _document(lesson)
        for lesson in Lesson.objects.filter(pk__in=stale).only(*fields).iterator(chunk_size=500)
    ]
    LessonDocument.objects.bulk_create(
        documents,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["lesson"],
        update_fields=["course", "title", "headings", "body", "lesson_updated"],
    )
    if connection.vendor == "sqlite":
        _fts_write(documents)
    return len(documents)


def _fts_write(documents: list[LessonDocument]) -> None:
    with connection.cursor() as cursor:
        for start in range(0, len(documents), 500):
            chunk = documents[start : start + 500]
            ids = [d.lesson_id for d in chunk]
            cursor.execute(
                f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({placeholders(len(ids))})", ids
            )
        cursor.executemany(
            f"INSERT INTO {FTS_TABLE} (rowid, title, headings, body) VALUES (%s, %s, %s, %s)",
            [(d.lesson_id, d.title, d.headings, d.body) for d in documents],
        )


def index_rebuild() -> int:
    """Index every lesson of every course from scratch (``manage.py search_reindex``): after
    restoring a database without its index, or a change of the index's own definition."""
    LessonDocument.objects.all().delete()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")
    return courses_index_refresh(course_ids=Course.objects.values_list("pk", flat=True))
