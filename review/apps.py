from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "Review"

    def ready(self) -> None:
        # Review sits above courses and quizzes: they call these hooks and send these
        # signals, and never import review.
        from courses.extensions import CourseExtension, register
        from courses.signals import completion_changed
        from quizzes.signals import attempts_graded
        from review import due_cache, pages

        register(
            CourseExtension(
                name="review",
                course_page=pages.course_page,
                dashboard=pages.dashboard,
                content_changed=due_cache.content_changed,
            )
        )
        attempts_graded.connect(due_cache.results_changed, dispatch_uid="review-due")
        completion_changed.connect(due_cache.results_changed, dispatch_uid="review-due")
