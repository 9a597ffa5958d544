from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "Review"

    def ready(self) -> None:
        # Review sits above courses: courses calls these hooks and never imports review.
        from courses.extensions import CourseExtension, register
        from review import pages

        register(
            CourseExtension(name="review", course_page=pages.course_page, dashboard=pages.dashboard)
        )
