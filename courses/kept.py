"""What a process keeps of each course at one content version (courses.content_version)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

# Courses a process keeps something of (the least recently used one goes first).
KEEP = 64


class Versioned(Protocol):
    """A course as loaded (courses.models.Course), or just its id and content version."""

    pk: int
    content_version: str


class KeptPerVersion[T]:
    """What a process keeps of each course at one content version, built on first use; the
    least recently used course goes first past ``keep``. Used for the course row
    (courses.selectors.course_get), its structure (courses.structure) and its quizzes
    (quizzes.course_quizzes)."""

    def __init__(self, build: Callable[[Versioned], T], *, keep: int = KEEP) -> None:
        self._build = build
        self._keep = keep
        self._kept: OrderedDict[tuple[int, str], T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, course: Versioned) -> T:
        """What ``build`` makes of the course at the version ``course`` was loaded with."""
        key = (course.pk, course.content_version)
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]
        built = self._build(course)
        with self._lock:
            self._kept[key] = built
            while len(self._kept) > self._keep:
                self._kept.popitem(last=False)
        return built
