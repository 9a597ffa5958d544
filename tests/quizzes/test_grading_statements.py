"""Grading's own SQL (quizzes.grading) and the statistics debounce a worker keeps in memory
(quizzes.tasks): what the faster grading of issue 13 must still do."""

from decimal import Decimal

import pytest
from django.db import connection

from courses.content_version import content_changed
from courses.models import Enrollment, Lesson
from courses.services import course_import, lesson_complete
from quizzes import tasks
from quizzes.attempts import answer_save, attempt_start
from quizzes.grading import attempt_grade
from quizzes.models import Answer, Attempt, Question, Quiz
from tests.factories import UserFactory

RIGHT = {"Pick": 0, "Many": [0, 1], "TF": True, "Short": "elastic compute cloud", "Num": "3"}


def _submitted(quiz: Quiz, user, responses: dict[str, object]) -> Attempt:
    attempt = attempt_start(quiz=quiz, user=user)
    for key, response in responses.items():
        answer_save(
            attempt=attempt, question=Question.objects.get(quiz=quiz, key=key), response=response
        )
    Attempt.objects.filter(pk=attempt.pk).update(status=Attempt.Status.SUBMITTED)
    return attempt


def test_an_attempt_whose_only_answer_is_an_essay_waits_for_review(tiny, tiny_dir, student):
    # Every mark written is NULL: PostgreSQL must still read the column as a number.
    gift_path = tiny_dir / "quizzes" / "basics.gift"
    gift_path.write_text(gift_path.read_text() + "\n::Essay:: Explain regions. {}\n")
    course_import(course_dir=tiny_dir)
    quiz = Quiz.objects.get(key="basics")
    attempt = _submitted(quiz, student.user, {"Essay": "A region is a cluster."})

    graded = attempt_grade(attempt_id=attempt.pk)

    assert graded is not None and graded.needs_review and not graded.passed
    essay = Answer.objects.get(attempt=attempt)
    assert (essay.fraction, essay.feedback, essay.needs_review) == (None, [], True)
    assert Attempt.objects.get(pk=attempt.pk).score == 0


def test_grading_marks_only_its_own_attempts_answers(basics_quiz, student):
    other = _submitted(basics_quiz, UserFactory(), {"Pick": 1, "TF": False})
    mine = _submitted(basics_quiz, student.user, {"Pick": 0, "TF": True})

    attempt_grade(attempt_id=mine.pk)

    assert set(Answer.objects.filter(attempt=other).values_list("fraction", flat=True)) == {None}
    marks = dict(Answer.objects.filter(attempt=mine).values_list("question__key", "fraction"))
    assert marks == {"Pick": Decimal(1), "TF": Decimal(1)}
    assert Attempt.objects.get(pk=other.pk).status == Attempt.Status.SUBMITTED


def test_passing_the_chapter_quiz_completes_the_course_and_a_last_failed_one_undoes_it(
    basics_quiz, student
):
    for lesson in Lesson.objects.filter(course=basics_quiz.course):
        lesson_complete(user=student.user, lesson=lesson)
    enrollment = Enrollment.objects.filter(user=student.user, course=basics_quiz.course)
    assert enrollment.get().completed_at is None

    passed = attempt_grade(attempt_id=_submitted(basics_quiz, student.user, RIGHT).pk)

    assert passed is not None and passed.passed
    assert enrollment.get().completed_at is not None
    # As a staff edit in the admin does it: the quiz's settings are part of the content.
    Quiz.objects.filter(pk=basics_quiz.pk).update(attempt_counts="last")
    content_changed(course_ids=[basics_quiz.course_id])
    failed = attempt_grade(attempt_id=_submitted(basics_quiz, student.user, {"TF": False}).pk)
    assert failed is not None and not failed.passed
    assert enrollment.get().completed_at is None


@pytest.fixture
def queued(db, monkeypatch):
    """quiz_statistics_refresh_soon as on a worker (not eager), counting what reaches the
    cache and the broker."""
    from config.celery_app import app

    app.conf.task_always_eager = False  # the suite's _celery_eager fixture puts it back
    monkeypatch.setattr(tasks, "_queued_until", {})
    calls = {"add": 0, "queued": 0}
    real_add = tasks.cache.add

    def add(*args, **kwargs):
        calls["add"] += 1
        return real_add(*args, **kwargs)

    monkeypatch.setattr(tasks.cache, "add", add)
    monkeypatch.setattr(
        tasks.quiz_statistics_refresh,
        "apply_async",
        lambda *args, **kwargs: calls.__setitem__("queued", calls["queued"] + 1),
    )
    return calls


