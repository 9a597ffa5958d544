import threading
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test import Client
from django.utils import timezone

from courses.content_version import content_changed
from courses.models import Enrollment, Lesson, LessonProgress
from courses.progress import course_progress
from courses.selectors import VIEW_RECORD_EVERY
from courses.services import lesson_complete, lesson_view_record


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def _lesson(slug: str) -> Lesson:
    return Lesson.objects.select_related("chapter", "course").get(slug=slug)


def _complete_url(lesson: Lesson) -> str:
    return lesson.get_absolute_url() + "complete/"


@pytest.fixture
def lessons_only_course(course_dir):
    """The seed course without its quizzes: completion then depends on lessons alone."""
    import shutil

    from courses.services import course_import

    shutil.rmtree(course_dir / "quizzes", ignore_errors=True)
    course_import(course_dir=course_dir)
    return Lesson.objects.first().course


# --- Services -------------------------------------------------------------------------------


def test_completing_twice_leaves_one_row_and_one_completion_time(student: Client, seed_course):
    lesson = _lesson("billing")

    first = lesson_complete(user=student.user, lesson=lesson)
    second = lesson_complete(user=student.user, lesson=lesson)

    assert LessonProgress.objects.filter(user=student.user, lesson=lesson).count() == 1
    assert second.completed_at == first.completed_at


def test_viewing_a_lesson_enrolls_and_remembers_where_you_stopped(student: Client, seed_course):
    first, second = _lesson("what-is-aws"), _lesson("billing")

    lesson_view_record(user=student.user, lesson=first)
    lesson_view_record(user=student.user, lesson=second)
    lesson_view_record(user=student.user, lesson=first)

    enrollment = Enrollment.objects.get(user=student.user)
    assert enrollment.last_lesson == first
    progress = LessonProgress.objects.get(user=student.user, lesson=first)
    assert progress.first_viewed_at < progress.last_viewed_at
    assert progress.completed_at is None


def test_reloading_a_lesson_writes_nothing_until_it_changes_something(student: Client, seed_course):
    """Repeat views of the lesson last recorded cost no write (issue 13); another lesson, or
    the same one after VIEW_RECORD_EVERY, records again."""
    from django.test.utils import CaptureQueriesContext

    first, second = _lesson("what-is-aws"), _lesson("billing")
    student.get(first.get_absolute_url())
    recorded = LessonProgress.objects.get(user=student.user, lesson=first).last_viewed_at

    with CaptureQueriesContext(connection) as reload:
        assert student.get(first.get_absolute_url()).status_code == 200
    writes = [q["sql"] for q in reload if q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []
    assert LessonProgress.objects.get(user=student.user, lesson=first).last_viewed_at == recorded

    student.get(second.get_absolute_url())
    student.get(first.get_absolute_url())  # back to the first: "continue" follows
    assert Enrollment.objects.get(user=student.user).last_lesson == first
    assert lesson_view_record(user=student.user, lesson=first) is False
    # VIEW_RECORD_EVERY later:
    LessonProgress.objects.filter(user=student.user, lesson=first).update(
        last_viewed_at=timezone.now() - timedelta(seconds=VIEW_RECORD_EVERY + 1)
    )
    assert lesson_view_record(user=student.user, lesson=first) is True
    assert LessonProgress.objects.get(user=student.user, lesson=first).last_viewed_at > recorded


def test_course_completes_when_every_live_lesson_is_completed(student: Client, lessons_only_course):
    seed_course = lessons_only_course
    lessons = list(Lesson.objects.select_related("course", "chapter"))
    for lesson in lessons[:-1]:
        lesson_complete(user=student.user, lesson=lesson)
    assert Enrollment.objects.get(user=student.user).completed_at is None

    lesson_complete(user=student.user, lesson=lessons[-1])

    assert Enrollment.objects.get(user=student.user).completed_at is not None
    assert course_progress(user=student.user, course=seed_course).percent == 100


def test_archived_lessons_do_not_count_toward_completion(student: Client, lessons_only_course):
    seed_course = lessons_only_course
    lessons = list(Lesson.objects.select_related("course", "chapter"))
    Lesson.objects.filter(pk=lessons[0].pk).update(is_archived=True)
    for lesson in lessons[1:]:
        lesson_complete(user=student.user, lesson=lesson)

    progress = course_progress(user=student.user, course=seed_course)
    assert (progress.lessons_done, progress.lessons_total) == (37, 37)
    assert Enrollment.objects.get(user=student.user).completed_at is not None


def test_progress_survives_reimport_and_archiving(student: Client, course_dir, db):
    from courses.services import course_import

    course_import(course_dir=course_dir)
    billing = _lesson("billing")
    lesson_complete(user=student.user, lesson=billing)
    notes = course_dir / "notes.md"
    original = notes.read_text()

    notes.write_text(original.replace("## Billing", "### Billing"))
    course_import(course_dir=course_dir)
    assert LessonProgress.objects.filter(lesson=billing, completed_at__isnull=False).exists()

    notes.write_text(original)
    course_import(course_dir=course_dir)
    course = billing.course
    assert billing.pk in {
        p.lesson_id for p in LessonProgress.objects.filter(user=student.user, course=course)
    }
    assert course_progress(user=student.user, course=course).lessons_done == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serializes writers; the race is run on PostgreSQL (CI sets DATABASE_URL)",
)
@pytest.mark.django_db(transaction=True)
def test_simultaneous_completes_leave_one_row(seed_course_transactional):
    """Two requests racing on the same lesson (on PostgreSQL in CI: real concurrent sessions)."""
    from tests.factories import UserFactory

    user = UserFactory()
    lesson = _lesson("billing")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def complete() -> None:
        try:
            barrier.wait()
            lesson_complete(user=user, lesson=lesson)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=complete) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    rows = LessonProgress.objects.filter(user=user, lesson=lesson)
    assert rows.count() == 1
    assert rows.get().completed_at is not None
    assert Enrollment.objects.filter(user=user).count() == 1


