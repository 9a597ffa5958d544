import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.services import CourseImportError, course_import


class ProgressBar:
    """A one-line progress bar, drawn only on a terminal so logs stay clean."""

    def __init__(self, stream, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.enabled = stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total == 0:
            return
        filled = self.width * done // total
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r[{bar}] {done}/{total} lessons")
        if done == total:
            self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Import (or re-import) a course folder holding course.toml and Markdown chapters."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The course folder, e.g. content/my-course")
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would change; write nothing."
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="Refuse the import if an image has no alt text that describes it.",
        )

    def handle(self, *args, path: Path, dry_run: bool, strict: bool = False, **options) -> None:
        if not path.is_dir():
            raise CommandError(f"{path}: not a folder")
        try:
            report = course_import(
                course_dir=path,
                dry_run=dry_run,
                progress=ProgressBar(sys.stderr),
                strict=strict,
            )
        except CourseImportError as exc:
            raise CommandError(f"Import failed, nothing was changed.\n{exc}") from exc
        for line in report.summary_lines():
            self.stdout.write(line)
        if report.warnings:
            self.stdout.write(self.style.WARNING(f"{len(report.warnings)} warning(s):"))
            for warning in report.warnings:
                self.stdout.write(self.style.WARNING(f"  {warning}"))
        else:
            self.stdout.write("No warnings.")
