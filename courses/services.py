"""Importing courses: Markdown folders under content/ into Course, Chapter and Lesson rows."""

from __future__ import annotations

import bisect
import gc
import hashlib
import logging
import re
import shutil
import tomllib
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from courses.archives import ArchiveError, Limits, unpack_course, unpack_markdown
from courses.content_version import content_changed
from courses.extensions import extensions
from courses.files import course_file_store
from courses.linking import CourseLinks, Page
from courses.markdown_engine import github_slug
from courses.models import Chapter, Course, Enrollment, ImportRun, Lesson, LessonProgress
from courses.progress import enrollment_completion_refresh
from courses.rendering import PreparedPage, Rendered, prepare_spans, render_markdown
from courses.run_progress import run_progress_set
from courses.selectors import reader_get
from courses.splitter import (
    ChapterSource,
    LessonSource,
    SourceError,
    SplitResult,
    SplitWarning,
    decode_source,
    split_course,
)

logger = logging.getLogger(__name__)

# Part of every content hash: bump it when rendering changes, and the next import
# re-renders every lesson once.
RENDERER_VERSION = "3"

ProgressCallback = Callable[[int, int], None]


class CourseImportError(Exception):
    """A hard error in a course folder: the import is aborted and nothing is changed."""


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    archived: int = 0
    restored: int = 0

    @property
    def written(self) -> int:
        return self.created + self.updated + self.archived + self.restored


@dataclass
class ImportReport:
    course_slug: str
    course_title: str
    source_dir: str
    dry_run: bool
    course_created: bool = False
    course_updated: bool = False
    chapters: Tally = field(default_factory=Tally)
    lessons: Tally = field(default_factory=Tally)
    quizzes: Tally = field(default_factory=Tally)
    questions: Tally = field(default_factory=Tally)
    warnings: list[str] = field(default_factory=list)
    # Warning text -> URL of the page it is about ("" when none).
    warning_pages: dict[str, str] = field(default_factory=dict)
    # What changed, by name: {"kind": "chapter"|"lesson", "action": "created"|"updated"|
    # "restored"|"archived", "title": ..., "url": ...}, in course order (archived last).
    changes: list[dict] = field(default_factory=list)

    def note(self, kind: str, action: str, title: str, url: str) -> None:
        self.changes.append({"kind": kind, "action": action, "title": title, "url": url})

    @property
    def changed(self) -> bool:
        return (
            self.course_created
            or self.course_updated
            or self.chapters.written > 0
            or self.lessons.written > 0
            or self.quizzes.written > 0
            or self.questions.written > 0
        )

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def images_undescribed(self) -> list[str]:
        """The warnings about images whose alt text says nothing (``--strict`` refuses them)."""
        return images_undescribed(self.warnings)

    def summary_lines(self) -> list[str]:
        verb = "would be created" if self.dry_run else "created"
        lines = [f"Course '{self.course_title}' ({self.course_slug}) from {self.source_dir}"]
        if self.course_created:
            lines.append(f"  course    {verb}")
        tallies = [("chapters", self.chapters), ("lessons", self.lessons)]
        if self.quizzes.written or self.quizzes.unchanged:
            tallies += [("quizzes", self.quizzes), ("questions", self.questions)]
        for name, tally in tallies:
            lines.append(
                f"  {name:<9} {tally.created} created, {tally.updated} updated, "
                f"{tally.unchanged} unchanged, {tally.archived} archived, "
                f"{tally.restored} restored"
            )
        if self.images_undescribed:
            lines.append(
                f"  images    {len(self.images_undescribed)} without alt text that describes "
                "them: readers who cannot see them get nothing (describe them in the Markdown "
                "or in course.toml's [alt_text]; --strict refuses the import)"
            )
        if self.dry_run:
            lines.append("  dry run: nothing was written")
        return lines


IMAGE_ALT_CODE = "image-alt"


def images_undescribed(warnings: list[str]) -> list[str]:
    """Of an import's warnings (as ImportReport keeps them), those about alt text."""
    return [text for text in warnings if text.endswith(f"[{IMAGE_ALT_CODE}]")]


@dataclass(frozen=True)
class CourseConfig:
    slug: str
    title: str
    description: str
    lesson_level: int
    files: tuple[str, ...] | None
    # Image address as written -> the alt text the course gives it ([alt_text]).
    alt_text: dict[str, str] = field(default_factory=dict)


