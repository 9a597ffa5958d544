from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.models import Course
from quizzes.exporting import course_gift, quiz_gift
from quizzes.models import Quiz


class Command(BaseCommand):
    help = (
        "Export a course's quizzes (or one quiz) as GIFT, Moodle's quiz text format: "
        "importable by Moodle and by Lectern."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("course", help="The course's slug, e.g. aws-cloud-fundamentals")
        parser.add_argument(
            "--quiz", help="Only this quiz, by its key (a chapter slug, or '<chapter>/<lesson>')"
        )
        parser.add_argument(
            "--output", "-o", type=Path, help="Write to this file (default: standard output)"
        )

    def handle(self, *args, course: str, quiz: str | None, output: Path | None, **options):
        found = Course.objects.filter(slug=course).first()
        if found is None:
            raise CommandError(f"No course with the slug {course!r}")
        if quiz is None:
            text = course_gift(course=found)
        else:
            one = Quiz.objects.filter(course=found, key=quiz).first()
            if one is None:
                keys = ", ".join(Quiz.objects.filter(course=found).values_list("key", flat=True))
                raise CommandError(f"No quiz {quiz!r} in {course} (quizzes: {keys or 'none'})")
            text = quiz_gift(quiz=one)
        if output is None:
            self.stdout.write(text, ending="")
        else:
            output.write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {output}")
