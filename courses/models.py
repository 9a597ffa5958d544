import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import cached_property


def new_content_version() -> str:
    return uuid.uuid4().hex


class Course(models.Model):
    """A course, imported from a folder under content/ (its `source_dir`)."""

    # A signed-in student's place in the course (courses.selectors.Reader), set on a
    # request's copy when courses.selectors.course_get reads it with the course.
    reader = None

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # Markdown before the first chapter, rendered once at import.
    intro_markdown = models.TextField(blank=True)
    intro_html = models.TextField(blank=True)
    source_dir = models.CharField(
        max_length=500, blank=True, help_text="Folder the course was imported from."
    )
    lesson_level = models.PositiveSmallIntegerField(default=2)
    # Alt text for images, by their address as the source writes it (course.toml's
    # [alt_text]): admin edits render with it as the import does.
    alt_text = models.JSONField(default=dict, blank=True)
    is_published = models.BooleanField(
        default=True, help_text="Unpublished courses are hidden from the catalog."
    )
    # A fresh random token whenever the course's content changes (courses.structure).
    content_version = models.CharField(max_length=32, default=new_content_version, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lesson_level__gte=2, lesson_level__lte=6),
                name="courses_course_lesson_level_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return self._url

    @cached_property
    def _url(self) -> str:
        # Reversed once per object: an outline builds its chapter and lesson links on it
        # (see Chapter.get_absolute_url), and reverse() was a third of the outline's time.
        return reverse("courses:course-detail", kwargs={"course_slug": self.slug})


class Chapter(models.Model):
    """A module of a course: one `#` heading of the source and the lessons under it."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="chapters")
    slug = models.SlugField(max_length=100)
    title = models.CharField(max_length=300)
    position = models.PositiveIntegerField()
    intro_markdown = models.TextField(blank=True)
    intro_html = models.TextField(blank=True)
    intro_text = models.TextField(blank=True)
    # content_hash: of the source and its rendering (a change re-renders the page);
    # source_hash: of the source alone, so an admin edit outlives renderer upgrades and stays
    # until the source itself changes. edited_at: when the admin edit was made, if any.
    content_hash = models.CharField(max_length=64)
    source_hash = models.CharField(max_length=64, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    source_path = models.CharField(max_length=500, blank=True)
    # Archived when it disappears from the source: hidden, never deleted, so nothing
    # attached to it is lost; it comes back if it reappears.
    is_archived = models.BooleanField(default=False)
    # A draft chapter is shown to staff only, and counts for nobody's progress until it is
    # published; imports leave it as staff set it.
    is_published = models.BooleanField(
        default=True, help_text="Unpublished chapters are shown to staff only."
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["course", "position"]
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="courses_chapter_slug_unique"),
        ]
        indexes = [
            # The course outline: live chapters of one course in order.
            models.Index(
                fields=["course", "position"],
                condition=Q(is_archived=False),
                name="courses_chapter_outline_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        # courses/urls.py nests chapter under course and lesson under chapter; a test checks
        # these against reverse().
        return f"{self.course.get_absolute_url()}{self.slug}/"


class Lesson(models.Model):
    """One `##` section of a chapter. Its HTML is rendered and sanitized once, at import."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="lessons")
    slug = models.SlugField(max_length=100)
    title = models.CharField(max_length=300)
    position = models.PositiveIntegerField(help_text="Order within the chapter.")
    body_markdown = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    body_text = models.TextField(blank=True)
    toc = models.JSONField(default=list, blank=True)
    word_count = models.PositiveIntegerField(default=0)
    reading_minutes = models.PositiveIntegerField(default=0)
    content_hash = models.CharField(max_length=64)  # see Chapter
    source_hash = models.CharField(max_length=64, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    source_path = models.CharField(max_length=500, blank=True)
    is_archived = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["chapter__position", "position"]
        constraints = [
            models.UniqueConstraint(fields=["chapter", "slug"], name="courses_lesson_slug_unique"),
        ]
        indexes = [
            # Previous / next and the outline: live lessons of one course in reading order.
            models.Index(
                fields=["course", "chapter", "position"],
                condition=Q(is_archived=False),
                name="courses_lesson_reading_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"{self.course.get_absolute_url()}{self.chapter.slug}/{self.slug}/"


def _uploads_storage():
    return storages["course_uploads"]


class ImportRunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class ImportRun(models.Model):
    """One import of a course folder, or of an uploaded .zip or .md, run by a Celery worker."""

    # Module-level so that Meta's constraint can name its values too.
    Status = ImportRunStatus

    course = models.ForeignKey(
        Course, null=True, blank=True, on_delete=models.SET_NULL, related_name="import_runs"
    )
    source_dir = models.CharField(max_length=500, blank=True)
    # An uploaded course (a .zip of the folder, or one .md file), kept until the run ends and
    # for "Apply" after a dry run.
    upload = models.FileField(
        storage=_uploads_storage, upload_to="runs/%Y/%m/", blank=True, max_length=300
    )
    upload_name = models.CharField(max_length=255, blank=True)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created = models.DateTimeField(auto_now_add=True)
    # When the run was last handed to Celery, and how often a worker was lost running it:
    # the sweep (courses.import_runs.import_runs_requeue_stuck) queues it again, up to a limit.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    tries = models.PositiveSmallIntegerField(default=0)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ImportRunStatus.values),
                name="courses_importrun_status_valid",
            ),
        ]
        indexes = [
            # The sweep: runs still queued or running.
            models.Index(
                fields=["status", "enqueued_at"],
                condition=Q(status__in=[ImportRunStatus.QUEUED, ImportRunStatus.RUNNING]),
                name="courses_importrun_open_idx",
            ),
        ]

    def __str__(self) -> str:
        what = self.upload_name or self.source_dir or "a course"
        kind = "Dry run" if self.dry_run else "Import"
        return f"{kind} of {what} ({self.get_status_display()})"


class Enrollment(models.Model):
    """A student taking a course: where they are and whether they finished."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    enrolled_at = models.DateTimeField()
    last_lesson = models.ForeignKey(
        Lesson, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_activity_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    # A student who left the course (or was unenrolled by staff) keeps the row, their
    # progress and their attempts; enrolling again clears it.
    left_at = models.DateTimeField(null=True, blank=True)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The staff member who enrolled the student, if not themselves.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="courses_enrollment_unique"),
        ]
        indexes = [
            # The dashboard: a student's courses, most recent activity first.
            models.Index(
                fields=["user", "-last_activity_at"], name="courses_enrollment_recent_idx"
            ),
            # The gradebook and analytics: a course's enrollments by date.
            models.Index(fields=["course", "enrolled_at"], name="courses_enrollment_course_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.course}"

    @property
    def is_active(self) -> bool:
        return self.left_at is None


class LessonProgress(models.Model):
    """One student's reading of one lesson: when first and last seen, and when completed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    # Denormalized from the lesson so a course's progress is one indexed query.
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    first_viewed_at = models.DateTimeField(null=True, blank=True)
    last_viewed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "lesson progress"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "lesson"], name="courses_lessonprogress_unique"
            ),
        ]
        indexes = [
            # Progress bars and checkmarks: a student's completed lessons in one course.
            models.Index(
                fields=["user", "course"],
                condition=Q(completed_at__isnull=False),
                name="courses_progress_done_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.lesson}"
