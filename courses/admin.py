from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django_htmx.http import HttpResponseStopPolling

from courses.admin_base import ContentAdmin, ImportedAdmin, StudentDataAdmin
from courses.downloads import course_archive
from courses.import_runs import import_run_apply, import_run_create, import_run_upload
from courses.models import Chapter, Course, Enrollment, ImportRun, Lesson, LessonProgress
from courses.run_progress import STAGES, run_progress_get
from courses.services import (
    chapter_intro_update,
    images_undescribed,
    lesson_body_update,
    lesson_preview,
)


class ChapterInline(admin.TabularInline):
    model = Chapter
    fields = ("position", "title", "slug", "is_archived")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Course)
class CourseAdmin(ContentAdmin):
    course_path = "pk"
    list_display = ("title", "slug", "source_dir", "is_published", "updated")
    list_filter = ("is_published",)
    search_fields = ("title", "slug")
    readonly_fields = ("source_dir", "intro_html", "alt_text", "created", "updated")
    inlines = [ChapterInline]
    actions = ["publish", "unpublish", "download", "reimport", "reimport_dry_run"]

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        # A course is made from its files: "Add" is the upload.
        return redirect("admin:courses_importrun_add")

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Deleting a course would take every enrollment, progress row and attempt with it:
        # only a course nobody has started can go. Unpublish the others.
        if obj is None:
            return False
        started = (
            Enrollment.objects.filter(course=obj).exists()
            or LessonProgress.objects.filter(course=obj).exists()
            or obj.quizzes.filter(attempts__isnull=False).exists()
        )
        return not started and super().has_delete_permission(request, obj)

    @admin.action(description="Download as .zip (re-imports to the same course)")
    def download(self, request: HttpRequest, queryset: QuerySet[Course]):
        if queryset.count() != 1:
            self.message_user(request, "Download one course at a time.", messages.WARNING)
            return None
        course = queryset.get()
        response = HttpResponse(course_archive(course=course), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{course.slug}.zip"'
        return response

    @admin.action(description="Publish (show in the catalog)")
    def publish(self, request: HttpRequest, queryset: QuerySet[Course]) -> None:
        count = self.content_update(queryset.filter(is_published=False), is_published=True)
        self.message_user(request, f"Published {count}.", messages.SUCCESS)

    @admin.action(description="Unpublish (hide from the catalog; students' data is kept)")
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Course]) -> None:
        count = self.content_update(queryset.filter(is_published=True), is_published=False)
        self.message_user(request, f"Unpublished {count}.", messages.SUCCESS)

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
class ChapterAdmin(ImportedAdmin):
    list_display = ("title", "course", "position", "is_published", "is_archived")
    list_filter = ("course", "is_published", "is_archived")
    actions = ["publish", "unpublish", "archive", "restore"]
    list_select_related = ("course",)
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
        "is_published",
        "is_archived",
        "source_path",
        "edited_at",
    )
    inlines = [LessonInline]

    @admin.action(description="Publish (show to students)")
    def publish(self, request: HttpRequest, queryset: QuerySet[Chapter]) -> None:
        count = self.content_update(queryset.filter(is_published=False), is_published=True)
        self.message_user(request, f"Published {count}.", messages.SUCCESS)

    @admin.action(description="Unpublish (a draft: staff only; students' data is kept)")
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Chapter]) -> None:
        count = self.content_update(queryset.filter(is_published=True), is_published=False)
        self.message_user(request, f"Unpublished {count}; it is a draft again.", messages.SUCCESS)

    def save_model(self, request: HttpRequest, obj: Chapter, form, change: bool) -> None:
        warnings = chapter_intro_update(
            chapter=obj, intro_markdown=form.cleaned_data["intro_markdown"]
        )
        for warning in warnings:
            self.message_user(request, warning, messages.WARNING)