def read_course_config(course_dir: Path) -> CourseConfig:
    """Read and validate `course.toml` in a course folder; raise CourseImportError if unusable."""
    config_path = course_dir / "course.toml"
    try:
        raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CourseImportError(f"{config_path}: no course.toml in this folder") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CourseImportError(f"{config_path}: cannot read it ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise CourseImportError(f"{config_path}: not valid TOML ({exc})") from None

    def fail(message: str) -> CourseImportError:
        return CourseImportError(f"{config_path}: {message}")

    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        raise fail("'title' is required and must be text")
    slug = raw.get("slug", slugify(course_dir.name))
    if not isinstance(slug, str) or not slug or slugify(slug) != slug:
        raise fail(f"'slug' must be lowercase letters, digits and hyphens, not {slug!r}")
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise fail("'description' must be text")
    lesson_level = raw.get("lesson_level", 2)
    if not isinstance(lesson_level, int) or isinstance(lesson_level, bool):
        raise fail("'lesson_level' must be a whole number from 2 to 6")
    if not 2 <= lesson_level <= 6:
        raise fail(f"'lesson_level' must be from 2 to 6, not {lesson_level}")
    files = raw.get("files")
    if files is not None:
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files) or not files:
            raise fail("'files' must be a non-empty list of Markdown file names")
        files = tuple(files)
    alt_text = raw.get("alt_text", {})
    if not isinstance(alt_text, dict):
        raise fail("'[alt_text]' must be a table of image addresses and their alt text")
    for src, text in alt_text.items():
        if not isinstance(text, str) or not text.strip():
            raise fail(f"[alt_text] for '{src}' must be text that describes the image")
        if len(text) > 1000:
            raise fail(f"[alt_text] for '{src}' is over 1000 characters: say the rest in the text")
    return CourseConfig(
        slug=slug,
        title=title.strip(),
        description=description.strip(),
        lesson_level=lesson_level,
        files=files,
        alt_text={src: " ".join(text.split()) for src, text in alt_text.items()},
    )


def _natural_key(path: Path) -> list:
    # "2-x.md" before "10-y.md", as an author numbering files expects.
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name)]


def _source_files(course_dir: Path, config: CourseConfig) -> list[Path]:
    if config.files is None:
        paths = sorted(course_dir.glob("*.md"), key=_natural_key)
        if not paths:
            raise CourseImportError(f"{course_dir}: no Markdown (.md) files in this folder")
        return paths
    paths = []
    for name in config.files:
        path = (course_dir / name).resolve()
        if not path.is_relative_to(course_dir):
            raise CourseImportError(f"{course_dir}/course.toml: {name!r} is outside the course")
        if not path.is_file():
            raise CourseImportError(f"{course_dir}/course.toml: listed file {name!r} not found")
        paths.append(path)
    return paths


def _read_sources(course_dir: Path, config: CourseConfig) -> dict[str, tuple[Path, str]]:
    """Each Markdown file of the course, in reading order: display path -> (path, text)."""
    sources = {}
    for path in _source_files(course_dir, config):
        # Warnings name files the way an author sees them: "course-folder/file.md".
        display = f"{course_dir.name}/{path.relative_to(course_dir)}"
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CourseImportError(f"{display}: cannot read it ({exc})") from None
        sources[display] = (path, decode_source(data, display))
    return sources


def _content_hash(*parts: str) -> str:
    """A page's hash: its source, its rendering and the renderer's version."""
    return _hash(RENDERER_VERSION, *parts)


def _source_hash(*parts: str) -> str:
    """A page's source alone: what an admin edit is tied to."""
    return _hash("source", *parts)