def test_a_burst_of_gradings_asks_the_cache_once_while_its_statistics_refresh_waits(
    queued, monkeypatch, committed
):
    now = [1000.0]
    monkeypatch.setattr(tasks.time, "monotonic", lambda: now[0])

    with committed():
        for _ in range(5):
            tasks.quiz_statistics_refresh_soon(7)
    assert queued == {"add": 1, "queued": 1}
    with committed():
        tasks.quiz_statistics_refresh_soon(8)  # another quiz has its own
    assert queued == {"add": 2, "queued": 2}
    tasks.cache.clear()  # the key is gone, and the refresh still waits: nothing new
    with committed():
        tasks.quiz_statistics_refresh_soon(7)
    assert queued == {"add": 2, "queued": 2}
    now[0] += tasks.STATISTICS_DELAY_SECONDS + 1  # it has run: the next grading asks again
    with committed():
        tasks.quiz_statistics_refresh_soon(7)
    assert queued == {"add": 3, "queued": 3}


def test_a_refresh_queued_by_another_process_is_not_queued_again(queued, committed):
    tasks.cache.set("quizzes:statistics-queued:7", 1, 60)  # another worker's

    with committed():
        tasks.quiz_statistics_refresh_soon(7)
        tasks.quiz_statistics_refresh_soon(7)

    assert queued == {"add": 2, "queued": 0}  # not known here: asks the cache each time


def test_a_pass_before_the_last_lesson_skips_the_completion_refresh(
    basics_quiz, student, django_assert_num_queries
):
    lessons = list(Lesson.objects.filter(course=basics_quiz.course))
    for lesson in lessons[:-1]:
        lesson_complete(user=student.user, lesson=lesson)
    enrollment = Enrollment.objects.filter(user=student.user, course=basics_quiz.course)
    attempt = _submitted(basics_quiz, student.user, RIGHT)
    # Another student's pass first: the process then keeps the course's row at this version.
    attempt_grade(attempt_id=_submitted(basics_quiz, UserFactory(), RIGHT).pk)
    # Savepoint, the attempt with all grading reads, the marks and the claim (one statement
    # on PostgreSQL), release: a pass with a lesson left to read cannot complete the course.
    with django_assert_num_queries(4 if connection.vendor == "postgresql" else 5):
        assert attempt_grade(attempt_id=attempt.pk).passed
    assert enrollment.get().completed_at is None
    # The last lesson completes the course (its own refresh sees the pass).
    lesson_complete(user=student.user, lesson=lessons[-1])
    assert enrollment.get().completed_at is not None


def test_a_pass_after_the_last_lesson_refreshes_completion_even_with_lessons_archived(
    basics_quiz, student
):
    lessons = list(Lesson.objects.filter(course=basics_quiz.course).order_by("pk"))
    for lesson in lessons:
        lesson_complete(user=student.user, lesson=lesson)
    # An archived lesson the student completed still counts among the done ones read with
    # the attempt; the refresh decides on the live ones.
    Lesson.objects.filter(pk=lessons[0].pk).update(is_archived=True)
    content_changed(course_ids=[basics_quiz.course_id])
    enrollment = Enrollment.objects.filter(user=student.user, course=basics_quiz.course)
    assert enrollment.get().completed_at is None

    assert attempt_grade(attempt_id=_submitted(basics_quiz, student.user, RIGHT).pk).passed

    assert enrollment.get().completed_at is not None


def test_a_pass_on_a_completed_course_that_has_grown_clears_its_completion(basics_quiz, student):
    lessons = list(Lesson.objects.filter(course=basics_quiz.course).order_by("pk"))
    for lesson in lessons:
        lesson_complete(user=student.user, lesson=lesson)
    enrollment = Enrollment.objects.filter(user=student.user, course=basics_quiz.course)
    assert attempt_grade(attempt_id=_submitted(basics_quiz, student.user, RIGHT).pk).passed
    assert enrollment.get().completed_at is not None
    # A lesson is added (as a re-import would): the next graded result finds it unread.
    Lesson.objects.create(
        course=basics_quiz.course,
        chapter=lessons[0].chapter,
        title="New",
        slug="new",
        position=99,
    )
    content_changed(course_ids=[basics_quiz.course_id])

    assert attempt_grade(attempt_id=_submitted(basics_quiz, student.user, RIGHT).pk).passed

    assert enrollment.get().completed_at is None
