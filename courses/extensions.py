"""Where the rooms above courses plug in, so that courses never imports them.

courses sits below quizzes (config <- courses <- quizzes). A course import must import the
course's quizzes in the same transaction, a course's progress counts passed chapter quizzes,
and the course and lesson pages show quizzes: each of those is a hook that the higher room
registers when its app is ready (quizzes.apps.QuizzesConfig.ready), and courses calls whatever
is registered. With none registered, courses works on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["CourseExtension", "extensions", "register"]


@dataclass(frozen=True)
class CourseExtension:
    """One room's hooks; every one is optional and called with keyword arguments.

    - ``import_step(course=, course_dir=, report=)``: runs inside course_import's transaction,
      after chapters and lessons are written; raise CourseImportError to abort the import.
    - ``requirements(user=, courses=) -> {course_id: (passed, total)}``: what else, besides
      reading every lesson, finishing each course takes (chapter quizzes).
    - ``course_page(user=, course=, chapter_ids=) -> (context, (passed, total))``: template
      context for the course page, and the same count as ``requirements`` from what it loaded.
    - ``chapter_page(user=, course=, chapter=) -> context``: template context for a chapter
      page (its quiz, with the student's result), with its ``page_state``.
    - ``lesson_page(user=, lesson=) -> (context, (passed, total))``: template context for a
      lesson page, and the course's count as ``requirements`` gives it, from what it loaded.
    - ``dashboard(user=, courses=) -> ({course_id: context}, page_state)``: what the room
      shows on each course's dashboard entry (``entry.rooms``), and its page_state.
    - ``archive_files(course=) -> ({path: bytes}, toml)``: files a course download adds
      (paths inside the course folder) and text to append to its course.toml.
    - ``content_changed(course_ids=)``: runs inside the transaction that changed these
      courses' content (an import, an admin edit; courses.content_version), after the change.

    Both pages are kept whole (courses.page_cache) under what they show, so a page hook's
    context carries ``page_state``: a value whose repr changes whenever what the room shows
    of the student on that page changes (their quiz results). It is taken out of the context
    into the page's key.
    """

    name: str
    import_step: Callable[..., None] | None = None
    requirements: Callable[..., dict[int, tuple[int, int]]] | None = None
    course_page: Callable[..., tuple[dict[str, Any], tuple[int, int]]] | None = None
    chapter_page: Callable[..., dict[str, Any]] | None = None
    lesson_page: Callable[..., tuple[dict[str, Any], tuple[int, int]]] | None = None
    dashboard: Callable[..., tuple[dict[int, dict[str, Any]], object]] | None = None
    archive_files: Callable[..., tuple[dict[str, bytes], str]] | None = None
    content_changed: Callable[..., object] | None = None


_registered: dict[str, CourseExtension] = {}


def register(extension: CourseExtension) -> None:
    """Register (or replace, by name) one room's hooks; called from an AppConfig.ready()."""
    _registered[extension.name] = extension


def extensions() -> tuple[CourseExtension, ...]:
    return tuple(_registered.values())