def _hash(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _warning_text(warning: SplitWarning) -> str:
    return f"{warning} [{warning.code}]"


def course_import(
    *,
    course_dir: Path,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
    stage: Callable[[str], None] | None = None,
    publish_new: bool = True,
    strict: bool = False,
) -> ImportReport:
    """Import one course folder in a single transaction and report what changed.

    Unchanged chapters and lessons are not written at all (their content hash matches);
    chapters and lessons that disappeared are archived, never deleted, and come back if they
    reappear. With `dry_run` the same work is done and then rolled back. Raises
    CourseImportError for a folder that cannot be imported; nothing is changed then.
    ``stage`` hears "parsing", "rendering", "writing" and "quizzes" as the import gets there;
    ``progress`` hears (lessons done, lessons in all) while it renders. A course the import
    creates is published unless ``publish_new`` is off (uploads start as drafts); an existing
    course keeps its state. With ``strict``, an image without alt text that describes it is
    an error, not a warning (raises CourseImportError; nothing is changed).
    """
    with _no_cycle_collection():
        return _course_import(
            course_dir=course_dir,
            dry_run=dry_run,
            progress=progress,
            stage=stage or _quiet,
            publish_new=publish_new,
            strict=strict,
        )


def _quiet(stage: str) -> None:
    return None


def _course_lock(slug: str) -> None:
    """Take turns importing one course: two imports of the same new course at once (two
    containers starting, an admin's re-import beside the start-up one) would both create it,
    and one would fail on the slug. On PostgreSQL a transaction-level advisory lock on the
    slug makes the second wait and then find the course; SQLite takes the whole database's
    write lock at the transaction's start, which serializes them already."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"course:{slug}"]
            )


@contextmanager
def _no_cycle_collection():
    """Pause Python's cycle collector while an import holds a course's tokens.

    A large course is hundreds of thousands of live token objects; each automatic collection
    walks them all, which made a 100-fold course take 1.5 times longer per lesson than a
    10-fold one. Tokens hold no reference cycles (reference counting frees them), and the
    collector runs again, as before, the moment the import ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@transaction.atomic
def _course_import(
    *,
    course_dir: Path,
    dry_run: bool,
    progress: ProgressCallback | None,
    stage: Callable[[str], None],
    publish_new: bool,
    strict: bool = False,
) -> ImportReport:
    course_dir = course_dir.resolve()
    stage("parsing")
    config = read_course_config(course_dir)
    _course_lock(config.slug)
    try:
        sources = _read_sources(course_dir, config)
        split = split_course(
            [(display, text) for display, (_, text) in sources.items()],
            lesson_level=config.lesson_level,
            alt_text=config.alt_text,
        )
    except SourceError as exc:
        raise CourseImportError(str(exc)) from exc
    undescribed = [w for w in split.warnings if w.code == IMAGE_ALT_CODE]
    if strict and undescribed:
        raise CourseImportError(
            f"{len(undescribed)} image(s) without alt text that describes them (--strict):\n"
            + "\n".join(f"  {_warning_text(warning)}" for warning in undescribed)
        )

    report = ImportReport(
        course_slug=config.slug,
        course_title=config.title,
        source_dir=course_dir.name,
        dry_run=dry_run,
    )
    pages = _CoursePages(
        config=config,
        split=split,
        course_dir=course_dir,
        files={display: path for display, (path, _) in sources.items()},
        dry_run=dry_run,
    )
    stage("rendering")
    now = timezone.now()
    course = _course_upsert(
        config=config,
        split_preamble=split.preamble,
        intro=pages.render_preamble(),
        report=report,
        publish_new=publish_new,
    )

    existing_chapters = {c.slug: c for c in Chapter.objects.filter(course=course)}
    existing_lessons = {
        (lesson.chapter_id, lesson.slug): lesson for lesson in Lesson.objects.filter(course=course)
    }
    chapters_new: list[Chapter] = []
    chapters_written: list[Chapter] = []
    lesson_plans: list[tuple[Chapter, int, LessonSource]] = []
    for position, source in enumerate(split.chapters, start=1):
        prepared = pages.prepare_chapter(source)
        source_hash = _source_hash(source.title, source.intro)
        # Where the page's links lead is part of the hash: a link whose target moved to
        # another lesson, or a changed image, re-renders the page though its text is the same.
        content_hash = _content_hash(source.title, source.intro, prepared.signature)
        chapter = existing_chapters.pop(source.slug, None)
        if chapter is None:
            chapter = Chapter(course=course, slug=source.slug)
            chapters_new.append(chapter)
        content_hash = _keep_admin_edit(chapter, source_hash, content_hash)
        action = _needs_write(chapter, content_hash, position, source.path, report.chapters)
        if action:
            report.note("chapter", action, source.title, pages.chapter_pages[source.slug].url)
            if chapter.content_hash != content_hash:
                _chapter_store(chapter, source.intro, prepared.render(), content_hash)
                chapter.source_hash = source_hash
                chapter.edited_at = None
            chapter.title = source.title
            chapter.position = position
            chapter.source_path = source.path
            chapter.is_archived = False
            chapter.updated = now
            if chapter.pk is not None:
                chapters_written.append(chapter)
        lesson_plans.extend((chapter, i, s) for i, s in enumerate(source.lessons, start=1))
    gone_chapters = _archive(existing_chapters.values(), now, report.chapters)
    chapters_written += gone_chapters

    Chapter.objects.bulk_create(chapters_new)
    if chapters_written:
        Chapter.objects.bulk_update(chapters_written, _CHAPTER_FIELDS)

    lessons_new: list[Lesson] = []
    lessons_written: list[Lesson] = []
    for done, (chapter, position, source) in enumerate(lesson_plans, start=1):
        prepared = pages.prepare_lesson(chapter.slug, source)
        source_hash = _source_hash(source.title, source.source)
        content_hash = _content_hash(source.title, source.source, prepared.signature)
        lesson = existing_lessons.pop((chapter.pk, source.slug), None)
        if lesson is None:
            lesson = Lesson(course=course, chapter=chapter, slug=source.slug)
            lessons_new.append(lesson)
        content_hash = _keep_admin_edit(lesson, source_hash, content_hash)
        action = _needs_write(lesson, content_hash, position, source.path, report.lessons)
        if action:
            url = pages.lesson_pages[chapter.slug, source.slug].url
            report.note("lesson", action, source.title, url)
            if lesson.content_hash != content_hash:
                _lesson_store(lesson, source.source, prepared.render(), content_hash)
                lesson.source_hash = source_hash
                lesson.edited_at = None
            lesson.title = source.title
            lesson.position = position
            lesson.source_path = source.path
            lesson.is_archived = False
            lesson.updated = now
            if lesson.pk is not None:
                lessons_written.append(lesson)
        if progress is not None:
            progress(done, len(lesson_plans))
    gone_lessons = _archive(existing_lessons.values(), now, report.lessons)
    lessons_written += gone_lessons
    for row in gone_chapters:
        report.note("chapter", "archived", row.title, "")
    for row in gone_lessons:
        report.note("lesson", "archived", row.title, "")
    stage("writing")

    Lesson.objects.bulk_create(lessons_new, batch_size=500)
    if lessons_written:
        Lesson.objects.bulk_update(lessons_written, _LESSON_FIELDS, batch_size=500)

    ordered = sorted(
        [*split.warnings, *pages.links.warnings],
        key=lambda w: (pages.file_order.get(w.path, 0), w.line),
    )
    report.warnings = [_warning_text(warning) for warning in ordered]
    # Where each warning is on the site: the page whose text holds its line.
    report.warning_pages = {
        _warning_text(warning): pages.page_at(warning.path, warning.line) for warning in ordered
    }
    # Quizzes (registered by the quizzes app) hang off the chapters and lessons just written:
    # same transaction, same report.
    stage("quizzes")
    for extension in extensions():
        if extension.import_step is not None:
            extension.import_step(course=course, course_dir=course_dir, report=report)

    if report.changed:
        course.content_version = content_changed(course_ids=[course.pk])
    if dry_run:
        transaction.set_rollback(True)
    return report


_CHAPTER_FIELDS = [
    "title",
    "position",
    "intro_markdown",
    "intro_html",
    "intro_text",
    "content_hash",
    "source_hash",
    "edited_at",
    "source_path",
    "is_archived",
    "updated",
]
_LESSON_FIELDS = [
    "title",
    "position",
    "body_markdown",
    "body_html",
    "body_text",
    "toc",
    "word_count",
    "reading_minutes",
    "content_hash",
    "source_hash",
    "edited_at",
    "source_path",
    "is_archived",
    "updated",
]


def _keep_admin_edit(row: Chapter | Lesson, source_hash: str, content_hash: str) -> str:
    """The content hash to compare: the stored one while an admin edit stands.

    An edit stands until the row's source changes, whatever else changed (a renderer
    upgrade, a link target moving): the instructor's fix is not silently undone.
    """
    if row.pk is not None and row.edited_at is not None and row.source_hash == source_hash:
        return row.content_hash
    return content_hash


def _needs_write(
    row: Chapter | Lesson, content_hash: str, position: int, path: str, tally: Tally
) -> str | None:
    """Count the row in the tally; return what a write would do to it, None for nothing."""
    if row.pk is None:
        tally.created += 1
        return "created"
    if row.is_archived:
        tally.restored += 1
        return "restored"
    if (row.content_hash, row.position, row.source_path) != (content_hash, position, path):
        tally.updated += 1
        return "updated"
    tally.unchanged += 1
    return None


def _archive[T: (Chapter, Lesson)](rows, now, tally: Tally) -> list[T]:
    """Archive rows that left the source. Never delete: students' data hangs on them."""
    archived = [row for row in rows if not row.is_archived]
    for row in archived:
        row.is_archived = True
        row.updated = now
    tally.archived = len(archived)
    return archived


def _course_upsert(
    *,
    config: CourseConfig,
    split_preamble: str,
    intro: Rendered,
    report: ImportReport,
    publish_new: bool,
) -> Course:
    course = Course.objects.select_for_update().filter(slug=config.slug).first()
    values = {
        "title": config.title,
        "description": config.description,
        "lesson_level": config.lesson_level,
        "alt_text": config.alt_text,
        "source_dir": report.source_dir,
        "intro_markdown": split_preamble,
        "intro_html": intro.html,
    }
    if course is None:
        course = Course(slug=config.slug, is_published=publish_new, **values)
        course.full_clean()
        course.save()
        report.course_created = True
        return course
    changed = [name for name, value in values.items() if getattr(course, name) != value]
    if changed:
        for name in changed:
            setattr(course, name, values[name])
        course.full_clean()
        course.save(update_fields=[*changed, "updated"])
        report.course_updated = True
    return course


def course_dirs(content_dir: Path | None = None) -> list[Path]:
    """Every course folder (one holding a course.toml) under the content directory."""
    root = content_dir or settings.LECTERN_CONTENT_DIR
    return sorted(p.parent for p in root.glob("*/course.toml"))


def import_run_execute(*, run_id: int) -> None:
    """Run a queued import. Safe to call twice: only the call that claims the run does work.

    An uploaded course is unpacked first (courses.archives: nothing unsafe is written) into
    a staging folder; once imported for real it replaces its earlier upload under
    LECTERN_UPLOADED_COURSES_DIR/<slug>, where re-imports find it. Whatever happens, the run
    ends succeeded or failed, except after a transient database error: then it goes back to
    queued and the exception lets the task's retry claim it again. Its stage is reported as
    it goes (courses.run_progress).
    """
    claimed = ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.QUEUED).update(
        status=ImportRun.Status.RUNNING, started=timezone.now()
    )
    if not claimed:
        return
    run = ImportRun.objects.get(pk=run_id)
    staging = settings.LECTERN_UPLOADED_COURSES_DIR / ".staging" / str(run.pk)
    try:
        if run.upload:
            run_progress_set(run.pk, "unpacking")
            course_dir = _upload_unpack(run, staging)
        else:
            course_dir = course_folder(run.source_dir)
        report = course_import(
            course_dir=course_dir,
            dry_run=run.dry_run,
            stage=partial(run_progress_set, run.pk),
            progress=lambda done, total: run_progress_set(run.pk, "rendering", done, total),
            # A course uploaded in the browser starts as a draft, for staff to read first.
            publish_new=not run.upload,
        )
        if run.upload and not run.dry_run:
            _upload_install(course_dir, report.course_slug)
    except (CourseImportError, ArchiveError) as exc:
        run.status = ImportRun.Status.FAILED
        run.error = str(exc)
    except OperationalError:
        ImportRun.objects.filter(pk=run_id).update(status=ImportRun.Status.QUEUED, started=None)
        raise
    except Exception as exc:
        logger.exception("Import run %s failed unexpectedly", run_id)
        run.status = ImportRun.Status.FAILED
        run.error = f"Unexpected error (details in the worker log): {exc!r}"
    else:
        run.status = ImportRun.Status.SUCCEEDED
        run.report = report.as_dict()
        run.source_dir = run.source_dir or report.source_dir
        run.course = Course.objects.filter(slug=report.course_slug).first()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    run.finished = timezone.now()
    # "done" before the status: whoever sees the run ended also sees its last stage.
    run_progress_set(run.pk, "done")
    run.save(update_fields=["status", "error", "report", "course", "source_dir", "finished"])


