from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.services import demo_user_ensure
from config.embedded_beat import EmbeddedBeat
from courses.services import CourseImportError, course_dirs, course_import

DEMO_USERS = (
    # (role, email, password, is_instructor)
    ("instructor", "instructor@lectern.localhost", "lectern-instructor", True),
    ("student", "student@lectern.localhost", "lectern-student", False),
)


class Command(BaseCommand):
    help = (
        "Set up a local demo and serve it: migrate, import every course in the content folder, "
        "create a demo instructor and student, run the server on 127.0.0.1:8000. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument(
            "--no-serve", action="store_true", help="Set everything up, but do not serve."
        )

    def handle(self, *args, addrport: str, no_serve: bool, **options) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "quickstart creates demo accounts with published passwords; it only runs with "
                "DEBUG on. In production run migrate and import_course instead."
            )
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database is up to date.")

        dirs = course_dirs()
        if not dirs:
            self.stdout.write(self.style.WARNING(f"No courses in {settings.LECTERN_CONTENT_DIR}."))
        for course_dir in dirs:
            try:
                report = course_import(course_dir=course_dir)
            except CourseImportError as exc:
                self.stderr.write(self.style.ERROR(f"Skipped {course_dir.name}: {exc}"))
                continue
            for line in report.summary_lines():
                self.stdout.write(line)
            if report.warnings:
                self.stdout.write(
                    f"  {len(report.warnings)} warning(s); see them with "
                    f"`manage.py import_course {course_dir} --dry-run`"
                )

        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo logins (for this local demo only):"))
        for role, email, password, is_instructor in DEMO_USERS:
            demo_user_ensure(email=email, password=password, is_instructor=is_instructor)
            self.stdout.write(f"  {role:<10}  {email}  /  {password}")
        self.stdout.write("")
        self.stdout.write(f"Lectern:            http://{addrport}/")
        self.stdout.write(f"Admin (instructor): http://{addrport}/admin/")
        if no_serve:
            return
        # No beat process without a broker: run its sweeps beside the server (closing
        # attempts past their deadline, recovering an import a crash left running).
        beat = (
            EmbeddedBeat(settings.CELERY_BEAT_SCHEDULE)
            if settings.CELERY_TASK_ALWAYS_EAGER
            else None
        )
        if beat:
            beat.start()
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            if beat:
                beat.stop()
