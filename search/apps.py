from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        # Search sits above courses: courses calls this hook when a course's content changes
        # and never imports search.
        from courses.extensions import CourseExtension, register
        from search import index

        register(CourseExtension(name="search", content_changed=index.courses_index_refresh))
