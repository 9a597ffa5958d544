import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from courses.models import Course, ImportRun, Lesson


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/courses/course/",
        "/admin/courses/lesson/",
        "/admin/courses/importrun/",
        "/admin/courses/enrollment/",
        "/admin/courses/lessonprogress/",
    ],
)
def test_admin_pages_open_for_instructors_only(url, instructor, student, anonymous, seed_course):
    assert instructor.get(url).status_code == 200
    assert student.get(url).status_code == 302
    assert anonymous.get(url).status_code == 302


def test_admin_reimport_action_runs_an_import_and_records_it(
    instructor: Client, seed_course, django_capture_on_commit_callbacks
):
    Lesson.objects.filter(slug="billing").update(is_archived=True)

    with django_capture_on_commit_callbacks(execute=True):
        response = instructor.post(
            "/admin/courses/course/",
            {"action": "reimport", "_selected_action": [seed_course.pk]},
            follow=True,
        )

    assert response.status_code == 200
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.SUCCEEDED, run.error
    assert run.requested_by == instructor.user
    assert run.report["lessons"]["restored"] == 1
    assert not Lesson.objects.get(slug="billing").is_archived


def test_admin_dry_run_action_changes_nothing(
    instructor: Client, seed_course, django_capture_on_commit_callbacks
):
    Lesson.objects.filter(slug="billing").update(is_archived=True)

    with django_capture_on_commit_callbacks(execute=True):
        instructor.post(
            "/admin/courses/course/",
            {"action": "reimport_dry_run", "_selected_action": [seed_course.pk]},
        )

    assert ImportRun.objects.get().report["lessons"]["restored"] == 1
    assert Lesson.objects.get(slug="billing").is_archived


def test_quickstart_sets_up_everything_and_can_run_again(db, capsys, settings):
    settings.DEBUG = True

    call_command("quickstart", "--no-serve")
    first = capsys.readouterr().out
    call_command("quickstart", "--no-serve")
    second = capsys.readouterr().out

    assert "lessons   38 created" in first
    assert "lessons   0 created, 0 updated, 38 unchanged" in second
    assert "instructor@lectern.localhost  /  lectern-instructor" in second
    assert "student@lectern.localhost  /  lectern-student" in second
    assert Course.objects.count() == 1
    instructor = User.objects.get(email="instructor@lectern.localhost")
    assert instructor.is_staff and instructor.check_password("lectern-instructor")
    assert instructor.groups.filter(name="Instructors").exists()
    student = User.objects.get(email="student@lectern.localhost")
    assert not student.is_staff
    client = Client()
    assert client.login(email="student@lectern.localhost", password="lectern-student")


def test_quickstart_refuses_to_run_in_production(db, settings):
    from django.core.management import CommandError

    settings.DEBUG = False

    with pytest.raises(CommandError, match="only runs with DEBUG on"):
        call_command("quickstart", "--no-serve")
    assert not User.objects.exists()


def test_instructors_edit_a_lesson_in_the_admin_and_it_is_rendered_sanitized(
    instructor: Client, seed_course
):
    lesson = Lesson.objects.get(slug="billing")
    url = f"/admin/courses/lesson/{lesson.pk}/change/"

    response = instructor.post(
        url,
        {
            "title": "Billing",
            "position": lesson.position,
            "body_markdown": "Budgets **matter**.\n\n<script>alert(1)</script>\n",
        },
    )

    assert response.status_code == 302
    lesson.refresh_from_db()
    assert "<strong>matter</strong>" in lesson.body_html
    assert "<script>" not in lesson.body_html
    assert lesson.word_count > 0
    assert lesson.body_markdown.startswith("Budgets")


def test_instructors_edit_a_chapter_introduction_and_students_see_it(
    instructor: Client, anonymous: Client, seed_course
):
    from courses.models import Chapter

    chapter = Chapter.objects.get(position=2)

    response = instructor.post(
        f"/admin/courses/chapter/{chapter.pk}/change/",
        {
            "title": chapter.title,
            "position": chapter.position,
            "intro_markdown": "Identity and **access** management.",
            "is_published": "on",
            "lessons-TOTAL_FORMS": "0",
            "lessons-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content[:2000]
    page = anonymous.get(chapter.get_absolute_url()).content.decode()
    assert "<strong>access</strong>" in page


def test_the_demo_instructor_authors_without_being_a_superuser(db, settings, capsys):
    settings.DEBUG = True
    call_command("quickstart", "--no-serve")
    client = Client()
    client.login(email="instructor@lectern.localhost", password="lectern-instructor")

    assert not User.objects.get(email="instructor@lectern.localhost").is_superuser
    assert client.get("/admin/courses/lesson/").status_code == 200
    assert client.get("/admin/quizzes/quiz/").status_code == 200
    # People's accounts stay with superusers.
    assert client.get("/admin/accounts/user/").status_code == 403


def test_grant_instructor_makes_an_account_an_author(db, capsys):
    from tests.factories import UserFactory

    user = UserFactory(email="teacher@example.com")

    call_command("grant_instructor", "TEACHER@example.com")

    user.refresh_from_db()
    assert user.is_staff
    assert user.groups.filter(name="Instructors").exists()
    assert user.has_perm("courses.change_lesson")
    assert not user.has_perm("accounts.change_user")
    assert "is now an instructor" in capsys.readouterr().out


def test_grant_instructor_explains_an_unknown_email(db):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No account"):
        call_command("grant_instructor", "nobody@example.com")


def test_an_admin_edit_survives_reimport_until_the_source_changes(
    instructor: Client, course_dir, db
):
    from courses.services import course_import

    course_import(course_dir=course_dir)
    lesson = Lesson.objects.get(slug="billing")
    instructor.post(
        f"/admin/courses/lesson/{lesson.pk}/change/",
        {"title": "Billing", "position": lesson.position, "body_markdown": "Fixed in the admin."},
    )

    report = course_import(course_dir=course_dir)
    lesson.refresh_from_db()
    assert lesson.body_markdown == "Fixed in the admin."
    assert report.lessons.unchanged == 38

    notes = course_dir / "notes.md"
    notes.write_text(notes.read_text().replace("## Billing\n", "## Billing\n\nNew in the file.\n"))
    course_import(course_dir=course_dir)
    lesson.refresh_from_db()
    assert lesson.body_markdown.startswith("New in the file.")


def test_an_admin_edit_outlives_a_renderer_upgrade(instructor: Client, course_dir, db, monkeypatch):
    from courses import services

    services.course_import(course_dir=course_dir)
    lesson = Lesson.objects.get(slug="billing")
    instructor.post(
        f"/admin/courses/lesson/{lesson.pk}/change/",
        {"title": "Billing", "position": lesson.position, "body_markdown": "Fixed in the admin."},
    )
    monkeypatch.setattr(services, "RENDERER_VERSION", "next")

    report = services.course_import(course_dir=course_dir)

    lesson.refresh_from_db()
    assert lesson.body_markdown == "Fixed in the admin."
    assert lesson.edited_at is not None
    # Every other lesson is rendered again, once.
    assert (report.lessons.updated, report.lessons.unchanged) == (37, 1)