# --- Views ----------------------------------------------------------------------------------


def test_mark_complete_with_htmx_returns_button_progress_and_checkmark(
    student: Client, seed_course
):
    lesson = _lesson("billing")

    response = student.post(_complete_url(lesson), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    soup = _soup(response)
    assert soup.find("html") is None
    # The form (focus goes to its new button), and one sentence for the status line, which
    # is on the page already (a live region that exists before the change).
    button = soup.select_one("#lesson-completion-form button[data-focus-after-swap]")
    assert button.get_text(strip=True) == "Mark as not complete"
    status = soup.select_one('[data-hx-swap-oob="innerHTML:#lesson-completion-status"]')
    assert status.get_text(" ", strip=True) == "✓ You completed this lesson: 1 of 38 done."
    assert soup.select("[role=status]") == []  # no fresh live region in the answer
    bar = soup.select_one("#course-progress[data-hx-swap-oob]")
    assert "1 of 38" in bar.get_text(" ", strip=True)
    check = soup.select_one(f"#chapter-nav-lesson-{lesson.pk}[data-hx-swap-oob]")
    assert check is not None
    assert "Completed" in check.get_text(" ", strip=True)


def test_mark_complete_without_javascript_redirects_back_to_the_lesson(
    student: Client, seed_course
):
    lesson = _lesson("billing")

    response = student.post(_complete_url(lesson))

    assert response.status_code == 302
    assert response["Location"] == lesson.get_absolute_url()
    page = _soup(student.get(lesson.get_absolute_url()))
    assert "1 of 38" in page.select_one("#course-progress").get_text(" ", strip=True)


def test_undo_marks_the_lesson_incomplete(student: Client, seed_course):
    lesson = _lesson("billing")
    student.post(_complete_url(lesson))

    student.post(_complete_url(lesson), {"undo": "1"})

    assert LessonProgress.objects.get(user=student.user, lesson=lesson).completed_at is None


def test_mark_complete_needs_login_and_post(anonymous: Client, student: Client, seed_course):
    lesson = _lesson("billing")

    assert anonymous.post(_complete_url(lesson))["Location"].startswith("/accounts/login/")
    assert student.get(_complete_url(lesson)).status_code == 405
    assert not LessonProgress.objects.exists()


def test_mark_complete_checks_csrf(seed_course, student: Client):
    lesson = _lesson("billing")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(student.user)

    assert strict.post(_complete_url(lesson), headers={"HX-Request": "true"}).status_code == 403


def test_enroll_button_enrolls_once(student: Client, seed_course):
    url = f"{seed_course.get_absolute_url()}enroll/"

    student.post(url)
    response = student.post(url)

    assert response.status_code == 302
    assert Enrollment.objects.filter(user=student.user).count() == 1
    soup = _soup(student.get(seed_course.get_absolute_url()))
    assert "Enrolled" in soup.select_one(".course-header").get_text(" ", strip=True)


def test_course_page_shows_progress_checkmarks_and_continue(student: Client, seed_course):
    billing, mfa = _lesson("billing"), _lesson("mfa")
    lesson_complete(user=student.user, lesson=billing)
    student.get(mfa.get_absolute_url())

    soup = _soup(student.get(seed_course.get_absolute_url()))

    done = [li.a.get_text(strip=True) for li in soup.select(".outline__lesson--done")]
    assert done == ["Billing"]
    assert soup.select_one("a.continue")["href"] == mfa.get_absolute_url()
    assert "1 of 38" in soup.select_one("#course-progress").get_text(" ", strip=True)


def test_a_student_never_sees_another_students_progress(
    student: Client, other_student: Client, seed_course
):
    billing = _lesson("billing")
    lesson_complete(user=student.user, lesson=billing)
    student.get(billing.get_absolute_url())

    lesson_page = _soup(other_student.get(billing.get_absolute_url()))  # enrolls them
    course_page = _soup(other_student.get(seed_course.get_absolute_url()))
    dashboard = _soup(other_student.get("/learning/"))

    assert course_page.select(".outline__lesson--done") == []
    assert "0 of 38" in course_page.select_one("#course-progress").get_text(" ", strip=True)
    assert "0 of 38" in lesson_page.select_one("#course-progress").get_text(" ", strip=True)
    # other_student opened billing only now: their dashboard shows 0 completed.
    assert "0 of 38" in dashboard.select_one(".progress").get_text(" ", strip=True)


def test_dashboard_lists_enrolled_courses_with_progress_and_next_lesson(
    student: Client, seed_course
):
    first = Lesson.objects.select_related("course", "chapter").order_by(
        "chapter__position", "position"
    )
    lesson_complete(user=student.user, lesson=first[0])
    student.get(first[5].get_absolute_url())

    soup = _soup(student.get("/learning/"))

    entry = soup.select_one(".dashboard-entry")
    assert entry.h2.get_text(strip=True) == "AWS Cloud Fundamentals"
    assert "1 of 38" in entry.select_one(".progress").get_text(" ", strip=True)
    assert entry.select_one("a.continue")["href"] == first[5].get_absolute_url()
    assert entry.select_one("a.next-lesson")["href"] == first[1].get_absolute_url()


def test_dashboard_is_empty_for_a_new_student(student: Client, seed_course):
    soup = _soup(student.get("/learning/"))

    assert soup.select(".dashboard-entry") == []
    assert "not enrolled" in soup.get_text().lower()


def test_dashboard_sends_anonymous_visitors_to_log_in(anonymous: Client, db):
    assert anonymous.get("/learning/")["Location"].startswith("/accounts/login/")


def test_catalog_marks_enrolled_courses_for_the_student_only(
    student: Client, other_student: Client, seed_course
):
    student.post(f"{seed_course.get_absolute_url()}enroll/")

    mine = _soup(student.get("/")).select_one(".card")
    theirs = _soup(other_student.get("/")).select_one(".card")

    assert "Enrolled" in mine.get_text(" ", strip=True)
    assert "Enrolled" not in theirs.get_text(" ", strip=True)


def test_dashboard_and_course_page_query_counts_do_not_grow(
    student: Client, other_student: Client, seed_course, django_assert_num_queries
):
    for lesson in Lesson.objects.select_related("course", "chapter")[:10]:
        lesson_complete(user=student.user, lesson=lesson)
        lesson_complete(user=other_student.user, lesson=lesson)

    # The course's row, structure and quizzes are read once per content version and kept,
    # and the student's review counts until something changes them (review.due_cache).
    student.get(seed_course.get_absolute_url())
    # session, user, enrollments (with their courses' versions and lessons done), attempts
    with django_assert_num_queries(4) as dashboard_queries:
        student.get("/learning/")
    # session, user, course (its version, and the student's place in it and enrollment),
    # attempts
    with django_assert_num_queries(4) as course_queries:
        student.get(seed_course.get_absolute_url())

    for lesson in Lesson.objects.select_related("course", "chapter")[10:30]:
        lesson_complete(user=student.user, lesson=lesson)
    with django_assert_num_queries(len(dashboard_queries)):
        student.get("/learning/")
    with django_assert_num_queries(len(course_queries)):
        student.get(seed_course.get_absolute_url())


def test_continue_never_points_at_an_archived_chapter(student: Client, seed_course):
    from courses.models import Chapter

    mfa = _lesson("mfa")
    student.get(mfa.get_absolute_url())
    # As the admin's Archive action does it.
    Chapter.objects.filter(pk=mfa.chapter_id).update(is_archived=True)
    content_changed(course_ids=[seed_course.pk])

    soup = _soup(student.get(seed_course.get_absolute_url()))

    assert soup.select_one("a.continue") is None
    start = soup.select_one(".course-header .button")
    assert start.get_text(strip=True) == "Start the course"