def course_folder(source_dir: str) -> Path:
    """Where a course's source is: content/ (LECTERN_CONTENT_DIR), else the uploads."""
    shipped = settings.LECTERN_CONTENT_DIR / source_dir
    if shipped.is_dir() or not source_dir:
        return shipped
    return settings.LECTERN_UPLOADED_COURSES_DIR / source_dir


def _upload_unpack(run: ImportRun, staging: Path) -> Path:
    """Unpack a run's upload into ``staging/<slug>``: the folder name is the course's slug,
    so warnings and re-imports name it the same before and after it is installed."""
    shutil.rmtree(staging, ignore_errors=True)
    raw = staging / "unpacked"
    name = run.upload_name or Path(run.upload.name).name
    limits = Limits(
        max_files=settings.LECTERN_UPLOAD_MAX_FILES, max_bytes=settings.LECTERN_UPLOAD_MAX_BYTES
    )
    with run.upload.open("rb") as upload:
        if name.lower().endswith((".md", ".markdown")):
            folder = unpack_markdown(upload.read(), name, raw / "course", limits=limits)
        else:
            folder = unpack_course(upload, raw, limits=limits)
    slug = _upload_slug(folder, fallback=Path(name).stem)
    target = staging / slug
    folder.rename(target)
    return target


def _upload_slug(folder: Path, *, fallback: str) -> str:
    try:
        explicit = tomllib.loads((folder / "course.toml").read_text(encoding="utf-8")).get("slug")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        explicit = None  # read_course_config reports it with the file's name
    if isinstance(explicit, str) and explicit:
        return explicit
    named = folder.name if folder.name not in ("unpacked", "course") else fallback
    return slugify(named) or "course"


