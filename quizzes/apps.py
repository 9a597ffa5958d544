from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "Quizzes"

    def ready(self) -> None:
        # Quizzes sit above courses: courses calls these hooks and never imports quizzes.
        from courses.extensions import CourseExtension, register
        from quizzes import exporting, importing, selectors

        register(
            CourseExtension(
                name="quizzes",
                import_step=importing.course_quizzes_import,
                requirements=selectors.quiz_progress_for_courses,
                course_page=selectors.course_page,
                chapter_page=selectors.chapter_page,
                lesson_page=selectors.lesson_quiz_context,
                archive_files=exporting.course_archive_files,
            )
        )
