"""What search knows of each lesson: the text it indexes, copied from the lesson when the
course's content changes (search.index), never computed per request.

The full-text index itself depends on the database (migration 0001): on PostgreSQL a
weighted ``tsvector`` column of this table, generated from its text, with a GIN index; on
SQLite an FTS5 table, ``search_lesson_fts``, whose rowid is the lesson's id.
"""

from django.db import models


class LessonDocument(models.Model):
    lesson = models.OneToOneField(
        "courses.Lesson",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="search_document",
    )
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=300)
    headings = models.TextField(blank=True)
    body = models.TextField(blank=True)
    # The lesson's ``updated`` when this copy was taken: a lesson whose ``updated`` differs
    # is indexed again.
    lesson_updated = models.DateTimeField()

    class Meta:
        verbose_name = "lesson search document"

    def __str__(self) -> str:
        return self.title
