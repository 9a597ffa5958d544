"""What every admin page of imported rows and of student data shares: nothing destroys
student data, and nothing is offered that cannot work.

Chapters, lessons, quizzes and questions come from a course's files: they are added by an
import (or an upload), never by an "Add" form that would lack their course and chapter, and
they are archived, never deleted (attempts and progress hang on them). Student data
(enrollments, progress, attempts, answers) is read, and marked where a person must mark it,
but never added or deleted by staff.
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from courses.content_version import content_changed


class ContentAdmin(admin.ModelAdmin):
    """Rows that are a course's content (the course itself, its chapters, lessons, quizzes,
    questions): every save and every action that changes them gives their course a new
    content version, so pages stop serving what was kept of the old one (courses.structure).
    ``course_path`` leads from a row to its course's id."""

    course_path = "course_id"

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        # After save_model and the inlines, inside the admin's transaction.
        super().save_related(request, form, formsets, change)
        self.content_changed(type(form.instance).objects.filter(pk=form.instance.pk))

    def delete_model(self, request: HttpRequest, obj) -> None:
        self.content_changed(type(obj).objects.filter(pk=obj.pk))
        super().delete_model(request, obj)

    def content_changed(self, queryset: QuerySet) -> None:
        content_changed(course_ids=queryset.values_list(self.course_path, flat=True))

    def content_update(self, queryset: QuerySet, **values) -> int:
        """Update the selected rows and record it. Their courses are read first: with the
        changelist's filters on (archived: no), the selection matches nothing once updated."""
        course_ids = list(queryset.values_list(self.course_path, flat=True).distinct())
        count = queryset.update(**values)
        if count:
            content_changed(course_ids=course_ids)
        return count


class ImportedAdmin(ContentAdmin):
    """Rows an import writes: no Add, no Delete; Archive and Restore instead."""

    actions = ["archive", "restore"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description="Archive (hide from students; their data is kept)")
    def archive(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = self.content_update(queryset.filter(is_archived=False), is_archived=True)
        self.message_user(request, f"Archived {count}; students' data is kept.", messages.SUCCESS)

    @admin.action(description="Restore (show to students again)")
    def restore(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = self.content_update(queryset.filter(is_archived=True), is_archived=False)
        self.message_user(request, f"Restored {count}.", messages.SUCCESS)


class StudentDataAdmin(admin.ModelAdmin):
    """Rows a student's own work writes: staff read them, never add or delete them."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