@admin.register(Lesson)
class LessonAdmin(ImportedAdmin):
    list_display = ("title", "chapter", "position", "reading_minutes", "is_archived")
    list_filter = ("course", "is_archived")
    list_select_related = ("chapter", "course")
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

    change_form_template = "admin/courses/lesson/change_form.html"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:lesson_id>/preview/", wrap(self.preview_view), name="courses_lesson_preview"
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request: HttpRequest, lesson_id: int):
        """The lesson as students would see it with the posted Markdown (htmx, as you type)."""
        if request.method != "POST":
            return HttpResponse(status=405)
        lesson = get_object_or_404(Lesson.objects.select_related("course", "chapter"), pk=lesson_id)
        if not self.has_change_permission(request, lesson):
            raise PermissionDenied
        rendered, warnings = lesson_preview(
            lesson=lesson, body_markdown=request.POST.get("body_markdown", "")
        )
        return TemplateResponse(
            request,
            "admin/courses/lesson/change_form.html#preview",
            {"rendered": rendered, "warnings": warnings},
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


class CourseUploadForm(forms.Form):
    file = forms.FileField(
        label="Course file",
        help_text="A .zip of the course folder (course.toml, the Markdown files, images, "
        "quizzes/), or one Markdown (.md) file.",
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,.md,.markdown"}),
    )
    dry_run = forms.BooleanField(
        label="Dry run first: show what would change, then apply",
        required=False,
        initial=True,
    )


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "status",
        "dry_run",
        "requested_by",
        "created",
        "finished",
    )
    list_filter = ("status", "dry_run")
    list_select_related = ("requested_by", "course")
    readonly_fields = (
        "course",
        "source_dir",
        "upload_name",
        "dry_run",
        "status",
        "report",
        "error",
        "requested_by",
        "created",
        "started",
        "finished",
    )
    exclude = ("upload",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # "Add" is the upload form: a run is made by uploading a course.
        return request.user.has_perm("courses.add_importrun")

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:run_id>/job/", wrap(self.job_view), name="courses_importrun_job"),
            path("<int:run_id>/apply/", wrap(self.apply_view), name="courses_importrun_apply"),
            *super().get_urls(),
        ]

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CourseUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                run = import_run_upload(
                    upload=form.cleaned_data["file"],
                    dry_run=form.cleaned_data["dry_run"],
                    requested_by=request.user,
                )
            except ValueError as exc:
                form.add_error("file", str(exc))
            else:
                return redirect("admin:courses_importrun_job", run_id=run.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": "Upload a course",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/courses/importrun/upload.html", context)

    def change_view(self, request: HttpRequest, object_id: str, form_url="", extra_context=None):
        return redirect("admin:courses_importrun_job", run_id=object_id)

    def job_view(self, request: HttpRequest, run_id: int):
        """The run's progress (polled over htmx until it ends), then its report."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        run = get_object_or_404(ImportRun.objects.select_related("course"), pk=run_id)
        finished = run.status in (ImportRun.Status.SUCCEEDED, ImportRun.Status.FAILED)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Import: {run}",
            "run": run,
            "opts": self.model._meta,
            "finished": finished,
            "progress": run_progress_get(run.pk),
            "stages": STAGES,
            "report": run.report or {},
            "tallies": [
                (name, (run.report or {}).get(name, {}))
                for name in ("chapters", "lessons", "quizzes", "questions")
            ],
            "can_apply": self.has_add_permission(request),
            "images_undescribed": images_undescribed((run.report or {}).get("warnings", [])),
            "warning_rows": [
                (text, (run.report or {}).get("warning_pages", {}).get(text, ""))
                for text in (run.report or {}).get("warnings", [])
            ],
        }
        if getattr(request, "htmx", False):
            response = TemplateResponse(
                request, "admin/courses/importrun/job.html#job-status", context
            )
            return HttpResponseStopPolling(response.render().content) if finished else response
        return TemplateResponse(request, "admin/courses/importrun/job.html", context)

    def apply_view(self, request: HttpRequest, run_id: int):
        if request.method != "POST":
            return redirect("admin:courses_importrun_job", run_id=run_id)
        if not self.has_add_permission(request):
            raise PermissionDenied
        run = get_object_or_404(ImportRun, pk=run_id)
        try:
            applied = import_run_apply(run=run, requested_by=request.user)
        except ValueError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return redirect("admin:courses_importrun_job", run_id=run_id)
        return redirect("admin:courses_importrun_job", run_id=applied.pk)


@admin.register(Enrollment)
class EnrollmentAdmin(StudentDataAdmin):
    list_display = (
        "user",
        "course",
        "enrolled_at",
        "last_activity_at",
        "completed_at",
        "left_at",
    )
    list_filter = ("course", ("left_at", admin.EmptyFieldListFilter))
    list_select_related = ("user", "course")
    search_fields = ("user__email",)
    readonly_fields = (
        "user",
        "course",
        "enrolled_at",
        "enrolled_by",
        "last_lesson",
        "last_activity_at",
        "completed_at",
        "left_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(LessonProgress)
class LessonProgressAdmin(StudentDataAdmin):
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
