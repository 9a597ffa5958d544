"""The content version of a course: what changes it.

Course.content_version is a fresh random token whenever the course's content changes, and
whatever a process keeps of a course is filed under it (courses.structure,
quizzes.course_quizzes, courses.page_cache). A random token rather than a counter: a database
restored from a backup, or a test database rolled back, brings older counters back, and a
counter value would then name two different contents.
"""

from collections.abc import Iterable

from django.db import transaction

from courses.extensions import extensions
from courses.models import Course, new_content_version
from courses.selectors import published_versions


def content_changed(*, course_ids: Iterable[int]) -> str:
    """Record that these courses' content changed (call it in the transaction that changed
    it): each gets a new content version, so pages read its structure again. Returns the
    new version."""
    version = new_content_version()
    course_ids = list(course_ids)
    Course.objects.filter(pk__in=course_ids).update(content_version=version)
    for extension in extensions():
        if extension.content_changed:
            extension.content_changed(course_ids=course_ids)
    # This process's pages show the change at once: forgotten now for this transaction's own
    # reads, and again once it commits, for what another thread read before the commit.
    published_versions.forget()
    transaction.on_commit(published_versions.forget)
    return version
