"""What a process keeps of each course at one content version (courses.content_version)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from courses.models import Course

# Courses a process keeps something of (the least recently used one goes first).
KEEP = 64


class KeptPerVersion[T]:
    """What a process keeps of each course at one content version, built on first use; the
    least recently used course goes first past ``keep``. Used for the structure
    (courses.structure) and the quizzes (quizzes.course_quizzes)."""

    def __init__(self, build: Callable[[Course], T], *, keep: int = KEEP) -> None:
        self._build = build
        self._keep = keep
        self._kept: OrderedDict[tuple[int, str], T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, course: Course) -> T:
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
