"""Download a course as a .zip and import it again: the same course, admin edits included."""

import io
import zipfile

from django.test import Client

from courses.models import Chapter, Course, Lesson, LessonProgress
from courses.services import course_import, lesson_body_update, lesson_complete
from quizzes.models import Question, Quiz


def test_a_downloaded_course_reimports_to_the_same_course_with_its_admin_edits(
    seed_course, student: Client, instructor: Client, tmp_path
):
    lesson = Lesson.objects.get(slug="billing")
    lesson_body_update(lesson=lesson, body_markdown="Fixed in the admin.\n\n- one\n  - two\n")
    lesson_complete(user=student.user, lesson=lesson)
    before = {
        "chapters": list(Chapter.objects.values_list("pk", "slug", "title", "position")),
        "lessons": list(Lesson.objects.values_list("pk", "slug", "title", "chapter_id")),
        "questions": sorted(Question.objects.values_list("pk", "key", "is_archived")),
        "quizzes": sorted(Quiz.objects.values_list("pk", "key", "pass_mark", "show_answers")),
    }

    response = instructor.post(
        "/admin/courses/course/", {"action": "download", "_selected_action": [seed_course.pk]}
    )

    assert response["Content-Disposition"] == 'attachment; filename="aws-cloud-fundamentals.zip"'
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path)
    assert "aws-cloud-fundamentals/quizzes/chapter-2-iam.gift" in names

    report = course_import(course_dir=tmp_path / "aws-cloud-fundamentals")

    assert (report.lessons.created, report.lessons.archived) == (0, 0)
    assert (report.questions.created, report.questions.archived) == (0, 0)
    after = {
        "chapters": list(Chapter.objects.values_list("pk", "slug", "title", "position")),
        "lessons": list(Lesson.objects.values_list("pk", "slug", "title", "chapter_id")),
        "questions": sorted(Question.objects.values_list("pk", "key", "is_archived")),
        "quizzes": sorted(Quiz.objects.values_list("pk", "key", "pass_mark", "show_answers")),
    }
    assert after == before
    lesson.refresh_from_db()
    assert lesson.body_markdown.startswith("Fixed in the admin.")
    assert LessonProgress.objects.filter(user=student.user, lesson=lesson).exists()
    assert Course.objects.count() == 1
