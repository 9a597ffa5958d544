"""A site upgraded to a Lectern with search: its migration indexes the lessons already there."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from courses.models import Course
from search.models import LessonDocument
from search.selectors import lessons_search


def _migrate(target) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


@pytest.mark.django_db(transaction=True)
def test_the_migration_indexes_the_courses_a_site_already_has(seed_course_transactional):
    _migrate([("search", None)])  # as before search existed
    try:
        _migrate([("search", "0001_initial")])

        course = Course.objects.get(slug="aws-cloud-fundamentals")
        assert LessonDocument.objects.filter(course=course).count() == course.lessons.count()
        hits = lessons_search(text="security group", course=course).hits
        assert hits[0].lesson.title == "Introduction to Security Groups"
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