def _upload_install(course_dir: Path, slug: str) -> None:
    """Make an imported upload the course's source: LECTERN_UPLOADED_COURSES_DIR/<slug>."""
    destination = settings.LECTERN_UPLOADED_COURSES_DIR / slug
    previous = course_dir.parent / "previous"
    if destination.exists():
        destination.rename(previous)
    shutil.move(str(course_dir), destination)


class _CoursePages:
    """Renders each page of an import from the split's tokens, resolving links across pages.

    Every page (course introduction, chapter introductions, lessons) is known before the
    first is rendered, so a link to a heading anywhere in the course finds its lesson.
    """

    def __init__(
        self,
        *,
        config: CourseConfig,
        split: SplitResult,
        course_dir: Path,
        files: dict[str, Path],
        dry_run: bool,
    ) -> None:
        self.split = split
        self.alt_text = config.alt_text
        self.course_url = reverse("courses:course-detail", kwargs={"course_slug": config.slug})
        self.file_order = {display: index for index, display in enumerate(files)}
        first_path = next(iter(files), "")
        self.preamble_page = Page(self.course_url, first_path, "", split.preamble_anchors)
        self.chapter_pages: dict[str, Page] = {}
        self.lesson_pages: dict[tuple[str, str], Page] = {}
        # (file, line of the heading, page URL), in reading order.
        self.headings: list[tuple[str, int, str]] = []
        for chapter in split.chapters:
            url = f"{self.course_url}{chapter.slug}/"
            self.chapter_pages[chapter.slug] = Page(
                url, chapter.path, chapter.anchor, chapter.anchors
            )
            self.headings.append((chapter.path, chapter.line, url))
            for lesson in chapter.lessons:
                self.lesson_pages[chapter.slug, lesson.slug] = Page(
                    f"{url}{lesson.slug}/", lesson.path, lesson.anchor, lesson.anchors
                )
                self.headings.append((lesson.path, lesson.line, f"{url}{lesson.slug}/"))
        self._heading_index: dict[str, tuple[list[int], list[str]]] | None = None
        self.links = CourseLinks(
            course_dir=course_dir,
            files=files,
            pages=[
                self.preamble_page,
                *self.chapter_pages.values(),
                *self.lesson_pages.values(),
            ],
            store_file=partial(_course_file_store, course_slug=config.slug, dry_run=dry_run),
        )

    def page_at(self, path: str, line: int) -> str:
        """The URL of the page whose text holds ``path:line`` (the last heading above it).

        A binary search in the file's headings: a scan of every heading for every warning
        made the import of a long course grow with the square of its length."""
        if self._heading_index is None:
            self._heading_index = {}
            for heading_path, heading_line, page_url in self.headings:
                lines, urls = self._heading_index.setdefault(heading_path, ([], []))
                lines.append(heading_line)
                urls.append(page_url)
        lines, urls = self._heading_index.get(path, ([], []))
        # A file's headings come in reading order, so their lines only grow.
        found = bisect.bisect_right(lines, line)
        return urls[found - 1] if found else self.course_url

    def render_preamble(self) -> Rendered:
        links = self.links.resolver(self.preamble_page)
        return prepare_spans(
            self.split.preamble_spans, links=links, alt_text=self.alt_text
        ).render()

    def prepare_chapter(self, chapter: ChapterSource) -> PreparedPage:
        page = self.chapter_pages[chapter.slug]
        return prepare_spans(chapter.spans, links=self.links.resolver(page), alt_text=self.alt_text)

    def prepare_lesson(self, chapter_slug: str, lesson: LessonSource) -> PreparedPage:
        page = self.lesson_pages[chapter_slug, lesson.slug]
        return prepare_spans(lesson.spans, links=self.links.resolver(page), alt_text=self.alt_text)


