from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from courses.import_runs import import_run_create
from courses.models import Chapter, Course, Enrollment, ImportRun, Lesson, LessonProgress
from courses.services import chapter_intro_update, lesson_body_update


class ChapterInline(admin.TabularInline):
    model = Chapter
    fields = ("position", "title", "slug", "is_archived")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "source_dir", "is_published", "updated")
    list_filter = ("is_published",)
    search_fields = ("title", "slug")
    readonly_fields = ("source_dir", "intro_html", "created", "updated")
    inlines = [ChapterInline]
    actions = ["reimport", "reimport_dry_run"]

    def _queue(self, request: HttpRequest, queryset: QuerySet[Course], dry_run: bool) -> None:
        for course in queryset:
            import_run_create(
                source_dir=course.source_dir, dry_run=dry_run, requested_by=request.user
            )
        self.message_user(
            request,
            f"Queued {queryset.count()} import(s). Follow them under Import runs.",
            messages.SUCCESS,
        )

    @admin.action(description="Re-import from the course folder")
    def reimport(self, request: HttpRequest, queryset: QuerySet[Course]) -> None:
        self._queue(request, queryset, dry_run=False)

    @admin.action(description="Dry run: show what a re-import would change")
    def reimport_dry_run(self, request: HttpRequest, queryset: QuerySet[Course]) -> None:
        self._queue(request, queryset, dry_run=True)


class LessonInline(admin.TabularInline):
    model = Lesson
    fields = ("position", "title", "slug", "reading_minutes", "is_archived")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Chapter)
class ChapterAdmin(admin.ModelAdmin):
    list_display = ("title", "course", "position", "is_archived")
    list_filter = ("course", "is_archived")
    search_fields = ("title",)
    readonly_fields = (
        "course",
        "slug",
        "intro_html",
        "content_hash",
        "source_path",
        "edited_at",
    )
    fields = (
        "course",
        "title",
        "slug",
        "position",
        "intro_markdown",
        "is_archived",
        "source_path",
        "edited_at",
    )
    inlines = [LessonInline]

    def save_model(self, request: HttpRequest, obj: Chapter, form, change: bool) -> None:
        warnings = chapter_intro_update(
            chapter=obj, intro_markdown=form.cleaned_data["intro_markdown"]
        )
        for warning in warnings:
            self.message_user(request, warning, messages.WARNING)


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ("title", "chapter", "position", "reading_minutes", "is_archived")
    list_filter = ("course", "is_archived")
    list_select_related = ("chapter",)
    search_fields = ("title", "body_text")
    readonly_fields = (
        "course",
        "chapter",
        "slug",
        "word_count",
        "reading_minutes",
        "content_hash",
        "source_path",
        "edited_at",
        "updated",
    )
    fields = (
        "course",
        "chapter",
        "title",
        "slug",
        "position",
        "is_archived",
        "body_markdown",
        "word_count",
        "reading_minutes",
        "source_path",
        "edited_at",
        "updated",
    )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.base_fields["body_markdown"].help_text = (
            "Markdown, rendered when you save. The course files stay the source of truth: "
            "an import after this lesson changes in its file replaces this text."
        )
        return form

    def save_model(self, request: HttpRequest, obj: Lesson, form, change: bool) -> None:
        # Rendering and hashing belong to the service, not to the model's save().
        warnings = lesson_body_update(lesson=obj, body_markdown=form.cleaned_data["body_markdown"])
        for warning in warnings:
            self.message_user(request, warning, messages.WARNING)


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ("source_dir", "status", "dry_run", "requested_by", "created", "finished")
    list_filter = ("status", "dry_run")
    readonly_fields = (
        "course",
        "source_dir",
        "dry_run",
        "status",
        "report",
        "error",
        "requested_by",
        "created",
        "started",
        "finished",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ("user", "course", "enrolled_at", "last_activity_at", "completed_at")
    list_filter = ("course",)
    list_select_related = ("user", "course")
    search_fields = ("user__email",)
    readonly_fields = (
        "user",
        "course",
        "enrolled_at",
        "last_lesson",
        "last_activity_at",
        "completed_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(LessonProgress)
class LessonProgressAdmin(admin.ModelAdmin):
    list_display = ("user", "lesson", "first_viewed_at", "last_viewed_at", "completed_at")
    list_filter = ("course",)
    list_select_related = ("user", "lesson")
    search_fields = ("user__email", "lesson__title")
    readonly_fields = (
        "user",
        "lesson",
        "course",
        "first_viewed_at",
        "last_viewed_at",
        "completed_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
