"""Searching the lessons students can read: one interface, two engines.

PostgreSQL ranks with ``ts_rank`` over a weighted ``tsvector`` (title A, headings B, body C)
and highlights with ``ts_headline``; SQLite ranks with FTS5's ``bm25`` (weights 10, 5, 1 in
the same order) and highlights with ``snippet``. Both stem English words (Porter), match
every word of the query, and the last as a prefix, so results come as the student types.

A snippet is plain text with the engine's match markers (search.index.MARK_START/END),
escaped here before the markers become ``<mark>``: nothing of a lesson's text reaches the
page as markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from courses.models import Chapter, Course, Lesson
from search.index import FTS_TABLE, MARK_END, MARK_START
from search.models import LessonDocument

MAX_TERMS = 8
MAX_TERM_LENGTH = 40
# Hits a search shows: each needs its snippet, which PostgreSQL makes by parsing the
# lesson's whole text again (about 0.6 ms a lesson of the seed course).
LIMIT = 10
# English words too common to search for, dropped from the query on both engines so that
# both answer alike (PostgreSQL's 'english' configuration drops them from its index).
_STOP_WORDS_TEXT = """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is
    it its itself just me more most my myself no nor not now of off on once only or other our
    ours ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we
    were what when where which while who whom why will with you your yours yourself
    yourselves s t don"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
# What a hit shows and links to: not the lesson's text, which is most of its row.
_HIT_FIELDS = (
    "title",
    "slug",
    "toc",
    "chapter__slug",
    "chapter__title",
    "course__slug",
    "course__title",
)


@dataclass(frozen=True)
class Hit:
    lesson: Lesson  # with its chapter and course loaded
    snippet: SafeString
    # The heading a query word is in, if any: the link goes straight to it.
    anchor: str = ""

    @property
    def url(self) -> str:
        base = self.lesson.get_absolute_url()
        return f"{base}#{self.anchor}" if self.anchor else base


@dataclass(frozen=True)
class Results:
    hits: list[Hit]
    total: int  # every lesson that matches, of which ``hits`` are the best


def query_terms(text: str) -> list[str]:
    """The words searched for: letters and digits only (the engines' own query syntax never
    reaches them), lower-cased, without STOP_WORDS, at most MAX_TERMS."""
    words = re.findall(r"\w+", text.lower())
    kept = [w[:MAX_TERM_LENGTH] for w in words if w.strip("_") and w not in STOP_WORDS]
    return kept[:MAX_TERMS]


def lessons_search(*, text: str, course: Course | None = None, limit: int = LIMIT) -> Results:
    """The published, live lessons that match every word of ``text`` (the last as a prefix),
    best first, and how many match: in one course, or in every published course. Drafts
    (unpublished chapters or courses) and archived lessons or chapters never appear."""
    terms = query_terms(text)
    if not terms:
        return Results([], 0)
    if connection.vendor == "postgresql":
        rows = _postgres(terms, course, limit)
    else:
        rows = _sqlite(terms, course, limit)
    if not rows:
        return Results([], 0)
    lessons = (
        Lesson.objects.select_related("chapter", "course")
        .only(*_HIT_FIELDS)
        .in_bulk([row[0] for row in rows])
    )
    hits = [
        Hit(lesson=lessons[pk], snippet=_snippet_html(snippet), anchor=_anchor(lessons[pk], terms))
        for pk, snippet, _ in rows
        if pk in lessons
    ]
    return Results(hits, rows[0][2])


def _visible(course: Course | None) -> tuple[str, list]:
    """The joins and conditions that keep a hit to what a student may read."""
    sql = (
        f" JOIN {Lesson._meta.db_table} l ON l.id = d.lesson_id"
        f" JOIN {Chapter._meta.db_table} ch ON ch.id = l.chapter_id"
        f" JOIN {Course._meta.db_table} c ON c.id = l.course_id"
        " WHERE NOT l.is_archived AND NOT ch.is_archived AND ch.is_published AND c.is_published"
    )
    params: list = []
    if course is not None:
        sql += " AND l.course_id = %s"
        params.append(course.pk)
    return sql, params


def _postgres(terms: list[str], course: Course | None, limit: int) -> list[tuple[int, str, int]]:
    *words, last = terms
    query = " & ".join([*words, f"{last}:*"])
    joins, params = _visible(course)
    options = (
        f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=28, MinWords=12,"
        ' MaxFragments=2, FragmentDelimiter=" … "'
    )
    # The headline only for the page of hits: ts_headline re-parses the text it is given.
    sql = (
        "SELECT hit.lesson_id, ts_headline('english', hit.body, hit.q, %s), hit.total FROM ("
        " SELECT d.lesson_id, d.body, q.q, ts_rank(d.vector, q.q) AS rank,"
        " count(*) OVER () AS total"
        f" FROM {LessonDocument._meta.db_table} d"
        " CROSS JOIN to_tsquery('english', %s) AS q(q)"
        f"{joins} AND d.vector @@ q.q"
        " ORDER BY rank DESC, d.lesson_id LIMIT %s"
        ") AS hit ORDER BY hit.rank DESC, hit.lesson_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [options, query, *params, limit])
        return cursor.fetchall()


def _sqlite(terms: list[str], course: Course | None, limit: int) -> list[tuple[int, str, int]]:
    *words, last = terms
    # Each word quoted, as FTS5 reads a string: its operators (AND, NEAR, *, ^, :) stay words.
    quoted = [f'"{w}"' for w in words] + [f'"{last}"*']
    joins, params = _visible(course)
    match = " AND ".join(quoted)
    matched = (
        f" FROM {FTS_TABLE} f JOIN {LessonDocument._meta.db_table} d ON d.lesson_id = f.rowid"
        f"{joins} AND {FTS_TABLE} MATCH %s"
    )
    # FTS5's functions refuse a window (count(*) OVER ()): the count is a query of its own.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT d.lesson_id, snippet({FTS_TABLE}, 2, %s, %s, ' … ', 24){matched}"
            f" ORDER BY bm25({FTS_TABLE}, 10.0, 5.0, 1.0), d.lesson_id LIMIT %s",
            [MARK_START, MARK_END, *params, match, limit],
        )
        rows = cursor.fetchall()
        if not rows:
            return []
        cursor.execute(f"SELECT count(*){matched}", [*params, match])
        total = cursor.fetchone()[0]
    return [(pk, snippet, total) for pk, snippet in rows]


def _snippet_html(snippet: str) -> SafeString:
    text = escape(snippet or "")
    return mark_safe(text.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


def _anchor(lesson: Lesson, terms: list[str]) -> str:
    """The first heading of the lesson holding every query word (the last as a prefix)."""
    *words, last = terms
    for entry in lesson.toc or ():
        heading = re.findall(r"\w+", entry.get("title", "").lower())
        if all(w in heading for w in words) and any(h.startswith(last) for h in heading):
            return entry.get("id", "")
    return ""
