"""Download a course: its folder rebuilt from what Lectern holds, as a .zip to re-import.

The Markdown is written from the stored chapters and lessons, so edits made in the admin
come along; every heading pins its address (``{#slug}``), so the re-import keeps every
address and with it every student's progress. Files next to the original Markdown (images,
downloads) are copied from the course's folder when it is still there. Rooms above courses
add their own files (quizzes: GIFT files and settings) through ``archive_files``
(courses.extensions).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from courses.extensions import extensions
from courses.models import Chapter, Course, Lesson
from courses.services import course_folder

MARKDOWN_NAME = "notes.md"


def course_archive(*, course: Course) -> bytes:
    """The course as a .zip of its folder (``<slug>/course.toml``, ``<slug>/notes.md``, ...)."""
    files = course_files(course=course)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(f"{course.slug}/{name}", data)
    return buffer.getvalue()


def course_files(*, course: Course) -> dict[str, bytes]:
    """Path inside the course folder -> content, for every file of the rebuilt course."""
    files = _original_files(course)
    toml = [f"title = {toml_string(course.title)}", f"slug = {toml_string(course.slug)}"]
    if course.description:
        toml.append(f"description = {toml_string(course.description)}")
    toml += [f"lesson_level = {course.lesson_level}", f'files = ["{MARKDOWN_NAME}"]']
    extra: dict[str, bytes] = {}
    tables: list[str] = []
    for extension in extensions():
        if extension.archive_files is not None:
            more, toml_tables = extension.archive_files(course=course)
            extra.update(more)
            tables.append(toml_tables)
    if course.alt_text:
        # Before the rooms' tables: a bare key after a table header would belong to it.
        described = "".join(
            f"{toml_string(src)} = {toml_string(text)}\n"
            for src, text in sorted(course.alt_text.items())
        )
        tables.insert(0, f"\n[alt_text]\n{described}")
    files["course.toml"] = ("\n".join(toml) + "\n" + "".join(tables)).encode()
    files[MARKDOWN_NAME] = _markdown(course).encode()
    files.update(extra)
    return files


def _markdown(course: Course) -> str:
    chapter_marks = "#" * (course.lesson_level - 1)
    lesson_marks = "#" * course.lesson_level
    parts = [course.intro_markdown.strip()] if course.intro_markdown.strip() else []
    lessons: dict[int, list[Lesson]] = {}
    for lesson in Lesson.objects.filter(course=course, is_archived=False).order_by("position"):
        lessons.setdefault(lesson.chapter_id, []).append(lesson)
    for chapter in Chapter.objects.filter(course=course, is_archived=False).order_by("position"):
        parts.append(f"{chapter_marks} {chapter.title} {{#{chapter.slug}}}")
        if chapter.intro_markdown.strip():
            parts.append(chapter.intro_markdown.strip())
        for lesson in lessons.get(chapter.pk, []):
            parts.append(f"{lesson_marks} {lesson.title} {{#{lesson.slug}}}")
            if lesson.body_markdown.strip():
                parts.append(lesson.body_markdown.strip())
    return "\n\n".join(parts) + "\n"


def _original_files(course: Course) -> dict[str, bytes]:
    """Files of the course's folder that are not its Markdown, course.toml or quizzes."""
    folder = course_folder(course.source_dir) if course.source_dir else None
    if folder is None or not folder.is_dir():
        return {}
    found = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if (
            not path.is_file()
            or path.is_symlink()
            or relative.parts[0] == "quizzes"
            or path.suffix.lower() in (".md", ".markdown")
            or relative == Path("course.toml")
            or any(part.startswith(".") for part in relative.parts)
        ):
            continue
        found[relative.as_posix()] = path.read_bytes()
    return found


def toml_string(value: str) -> str:
    """A TOML basic string holding ``value``."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'