def _course_file_store(path: Path, *, course_slug: str, dry_run: bool) -> str | None:
    return course_file_store(course_slug=course_slug, path=path, dry_run=dry_run)


def chapter_intro_update(*, chapter: Chapter, intro_markdown: str) -> list[str]:
    """Save a chapter introduction edited in the admin, rendered the way an import does.

    Links and images resolve as in an import (see _stored_course_links). The edit lasts
    until the chapter's source changes (see _keep_admin_edit). Returns the warnings about
    its links, as ``file:line`` text.
    """
    links = _stored_course_links(chapter.course)
    page = Page(f"{chapter.course.get_absolute_url()}{chapter.slug}/", chapter.source_path)
    rendered = render_markdown(
        intro_markdown,
        links=links.resolver(page),
        path=chapter.source_path,
        alt_text=chapter.course.alt_text,
    )
    _chapter_store(chapter, intro_markdown, rendered, chapter.content_hash)
    chapter.edited_at = timezone.now()
    chapter.full_clean()
    chapter.save()
    content_changed(course_ids=[chapter.course_id])
    return [_edit_warning_text(w) for w in links.warnings]


def lesson_body_update(*, lesson: Lesson, body_markdown: str) -> list[str]:
    """Save a lesson edited in the admin, rendered the way an import does.

    Re-importing keeps the edit, even after a renderer upgrade; only a change to the
    lesson in the source replaces it (see _keep_admin_edit). Returns the warnings about its
    links, as ``file:line`` text (lines counted in the edited text).
    """
    links = _stored_course_links(lesson.course)
    page = Page(lesson.get_absolute_url(), lesson.source_path)
    rendered = render_markdown(
        body_markdown,
        links=links.resolver(page),
        path=lesson.source_path,
        alt_text=lesson.course.alt_text,
    )
    _lesson_store(lesson, body_markdown, rendered, lesson.content_hash)
    lesson.edited_at = timezone.now()
    lesson.full_clean()
    lesson.save()
    content_changed(course_ids=[lesson.course_id])
    return [_edit_warning_text(w) for w in links.warnings]


