from django.core.management.base import BaseCommand

from courses.models import Course
from search.index import courses_index_refresh, index_rebuild


class Command(BaseCommand):
    help = (
        "Index the lessons written since they were last indexed, in every course (a site "
        "upgraded to a Lectern with search runs it once). --rebuild indexes everything anew."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="drop the index first")

    def handle(self, *args, rebuild: bool = False, **options) -> None:
        if rebuild:
            count = index_rebuild()
        else:
            count = courses_index_refresh(course_ids=Course.objects.values_list("pk", flat=True))
        self.stdout.write(f"{count} lesson(s) indexed")