def _edit_warning_text(warning: SplitWarning) -> str:
    return f"line {warning.line} of the edited text: {warning.message} [{warning.code}]"


def lesson_preview(*, lesson: Lesson, body_markdown: str) -> tuple[Rendered, list[str]]:
    """What saving this text would show students, and its link warnings; writes nothing
    (files it references are not stored until the edit is saved)."""
    links = _stored_course_links(lesson.course, store=False)
    page = Page(lesson.get_absolute_url(), lesson.source_path)
    rendered = render_markdown(
        body_markdown,
        links=links.resolver(page),
        path=lesson.source_path,
        alt_text=lesson.course.alt_text,
    )
    return rendered, [_edit_warning_text(w) for w in links.warnings]


def _stored_course_links(course: Course, *, store: bool = True) -> CourseLinks:
    """The course's pages as last imported (from the database) and its folder's files.

    What an admin edit needs to resolve links the way the import does: ``#anchor`` and
    ``other.md`` links to the lesson holding the heading, relative images stored and served.
    """
    course_dir = course_folder(course.source_dir).resolve()
    course_url = course.get_absolute_url()
    pages = [Page(course_url, "")]
    files: dict[str, Path] = {}
    chapters = {c.pk: c for c in Chapter.objects.filter(course=course, is_archived=False)}
    for chapter in chapters.values():
        pages.append(
            Page(f"{course_url}{chapter.slug}/", chapter.source_path, github_slug(chapter.title))
        )
    lessons = Lesson.objects.filter(course=course, is_archived=False, chapter__in=chapters)
    for lesson in lessons.only("slug", "title", "toc", "source_path", "chapter_id"):
        pages.append(
            Page(
                f"{course_url}{chapters[lesson.chapter_id].slug}/{lesson.slug}/",
                lesson.source_path,
                github_slug(lesson.title),
                tuple(entry["id"] for entry in lesson.toc),
            )
        )
    for row in (*chapters.values(), *lessons):
        # Display paths are "<course folder>/<path in it>".
        _, _, inside = row.source_path.partition("/")
        if inside:
            files[row.source_path] = course_dir / inside
    return CourseLinks(
        course_dir=course_dir,
        files=files,
        pages=pages,
        store_file=partial(_course_file_store, course_slug=course.slug, dry_run=not store),
    )


def _chapter_store(
    chapter: Chapter, intro_markdown: str, rendered: Rendered, content_hash: str
) -> None:
    chapter.intro_markdown = intro_markdown
    chapter.intro_html = rendered.html
    chapter.intro_text = rendered.text
    chapter.content_hash = content_hash


def _lesson_store(
    lesson: Lesson, body_markdown: str, rendered: Rendered, content_hash: str
) -> None:
    lesson.body_markdown = body_markdown
    lesson.body_html = rendered.html
    lesson.body_text = rendered.text
    lesson.toc = [asdict(entry) for entry in rendered.toc]
    lesson.word_count = rendered.word_count
    lesson.reading_minutes = rendered.reading_minutes
    lesson.content_hash = content_hash


# --- Progress -------------------------------------------------------------------------------


def enrollment_ensure(*, user, course: Course, enrolled_by=None) -> Enrollment:
    """Enroll a student on a course, or back on it after they left; enrolling twice changes
    nothing. ``enrolled_by``: the staff member who enrolled them, if not themselves."""
    now = timezone.now()
    # INSERT ... ON CONFLICT DO NOTHING: two concurrent requests cannot make two rows.
    Enrollment.objects.bulk_create(
        [
            Enrollment(
                user=user,
                course=course,
                enrolled_at=now,
                last_activity_at=now,
                enrolled_by=enrolled_by,
            )
        ],
        ignore_conflicts=True,
    )
    # Back after leaving: the enrollment and everything attached to it are as they were.
    Enrollment.objects.filter(user=user, course=course, left_at__isnull=False).update(
        left_at=None, last_activity_at=now
    )
    return Enrollment.objects.get(user=user, course=course)


def enrollment_activity_record(*, user, course: Course) -> None:
    """A student did something in a course (started a quiz): enroll them if they were not,
    and record the activity. One upsert; a student who left stays left."""
    _enrollment_touch(user=user, course_id=course.pk, now=timezone.now())


def enrollment_leave(*, user, course: Course) -> bool:
    """A student leaves a course (or staff unenroll them): the enrollment is marked, never
    deleted, so progress and attempts stay. Returns False if they were not enrolled."""
    return bool(
        Enrollment.objects.filter(user=user, course=course, left_at__isnull=True).update(
            left_at=timezone.now()
        )
    )


def lesson_view_record(*, user, lesson: Lesson) -> bool:
    """Note that a student opened a lesson: enrolls them and moves "continue" to this lesson.

    Two upserts, safe under concurrent requests; but only when they change something: a
    reload of the lesson last recorded, within VIEW_RECORD_EVERY of recording it, writes
    nothing (the page read the student's place with the course: courses.selectors.Reader).
    Going to another lesson, or coming back after VIEW_RECORD_EVERY, records again; "last
    viewed" times are therefore exact to VIEW_RECORD_EVERY. Returns whether it wrote.
    """
    reader = reader_get(user=user, course=lesson.course)
    if reader.last_lesson_id == lesson.pk and lesson.pk in reader.viewed_recently:
        return False
    now = timezone.now()
    _enrollment_touch(
        user=user, course_id=lesson.course_id, now=now, lesson=lesson, move_continue=True
    )
    LessonProgress.objects.bulk_create(
        [
            LessonProgress(
                user=user,
                lesson=lesson,
                course_id=lesson.course_id,
                first_viewed_at=now,
                last_viewed_at=now,
            )
        ],
        update_conflicts=True,
        unique_fields=["user", "lesson"],
        update_fields=["last_viewed_at"],
    )
    return True


@transaction.atomic
def lesson_complete(*, user, lesson: Lesson) -> LessonProgress:
    """Mark a lesson complete. Idempotent: a double click leaves one row and one completion time."""
    now = timezone.now()
    LessonProgress.objects.bulk_create(
        [LessonProgress(user=user, lesson=lesson, course_id=lesson.course_id)],
        ignore_conflicts=True,
    )
    # Only the first completion sets the time; a repeat matches no row.
    LessonProgress.objects.filter(user=user, lesson=lesson, completed_at__isnull=True).update(
        completed_at=now
    )
    _enrollment_touch(user=user, course_id=lesson.course_id, now=now, lesson=lesson)
    enrollment_completion_refresh(user=user, course=lesson.course)
    return LessonProgress.objects.get(user=user, lesson=lesson)


@transaction.atomic
def lesson_uncomplete(*, user, lesson: Lesson) -> None:
    """Undo "mark as complete" (a student changed their mind); viewing history is kept."""
    LessonProgress.objects.filter(user=user, lesson=lesson).update(completed_at=None)
    enrollment_completion_refresh(user=user, course=lesson.course)


def _enrollment_touch(
    *, user, course_id: int, now, lesson: Lesson | None = None, move_continue: bool = False
) -> None:
    """Enroll if needed (one upsert) and record activity; `move_continue` also points
    "continue where you left off" at ``lesson``."""
    Enrollment.objects.bulk_create(
        [
            Enrollment(
                user=user,
                course_id=course_id,
                enrolled_at=now,
                last_lesson=lesson,
                last_activity_at=now,
            )
        ],
        update_conflicts=True,
        unique_fields=["user", "course"],
        update_fields=["last_lesson", "last_activity_at"]
        if move_continue
        else ["last_activity_at"],
    )
